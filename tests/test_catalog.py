"""catalog: the database's rules on products, variants, categories, collections, reviews and stock,
and full-text search over products."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import (
    SEARCH_CONFIG,
    Inventory,
    Product,
    ProductCategory,
    ProductVariant,
    Review,
)
from tests.factories import (
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
    UserFactory,
    VariantInventoryAdjustmentFactory,
)
from tests.support import (
    count_rows,
    execute,
    fetch,
    fetch_one,
    foreign_key_name,
    violates,
    violates_not_null,
)

pytestmark = pytest.mark.django_db


# --- Single-column rules: one bad value refused by its constraint, the boundary accepted -----

COLUMN_RULES = [
    # (factory, column, bad, good, constraint, other values the row needs)
    (ProductFactory, "status", "published", "archived", "products_status_valid", {}),
    (ProductFactory, "slug", "Cotton Kurta", "cotton-kurta-2", "products_slug_format", {}),
    (ProductFactory, "slug", "cotton--kurta", "cotton-kurta", "products_slug_format", {}),
    (ProductFactory, "sku", "", "KRT-001", "products_sku_not_empty", {}),
    (ProductFactory, "hsn_code", "61091", "61091000", "products_hsn_code_format", {}),
    (ProductFactory, "hsn_code", "61A9", "", "products_hsn_code_format", {}),
    (ProductFactory, "currency", "inr", "USD", "products_currency_check", {}),
    (ProductFactory, "weight_grams", -1, 0, "products_weight_grams_check", {}),
    (
        ProductFactory,
        "selling_price",
        Decimal("-0.01"),
        Decimal("0.00"),
        "products_selling_price_check",
        {"compare_at_price": None, "cost_price": Decimal("0.00")},
    ),
    (
        ProductFactory,
        "cost_price",
        Decimal("-0.01"),
        Decimal("0.00"),
        "products_cost_price_check",
        {},
    ),
    (ProductVariantFactory, "sku", "", "KRT-001-XL", "product_variants_sku_not_empty", {}),
    (ProductVariantFactory, "currency", "IN", "INR", "product_variants_currency_check", {}),
    (
        ProductVariantFactory,
        "cost_price",
        Decimal("-1.00"),
        Decimal("0.00"),
        "product_variants_cost_price_check",
        {},
    ),
    (ProductVariantFactory, "sort_order", -1, 0, "product_variants_sort_order_check", {}),
    (ProductFaqFactory, "sort_order", -1, 0, "product_faqs_sort_order_check", {}),
    (ProductQuestionFactory, "status", "spam", "rejected", "product_questions_status_valid", {}),
    (CollectionFactory, "slug", "Summer Edit", "summer-edit", "collections_slug_format", {}),
    (CollectionFactory, "sort_order", -1, 0, "collections_sort_order_check", {}),
    (CollectionProductFactory, "sort_order", -1, 0, "collection_products_sort_order_check", {}),
    (ReviewFactory, "rating", 0, 1, "reviews_rating_range", {}),
    (ReviewFactory, "rating", 6, 5, "reviews_rating_range", {}),
    (ReviewFactory, "status", "hidden", "pending", "reviews_status_valid", {}),
    (TagFactory, "slug", "Hand_Woven", "hand-woven", "tags_slug_format", {}),
    (TierFactory, "slug", "men's-wear", "mens-wear", "tiers_slug_format", {}),
    (TierFactory, "sort_order", -1, 0, "tiers_sort_order_check", {}),
    (InventoryLocationFactory, "code", "", "BLR-WH1", "inventory_locations_code_not_empty", {}),
    (InventoryLocationFactory, "country", "I1", "AE", "inventory_locations_country_iso", {}),
    (InventoryLocationFactory, "country", "in", "IN", "inventory_locations_country_iso", {}),
    (
        InventoryLocationFactory,
        "location_type",
        "factory",
        "dropship",
        "inventory_locations_type_valid",
        {},
    ),
    (InventoryFactory, "status", "sold_out", "discontinued", "inventory_status_valid", {}),
    (InventoryFactory, "condition", "mint", "refurbished", "inventory_condition_valid", {}),
    (InventoryFactory, "low_stock_threshold", -1, 0, "inventory_low_stock_threshold_check", {}),
]


@pytest.mark.parametrize(
    ("factory", "column", "bad", "good", "constraint", "extra"),
    COLUMN_RULES,
    ids=[f"{rule[4]}-{rule[2]!r}" for rule in COLUMN_RULES],
)
def test_a_column_rule_refuses_the_bad_value_and_accepts_the_good_one(
    factory, column, bad, good, constraint, extra
):
    with violates(constraint):
        factory(**{column: bad}, **extra)
    row = factory(**{column: good}, **extra)
    table = row._meta.db_table
    assert fetch(f"SELECT {column} FROM {table} WHERE id = %s", [row.pk]) == [(good,)]


def test_product_categories_refuse_a_negative_sort_order():
    # Not in COLUMN_RULES: product_categories has no id column (its key is product, tier).
    with violates("product_categories_sort_order_check"):
        ProductCategoryFactory(sort_order=-1)
    link = ProductCategoryFactory(sort_order=0)
    assert fetch(
        "SELECT sort_order FROM product_categories WHERE product_id = %s AND tier_id = %s",
        [link.product_id, link.tier_id],
    ) == [(0,)]


# --- Products --------------------------------------------------------------------------------


def test_a_products_list_price_is_above_its_selling_price_when_set():
    with violates("products_compare_at_above_selling"):
        ProductFactory(selling_price=Decimal("999.00"), compare_at_price=Decimal("999.00"))
    with violates("products_compare_at_above_selling"):
        ProductFactory(selling_price=Decimal("999.00"), compare_at_price=Decimal("500.00"))
    # Only reachable with a negative selling price too (checks run in name order).
    with violates("products_compare_at_price_check"):
        ProductFactory(selling_price=Decimal("-5.00"), compare_at_price=Decimal("-1.00"))
    on_sale = ProductFactory(selling_price=Decimal("999.00"), compare_at_price=Decimal("999.01"))
    plain = ProductFactory(selling_price=Decimal("999.00"), compare_at_price=None)
    assert fetch(
        "SELECT compare_at_price FROM products WHERE id IN (%s, %s) ORDER BY compare_at_price",
        [on_sale.pk, plain.pk],
    ) == [(Decimal("999.01"),), (None,)]


@pytest.mark.parametrize(
    ("column", "constraint"),
    [("tags", "check_tags_array"), ("additional_images", "check_additional_images")],
)
def test_product_json_lists_are_arrays_of_strings(column, constraint):
    for bad in ({"fabric": "cotton"}, "cotton", [1], ["a", ["b"]], [None], [{"url": "x"}]):
        with violates(constraint):
            ProductFactory(**{column: bad})
    with violates(constraint):
        execute(
            f"UPDATE products SET {column} = '[\"a\", 2]'::jsonb WHERE id = %s",
            [ProductFactory().pk],
        )
    good = ProductFactory(**{column: ["a", "b"]})
    empty = ProductFactory(**{column: []})
    assert fetch_one(
        f'SELECT {column} = \'["a", "b"]\'::jsonb FROM products WHERE id = %s', [good.pk]
    )
    assert (
        fetch_one(f"SELECT jsonb_array_length({column}) FROM products WHERE id = %s", [empty.pk])
        == 0
    )


# --- Uniqueness among live rows: a live row blocks, a soft-deleted one does not --------------

UNIQUE_WHILE_ALIVE = [
    # (factory, values of the first row, values copied into the second, constraint)
    (ProductFactory, {}, lambda first: {"slug": first.slug}, "uq_products_slug"),
    (ProductFactory, {}, lambda first: {"sku": first.sku}, "uq_products_sku"),
    (ProductVariantFactory, {}, lambda first: {"sku": first.sku}, "uq_product_variants_sku"),
    (CollectionFactory, {}, lambda first: {"slug": first.slug}, "uq_collections_slug"),
    (TagFactory, {}, lambda first: {"slug": first.slug}, "uq_tags_slug"),
    (TierFactory, {}, lambda first: {"slug": first.slug}, "uq_tiers_slug"),
    (
        ReviewFactory,
        {},
        lambda first: {"product": first.product, "user": first.user},
        "uq_reviews_product_user",
    ),
    (
        InventoryLocationFactory,
        {},
        lambda first: {"code": first.code},
        "uq_inventory_locations_code",
    ),
    (
        InventoryLocationFactory,
        {"is_default": True},
        lambda first: {"is_default": True},
        "uq_inventory_locations_default",
    ),
]


@pytest.mark.parametrize(
    ("factory", "first_values", "same_values", "constraint"),
    UNIQUE_WHILE_ALIVE,
    ids=[rule[3] for rule in UNIQUE_WHILE_ALIVE],
)
def test_a_live_row_blocks_the_same_values_and_a_soft_deleted_one_does_not(
    factory, first_values, same_values, constraint
):
    first = factory(**first_values)
    with violates(constraint):
        factory(**same_values(first))
    first.delete()
    assert first.is_deleted is True
    again = factory(**same_values(first))
    model = type(first)
    assert again.pk != first.pk
    assert model.all_objects.filter(pk__in=[first.pk, again.pk]).count() == 2
    assert list(model.objects.filter(pk__in=[first.pk, again.pk])) == [again]


def test_a_soft_deleted_variant_does_not_block_recreating_the_same_option():
    shirt = ProductFactory()
    xl = ProductVariantFactory(product=shirt, option_name="Size", option_value="XL")
    with violates("uq_variant_option"):
        ProductVariantFactory(product=shirt, option_name="Size", option_value="XL")
    # The same option on another product, or another value, is fine.
    ProductVariantFactory(option_name="Size", option_value="XL")
    ProductVariantFactory(product=shirt, option_name="Size", option_value="XXL")

    xl.delete()
    recreated = ProductVariantFactory(product=shirt, option_name="Size", option_value="XL")
    assert fetch(
        """SELECT id, is_deleted FROM product_variants
           WHERE product_id = %s AND option_name = 'Size' AND option_value = 'XL'
           ORDER BY is_deleted""",
        [shirt.pk],
    ) == [(recreated.pk, False), (xl.pk, True)]
    # Restoring the old one would make two live XLs: refused.
    with violates("uq_variant_option"):
        xl.restore()


def test_collection_products_and_stock_rows_are_unique_per_pair():
    link = CollectionProductFactory()
    with violates("uq_collection_products"):
        CollectionProductFactory(collection=link.collection, product=link.product)
    CollectionProductFactory(collection=link.collection)
    assert link.collection.collection_products.count() == 2

    stock = InventoryFactory()
    with violates("uq_inventory_product_location"):
        InventoryFactory(product=stock.product, location=stock.location)
    InventoryFactory(product=stock.product)
    assert Inventory.objects.filter(product=stock.product).count() == 2


def test_reviews_of_removed_users_never_clash():
    product = ProductFactory()
    ReviewFactory(product=product, user=None)
    ReviewFactory(product=product, user=None)
    assert Review.objects.filter(product=product, user__isnull=True).count() == 2


# --- Variants and stock ----------------------------------------------------------------------


def test_variant_prices_are_positive_and_list_price_above_selling():
    with violates("check_selling_price_positive"):
        ProductVariantFactory(selling_price=Decimal("0.00"))
    with violates("check_selling_price_positive"):
        ProductVariantFactory(selling_price=Decimal("-10.00"))
    with violates("product_variants_compare_at_above_selling"):
        ProductVariantFactory(selling_price=Decimal("500.00"), compare_at_price=Decimal("500.00"))
    cheapest = ProductVariantFactory(selling_price=Decimal("0.01"))
    on_sale = ProductVariantFactory(
        selling_price=Decimal("500.00"), compare_at_price=Decimal("650.00")
    )
    assert ProductVariant.objects.get(pk=cheapest.pk).selling_price == Decimal("0.01")
    assert ProductVariant.objects.get(pk=on_sale.pk).compare_at_price == Decimal("650.00")


def test_variant_stock_never_goes_negative():
    with violates("product_variants_stock_non_negative"):
        ProductVariantFactory(available_quantity=-1)
    with violates("product_variants_stock_non_negative"):
        ProductVariantFactory(reserved_quantity=-1)
    sold_out = ProductVariantFactory(available_quantity=0, reserved_quantity=0)
    assert fetch(
        "SELECT available_quantity, reserved_quantity FROM product_variants WHERE id = %s",
        [sold_out.pk],
    ) == [(0, 0)]


def test_check_inventory_reserved_refuses_negative_stock():
    with violates("check_inventory_reserved"):
        InventoryFactory(available_quantity=-1, reserved_quantity=0)
    with violates("check_inventory_reserved"):
        InventoryFactory(available_quantity=5, reserved_quantity=-1)
    empty = InventoryFactory(available_quantity=0, reserved_quantity=0)
    assert fetch(
        "SELECT available_quantity, reserved_quantity FROM inventory WHERE id = %s", [empty.pk]
    ) == [(0, 0)]


def test_reserving_moves_units_in_one_statement_and_cannot_take_more_than_exist():
    stock = InventoryFactory(available_quantity=1, reserved_quantity=0)
    reserve = """UPDATE inventory SET available_quantity = available_quantity - %s,
                                      reserved_quantity = reserved_quantity + %s
                 WHERE id = %s"""
    assert execute(reserve, [1, 1, stock.pk]) == 1
    # The second buyer of the last unit is refused by the database, not by application code.
    with violates("check_inventory_reserved"):
        execute(reserve, [1, 1, stock.pk])
    assert fetch(
        "SELECT available_quantity, reserved_quantity FROM inventory WHERE id = %s", [stock.pk]
    ) == [(0, 1)]


@pytest.mark.parametrize(
    ("factory", "table"),
    [
        (InventoryAdjustmentFactory, "inventory_adjustments"),
        (VariantInventoryAdjustmentFactory, "variant_inventory_adjustments"),
    ],
)
def test_stock_adjustments_are_complete_and_never_leave_negative_stock(factory, table):
    with violates(f"{table}_reason_valid"):
        factory(reason="stolen")
    with violates(f"{table}_changes_something"):
        factory(available_delta=0, reserved_delta=0)
    with violates(f"{table}_after_non_negative"):
        factory(available_delta=-3, available_after=-1)
    with violates(f"{table}_after_non_negative"):
        factory(reserved_delta=-1, reserved_after=-1)
    with violates(f"{table}_reference_complete"):
        factory(reference_type="order", reference_id=None)
    with violates(f"{table}_reference_complete"):
        factory(reference_type="", reference_id=UserFactory().pk)

    order_id = UserFactory().pk  # any uuid: reference_id is not a foreign key
    reservation = factory(
        reason="reserved",
        available_delta=-2,
        reserved_delta=2,
        available_after=8,
        reserved_after=2,
        reference_type="order",
        reference_id=order_id,
    )
    release = factory(available_delta=0, reserved_delta=-1, reason="released")
    assert fetch(
        f"SELECT reason, reference_type, reference_id FROM {table} WHERE id = %s",
        [reservation.pk],
    ) == [("reserved", "order", order_id)]
    assert fetch(
        f"SELECT reference_type, reference_id FROM {table} WHERE id = %s", [release.pk]
    ) == [("", None)]


# --- Questions, collections, locations -------------------------------------------------------


def test_a_question_is_answered_exactly_when_answered_at_is_set():
    with violates("product_questions_answered_at_matches_answer"):
        ProductQuestionFactory(answer="Yes, it is pre-washed.")
    with violates("product_questions_answered_at_matches_answer"):
        ProductQuestionFactory(answer="", answered_at=timezone.now())
    open_question = ProductQuestionFactory()
    answered = ProductQuestionFactory(answered=True)
    assert fetch(
        "SELECT answer = '', answered_at IS NULL FROM product_questions WHERE id = %s",
        [open_question.pk],
    ) == [(True, True)]
    assert fetch(
        "SELECT answer <> '', answered_at IS NOT NULL FROM product_questions WHERE id = %s",
        [answered.pk],
    ) == [(True, True)]


def test_a_collection_ends_after_it_starts():
    start = timezone.now()
    with violates("collections_ends_after_starts"):
        CollectionFactory(starts_at=start, ends_at=start)
    with violates("collections_ends_after_starts"):
        CollectionFactory(starts_at=start, ends_at=start - timedelta(days=1))
    open_ended = CollectionFactory(starts_at=start, ends_at=None)
    window = CollectionFactory(starts_at=start, ends_at=start + timedelta(seconds=1))
    assert fetch(
        "SELECT ends_at FROM collections WHERE id IN (%s, %s) ORDER BY ends_at",
        [open_ended.pk, window.pk],
    ) == [(start + timedelta(seconds=1),), (None,)]


def test_the_default_location_is_active():
    with violates("inventory_locations_default_is_active"):
        InventoryLocationFactory(is_default=True, is_active=False)
    closed = InventoryLocationFactory(is_default=False, is_active=False)
    default = InventoryLocationFactory(is_default=True, is_active=True)
    assert fetch(
        "SELECT id FROM inventory_locations WHERE id IN (%s, %s) AND is_default",
        [closed.pk, default.pk],
    ) == [(default.pk,)]


# --- Categories ------------------------------------------------------------------------------


def test_a_category_tree_is_at_most_four_levels_and_levels_follow_parents():
    top = TierFactory()
    second = TierFactory(parent=top)
    third = TierFactory(parent=second)
    fourth = TierFactory(parent=third)
    assert [t.level for t in (top, second, third, fourth)] == [1, 2, 3, 4]
    with violates("tiers_level_range"):
        TierFactory(parent=fourth)  # level 5
    with violates("tiers_level_matches_parent"):
        TierFactory(parent=None, level=2)
    # The trigger ties a tier's level to its parent's, which no CHECK can see.
    with violates("tiers_level_follows_parent"):
        TierFactory(parent=top, level=1)
    with violates("tiers_level_follows_parent"):
        TierFactory(parent=top, level=4)
    leaf = TierFactory(parent=top)
    with violates("tiers_not_own_parent"):
        execute("UPDATE tiers SET parent_id = id, level = 3 WHERE id = %s", [leaf.pk])
    assert fetch("SELECT parent_id, level FROM tiers WHERE id = %s", [leaf.pk]) == [(top.pk, 2)]


def test_only_a_leaf_category_moves_so_the_tree_has_no_cycle():
    top = TierFactory()
    child = TierFactory(parent=top)
    grandchild = TierFactory(parent=child)
    other = TierFactory()

    # Closing a cycle (top under its own grandchild) means moving a tier with children.
    with violates("tiers_move_leaf_only"):
        execute("UPDATE tiers SET parent_id = %s, level = 4 WHERE id = %s", [grandchild.pk, top.pk])
    with violates("tiers_move_leaf_only"):
        execute("UPDATE tiers SET parent_id = %s WHERE id = %s", [other.pk, child.pk])

    # A leaf moves, at its new level; a parent's other columns change freely (Django's save()
    # writes parent_id and level unchanged).
    execute("UPDATE tiers SET parent_id = %s, level = 2 WHERE id = %s", [other.pk, grandchild.pk])
    top.name = "Renamed"
    top.save()
    assert fetch(
        "SELECT name, parent_id, level FROM tiers WHERE id IN (%s, %s) ORDER BY level",
        [top.pk, grandchild.pk],
    ) == [("Renamed", None, 1), (grandchild.name, other.pk, 2)]


def test_a_product_has_at_most_one_primary_category_and_each_category_once():
    product = ProductFactory()
    primary = ProductCategoryFactory(product=product, is_primary=True)
    with violates("uq_product_categories_primary"):
        ProductCategoryFactory(product=product, is_primary=True)
    with violates("product_categories_pkey"):
        ProductCategoryFactory(product=product, tier=primary.tier, is_primary=False)
    ProductCategoryFactory(product=product, is_primary=False)
    ProductCategoryFactory(product=product, is_primary=False)
    # Another product has its own primary category.
    ProductCategoryFactory(tier=primary.tier, is_primary=True)
    assert fetch(
        "SELECT tier_id, is_primary FROM product_categories WHERE product_id = %s "
        "ORDER BY is_primary DESC, sort_order",
        [product.pk],
    )[0] == (primary.tier_id, True)
    assert ProductCategory.objects.filter(product=product).count() == 3
    assert ProductCategory.objects.filter(product=product, is_primary=True).count() == 1

    # Moving the primary: clear the old one first, then the new one may take it.
    ProductCategory.objects.filter(pk=primary.pk).update(is_primary=False)
    other = ProductCategory.objects.filter(product=product, is_primary=False).exclude(
        tier=primary.tier
    )[0]
    ProductCategory.objects.filter(pk=other.pk).update(is_primary=True)
    assert ProductCategory.objects.get(product=product, is_primary=True).tier_id == other.tier_id


def test_product_categories_need_a_product_and_a_category():
    tier = TierFactory()
    product = ProductFactory()
    with violates_not_null("product_categories", "product_id"):
        execute("INSERT INTO product_categories (product_id, tier_id) VALUES (NULL, %s)", [tier.pk])
    with violates_not_null("product_categories", "tier_id"):
        execute(
            "INSERT INTO product_categories (product_id, tier_id) VALUES (%s, NULL)", [product.pk]
        )
    execute(
        "INSERT INTO product_categories (product_id, tier_id) VALUES (%s, %s)",
        [product.pk, tier.pk],
    )
    assert fetch(
        "SELECT is_primary, sort_order FROM product_categories WHERE product_id = %s", [product.pk]
    ) == [(False, 0)]


# --- ON DELETE -------------------------------------------------------------------------------


def test_deleting_a_product_in_sql_removes_everything_that_is_part_of_it():
    product = ProductFactory()
    variant = ProductVariantFactory(product=product)
    variant_log = VariantInventoryAdjustmentFactory(variant=variant)
    stock = InventoryFactory(product=product)
    stock_log = InventoryAdjustmentFactory(inventory=stock)
    ProductFaqFactory(product=product)
    ProductQuestionFactory(product=product)
    ReviewFactory(product=product)
    link = CollectionProductFactory(product=product)
    category = ProductCategoryFactory(product=product)
    kept = ProductVariantFactory()

    assert execute("DELETE FROM products WHERE id = %s", [product.pk]) == 1

    for table in (
        "product_variants",
        "product_faqs",
        "product_questions",
        "reviews",
        "collection_products",
        "product_categories",
        "inventory",
    ):
        assert count_rows(table, product_id=product.pk) == 0, table
    assert count_rows("variant_inventory_adjustments", id=variant_log.pk) == 0
    assert count_rows("inventory_adjustments", id=stock_log.pk) == 0
    # What the product was linked to stays.
    assert count_rows("collections", id=link.collection_id) == 1
    assert count_rows("tiers", id=category.tier_id) == 1
    assert count_rows("inventory_locations", id=stock.location_id) == 1
    assert count_rows("product_variants", id=kept.pk) == 1


def test_deleting_a_user_in_sql_keeps_their_reviews_and_questions_anonymously():
    author = UserFactory()
    staff = UserFactory(is_staff=True)
    review = ReviewFactory(user=author)
    asked = ProductQuestionFactory(user=author)
    answered = ProductQuestionFactory(answered=True, answered_by=staff)

    execute("DELETE FROM users WHERE id IN (%s, %s)", [author.pk, staff.pk])

    assert fetch("SELECT user_id, rating FROM reviews WHERE id = %s", [review.pk]) == [
        (None, review.rating)
    ]
    assert fetch("SELECT user_id FROM product_questions WHERE id = %s", [asked.pk]) == [(None,)]
    assert fetch(
        "SELECT answered_by_id, answer FROM product_questions WHERE id = %s", [answered.pk]
    ) == [(None, answered.answer)]


def test_deleting_a_collection_or_a_category_in_sql_removes_its_links_only():
    link = CollectionProductFactory()
    execute("DELETE FROM collections WHERE id = %s", [link.collection_id])
    assert count_rows("collection_products", id=link.pk) == 0
    assert count_rows("products", id=link.product_id) == 1

    category = ProductCategoryFactory()
    execute("DELETE FROM tiers WHERE id = %s", [category.tier_id])
    assert count_rows("product_categories", product_id=category.product_id) == 0
    assert count_rows("products", id=category.product_id) == 1


def test_a_category_with_sub_categories_cannot_be_deleted():
    top = TierFactory()
    child = TierFactory(parent=top)
    with violates(foreign_key_name("tiers", "parent_id")):
        execute("DELETE FROM tiers WHERE id = %s", [top.pk])
    execute("DELETE FROM tiers WHERE id = %s", [child.pk])
    assert execute("DELETE FROM tiers WHERE id = %s", [top.pk]) == 1


def test_a_location_that_holds_stock_cannot_be_deleted():
    stock = InventoryFactory()
    with violates(foreign_key_name("inventory", "location_id")):
        execute("DELETE FROM inventory_locations WHERE id = %s", [stock.location_id])
    assert count_rows("inventory", id=stock.pk) == 1
    execute("DELETE FROM inventory WHERE id = %s", [stock.pk])
    assert execute("DELETE FROM inventory_locations WHERE id = %s", [stock.location_id]) == 1


def test_deleting_a_stock_row_or_a_variant_in_sql_removes_its_ledger():
    stock_log = InventoryAdjustmentFactory()
    other_stock_log = InventoryAdjustmentFactory()
    execute("DELETE FROM inventory WHERE id = %s", [stock_log.inventory_id])
    assert count_rows("inventory_adjustments", inventory_id=stock_log.inventory_id) == 0
    assert count_rows("inventory_adjustments", id=other_stock_log.pk) == 1

    variant_log = VariantInventoryAdjustmentFactory()
    execute("DELETE FROM product_variants WHERE id = %s", [variant_log.variant_id])
    assert count_rows("variant_inventory_adjustments", variant_id=variant_log.variant_id) == 0
    assert count_rows("products", id=variant_log.variant.product_id) == 1


# --- Full-text search ------------------------------------------------------------------------


def search(words: str) -> set:
    query = SearchQuery(words, config=SEARCH_CONFIG)
    return set(Product.objects.filter(search_vector=query).values_list("pk", flat=True))


def test_search_finds_a_product_by_name_sku_tag_and_description():
    kurta = ProductFactory(
        name="Handwoven Kurta",
        sku="KRT-IND-042",
        tags=["kanjivaram", "festive"],
        description="Dyed with natural indigo.",
    )
    shirt = ProductFactory(
        name="Linen Shirt", sku="SHT0007", tags=["summer"], description="Breathable and light."
    )
    assert search("kurta") == {kurta.pk}
    assert search("Handwoven") == {kurta.pk}
    assert search("KRT-IND-042") == {kurta.pk}
    assert search("sht0007") == {shirt.pk}
    assert search("kanjivaram") == {kurta.pk}
    assert search("summer") == {shirt.pk}
    assert search("indigo") == {kurta.pk}
    assert search("breathable") == {shirt.pk}
    assert search("saree") == set()


def test_search_vector_weighs_name_a_sku_and_tags_b_description_c_without_stemming():
    shoes = ProductFactory(
        name="Running Shoes", sku="RS1001", tags=["sports"], description="Light mesh upper."
    )
    assert fetch_one("SELECT search_vector::text FROM products WHERE id = %s", [shoes.pk]) == (
        "'light':5C 'mesh':6C 'rs1001':3B 'running':1A 'shoes':2A 'sports':4B 'upper':7C"
    )
    # 'simple' does not stem: a word is found as written, not by its stem.
    assert search("running") == {shoes.pk}
    assert search("run") == set()
    assert search("shoe") == set()


def test_search_vector_follows_a_changed_name():
    product = ProductFactory(name="Cotton Kurta", tags=[], description="")
    product.name = "Khadi Kurta"
    product.save()
    assert search("cotton") == set()
    assert search("khadi") == {product.pk}
    execute("UPDATE products SET name = 'Chanderi Kurta' WHERE id = %s", [product.pk])
    assert search("khadi") == set()
    assert search("chanderi") == {product.pk}


def test_a_match_in_the_name_ranks_above_a_tag_and_above_the_description():
    in_description = ProductFactory(
        name="Silk Dupatta", tags=[], description="Pairs well with a chanderi kurta."
    )
    in_tags = ProductFactory(name="Cotton Stole", tags=["chanderi"], description="")
    in_name = ProductFactory(name="Chanderi Saree", tags=[], description="Soft and light.")
    query = SearchQuery("chanderi", config=SEARCH_CONFIG)
    ranked = list(
        Product.objects.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank")
    )
    assert [p.pk for p in ranked] == [in_name.pk, in_tags.pk, in_description.pk]
    assert ranked[0].rank > ranked[1].rank > ranked[2].rank


def test_search_uses_the_gin_index():
    ProductFactory.create_batch(3)
    kurta = ProductFactory(name="Handwoven Kurta")
    # Freshly inserted rows sit in the GIN index's pending list, which the planner costs as a
    # full read; move them into the index proper (autovacuum does this in production).
    execute("SELECT gin_clean_pending_list('idx_products_search_vector')")
    execute("ANALYZE products")
    search = Product.objects.filter(search_vector=SearchQuery("kurta", config=SEARCH_CONFIG))
    with transaction.atomic():
        execute("SET LOCAL enable_seqscan = off")
        plan = search.explain()
        assert fetch_one("SHOW enable_seqscan") == "off"
    assert "Bitmap Index Scan on idx_products_search_vector" in plan, plan
    assert "Index Cond: (search_vector @@ " in plan, plan
    assert list(search) == [kurta]


# --- updated_at ------------------------------------------------------------------------------


def test_updated_at_is_set_by_the_database_on_a_raw_sql_update():
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    product = ProductFactory(created_at=long_ago, updated_at=long_ago)
    assert fetch("SELECT created_at, updated_at FROM products WHERE id = %s", [product.pk]) == [
        (long_ago, long_ago)
    ]
    # Even a writer that sets updated_at itself gets the statement's time.
    execute(
        "UPDATE products SET name = 'Renamed', updated_at = '2000-01-01' WHERE id = %s",
        [product.pk],
    )
    created_at, updated_at, transaction_start = fetch(
        "SELECT created_at, updated_at, transaction_timestamp() FROM products WHERE id = %s",
        [product.pk],
    )[0]
    assert created_at == long_ago
    assert updated_at >= transaction_start > long_ago


# --- Factories -------------------------------------------------------------------------------

ALL_FACTORIES = [
    ProductFactory,
    ProductVariantFactory,
    ProductFaqFactory,
    ProductQuestionFactory,
    CollectionFactory,
    CollectionProductFactory,
    ReviewFactory,
    TagFactory,
    TierFactory,
    ProductCategoryFactory,
    InventoryLocationFactory,
    InventoryFactory,
    InventoryAdjustmentFactory,
    VariantInventoryAdjustmentFactory,
]


@pytest.mark.parametrize("factory", ALL_FACTORIES, ids=lambda f: f.__name__)
def test_a_factory_makes_valid_rows_that_do_not_clash(factory):
    rows = factory.create_batch(3)
    model = factory._meta.model
    assert model._base_manager.filter(pk__in=[row.pk for row in rows]).count() == 3


def test_related_factories_share_a_parent_without_clashing():
    product = ProductFactory()
    ProductVariantFactory.create_batch(3, product=product)
    ProductCategoryFactory.create_batch(3, product=product)
    InventoryFactory.create_batch(2, product=product)
    ReviewFactory.create_batch(2, product=product)
    top = TierFactory()
    child = TierFactory(parent=top)
    assert (product.variants.count(), product.product_categories.count()) == (3, 3)
    assert (product.inventory_records.count(), product.reviews.count()) == (2, 2)
    assert (top.level, child.level) == (1, 2)
