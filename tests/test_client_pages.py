"""What keeps the pages clients open most fast and right, whatever the size of the shop.

The figures are the bench's (docs/performance.md); these check the rules behind them: what a
customer's policy hides, that row level security's helpers allow parallel plans, that the API
roles run without JIT, the category listing and the bounded search.
"""

from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.utils import timezone

from shop.db.rls import acting_as, acting_as_anon
from tests.factories import (
    NotificationFactory,
    OrderFactory,
    ProductCategoryFactory,
    ProductFactory,
    TierFactory,
    UserFactory,
)
from tests.support import execute, fetch, fetch_one

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("factory", "table"), [(OrderFactory, "orders"), (NotificationFactory, "notifications")]
)
def test_a_customer_no_longer_reads_their_soft_deleted_rows(factory, table):
    customer = UserFactory()
    kept, deleted = factory(user=customer), factory(user=customer)
    deleted.delete()  # soft: the row stays, is_deleted is set

    with acting_as(customer):
        seen = {pk for (pk,) in fetch(f"SELECT id FROM {table}")}
        # The filter a client sends changes nothing: the policy decides.
        asked = {pk for (pk,) in fetch(f"SELECT id FROM {table} WHERE is_deleted")}

    assert seen == {kept.pk}
    assert asked == set()
    assert fetch_one(f"SELECT count(*) FROM {table} WHERE is_deleted") == 1  # still there


def test_a_generic_plan_of_a_customers_page_uses_the_partial_index():
    # PostgREST prepares its statements with the filter values as parameters; after five runs
    # PostgreSQL may keep one generic plan, which must still reach the index.
    customer = UserFactory()
    OrderFactory.create_batch(3, user=customer)
    with acting_as(customer):
        execute("SET LOCAL plan_cache_mode = force_generic_plan")
        execute("SET LOCAL enable_seqscan = off")
        execute(
            "PREPARE page(uuid, boolean) AS SELECT id FROM orders"
            " WHERE user_id = $1 AND is_deleted = $2 ORDER BY created_at DESC, id DESC LIMIT 20"
        )
        plan = "\n".join(
            row[0] for row in fetch("EXPLAIN (COSTS OFF) EXECUTE page(%s, false)", [customer.pk])
        )
        execute("DEALLOCATE page")
    assert "idx_orders_user_newest" in plan, plan
    assert "Sort" not in plan, plan


HELPERS = [
    "auth.uid()",
    "auth.jwt()",
    "private.has_role(text[])",
    "private.is_admin()",
    "private.is_super_admin()",
    "private.prefix_tsquery(text)",
]


def test_row_level_securitys_helpers_are_parallel_safe():
    found = dict(
        fetch(
            "SELECT p.oid::regprocedure::text, p.proparallel FROM pg_proc p"
            " WHERE p.oid = ANY(%s::regprocedure[])",
            [HELPERS],
        )
    )
    assert found == dict.fromkeys(HELPERS, "s")


def test_a_statement_under_row_level_security_may_get_parallel_workers():
    customer = UserFactory()
    OrderFactory(user=customer)
    with acting_as(customer):
        # Make a parallel plan the cheapest on a tiny table, as it is on a large one.
        for setting in (
            "parallel_setup_cost = 0",
            "parallel_tuple_cost = 0",
            "min_parallel_table_scan_size = 0",
            "max_parallel_workers_per_gather = 2",
            "enable_indexscan = off",
            "enable_bitmapscan = off",
        ):
            execute(f"SET LOCAL {setting}")
        plan = "\n".join(row[0] for row in fetch("EXPLAIN (COSTS OFF) SELECT count(*) FROM orders"))
    assert "Gather" in plan, plan
    assert "Parallel Seq Scan on orders" in plan, plan


@pytest.mark.parametrize("role", ["anon", "authenticated"])
def test_the_api_roles_run_without_jit(role):
    # What PostgREST applies to the role it switches to (impersonated role settings).
    settings = fetch_one(
        "SELECT setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole"
        " WHERE r.rolname = %s AND s.setdatabase = 0",
        [role],
    )
    assert "jit=off" in settings


def listing(category, max_results: int = 24) -> list[str]:
    return [
        name
        for (name,) in fetch(
            "SELECT name FROM category_products(%s, %s)", [category.pk, max_results]
        )
    ]


def test_a_category_lists_its_newest_products_for_sale_and_nothing_else():
    category, other = TierFactory(), TierFactory()
    now = timezone.now()
    for name, days_old, status in [
        ("old", 3, "active"),
        ("new", 1, "active"),
        ("draft", 0, "draft"),
    ]:
        product = ProductFactory(name=name, status=status)
        execute(
            "UPDATE products SET created_at = %s WHERE id = %s",
            [now - timedelta(days=days_old), product.pk],
        )
        ProductCategoryFactory(product=product, tier=category)
    ProductCategoryFactory(product=ProductFactory(name="elsewhere"), tier=other)
    deleted = ProductFactory(name="deleted")
    ProductCategoryFactory(product=deleted, tier=category)
    deleted.delete()

    with acting_as_anon():
        shown = listing(category)
        first = listing(category, 1)

    assert shown == ["new", "old"]
    assert first == ["new"]


def test_an_inactive_category_lists_nothing_and_a_page_size_is_bounded():
    category = TierFactory(is_active=False)
    ProductCategoryFactory(product=ProductFactory(), tier=category)
    with acting_as_anon():
        assert listing(category) == []
    with pytest.raises(DatabaseError) as refused:
        listing(category, 101)
    assert "A category listing returns 1 to 100 products: max_results=101 is out of range." in (
        str(refused.value)
    )


def test_the_category_listing_never_returns_a_cost_price():
    columns = [
        name
        for (name,) in fetch(
            "SELECT unnest(proargnames) FROM pg_proc WHERE proname = 'category_products'"
        )
    ]
    assert "cost_price" not in columns
    assert columns == [
        "category_id",
        "max_results",
        "id",
        "name",
        "slug",
        "selling_price",
        "currency",
        "image_url",
        "featured",
        "created_at",
    ]


def test_a_category_listing_starts_from_the_category_index():
    # A shop's proportions: two thousand products for sale, ten in the category listed.
    category, others = TierFactory(), TierFactory()
    execute(
        """INSERT INTO products (name, slug, sku, selling_price, cost_price, status)
           SELECT 'Shirt ' || n, 'shirt-' || n, 'SH-' || n, 499, 250, 'active'
           FROM generate_series(1, 2000) n"""
    )
    execute(
        """INSERT INTO product_categories (product_id, tier_id)
           SELECT id, CASE WHEN sku IN (SELECT 'SH-' || n FROM generate_series(1, 10) n)
                           THEN %s::uuid ELSE %s::uuid END FROM products""",
        [category.pk, others.pk],
    )
    execute("ANALYZE products, product_categories, tiers")
    counters = """SELECT pg_stat_get_xact_numscans('idx_product_categories_tier'::regclass),
                         pg_stat_get_xact_numscans('product_categories'::regclass),
                         pg_stat_get_xact_numscans('products'::regclass)"""
    before = fetch_one(counters)
    with acting_as_anon():
        listed = listing(category)
    after = fetch_one(counters)

    assert len(listed) == 10
    # One scan of the category index; no sequential scan of either table.
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 0, 0]
