"""Catalogue children check their product (and tier, collection) by primary key.

``product_id IN (SELECT id FROM products)`` (0003) read every product the role may see for each
statement that touched a variant, FAQ, review, question or category link: a sequential scan of
the products table, 9 ms to list a category at 20,000 products. The same rule, written as a
correlated ``EXISTS`` (``shop.db.policies.parent_visible``), probes ``products_pkey`` per row.
Who sees what is unchanged; the reverse restores 0003's policies.
"""

from importlib import import_module

from django.db import migrations

from shop.db.policies import parent_visible, replace_policies_sql, rewritten

LANDED = import_module("catalog.migrations.0003_row_level_security")

TABLES = rewritten(
    LANDED.TABLES,
    {
        LANDED.VISIBLE_PRODUCT: parent_visible("products", "product_id"),
        "tier_id IN (SELECT id FROM public.tiers)": parent_visible("tiers", "tier_id"),
        "collection_id IN (SELECT id FROM public.collections)": parent_visible(
            "collections", "collection_id"
        ),
    },
)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_admin_names")]

    operations = [migrations.RunSQL(*replace_policies_sql(LANDED.TABLES, TABLES))]
