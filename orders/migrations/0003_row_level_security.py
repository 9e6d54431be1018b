"""Row level security for carts, wishlists, orders, payments and invoices (see shop.db.policies).

A customer fills their own carts and wishlists. Orders, payments and invoices are written by
checkout and payment services (the owner connection or ``service_role``), never by a customer's
client: the customer reads their own, admins manage them.
"""

from django.db import migrations

from shop.db.policies import (
    ALL,
    DELETE,
    INSERT,
    SELECT,
    UPDATE,
    access,
    admins,
    closed,
    owner,
    table_access_sql,
    through,
)

# What a client puts in a cart holds no stock and no total: reservations and totals are made
# by checkout (the *_customer_columns triggers guard the same columns on UPDATE).
NEW_CART = "status = 'active' AND giftcard_total = 0 AND shipping_total = 0"
NEW_CART_ITEM = (
    "reserved_quantity = 0 AND reserved_until IS NULL AND reserved_from_location_id IS NULL"
)

TABLES = [
    access("carts", owner(SELECT, UPDATE, DELETE), owner(INSERT, new_rows=NEW_CART), admins()),
    access(
        "cart_items",
        through("carts", "cart_id", SELECT, UPDATE, DELETE),
        through("carts", "cart_id", INSERT, new_rows=NEW_CART_ITEM),
        admins(),
    ),
    access("wishlists", owner(ALL), admins()),
    access("wishlist_items", through("wishlists", "wishlist_id", ALL), admins()),
    access("orders", owner(SELECT), admins()),
    access("order_items", through("orders", "order_id", SELECT), admins()),
    # A customer reads the invoices of their own orders, with their versions and lines.
    access("invoices", through("orders", "order_id", SELECT), admins()),
    access("invoice_versions", through("invoices", "invoice_id", SELECT), admins()),
    access("invoice_line_items", through("invoices", "invoice_id", SELECT), admins()),
    access("payment_transactions", admins()),
    # Evidence of what Razorpay sent: admins read it, only the backend writes it.
    access("payment_webhook_logs", admins(SELECT)),
    # A partition read directly, bypassing its parent's policies: closed.
    closed("payment_webhook_logs_default"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_pinned_search_path_and_customer_columns"),
        ("shop", "0004_supabase_auth"),
    ]

    operations = [migrations.RunSQL(*table_access_sql(*TABLES))]
