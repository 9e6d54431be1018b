"""Cart lines, wishlist items, order items and invoices check their parent by primary key.

0003's ``cart_id IN (SELECT id FROM carts)`` read every cart the role may see for each statement:
the carts policy is "owner OR admin", an ``OR`` no index serves, so reading the 4 lines of one cart
scanned all 200,000 carts (16 ms). ``shop.db.policies.follows`` writes the same rule as a
correlated ``EXISTS``, one ``carts_pkey`` probe per line. Who sees what is unchanged; the reverse
restores 0003's policies.
"""

from importlib import import_module

from django.db import migrations

from shop.db.policies import (
    ALL,
    DELETE,
    INSERT,
    SELECT,
    UPDATE,
    access,
    admins,
    follows,
    replace_policies_sql,
)

LANDED = import_module("orders.migrations.0003_row_level_security")

TABLES = [
    access(
        "cart_items",
        follows("carts", "cart_id", SELECT, UPDATE, DELETE),
        follows("carts", "cart_id", INSERT, new_rows=LANDED.NEW_CART_ITEM),
        admins(),
        hidden=LANDED.COST,
    ),
    access("wishlist_items", follows("wishlists", "wishlist_id", ALL), admins()),
    access("order_items", follows("orders", "order_id", SELECT), admins(), hidden=LANDED.COST),
    access("invoices", follows("orders", "order_id", SELECT), admins()),
    access("invoice_versions", follows("invoices", "invoice_id", SELECT), admins()),
    access("invoice_line_items", follows("invoices", "invoice_id", SELECT), admins()),
]


class Migration(migrations.Migration):
    dependencies = [("orders", "0005_payments_and_invoices")]

    operations = [migrations.RunSQL(*replace_policies_sql(LANDED.TABLES, TABLES))]
