"""Every table has an admin, every admin page renders, and no page loads a whole table.

The per-app admin tests (test_admin_<app>.py) check what each page shows; this file checks the
rules every admin follows, for all of them at once.
"""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.widgets import (
    AutocompleteMixin,
    ForeignKeyRawIdWidget,
    ManyToManyRawIdWidget,
)
from django.forms import ModelChoiceField
from django.test import RequestFactory
from django.utils.html import escape

from catalog.models import Tag
from orders.models import CartTotal, Order, OrderStatus, PaymentStatus
from shop.admin_base import ShopModelAdmin, SoftDeleteAdmin
from shop.audit import row_history
from shop.db.triggers import refuse
from tests.admin_support import admin_url as url
from tests.admin_support import form_data, shown_messages
from tests.factories import CartItemFactory, OrderFactory, TagFactory
from tests.support import execute
from tests.test_factories import factory_by_model

PROJECT_APPS = ("shop", "accounts", "catalog", "orders", "content", "notifications")


def project_models() -> list:
    # Django 5.2's admin cannot register a model with a composite primary key
    # (product_categories): the product page edits those rows instead.
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label in PROJECT_APPS and not m._meta.is_composite_pk
    ]


def admin_of(model):
    return admin.site._registry[model]


def a_row_of(model):
    if model is CartTotal:  # a view: a cart with a line has a total
        return CartTotal.objects.get(cart=CartItemFactory().cart)
    return factory_by_model()[model]()


def test_every_model_of_the_project_is_in_the_admin():
    missing = [m._meta.label for m in project_models() if m not in admin.site._registry]
    assert missing == []


def test_every_admin_builds_on_the_shop_defaults():
    for model in project_models():
        model_admin = admin_of(model)
        assert isinstance(model_admin, ShopModelAdmin), model._meta.label
        # Soft-deleted rows stay reachable: every soft-delete table lists through all_objects.
        assert isinstance(model_admin, SoftDeleteAdmin) == hasattr(model, "all_objects"), (
            model._meta.label
        )


@pytest.mark.django_db
def test_no_form_loads_a_whole_related_table(staff_with_role):
    request = RequestFactory().get("/admin/")
    request.user = staff_with_role("super_admin")
    offenders = []
    for model in project_models():
        model_admin = admin_of(model)
        forms = [model_admin.get_form(request)]
        forms += [
            inline.get_formset(request).form for inline in model_admin.get_inline_instances(request)
        ]
        for form in forms:
            for name, field in form.base_fields.items():
                widget = getattr(field.widget, "widget", field.widget)  # unwrap the "+" wrapper
                if isinstance(field, ModelChoiceField) and not isinstance(
                    widget, ForeignKeyRawIdWidget | ManyToManyRawIdWidget | AutocompleteMixin
                ):
                    offenders.append(f"{form._meta.model._meta.label}.{name}")
    assert offenders == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", project_models(), ids=lambda m: m._meta.label)
def test_the_changelist_and_change_page_of_every_table_render(super_admin_client, model):
    row = a_row_of(model)

    everything = {"deleted": "all"} if hasattr(model, "all_objects") else {}
    listing = super_admin_client.get(url(model, "changelist"), everything)
    assert listing.status_code == 200
    assert url(model, "change", row.pk) in listing.content.decode()

    page = super_admin_client.get(url(model, "change", row.pk))
    assert page.status_code == 200
    assert escape(str(row)) in page.content.decode()


@pytest.mark.django_db
def test_every_shop_permission_translates_to_django_permissions_that_exist():
    from django.contrib.auth.models import Permission as DjangoPermission

    from accounts.admin_access import ADMIN_PERMISSIONS
    from shop.seeds import PERMISSIONS

    assert set(ADMIN_PERMISSIONS) == set(PERMISSIONS)
    existing = {
        f"{app}.{codename}"
        for app, codename in DjangoPermission.objects.values_list(
            "content_type__app_label", "codename"
        )
    }
    named = set().union(*ADMIN_PERMISSIONS.values())
    assert named - existing == set()


@pytest.mark.django_db
def test_createsuperuser_also_grants_the_super_admin_role_once_seeded(monkeypatch):
    from django.core.management import call_command

    from accounts.models import User
    from shop.seeds import apply_defaults

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-password-1")
    call_command("createsuperuser", "--noinput", email="early@example.com", verbosity=0)
    apply_defaults(dry_run=False)
    call_command("createsuperuser", "--noinput", email="root@example.com", verbosity=0)

    roles = dict(User.objects.values_list("email", "user_roles__role__name"))
    assert roles == {"early@example.com": None, "root@example.com": "super_admin"}


@pytest.mark.django_db
def test_a_refusal_of_the_database_is_a_message_naming_the_rule_and_nothing_is_saved(
    super_admin_client,
):
    tag = TagFactory(name="Cotton")
    # A rule only the database knows (the forms cannot check a trigger).
    execute(
        f"""CREATE FUNCTION pg_temp.no_renames() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {refuse("tags_names_are_final", "tag % keeps its name", "OLD.slug")} END $$;
        CREATE TRIGGER no_renames BEFORE UPDATE OF name ON tags
        FOR EACH ROW EXECUTE FUNCTION pg_temp.no_renames()"""
    )
    change = url(Tag, "change", tag.pk)
    data = form_data(super_admin_client.get(change)) | {"name": "Linen"}

    response = super_admin_client.post(change, data, follow=True)

    assert response.redirect_chain == [(change, 302)]
    assert shown_messages(response) == [
        f"Refused by the database (tags_names_are_final): "
        f"tags_names_are_final: tag {tag.slug} keeps its name"
    ]
    assert Tag.objects.get(pk=tag.pk).name == "Cotton"


@pytest.mark.django_db
def test_a_save_writes_only_what_the_form_changed_and_records_who(
    super_admin_client, staff_with_role
):
    order = OrderFactory(order_status=OrderStatus.PENDING, payment_status=PaymentStatus.PENDING)
    staff = super_admin_client.get(url(Order, "change", order.pk))
    # Meanwhile a payment webhook marks the order paid.
    Order.objects.filter(pk=order.pk).update(payment_status=PaymentStatus.PAID)

    data = form_data(staff) | {"order_status": OrderStatus.CONFIRMED}
    response = super_admin_client.post(url(Order, "change", order.pk), data)

    assert response.status_code == 302
    saved = Order.objects.get(pk=order.pk)
    staff_user = response.wsgi_request.user
    assert (saved.order_status, saved.payment_status) == (OrderStatus.CONFIRMED, PaymentStatus.PAID)
    assert saved.updated_by == staff_user
    entry = row_history(table="orders", row_id=str(order.pk)).first()
    assert (entry.action, entry.user) == ("update", staff_user)
