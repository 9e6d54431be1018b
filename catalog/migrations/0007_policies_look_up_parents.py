"""Catalogue children check their product (and tier, collection) by primary key.

``product_id IN (SELECT id FROM products)`` (0003) read every product the role may see for each
statement that touched a variant, FAQ, review, question or category link: a sequential scan of
the products table, 9 ms to list a category at 20,000 products. The same rule, written as a
correlated ``EXISTS`` (``shop.db.policies.parent_visible``), probes ``products_pkey`` per row.
Who sees what is unchanged; the reverse restores 0003's policies.
"""

from importlib import import_module

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
    parent_visible,
    replace_policies_sql,
)

LANDED = import_module("catalog.migrations.0003_row_level_security")

VISIBLE_PRODUCT = parent_visible("products", "product_id")
AWAITS_MODERATION = f"status = 'pending' AND {VISIBLE_PRODUCT}"

TABLES = [
    access(
        "product_variants",
        everyone_reads(f"is_active AND NOT is_deleted AND {VISIBLE_PRODUCT}"),
        admins(),
        hidden=LANDED.COST,
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
    access(
        "product_categories",
        everyone_reads(f"{VISIBLE_PRODUCT} AND {parent_visible('tiers', 'tier_id')}"),
        admins(),
    ),
    access(
        "collection_products",
        everyone_reads(f"{VISIBLE_PRODUCT} AND {parent_visible('collections', 'collection_id')}"),
        admins(),
    ),
]


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_admin_names")]

    operations = [migrations.RunSQL(*replace_policies_sql(LANDED.TABLES, TABLES))]
