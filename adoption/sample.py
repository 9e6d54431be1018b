"""A legacy shop to adopt: the legacy schema as deployed, in a schema of one's choice, filled by
set-based SQL with a clean shop and, on request, rows that break the new schema's rules.

Used by the tests (a small shop with every kind of dirt, each dirty row's fate known) and by
``manage.py make_legacy_shop`` (a large one, to measure the import).

The clean shop: ``orders`` orders of two lines each, paid, invoiced; a customer per four
orders, a product per twenty, each with one variant and stock at the MAIN location.
"""

from adoption.dirt import Dirt, d
from adoption.sample_more import CLEAN_MORE, add_more_dirt
from adoption.source import LEGACY_SCHEMA_SQL


def create_legacy_schema(cursor, schema: str) -> None:
    """The legacy tables in ``schema`` (drizzle's output names ``public``; it becomes
    ``schema``), empty. Replaces a schema of that name. Runs inside a transaction."""
    text = LEGACY_SCHEMA_SQL.read_text()
    text = text.replace('"public".', f'"{schema}".').replace("--> statement-breakpoint", "")
    cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    cursor.execute(f'CREATE SCHEMA "{schema}"')
    cursor.execute(f'SET LOCAL search_path = "{schema}"')
    cursor.execute(text)
    cursor.execute("SET LOCAL search_path = public")


# Statements of the clean shop; {s} is the schema, %(orders)s etc. the sizes (sizes()).
CLEAN = [
    """INSERT INTO {s}.inventory_locations (id, name, code, city, state, is_default, created_at)
       VALUES (md5('location:1')::uuid, 'Main warehouse', 'MAIN', 'Pune', 'Maharashtra', true,
               '2023-01-01 09:00')""",
    """INSERT INTO {s}.tiers (id, name, slug, level, parent_id, created_at)
       SELECT md5('tier:' || i)::uuid, 'Tier ' || i, 'tier-' || i,
              CASE WHEN i <= 3 THEN 1 ELSE 2 END,
              CASE WHEN i > 3 THEN md5('tier:' || ((i - 4) / 2 + 1))::uuid END,
              '2023-01-01 09:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, 9) i""",
    """INSERT INTO {s}.roles (id, name, display_name, created_at) VALUES
       (md5('role:admin')::uuid, 'admin', 'Administrator', '2023-01-01 09:00'),
       (md5('role:customer')::uuid, 'customer', 'Customer', '2023-01-01 09:00')""",
    """INSERT INTO {s}.permissions (id, name, resource, action, created_at) VALUES
       (md5('permission:orders.view')::uuid, 'View orders', 'orders', 'view',
        '2023-01-01 09:00')""",
    """INSERT INTO {s}.role_permissions (role_id, permission_id, created_at) VALUES
       (md5('role:admin')::uuid, md5('permission:orders.view')::uuid, '2023-01-01 09:00')""",
    """INSERT INTO {s}.users (id, email, first_name, last_name, phone, password_hash, created_at,
                             updated_at, email_verified)
       SELECT md5('user:' || i)::uuid, 'user' || i || '@example.com', 'First' || i, 'Last' || i,
              '+9199' || lpad(i::text, 8, '0'), '$2b$12$' || md5(i::text),
              '2023-01-01 10:00'::timestamp + i * interval '1 minute',
              '2023-01-01 10:00'::timestamp + i * interval '1 minute', i % 2 = 0
       FROM generate_series(1, %(users)s) i""",
    """INSERT INTO {s}.user_roles (id, user_id, role_id, assigned_at)
       SELECT md5('user_role:' || i)::uuid, md5('user:' || i)::uuid,
              CASE WHEN i = 1 THEN md5('role:admin')::uuid ELSE md5('role:customer')::uuid END,
              '2023-01-02 10:00'
       FROM generate_series(1, %(users)s) i""",
    """INSERT INTO {s}.user_addresses (id, user_id, full_name, phone, address_line_1, city, state,
                                      postal_code, is_default, created_at)
       SELECT md5('address:' || i)::uuid, md5('user:' || i)::uuid, 'First' || i,
              '+9199' || lpad(i::text, 8, '0'), i || ' MG Road', 'Pune', 'Maharashtra',
              '411001', true, '2023-01-01 10:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, %(users)s) i""",
    """INSERT INTO {s}.products (id, name, slug, sku, status, selling_price, cost_price,
                                hsn_code, category_tier_1, category_tier_2, tags, created_at)
       SELECT md5('product:' || i)::uuid, 'Product ' || i, 'product-' || i, 'SKU-' || i,
              'active', 100 + (i % 50) * 10 + 0.99, 50, '6109',
              md5('tier:' || (i % 3 + 1))::uuid, md5('tier:' || ((i % 3) * 2 + 4))::uuid,
              '["cotton"]', '2023-01-01 11:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, %(products)s) i""",
    """INSERT INTO {s}.product_variants (id, product_id, option_name, option_value, sku,
                                        selling_price, cost_price, stock_quantity, created_at)
       SELECT md5('variant:' || i)::uuid, md5('product:' || i)::uuid, 'size', 'M',
              'SKU-' || i || '-M', 100 + (i % 50) * 10 + 0.99, 50, 100,
              '2023-01-01 11:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, %(products)s) i""",
    """INSERT INTO {s}.inventory (id, product_id, location_id, available_quantity,
                                 reserved_quantity, created_at)
       SELECT md5('inventory:' || i)::uuid, md5('product:' || i)::uuid,
              md5('location:1')::uuid, 100, 2, '2023-01-01 12:00'
       FROM generate_series(1, %(products)s) i""",
    """INSERT INTO {s}.uploads (file_name, original_name, mime_type, file_size, url,
                               storage_path, entity_type, entity_id, created_at)
       SELECT 'p' || i || '.jpg', 'product ' || i || '.jpg', 'image/jpeg', 1000 + i,
              'https://cdn.example.com/p' || i || '.jpg', 'products/p' || i || '.jpg',
              'product', md5('product:' || i)::uuid,
              '2023-01-01 11:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, %(products)s) i""",
    # Orders: two lines of the same product (one of its variant), paid and invoiced.
    """INSERT INTO {s}.orders (id, order_number, user_id, order_status, payment_status,
                              razorpay_order_id, subtotal, grand_total, shipping_address,
                              created_at, updated_at)
       SELECT md5('order:' || i)::uuid, 'SO-' || lpad(i::text, 8, '0'),
              md5('user:' || (i % %(users)s + 1))::uuid, 'delivered', 'paid', 'order_' || i,
              2 * (100 + ((i % %(products)s + 1) % 50) * 10 + 0.99),
              2 * (100 + ((i % %(products)s + 1) % 50) * 10 + 0.99),
              jsonb_build_object('city', 'Pune', 'postal_code', '411001'),
              '2023-04-01 09:00'::timestamp + i * interval '1 minute',
              '2023-04-01 09:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, %(orders)s) i""",
    """INSERT INTO {s}.order_items (id, order_id, product_id, variant_id, product_name,
                                   product_sku, quantity, unit_price, cost_price, line_total,
                                   created_at)
       SELECT md5('order_item:' || i || ':' || l)::uuid, md5('order:' || i)::uuid,
              md5('product:' || (i % %(products)s + 1))::uuid,
              CASE WHEN l = 1 THEN md5('variant:' || (i % %(products)s + 1))::uuid END,
              'Product ' || (i % %(products)s + 1), 'SKU-' || (i % %(products)s + 1), 1,
              100 + ((i % %(products)s + 1) % 50) * 10 + 0.99, 50,
              100 + ((i % %(products)s + 1) % 50) * 10 + 0.99,
              '2023-04-01 09:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, %(orders)s) i, generate_series(1, 2) l""",
    """INSERT INTO {s}.payment_transactions (id, order_id, user_id, razorpay_order_id,
                                            razorpay_payment_id, amount, status, payment_method,
                                            captured_at, created_at)
       SELECT md5('payment:' || o.i)::uuid, md5('order:' || o.i)::uuid, NULL, 'order_' || o.i,
              'pay_' || o.i, o.grand_total, 'captured', 'upi',
              o.created_at + interval '1 minute', o.created_at
       FROM (SELECT i, grand_total, created_at FROM {s}.orders
             JOIN generate_series(1, %(orders)s) i ON id = md5('order:' || i)::uuid) o""",
    """INSERT INTO {s}.invoices (id, invoice_number, order_id, status, invoice_date, subtotal,
                                grand_total, billing_address, issued_at, created_at)
       SELECT md5('invoice:' || o.i)::uuid,
              'IN/' || to_char(o.fy, 'FM00') || '-' || to_char((o.fy + 1) % 100, 'FM00') || '/'
              || lpad(row_number() OVER (PARTITION BY o.fy ORDER BY o.i)::text, 7, '0'),
              md5('order:' || o.i)::uuid, 'issued', o.created_at::date, o.grand_total,
              o.grand_total, o.shipping_address, o.created_at, o.created_at
       FROM (SELECT i, grand_total, created_at, shipping_address,
                    (extract(year FROM created_at)::int
                     - CASE WHEN extract(month FROM created_at) < 4 THEN 1 ELSE 0 END) % 100 AS fy
             FROM {s}.orders JOIN generate_series(1, %(orders)s) i
               ON id = md5('order:' || i)::uuid) o""",
    """INSERT INTO {s}.invoice_line_items (id, invoice_id, order_item_id, description, hsn_code,
                                          quantity, unit_price, taxable_value, line_total,
                                          created_at)
       SELECT md5('invoice_line:' || oi.id)::uuid, md5('invoice:' || i)::uuid, oi.id,
              oi.product_name, '6109', oi.quantity, oi.unit_price, oi.line_total, oi.line_total,
              oi.created_at
       FROM generate_series(1, %(orders)s) i
       JOIN {s}.order_items oi ON oi.order_id = md5('order:' || i)::uuid""",
    # Stock history: received and corrected for each stock row; received and sold per variant.
    """INSERT INTO {s}.inventory_adjustments (id, inventory_id, product_id, location_id,
                                             adjustment_type, quantity_change, reason, created_at)
       SELECT md5('inventory_adjustment:' || i || ':' || k)::uuid, md5('inventory:' || i)::uuid,
              md5('product:' || i)::uuid, md5('location:1')::uuid,
              CASE k WHEN 1 THEN 'restock' ELSE 'adjustment' END, CASE k WHEN 1 THEN 80 ELSE 20 END,
              CASE k WHEN 1 THEN 'supplier delivery' END,
              '2023-01-01 12:00'::timestamp + k * interval '1 hour'
       FROM generate_series(1, %(products)s) i, generate_series(1, 2) k""",
    """INSERT INTO {s}.variant_inventory_adjustments (id, variant_id, adjustment_type,
                                                     quantity_change, order_id, created_at)
       SELECT md5('variant_adjustment:' || i || ':' || k)::uuid, md5('variant:' || i)::uuid,
              CASE k WHEN 1 THEN 'restock' ELSE 'sale' END, CASE k WHEN 1 THEN 110 ELSE -10 END,
              CASE WHEN k = 2 AND i <= %(orders)s THEN md5('order:' || i)::uuid END,
              '2023-01-01 12:00'::timestamp + k * interval '1 hour'
       FROM generate_series(1, %(products)s) i, generate_series(1, 2) k""",
    """INSERT INTO {s}.audit_logs (user_id, action, table_name, record_id, old_values,
                                  new_values, ip_address, "timestamp")
       SELECT md5('user:1')::uuid, 'update', 'orders', md5('order:' || i)::uuid::text,
              '{"order_status": "shipped"}', '{"order_status": "delivered"}', '10.0.0.1',
              '2023-04-02 09:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, greatest(%(orders)s / 10, 1)) i""",
]


def sizes(orders: int) -> dict[str, int]:
    return {"orders": orders, "users": max(orders // 4, 10), "products": max(orders // 20, 10)}


def fill_clean(cursor, schema: str, *, orders: int, on_statement=None) -> None:
    """A clean legacy shop: every row passes every rule of the new schema."""

    for statement in (*CLEAN, *CLEAN_MORE):
        sql = statement.replace("{s}", f'"{schema}"')
        for name, size in sizes(orders).items():
            sql = sql.replace(f"%({name})s", str(size))
        cursor.execute(sql)
        if on_statement:
            on_statement(statement.split("INSERT INTO {s}.")[1].split(" ")[0], cursor.rowcount)


def add_dirt(cursor, schema: str) -> Dirt:
    """Rows that break each rule the new schema enforces, and rows only a conversion fixes.

    Needs the clean shop (its user 1, product 1, order 1, ...). Returns what the import must
    quarantine; everything else must come in.
    """
    dirt = Dirt()
    s = f'"{schema}"'

    def run(sql: str, *params) -> None:
        cursor.execute(sql.replace("{s}", s), params)

    # --- users: duplicates that differ in case and blanks; the oldest is kept ---------------
    run(
        """INSERT INTO {s}.users (id, email, created_at) VALUES
        (%s, 'dup@example.com', '2022-06-01 10:00'),
        (%s, ' Dup@Example.COM ', '2022-07-01 10:00'),
        (%s, 'MiXed@Example.COM', '2022-07-01 10:00')""",
        d(1),
        d(2),
        d(3),
    )
    dirt.expect("users", "users_email_key", d(2))
    dirt.kept[d(2)] = d(1)
    # ... whose dependents follow it
    run(
        """INSERT INTO {s}.user_roles (id, user_id, role_id) VALUES
        (%s, %s, md5('role:customer')::uuid)""",
        d(4),
        d(2),
    )
    dirt.expect("user_roles", "parent_quarantined", d(4))
    run(
        """INSERT INTO {s}.orders (id, order_number, user_id, subtotal, grand_total,
        shipping_address, created_at) VALUES
        (%s, 'SO-90000001', %s, 10, 10, '{{}}', '2023-05-01 10:00')""".replace("{{}}", "{}"),
        d(5),
        d(2),
    )
    dirt.expect("orders", "parent_quarantined", d(5))

    # --- addresses --------------------------------------------------------------------------
    run(
        """INSERT INTO {s}.user_addresses (id, user_id, full_name, phone, address_line_1, city,
        state, postal_code, country, address_type) VALUES
        (%s, %s, 'A', '1', 'x', 'Pune', 'MH', '411001', 'India', 'billing'),
        (%s, %s, 'B', '1', 'x', 'Kathmandu', 'Bagmati', '44600', 'Nepal', 'billing')""",
        d(6),
        d(1),
        d(7),
        d(1),
    )
    dirt.expect("user_addresses", "user_addresses_country_too_long", d(7))

    # --- permissions: resource.action collide once lower-cased --------------------------------
    run(
        """INSERT INTO {s}.permissions (id, name, resource, action, created_at) VALUES
        (%s, 'View orders again', 'Orders', 'View', '2023-02-01 09:00')""",
        d(8),
    )
    dirt.expect("permissions", "uq_permissions_codename", d(8))

    # --- tiers: a level that does not follow its parent, and the child below it ---------------
    run(
        """INSERT INTO {s}.tiers (id, name, slug, level, parent_id) VALUES
        (%s, 'Skips a level', 'skips-a-level', 3, md5('tier:1')::uuid),
        (%s, 'Below it', 'below-it', 4, %s)""",
        d(9),
        d(10),
        d(9),
    )
    dirt.expect("tiers", "tiers_level_follows_parent", d(9))
    dirt.expect("tiers", "parent_quarantined", d(10))

    # --- products ---------------------------------------------------------------------------
    run(
        """INSERT INTO {s}.products (id, name, slug, sku, status, selling_price, cost_price,
        compare_at_price, tags, created_at) VALUES
        (%s, 'No SKU', 'no-sku', NULL, 'active', 10, 5, NULL, '[]', '2023-03-01 10:00'),
        (%s, 'SKU 1 again', 'sku-1-again', ' SKU-1 ', 'active', 10, 5, NULL, '[]',
         '2023-03-01 10:00'),
        (%s, 'Bad slug', 'Bad Slug', 'SKU-BAD-SLUG', 'active', 10, 5, NULL, '[]',
         '2023-03-01 10:00'),
        (%s, 'Published', 'published-one', 'SKU-PUB', 'Published', 10, 5, 10, '"summer"',
         '2023-03-01 10:00'),
        (%s, 'Tags object', 'tags-object', 'SKU-TAGS', 'active', 10, 5, NULL, '{{"a": 1}}',
         '2023-03-01 10:00'),
        (%s, 'Negative cost', 'negative-cost', 'SKU-NEG', 'active', 10, -5, NULL, '[]',
         '2023-03-01 10:00')""".replace("{{", "{").replace("}}", "}"),
        d(11),
        d(12),
        d(13),
        d(14),
        d(15),
        d(16),
    )
    dirt.expect("products", "products_sku_not_null", d(11))
    dirt.expect("products", "uq_products_sku", d(12))
    dirt.expect("products", "products_slug_format", d(13))
    dirt.expect("products", "check_tags_array", d(15))
    dirt.expect("products", "products_cost_price_check", d(16))

    # --- variants: a float price, negative stock, a duplicate option, an orphan's child -----
    run(
        """INSERT INTO {s}.product_variants (id, product_id, option_name, option_value, sku,
        selling_price, cost_price, stock_quantity, created_at) VALUES
        (%s, md5('product:2')::uuid, 'size', 'L', 'SKU-2-L', 12999.99, 5000, 3,
         '2023-03-01 10:00'),
        (%s, md5('product:2')::uuid, 'size', 'XL', 'SKU-2-XL', 10, 5, -3, '2023-03-01 10:00'),
        (%s, md5('product:2')::uuid, 'size', 'M', 'SKU-2-M2', 10, 5, 1, '2023-03-01 10:00'),
        (%s, %s, 'size', 'M', 'SKU-NOSKU-M', 10, 5, 1, '2023-03-01 10:00')""",
        d(17),
        d(18),
        d(19),
        d(20),
        d(11),
    )
    dirt.expect("product_variants", "product_variants_stock_non_negative", d(18))
    dirt.expect("product_variants", "uq_variant_option", d(19))
    dirt.expect("product_variants", "parent_quarantined", d(20))

    # --- inventory: negative stock, a second row for one product and place ------------------
    run(
        """INSERT INTO {s}.inventory (id, product_id, location_id, available_quantity,
        reserved_quantity, created_at) VALUES
        (%s, md5('product:3')::uuid, md5('location:1')::uuid, 4, 0, '2023-03-01 10:00'),
        (%s, %s, md5('location:1')::uuid, -5, 0, '2023-03-01 10:00')""",
        d(21),
        d(22),
        d(14),
    )
    dirt.expect("inventory", "uq_inventory_product_location", d(21))
    dirt.expect("inventory", "check_inventory_reserved", d(22))

    # --- stock history ----------------------------------------------------------------------
    run(
        """INSERT INTO {s}.inventory_adjustments (id, inventory_id, product_id, location_id,
        adjustment_type, quantity_change, created_at) VALUES
        (%s, md5('inventory:5')::uuid, md5('product:5')::uuid, md5('location:1')::uuid,
         'sale', -250, '2022-12-01 10:00'),
        (%s, md5('inventory:5')::uuid, md5('product:5')::uuid, md5('location:1')::uuid,
         'restock', 300, '2022-12-02 10:00'),
        (%s, md5('inventory:6')::uuid, md5('product:6')::uuid, md5('location:1')::uuid,
         'reserve', 2, '2023-02-01 10:00'),
        (%s, md5('inventory:6')::uuid, md5('product:6')::uuid, md5('location:1')::uuid,
         'recount', 0, '2023-02-01 10:00'),
        (%s, NULL, md5('product:7')::uuid, md5('location:1')::uuid, 'damage', -1,
         '2023-02-01 10:00'),
        (%s, %s, md5('product:3')::uuid, md5('location:1')::uuid, 'sale', -1,
         '2023-03-02 10:00')""",
        *(d(n) for n in (50, 51, 52, 53, 54, 55, 21)),
    )
    # Counted back from its balance (102), inventory 5 held -48 before its history and -298
    # after the sale: that history cannot be true, and all of it is refused.
    dirt.expect("inventory_adjustments", "inventory_adjustments_after_non_negative", d(50))
    cursor.execute(
        "SELECT md5('inventory_adjustment:5:1')::uuid::text, "
        "md5('inventory_adjustment:5:2')::uuid::text"
    )
    dirt.expect(
        "inventory_adjustments",
        "inventory_adjustments_history_below_zero",
        d(51),
        *cursor.fetchone(),
    )
    dirt.expect("inventory_adjustments", "inventory_adjustments_reason_valid", d(52))
    dirt.expect("inventory_adjustments", "inventory_adjustments_changes_something", d(53))
    dirt.expect("inventory_adjustments", "parent_quarantined", d(55))
    run(
        """INSERT INTO {s}.variant_inventory_adjustments (id, variant_id, adjustment_type,
        quantity_change, created_at) VALUES (%s, %s, 'sale', -1, '2023-03-02 10:00')""",
        d(56),
        d(19),
    )
    dirt.expect("variant_inventory_adjustments", "parent_quarantined", d(56))

    # --- orders -------------------------------------------------------------------------------
    run(
        """INSERT INTO {s}.orders (id, order_number, user_id, order_status, subtotal, grand_total,
        shipping_address, tags, delivery_date, cancelled_at, razorpay_order_id, created_at)
        VALUES
        (%s, 'SO-90000002', md5('user:1')::uuid, 'pending', 10, -10, '{}', '[]', NULL, NULL,
         NULL, '2023-05-01 10:00'),
        (%s, 'SO-90000003', md5('user:1')::uuid, 'cancelled', 10, 10, '{}', '[]', NULL, NULL,
         NULL, '2023-05-01 10:00'),
        (%s, 'SO-90000004', md5('user:1')::uuid, 'delivered', 10, 10, '{}', '[]',
         '2023-04-01', NULL, NULL, '2023-05-01 10:00'),
        (%s, 'SO-90000005', md5('user:1')::uuid, 'pending', 10, 10, '{}', '{"a": 1}', NULL,
         NULL, NULL, '2023-05-01 10:00'),
        (%s, 'SO-90000006', md5('user:1')::uuid, 'pending', 10, 10, '{}', '[]', NULL, NULL,
         'order_1', '2023-05-01 10:00'),
        (%s, 'SO-90000007', md5('user:1')::uuid, 'pending', 10, 10, '{}', '"gift"', NULL,
         NULL, NULL, '2024-03-31 23:59:59'),
        (%s, 'SO-90000008', md5('user:1')::uuid, 'pending', 10, 10, '{}', '[]', NULL, NULL,
         NULL, '2024-04-01 00:00:00')""",
        d(23),
        d(24),
        d(25),
        d(26),
        d(27),
        d(28),
        d(29),
    )
    dirt.expect("orders", "orders_grand_total_check", d(23))
    dirt.expect("orders", "orders_cancelled_has_cancelled_at", d(24))
    dirt.expect("orders", "check_delivery_after_creation", d(25))
    dirt.expect("orders", "check_orders_tags", d(26))
    dirt.expect("orders", "uq_orders_razorpay_order_id", d(27))

    # --- order lines --------------------------------------------------------------------------
    run(
        """INSERT INTO {s}.order_items (id, order_id, product_id, product_name, quantity,
        unit_price, cost_price, line_total, created_at) VALUES
        (%s, %s, md5('product:1')::uuid, 'x', 1, 10, 5, 10, '2023-05-01 10:00'),
        (%s, md5('order:1')::uuid, md5('product:1')::uuid, 'x', 2, 10, 5, 25,
         '2023-05-01 10:00'),
        (%s, md5('order:1')::uuid, md5('product:1')::uuid, 'x', 0, 10, 5, 0,
         '2023-05-01 10:00'),
        (%s, md5('order:2')::uuid, md5('product:1')::uuid, NULL, 3, 10, 5, NULL,
         '2023-05-01 10:00')""",
        d(30),
        d(23),
        d(31),
        d(32),
        d(33),
    )
    dirt.expect("order_items", "parent_quarantined", d(30))
    dirt.expect("order_items", "order_items_line_total_consistent", d(31))
    dirt.expect("order_items", "order_items_quantity_positive", d(32))
    # A line whose product is gone: written with the legacy foreign keys off, as a restore does.
    run("SET LOCAL session_replication_role = replica")
    run(
        """INSERT INTO {s}.order_items (id, order_id, product_id, product_name, quantity,
        unit_price, cost_price, line_total) VALUES
        (%s, md5('order:3')::uuid, %s, 'gone', 1, 10, 5, 10)""",
        d(34),
        d(99),
    )
    run(
        """INSERT INTO {s}.audit_logs (user_id, action, table_name, record_id, "timestamp")
        VALUES (%s, 'login', '', '', '2023-06-01 10:00')""",
        d(98),
    )
    run("SET LOCAL session_replication_role = origin")
    dirt.expect("order_items", "order_items_product_id_missing_parent", d(34))

    # --- payments -----------------------------------------------------------------------------
    run(
        """INSERT INTO {s}.payment_transactions (id, order_id, razorpay_order_id,
        razorpay_payment_id, amount, refund_amount, status, captured_at, created_at) VALUES
        (%s, md5('order:4')::uuid, 'order_4', 'pay_x1', 100, 150, 'captured',
         '2023-05-01 10:00', '2023-05-01 10:00'),
        (%s, md5('order:4')::uuid, 'order_4', 'pay_x2', 100, NULL, ' CAPTURED ',
         '2023-05-01 10:00', '2023-05-01 10:00'),
        (%s, md5('order:4')::uuid, 'order_4', 'pay_x3', 100, NULL, 'success',
         '2023-05-01 10:00', '2023-05-01 10:00'),
        (%s, md5('order:4')::uuid, 'order_4', 'pay_x4', 100, NULL, 'captured', NULL,
         '2023-05-01 10:00'),
        (%s, md5('order:4')::uuid, 'order_4', 'pay_1', 100, NULL, 'failed', NULL,
         '2023-05-01 10:00')""",
        d(35),
        d(36),
        d(37),
        d(38),
        d(39),
    )
    dirt.expect("payment_transactions", "check_refund_amount", d(35))
    dirt.expect("payment_transactions", "payment_transactions_status_valid", d(37))
    dirt.expect("payment_transactions", "payment_transactions_captured_has_captured_at", d(38))
    dirt.expect("payment_transactions", "uq_payment_transactions_razorpay_payment_id", d(39))

    # --- invoices -----------------------------------------------------------------------------
    run(
        """INSERT INTO {s}.invoices (id, invoice_number, order_id, status, invoice_date,
        subtotal, grand_total, issued_at, created_at) VALUES
        (%s, 'INV#23-24#00001', md5('order:5')::uuid, 'cancelled', '2023-05-01', 10, 10,
         '2023-05-01 10:00', '2023-05-01 10:00'),
        (%s, 'IN/23-24/9000001', md5('order:1')::uuid, 'issued', '2023-05-01', 10, 10,
         '2023-05-01 10:00', '2023-05-01 10:00'),
        (%s, 'IN/23-24/9000002', md5('order:6')::uuid, 'cancelled', '2024-03-31', 10, 10,
         NULL, '2024-03-31 23:30')""",
        d(40),
        d(41),
        d(42),
    )
    dirt.expect("invoices", "invoices_invoice_number_gst_format", d(40))
    dirt.expect("invoices", "uq_invoices_order_issued", d(41))
    run(
        """INSERT INTO {s}.invoice_line_items (id, invoice_id, description, quantity,
        unit_price, line_total) VALUES (%s, %s, 'x', 1, 10, 10)""",
        d(43),
        d(40),
    )
    dirt.expect("invoice_line_items", "parent_quarantined", d(43))

    # --- carts --------------------------------------------------------------------------------
    run(
        """INSERT INTO {s}.carts (id, user_id, session_id, status) VALUES
        (%s, NULL, NULL, 'abandoned'), (%s, NULL, 'sess-1', 'ACTIVE')""",
        d(44),
        d(45),
    )
    dirt.expect("carts", "carts_owner_present", d(44))

    # --- uploads and audit entries ------------------------------------------------------------
    run(
        """INSERT INTO {s}.uploads (id, file_name, url, file_size, created_at)
        VALUES (900001, 'nosize.png', 'https://cdn.example.com/nosize.png', NULL,
                '2023-05-01 10:00')"""
    )
    dirt.expect("uploads", "uploads_size_bytes_not_null", "900001")
    run(
        """INSERT INTO {s}.audit_logs (id, user_id, action, table_name, record_id, ip_address,
        "timestamp", new_values) VALUES
        (900001, NULL, 'update', 'orders', 'x', 'unknown', '2023-06-01 10:00', NULL),
        (900002, NULL, 'CREATE', 'uploads', '1', '10.0.0.2', '2023-06-01 10:00',
         '{"id": 1, "file_name": "p1.jpg"}')"""
    )
    dirt.expect("audit_logs", "audit_logs_ip_address_type", "900001")

    # --- tables without a place yet -------------------------------------------------------
    run(
        """INSERT INTO {s}.discounts (id, name, discount_type, value) VALUES
        (%s, 'Diwali', 'percentage', 10)""",
        d(46),
    )
    dirt.expect("discounts", "no_table_in_new_schema", d(46))
    run(
        """INSERT INTO {s}.reviews (id, product_id, user_id, rating) VALUES
        (%s, md5('product:1')::uuid, md5('user:1')::uuid, 5)""",
        d(47),
    )
    # ... and a review, which has its place now (adoption.tables_more) and comes in.

    add_more_dirt(cursor, schema, dirt)
    # The clean rows the duplicates collide with, which are older and kept.
    cursor.execute(
        "SELECT md5('product:1')::uuid::text, md5('order:1')::uuid::text, "
        "md5('inventory:3')::uuid::text, md5('variant:2')::uuid::text, "
        "md5('payment:1')::uuid::text, md5('invoice:1')::uuid::text, "
        "md5('permission:orders.view')::uuid::text"
    )
    kept = cursor.fetchone()
    for duplicate, original in zip((12, 27, 21, 19, 39, 41, 8), kept, strict=True):
        dirt.kept[d(duplicate)] = original
    return dirt
