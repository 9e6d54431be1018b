"""Row level security for the catalogue (see shop.db.policies).

Everyone reads what the shop has published; only admins write. A child row (variant, FAQ,
category link) is visible only while its product is: ``product_id IN (SELECT id FROM products)``
applies the products policy, so an archived or deleted product takes its children with it.
"""

from django.db import migrations

from shop.db.policies import (
    DELETE,
    INSERT,
    SELECT,
    UPDATE,
    access,
    admins,
    everyone_reads,
    owner,
    table_access_sql,
)

VISIBLE_PRODUCT = "product_id IN (SELECT id FROM public.products)"
# A customer's new review or question is about a product on sale, waits for moderation and
# carries no answer or badge of the shop's (the *_customer_columns triggers guard the same
# columns on UPDATE, and send an edit back to moderation).
AWAITS_MODERATION = f"status = 'pending' AND {VISIBLE_PRODUCT}"

# The shop's margin is never served to a client key; admins see it in the Django admin.
COST = ("cost_price",)

TABLES = [
    access(
        "products",
        everyone_reads("status = 'active' AND NOT is_deleted"),
        admins(),
        hidden=COST,
    ),
    access(
        "product_variants",
        everyone_reads(f"is_active AND NOT is_deleted AND {VISIBLE_PRODUCT}"),
        admins(),
        hidden=COST,
    ),
    access(
        "product_faqs",
        everyone_reads(f"is_published AND NOT is_deleted AND {VISIBLE_PRODUCT}"),
        admins(),
    ),
    access(
        "reviews",
        everyone_reads(f"status = 'published' AND NOT is_deleted AND {VISIBLE_PRODUCT}"),
        owner(SELECT, UPDATE, DELETE),
        owner(INSERT, new_rows=f"{AWAITS_MODERATION} AND NOT is_verified_purchase"),
        admins(),
    ),
    access(
        "product_questions",
        everyone_reads(f"status = 'published' AND NOT is_deleted AND {VISIBLE_PRODUCT}"),
        owner(SELECT, UPDATE, DELETE),
        owner(
            INSERT,
            new_rows=f"{AWAITS_MODERATION} AND answer = '' AND answered_by_id IS NULL",
        ),
        admins(),
    ),
    access("tiers", everyone_reads("is_active AND NOT is_deleted"), admins()),
    access(
        "product_categories",
        everyone_reads(f"{VISIBLE_PRODUCT} AND tier_id IN (SELECT id FROM public.tiers)"),
        admins(),
    ),
    access(
        "collections",
        everyone_reads(
            "is_active AND NOT is_deleted AND (starts_at IS NULL OR starts_at <= now())"
            " AND (ends_at IS NULL OR ends_at > now())"
        ),
        admins(),
    ),
    access(
        "collection_products",
        everyone_reads(
            f"{VISIBLE_PRODUCT} AND collection_id IN (SELECT id FROM public.collections)"
        ),
        admins(),
    ),
    access("tags", everyone_reads("NOT is_deleted"), admins()),
    # Stock and where it is kept: the shop's business.
    access("inventory_locations", admins()),
    access("inventory", admins()),
    access("inventory_adjustments", admins()),
    access("variant_inventory_adjustments", admins()),
]


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_pinned_search_path_and_customer_columns"),
        ("shop", "0004_supabase_auth"),
    ]

    operations = [migrations.RunSQL(*table_access_sql(*TABLES))]
