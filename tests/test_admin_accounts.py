"""The admin of accounts, notifications and the audit trail, and who the roles let in.

Users, roles and the audit log as a super admin sees them; then the access rules of
accounts.admin_access through the admin's own pages: customers stay out, an admin runs the shop
but not its roles, a super_admin role is enough for everything, and a deleted role or an
inactive account grants nothing.
"""

import hashlib
import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Invitation, Role, User
from notifications.models import Notification, NotificationDeliveryLog
from shop.models import AuditLog
from tests.admin_support import admin_url
from tests.factories import (
    AuditLogFactory,
    EmailOtpFactory,
    InvitationFactory,
    NotificationDeliveryLogFactory,
    NotificationFactory,
    UserFactory,
    UserRoleFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # the factories' password
REFUSED_LOGIN = (
    "Please enter the correct email and password for a staff account. "
    "Note that both fields may be case-sensitive."
)


def page(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def password_url(user: User) -> str:
    # Django's UserAdmin names this URL after auth.User, whatever the user model.
    return reverse("admin:auth_user_password_change", args=[user.pk])


def log_in(client, user: User):
    return client.post(
        reverse("admin:login"), {"username": user.email, "password": PASSWORD, "next": "/admin/"}
    )


# --- users -------------------------------------------------------------------------------


def test_the_user_list_finds_a_user_by_the_start_of_their_email(super_admin_client):
    ada = UserFactory(email="ada.lovelace@example.com")
    other = UserFactory(email="grace@example.com")

    listing = page(super_admin_client, admin_url(User, "changelist"), q="Ada.Love")

    assert admin_url(User, "change", ada.pk) in listing
    assert admin_url(User, "change", other.pk) not in listing


def test_the_user_list_shows_names_and_roles(super_admin_client, staff_with_role):
    user = staff_with_role("support", first_name="Ada", last_name="Lovelace")
    UserRoleFactory(user=user, role=Role.objects.get(name="warehouse"))
    UserRoleFactory(user=user).role.delete()  # a deleted role is no role

    listing = page(super_admin_client, admin_url(User, "changelist"), q=user.email)

    assert '<td class="field-name">Ada Lovelace</td>' in listing
    assert '<td class="field-roles">support, warehouse</td>' in listing


def test_a_users_change_page_lists_their_roles_and_links_to_the_password_form(
    super_admin_client, staff_with_role
):
    user = staff_with_role("support")
    UserRoleFactory(user=user, role=Role.objects.get(name="warehouse"))

    html = page(super_admin_client, admin_url(User, "change", user.pk))

    selected = re.findall(r'name="user_roles-\d+-role".*?selected>([a-z_]+)</option>', html, re.S)
    assert sorted(selected) == ["support", "warehouse"]
    # The password as Django shows it: the hash's summary, never the hash, and the form's link.
    assert "<strong>algorithm</strong>: <bdi>md5</bdi>" in html
    assert user.password.split("$")[-1] not in html
    assert '<a class="button" href="../password/">Reset password</a>' in html


def test_the_super_admin_sets_a_users_password_through_the_admin_form(super_admin_client):
    user = UserFactory(email="forgetful@example.com")
    url = password_url(user)
    assert url == f"/admin/accounts/user/{user.pk}/password/"
    assert "Change password: forgetful@example.com" in page(super_admin_client, url)

    response = super_admin_client.post(
        url,
        {
            "usable_password": "true",
            "password1": "a brand new pass 42",
            "password2": "a brand new pass 42",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == admin_url(User, "change", user.pk)
    assert authenticate(email="forgetful@example.com", password="a brand new pass 42") == user
    assert authenticate(email="forgetful@example.com", password=PASSWORD) is None


def test_adding_a_user_stores_the_email_in_lower_case(super_admin_client):
    response = super_admin_client.post(
        admin_url(User, "add"),
        {
            "email": "New.Person@Example.com",
            "usable_password": "true",
            "password1": "a long new password 7",
            "password2": "a long new password 7",
        },
    )

    user = User.objects.get(email="new.person@example.com")
    assert response.status_code == 302
    assert response["Location"] == admin_url(User, "change", user.pk)
    assert user.check_password("a long new password 7")
    assert (user.is_staff, user.is_superuser) == (False, False)


def test_a_deleted_users_email_is_refused_with_a_reason(super_admin_client):
    UserFactory(email="gone@example.com").delete()

    response = super_admin_client.post(
        admin_url(User, "add"),
        {"email": "Gone@example.com", "usable_password": "false"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "email": ["A deleted user has this email: restore them (list the deleted users)."]
    }
    assert User.all_objects.filter(email="gone@example.com").count() == 1


def test_a_soft_deleted_user_is_listed_only_among_the_deleted(super_admin_client):
    alive = UserFactory()
    gone = UserFactory()
    gone.delete()

    default = page(super_admin_client, admin_url(User, "changelist"))
    deleted = page(super_admin_client, admin_url(User, "changelist"), deleted="yes")

    assert admin_url(User, "change", alive.pk) in default
    assert admin_url(User, "change", gone.pk) not in default
    assert admin_url(User, "change", gone.pk) in deleted
    assert admin_url(User, "change", alive.pk) not in deleted


def test_groups_are_not_in_the_admin():
    # The shop's users have no groups; their rights come from roles.
    assert not admin.site.is_registered(Group)


# --- roles, invitations, OTPs --------------------------------------------------------------


def test_a_role_page_shows_its_permissions_inline(super_admin_client, staff_with_role):
    staff_with_role("support")  # seeds the roles
    support = Role.objects.get(name="support")

    html = page(super_admin_client, admin_url(Role, "change", support.pk))

    shown = re.findall(
        r'name="role_permissions-\d+-permission".*?selected>([a-z_.]+)</option>', html, re.S
    )
    assert sorted(shown) == [
        "customers.change",
        "customers.view",
        "invoices.view",
        "orders.cancel",
        "orders.view",
        "products.view",
        "reviews.moderate",
    ]


def test_invitation_and_otp_pages_never_show_the_hashes(super_admin_client):
    invitation = InvitationFactory()
    otp = EmailOtpFactory()

    pages = [
        page(super_admin_client, admin_url(Invitation, "changelist")),
        page(super_admin_client, admin_url(Invitation, "change", invitation.pk)),
        page(super_admin_client, admin_url(type(otp), "changelist")),
        page(super_admin_client, admin_url(type(otp), "change", otp.pk)),
    ]

    assert invitation.email in pages[0] and otp.email in pages[2]
    for html in pages:
        assert invitation.token_hash not in html
        assert otp.code_hash not in html
        assert "token_hash" not in html and "code_hash" not in html


def test_a_new_invitation_stores_the_hash_of_the_token_it_shows_once(super_admin_client):
    role = Role.objects.get(name="support")

    response = super_admin_client.post(
        admin_url(Invitation, "add"),
        {
            "email": "new.staff@example.com",
            "role": role.pk,
            "status": "pending",
            "expires_at_0": "2099-01-01",
            "expires_at_1": "00:00:00",
        },
        follow=True,
    )

    invitation = Invitation.objects.get(email="new.staff@example.com")
    shown = [str(m) for m in response.context["messages"] if "shown once" in str(m)]
    assert len(shown) == 1
    token = shown[0].rsplit(": ", 1)[1]
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert invitation.invited_by.email == response.wsgi_request.user.email


@pytest.mark.parametrize(
    ("inviter", "role", "invited"),
    [("admin", "support", True), ("admin", "admin", False), ("super_admin", "admin", True)],
)
def test_only_a_super_admin_invites_to_an_admin_role(
    client, staff_with_role, inviter, role, invited
):
    client.force_login(staff_with_role(inviter))

    response = client.post(
        admin_url(Invitation, "add"),
        {
            "email": "next@example.com",
            "role": Role.objects.get(name=role).pk,
            "status": "pending",
            "expires_at_0": "2099-01-01",
            "expires_at_1": "00:00:00",
        },
    )

    assert Invitation.objects.filter(email="next@example.com").exists() == invited
    if not invited:
        assert response.context["adminform"].form.errors == {
            "role": ["Select a valid choice. That choice is not one of the available choices."]
        }


# --- notifications -------------------------------------------------------------------------


def test_a_notification_shows_its_delivery_attempts_read_only(super_admin_client):
    attempt = NotificationDeliveryLogFactory(
        delivered=True, provider="ses", provider_message_id="ses-msg-0001"
    )
    change_url = admin_url(Notification, "change", attempt.notification.pk)

    html = page(super_admin_client, change_url)

    shown = dict(re.findall(r'<td class="field-(\w+)">\s*<p>(.*?)</p>', html))
    assert {k: shown[k] for k in ("channel", "status", "provider", "provider_message_id")} == {
        "channel": "Email",
        "status": "Delivered",
        "provider": "ses",
        "provider_message_id": "ses-msg-0001",
    }
    assert 'name="delivery_logs-0-status"' not in html  # no inputs: evidence
    assert 'name="delivery_logs-TOTAL_FORMS" value="1"' in html
    log_url = admin_url(NotificationDeliveryLog, "change", attempt.pk)
    assert 'name="_save"' not in page(super_admin_client, log_url)
    assert super_admin_client.get(admin_url(NotificationDeliveryLog, "add")).status_code == 403


def test_the_notification_list_opens_on_the_last_30_days_and_a_search_looks_at_any_time(
    super_admin_client,
):
    now = timezone.now()
    recent = NotificationFactory(created_at=now - timedelta(days=3))
    old = NotificationFactory(created_at=now - timedelta(days=40), user=recent.user)
    url = admin_url(Notification, "changelist")

    def listed(**params) -> set:
        response = super_admin_client.get(url, params)
        assert response.status_code == 200
        return {row.pk for row in response.context["cl"].result_list}

    assert listed() == {recent.pk}
    assert listed(period="7") == {recent.pk}
    assert listed(period="365") == listed(period="all") == {recent.pk, old.pk}
    assert listed(q=recent.user.email) == {recent.pk, old.pk}
    assert listed(q=recent.user.email, period="30") == {recent.pk}


# --- the audit trail -----------------------------------------------------------------------


@pytest.fixture
def audit_row() -> AuditLog:
    return AuditLogFactory(
        table_name="orders",
        row_id="0190a0b1-0000-7000-8000-000000000001",
        changes={"status": ["pending", "paid"]},
        ip_address="203.0.113.7",
        user_agent="curl/8.5",
    )


def test_the_audit_log_lists_and_shows_a_row_as_recorded(super_admin_client, audit_row):
    listing = page(super_admin_client, admin_url(AuditLog, "changelist"))
    html = page(super_admin_client, admin_url(AuditLog, "change", audit_row.pk))

    assert admin_url(AuditLog, "change", audit_row.pk) in listing
    assert '<td class="field-table_name">orders</td>' in listing
    assert '<td class="field-row_id">0190a0b1-0000-7000-8000-000000000001</td>' in listing
    assert '<div class="readonly">Update</div>' in html
    assert '<div class="readonly">orders</div>' in html
    assert '<div class="readonly">0190a0b1-0000-7000-8000-000000000001</div>' in html
    changes = escape('{"status": ["pending", "paid"]}')
    assert f'<div class="readonly">{changes}</div>' in html
    assert '<div class="readonly">203.0.113.7</div>' in html
    assert '<div class="readonly">curl/8.5</div>' in html


def test_the_audit_log_is_view_only(super_admin_client, audit_row):
    change_url = admin_url(AuditLog, "change", audit_row.pk)

    assert super_admin_client.get(admin_url(AuditLog, "add")).status_code == 403
    assert 'name="_save"' not in page(super_admin_client, change_url)
    response = super_admin_client.post(
        change_url, {"action": "delete", "table_name": "users", "row_id": "forged"}
    )

    assert response.status_code == 403
    row = AuditLog.objects.get(pk=audit_row.pk)
    assert (row.action, row.table_name, row.row_id) == (
        "update",
        "orders",
        "0190a0b1-0000-7000-8000-000000000001",
    )


def test_the_audit_log_is_found_by_row_id_and_filtered_by_audited_table(
    super_admin_client, audit_row
):
    other = AuditLogFactory(table_name="invoices", row_id='["a", "b"]')
    listing = admin_url(AuditLog, "changelist")

    by_id = page(super_admin_client, listing, q=audit_row.row_id)
    by_composite_id = page(super_admin_client, listing, q='["a", "b"]')
    by_table = page(super_admin_client, listing, table_name="invoices")

    assert admin_url(AuditLog, "change", audit_row.pk) in by_id
    assert admin_url(AuditLog, "change", other.pk) not in by_id
    assert admin_url(AuditLog, "change", other.pk) in by_composite_id
    assert admin_url(AuditLog, "change", audit_row.pk) not in by_composite_id
    assert admin_url(AuditLog, "change", other.pk) in by_table
    assert admin_url(AuditLog, "change", audit_row.pk) not in by_table
    # The filter offers the tables the audit triggers watch (read from the catalog).
    offered = re.findall(r'href="\?q=[^"]*table_name=([a-z_]+)"', by_id)
    assert offered == sorted(
        [
            "inventory",
            "invoices",
            "order_items",
            "orders",
            "payment_transactions",
            "products",
            "role_permissions",
            "user_roles",
        ]
    )


# --- who may log in, and what roles grant ---------------------------------------------------


def test_a_customer_cannot_log_in_to_the_admin(client, staff_with_role):
    customer = staff_with_role("customer")

    client.force_login(customer)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"

    client.logout()
    refused = log_in(client, customer)
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors() == [REFUSED_LOGIN]
    assert "_auth_user_id" not in client.session


def test_an_admin_logs_in_and_runs_orders_but_not_roles(client, staff_with_role):
    shop_admin = staff_with_role("admin")

    response = log_in(client, shop_admin)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"

    index = page(client, "/admin/")
    assert 'href="/admin/orders/order/"' in index
    assert client.get("/admin/orders/order/").status_code == 200
    assert client.get(admin_url(Role, "changelist")).status_code == 200  # users.view
    assert client.get(admin_url(Role, "add")).status_code == 403  # no roles.manage


def test_an_admin_cannot_take_over_a_super_admins_account(client, staff_with_role):
    shop_admin = staff_with_role("admin")
    super_admin = staff_with_role("super_admin")
    customer = staff_with_role("customer")
    client.force_login(shop_admin)

    # customers.change lets an admin edit a customer, but not raise their privileges...
    customer_page = page(client, admin_url(User, "change", customer.pk))
    assert 'name="first_name"' in customer_page
    assert 'name="is_staff"' not in customer_page
    assert 'name="is_superuser"' not in customer_page
    # ... nor change an account holding admin rights: its page is view only, its password fixed.
    assert 'name="email"' not in page(client, admin_url(User, "change", super_admin.pk))
    assert client.get(password_url(super_admin)).status_code == 403
    forged = {
        "usable_password": "true",
        "password1": "taken over 123",
        "password2": "taken over 123",
    }
    assert client.post(password_url(super_admin), forged).status_code == 403
    assert authenticate(email=super_admin.email, password=PASSWORD) == super_admin


def test_the_super_admin_role_alone_opens_every_admin_page(super_admin_client):
    user = User.objects.get(user_roles__role__name="super_admin")
    assert (user.is_staff, user.is_superuser) == (False, False)

    response = super_admin_client.get("/admin/")
    assert response.status_code == 200
    for model, model_admin in admin.site._registry.items():
        changelist = admin_url(model, "changelist")
        assert f'href="{changelist}"' in response.content.decode(), changelist
        assert super_admin_client.get(changelist).status_code == 200, changelist
        # Every add page but the evidence's (ReadOnlyAdmin), which nobody may add to.
        if model_admin.has_add_permission(response.wsgi_request):
            assert super_admin_client.get(admin_url(model, "add")).status_code == 200, model


def test_a_soft_deleted_role_grants_nothing(client, staff_with_role):
    shop_admin = staff_with_role("admin")
    Role.objects.get(name="admin").delete()
    fresh = User.objects.get(pk=shop_admin.pk)  # no cached permissions

    assert fresh.has_perm("orders.view_order") is False
    client.force_login(fresh)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"


def test_an_inactive_admin_cannot_log_in(client, staff_with_role):
    inactive = staff_with_role("admin", is_active=False)

    refused = log_in(client, inactive)
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors() == [REFUSED_LOGIN]
    assert "_auth_user_id" not in client.session

    client.force_login(inactive)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"
