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

# The shop's margin is never served to a client key; admins see it in the Django admin.
COST = ("cost_price",)

# What a client may put in its cart: the price of a product (or variant) for sale now. The
# cart_items_priced_by_the_shop trigger prices a client's cart lines with it; SECURITY DEFINER
# because clients may not read cost prices themselves.
CREATE_CART_ITEM_PRICE_SQL = """
CREATE FUNCTION private.cart_item_price(product_id uuid, variant_id uuid)
RETURNS TABLE (unit_price numeric, cost_price numeric, currency varchar)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT coalesce(v.selling_price, p.selling_price), coalesce(v.cost_price, p.cost_price),
           coalesce(v.currency, p.currency)
    FROM public.products p
    LEFT JOIN public.product_variants v
           ON v.id = cart_item_price.variant_id AND v.product_id = p.id
          AND v.is_active AND NOT v.is_deleted
    WHERE p.id = cart_item_price.product_id AND p.status = 'active' AND NOT p.is_deleted
      AND (cart_item_price.variant_id IS NULL OR v.id IS NOT NULL)
$$;
COMMENT ON FUNCTION private.cart_item_price(uuid, uuid) IS
    'Price and cost of a product (or its variant) that is for sale now; no row if it is not.';
REVOKE ALL ON FUNCTION private.cart_item_price(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.cart_item_price(uuid, uuid) TO authenticated, service_role;
"""

TABLES = [
    access("carts", owner(SELECT, UPDATE, DELETE), owner(INSERT, new_rows=NEW_CART), admins()),
    access(
        "cart_items",
        through("carts", "cart_id", SELECT, UPDATE, DELETE),
        through("carts", "cart_id", INSERT, new_rows=NEW_CART_ITEM),
        admins(),
        hidden=COST,
    ),
    access("wishlists", owner(ALL), admins()),
    access("wishlist_items", through("wishlists", "wishlist_id", ALL), admins()),
    access("orders", owner(SELECT), admins()),
    access("order_items", through("orders", "order_id", SELECT), admins(), hidden=COST),
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

    operations = [
        migrations.RunSQL(
            sql=CREATE_CART_ITEM_PRICE_SQL,
            reverse_sql="DROP FUNCTION private.cart_item_price(uuid, uuid);",
        ),
        migrations.RunSQL(*table_access_sql(*TABLES)),
    ]
