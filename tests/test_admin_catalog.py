"""The admin of the catalogue, its stock and the content (catalog/admin.py, content/admin.py).

Pages are requested as the shop's staff would: a super_admin, or a warehouse user whose rights
come from the seeded roles (accounts.admin_access).
"""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.forms import modelform_factory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import stock
from catalog.admin import BALANCES
from catalog.models import (
    Inventory,
    InventoryAdjustment,
    ModerationStatus,
    Product,
    ProductCategory,
    ProductQuestion,
    ProductVariant,
    VariantInventoryAdjustment,
)
from content.models import Blog, Upload
from shop.admin_base import ChangedColumnsForm
from tests.admin_support import admin_url as url
from tests.admin_support import form_data, listed
from tests.factories import (
    BlogFactory,
    BlogSubsectionFactory,
    CollectionFactory,
    CollectionProductFactory,
    InventoryAdjustmentFactory,
    InventoryFactory,
    InventoryLocationFactory,
    ProductCategoryFactory,
    ProductFactory,
    ProductFaqFactory,
    ProductQuestionFactory,
    ProductVariantFactory,
    ReviewFactory,
    TagFactory,
    TierFactory,
    UploadFactory,
    VariantInventoryAdjustmentFactory,
)
from tests.support import count_rows

pytestmark = pytest.mark.django_db

APPS = ("catalog", "content")

# Every model of the two apps, with a factory making one row of it. ProductCategory is missing
# on purpose: a composite primary key cannot be registered (the product's form sets its rows).
REGISTERED = [
    pytest.param(factory, id=factory._meta.model.__name__)
    for factory in (
        ProductFactory,
        ProductVariantFactory,
        ProductFaqFactory,
        ProductQuestionFactory,
        CollectionFactory,
        CollectionProductFactory,
        ReviewFactory,
        TagFactory,
        TierFactory,
        InventoryLocationFactory,
        InventoryFactory,
        InventoryAdjustmentFactory,
        VariantInventoryAdjustmentFactory,
        BlogFactory,
        BlogSubsectionFactory,
        UploadFactory,
    )
]
LEDGERS = [
    pytest.param(InventoryAdjustmentFactory, id="inventory"),
    pytest.param(VariantInventoryAdjustmentFactory, id="variants"),
]


# --- Every model -----------------------------------------------------------------------------


def test_every_model_of_catalog_and_content_is_registered_but_product_category():
    registered = {model for model in admin.site._registry if model._meta.app_label in APPS}
    expected = {model for label in APPS for model in apps.get_app_config(label).get_models()} - {
        ProductCategory
    }
    assert registered == expected


@pytest.mark.parametrize("factory", REGISTERED)
def test_super_admin_lists_and_opens_every_model(super_admin_client, factory):
    row = factory()
    model = factory._meta.model

    # In: seed_defaults (run by the fixture) has made the MAIN location.
    assert row.pk in listed(super_admin_client.get(url(model, "changelist")))
    assert super_admin_client.get(url(model, "change", row.pk)).status_code == 200


# --- Products --------------------------------------------------------------------------------


def test_product_list_shows_the_price_in_the_product_currency(super_admin_client):
    ProductFactory(name="Linen kurta", selling_price=Decimal("1234.50"), compare_at_price=None)

    response = super_admin_client.get(url(Product, "changelist"))

    assert [Product.objects.get(pk=pk).name for pk in listed(response)] == ["Linen kurta"]
    assert '<td class="field-selling_price">INR 1,234.50</td>' in response.text
    assert '<td class="field-compare_at_price">-</td>' in response.text


def test_product_page_carries_its_variants_and_faqs(super_admin_client):
    product = ProductFactory()
    for sku in ("TEE-RED-M", "TEE-RED-L"):
        ProductVariantFactory(product=product, sku=sku)
    ProductFaqFactory(product=product, question="Does it shrink in the wash?")
    ProductVariantFactory(sku="OTHER-PRODUCT")

    response = super_admin_client.get(url(Product, "change", product.pk))

    assert response.status_code == 200
    variants = response.context["inline_admin_formsets"][0].formset
    assert sorted(form.instance.sku for form in variants.forms) == ["TEE-RED-L", "TEE-RED-M"]
    assert 'name="variants-0-sku" value="TEE-RED-M"' in response.text
    assert 'name="faqs-0-question" value="Does it shrink in the wash?"' in response.text
    assert "OTHER-PRODUCT" not in response.text


def test_product_page_saves_as_rendered_with_its_inlines(super_admin_client):
    product = ProductFactory(status="draft")
    variant = ProductVariantFactory(product=product)
    ProductFaqFactory(product=product)
    CollectionProductFactory(product=product)
    page = super_admin_client.get(url(Product, "change", product.pk))

    data = form_data(page) | {"status": "active", "variants-0-option_value": "XXL"}
    response = super_admin_client.post(url(Product, "change", product.pk), data)

    assert response.status_code == 302
    assert Product.objects.get(pk=product.pk).status == "active"
    assert ProductVariant.objects.get(pk=variant.pk).option_value == "XXL"
    assert count_rows("collection_products", product_id=product.pk) == 1


def category_links(product) -> set[tuple]:
    return set(
        ProductCategory.objects.filter(product=product).values_list(
            "tier__name", "is_primary", "sort_order"
        )
    )


def test_product_categories_are_chosen_on_the_product_page(super_admin_client):
    product = ProductFactory()
    men, women, kids = (TierFactory(name=name) for name in ("Men", "Women", "Kids"))
    ProductCategoryFactory(product=product, tier=men, is_primary=True, sort_order=1)
    ProductCategoryFactory(product=product, tier=women, sort_order=2)
    page = super_admin_client.get(url(Product, "change", product.pk))
    assert page.context["adminform"].form["categories"].value() == [men.pk, women.pk]

    data = form_data(page) | {"categories": [women.pk, kids.pk], "primary_category": kids.pk}
    response = super_admin_client.post(url(Product, "change", product.pk), data)

    assert response.status_code == 302
    assert category_links(product) == {("Women", False, 2), ("Kids", True, 0)}


def test_the_category_pickers_search_the_categories(super_admin_client):
    men, women, _ = (TierFactory(name=name) for name in ("Men", "Women", "Kids"))

    response = super_admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "catalog",
            "model_name": "productcategory",
            "field_name": "tier",
            "term": "me",
        },
    )

    assert response.status_code == 200
    assert response.json()["results"] == [
        {"id": str(men.pk), "text": "Men"},
        {"id": str(women.pk), "text": "Women"},
    ]


def test_the_primary_category_is_one_of_the_categories(super_admin_client):
    product = ProductFactory()
    men, women = TierFactory(name="Men"), TierFactory(name="Women")
    ProductCategoryFactory(product=product, tier=men, is_primary=True, sort_order=1)
    page = super_admin_client.get(url(Product, "change", product.pk))

    data = form_data(page) | {"categories": [men.pk], "primary_category": women.pk}
    response = super_admin_client.post(url(Product, "change", product.pk), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "primary_category": ["The primary category is one of the categories."]
    }
    assert category_links(product) == {("Men", True, 1)}


def test_soft_deleted_products_are_listed_only_when_asked_for(super_admin_client):
    alive = ProductFactory()
    deleted = ProductFactory()
    deleted.delete()

    def pks(query: str) -> set:
        return set(listed(super_admin_client.get(url(Product, "changelist") + query)))

    assert pks("") == {alive.pk}
    assert pks("?deleted=yes") == {deleted.pk}
    assert pks("?deleted=all") == {alive.pk, deleted.pk}


@pytest.mark.parametrize(
    "search",
    [
        pytest.param("KURTA-001", id="product SKU"),
        pytest.param("KURTA-001-XL", id="variant SKU"),
        pytest.param("linen-kurta", id="slug"),
        pytest.param("lin kur", id="words of the name, as prefixes"),
    ],
)
def test_product_search(super_admin_client, search):
    kurta = ProductFactory(name="Linen Kurta", slug="linen-kurta", sku="KURTA-001", tags=[])
    ProductVariantFactory(product=kurta, sku="KURTA-001-XL")
    ProductFactory(name="Silk saree", sku="SAREE-001", description="Not a kurta.", tags=[])

    response = super_admin_client.get(url(Product, "changelist"), {"q": search})

    assert listed(response) == [kurta.pk]


def test_product_search_finds_drafts_by_words_and_reads_operators_as_text(super_admin_client):
    draft = ProductFactory(name="Linen Draft", status="draft", tags=[], description="")
    ProductFactory(name="Silk Saree", tags=[], description="")

    def found(search: str) -> list:
        return listed(super_admin_client.get(url(Product, "changelist"), {"q": search}))

    assert found("lin dra") == [draft.pk]
    assert found("silk | !dra") == []  # every word must match: "|" is not "or"


@pytest.mark.parametrize(
    "factory",
    [
        pytest.param(ProductFactory, id="products"),
        pytest.param(ProductVariantFactory, id="variants"),
        pytest.param(InventoryFactory, id="inventory"),
        pytest.param(ReviewFactory, id="reviews"),
        pytest.param(InventoryAdjustmentFactory, id="inventory ledger"),
        pytest.param(VariantInventoryAdjustmentFactory, id="variant ledger"),
        pytest.param(BlogFactory, id="blogs"),
        pytest.param(UploadFactory, id="uploads"),
    ],
)
def test_changelist_queries_do_not_grow_with_its_rows(
    super_admin_client, django_assert_max_num_queries, factory
):
    changelist = url(factory._meta.model, "changelist")
    factory()
    super_admin_client.get(changelist)  # first request of the session: caches warmed up
    with CaptureQueriesContext(connection) as one_row:
        assert len(listed(super_admin_client.get(changelist))) == 1

    factory.create_batch(19)
    with django_assert_max_num_queries(len(one_row)):
        assert len(listed(super_admin_client.get(changelist))) == 20


# --- Stock -----------------------------------------------------------------------------------


@pytest.mark.parametrize("factory", LEDGERS)
def test_ledger_entries_are_never_edited_or_deleted(super_admin_client, factory):
    entry = factory(note="Opening count")
    model = factory._meta.model

    page = super_admin_client.get(url(model, "change", entry.pk))

    assert page.status_code == 200
    assert "Opening count" in page.text
    assert 'name="_save"' not in page.text
    assert super_admin_client.post(url(model, "change", entry.pk), {}).status_code == 403
    assert (
        super_admin_client.post(url(model, "delete", entry.pk), {"post": "yes"}).status_code == 403
    )
    assert model.objects.filter(pk=entry.pk).exists()


def test_warehouse_staff_adjust_stock_by_adding_a_ledger_entry(client, staff_with_role):
    row = InventoryFactory()
    stock.receive(product=row.product, location=row.location, quantity=10)
    clerk = staff_with_role("warehouse")
    client.force_login(clerk)

    response = client.post(
        url(InventoryAdjustment, "add"),
        {"inventory": row.pk, "reason": "damaged", "available_delta": "-3", "note": "Torn"},
    )

    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.available_quantity, row.reserved_quantity) == (7, 0)
    entry = InventoryAdjustment.objects.get(inventory=row, reason="damaged")
    assert (entry.available_delta, entry.available_after, entry.note) == (-3, 7, "Torn")
    assert entry.created_by == clerk


def test_a_stock_adjustment_below_zero_is_refused_by_name_and_nothing_is_written(
    client, staff_with_role
):
    row = InventoryFactory()
    stock.receive(product=row.product, location=row.location, quantity=2)
    client.force_login(staff_with_role("warehouse"))
    entries = InventoryAdjustment.objects.count()

    response = client.post(
        url(InventoryAdjustment, "add"),
        {"inventory": row.pk, "reason": "damaged", "available_delta": "-5"},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Refused by the database (inventory_adjustments_after_non_negative): "
        'new row for relation "inventory_adjustments" violates check constraint '
        '"inventory_adjustments_after_non_negative"'
    ]
    row.refresh_from_db()
    assert row.available_quantity == 2
    assert InventoryAdjustment.objects.count() == entries


def test_only_staff_reasons_can_be_booked_by_hand(super_admin_client):
    row = InventoryFactory()

    response = super_admin_client.post(
        url(InventoryAdjustment, "add"),
        {"inventory": row.pk, "reason": "reserved", "available_delta": "-1"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "reason": ["Select a valid choice. reserved is not one of the available choices."]
    }


def test_inventory_page_shows_its_newest_ledger_entries_view_only(super_admin_client):
    row = InventoryFactory()
    for quantity in range(1, 23):
        stock.receive(product=row.product, location=row.location, quantity=quantity)

    response = super_admin_client.get(url(Inventory, "change", row.pk))

    (ledger,) = response.context["inline_admin_formsets"]
    shown = [form.instance.available_delta for form in ledger.formset.forms]
    assert shown == list(range(22, 2, -1))
    assert 'name="adjustments-0-note"' not in response.text


def test_a_stock_row_form_never_writes_back_balances_it_read():
    variant = ProductVariantFactory()
    page = ProductVariant.objects.get(pk=variant.pk)  # what the admin page read
    stock.receive_variant(variant=variant, quantity=9)  # meanwhile
    # The form of the variants inline on the product page.
    form_class = modelform_factory(
        ProductVariant, form=ChangedColumnsForm, fields=("sku", "option_value", "is_active")
    )
    form = form_class({"sku": variant.sku, "option_value": "XXL", "is_active": "on"}, instance=page)

    form.save()

    assert ProductVariant.objects.values_list("option_value", *BALANCES).get(pk=variant.pk) == (
        "XXL",
        9,
        0,
    )
    assert count_rows("variant_inventory_adjustments", variant_id=variant.pk) == 1


def test_inventory_admin_never_writes_back_balances_it_read(rf, staff_with_role):
    row = InventoryFactory(low_stock_threshold=5)
    page = Inventory.objects.get(pk=row.pk)  # what the admin page read
    stock.receive(product=row.product, location=row.location, quantity=9)  # meanwhile
    request = rf.post("/")
    request.user = staff_with_role("super_admin")
    inventory_admin = admin.site.get_model_admin(Inventory)
    data = {"product": row.product_id, "location": row.location_id, "low_stock_threshold": "12"}
    form = inventory_admin.get_form(request, page)(
        data | {"status": "active", "condition": "new"}, instance=page
    )
    assert form.is_valid(), form.errors

    inventory_admin.save_model(request, form.save(commit=False), form, change=True)

    assert Inventory.objects.values_list("low_stock_threshold", *BALANCES).get(pk=row.pk) == (
        12,
        9,
        0,
    )
    assert count_rows("inventory_adjustments", inventory_id=row.pk) == 1


def test_warehouse_staff_view_stock_but_do_not_add_products(client, staff_with_role):
    row = InventoryFactory()
    ProductCategoryFactory(product=row.product, tier=TierFactory(name="Footwear"), is_primary=True)
    client.force_login(staff_with_role("warehouse"))

    assert listed(client.get(url(Inventory, "changelist"))) == [row.pk]
    assert client.get(url(Inventory, "change", row.pk)).status_code == 200
    assert client.get(url(InventoryAdjustment, "changelist")).status_code == 200
    assert listed(client.get(url(Product, "changelist"))) == [row.product.pk]
    product_page = client.get(url(Product, "change", row.product.pk))
    assert 'name="_save"' not in product_page.text
    assert '<div class="readonly">Footwear</div>' in product_page.text
    assert client.get(url(Product, "add")).status_code == 403
    assert client.post(url(Product, "add"), {"name": "x"}).status_code == 403
    # inventory.adjust: stock is adjusted by adding ledger entries (see below).
    assert client.get(url(VariantInventoryAdjustment, "add")).status_code == 200

    client.force_login(staff_with_role("support"))  # no inventory.adjust
    assert client.get(url(VariantInventoryAdjustment, "add")).status_code == 403


# --- Moderation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "action", "status"),
    [
        (ReviewFactory, "set_published", ModerationStatus.PUBLISHED),
        (ReviewFactory, "set_rejected", ModerationStatus.REJECTED),
        (ProductQuestionFactory, "set_published", ModerationStatus.PUBLISHED),
        (ProductQuestionFactory, "set_rejected", ModerationStatus.REJECTED),
    ],
)
def test_moderation_actions_set_the_status_of_the_selected(
    super_admin_client, factory, action, status
):
    chosen = factory.create_batch(2, status=ModerationStatus.PENDING)
    other = factory(status=ModerationStatus.PENDING)
    model = factory._meta.model

    response = super_admin_client.post(
        url(model, "changelist"),
        {"action": action, "_selected_action": [row.pk for row in chosen]},
    )

    assert response.status_code == 302
    statuses = dict(model.objects.values_list("pk", "status"))
    assert statuses == {chosen[0].pk: status, chosen[1].pk: status, other.pk: "pending"}


def test_answering_a_question_records_who_and_when(super_admin_client):
    question = ProductQuestionFactory()
    page = super_admin_client.get(url(ProductQuestion, "change", question.pk))
    data = form_data(page) | {"answer": "Yes, it is pure cotton.", "status": "published"}

    response = super_admin_client.post(url(ProductQuestion, "change", question.pk), data)

    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer == "Yes, it is pure cotton."
    assert question.answered_by == response.wsgi_request.user
    assert question.answered_at is not None


# --- Content ---------------------------------------------------------------------------------


def test_blog_page_carries_its_subsections_in_order(super_admin_client):
    blog = BlogFactory()
    BlogSubsectionFactory(blog=blog, heading="Then", sort_order=2)
    BlogSubsectionFactory(blog=blog, heading="First", sort_order=1)

    response = super_admin_client.get(url(Blog, "change", blog.pk))

    assert response.status_code == 200
    (sections,) = response.context["inline_admin_formsets"]
    assert [form.instance.heading for form in sections.formset.forms] == ["First", "Then"]
    assert 'name="subsections-0-heading" value="First"' in response.text


def test_an_uploads_stored_object_is_read_only_once_recorded(super_admin_client):
    upload = UploadFactory(storage_path="products/000001.jpg")
    page = super_admin_client.get(url(Upload, "change", upload.pk))
    data = form_data(page) | {"storage_path": "elsewhere.jpg", "purpose": "other"}

    response = super_admin_client.post(url(Upload, "change", upload.pk), data)

    assert response.status_code == 302
    assert Upload.objects.values_list("storage_path", "purpose").get(pk=upload.pk) == (
        "products/000001.jpg",
        "other",
    )
