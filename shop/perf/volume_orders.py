"""Volume load: orders and their lines.

Order n is placed at the n-th quantile of the growing history by a customer drawn among those
signed up by then (``floor(signed_up * random()^3)``: early, loyal customers buy most; 3 % are
guests), with 1 to 6 lines of popular products. How far it got depends on its age: old orders
are mostly delivered (some cancelled, returned or partly refunded), the last days' are still
pending, confirmed, processing or shipped. Totals add up as checkout and the invoice service
expect: ``grand_total = subtotal - discounts + tax + shipping - gift card``.

Staged: ``vol_order`` (n, id, user, statuses, the timeline), ``vol_line`` (every order line
with its stock row) and ``vol_order_total``; written after the stock (``volume_stock``).
"""

from typing import TYPE_CHECKING

from shop.perf.volume_catalog import popular_product
from shop.perf.volume_sql import DOMAIN, Tag

if TYPE_CHECKING:
    from shop.perf.volume import VolumePlan
    from shop.perf.volume_loader import Loader

# An order's fate by its age in days: (older than, [(cumulative share, order:payment status)]).
FATES = (
    (
        10,
        [
            (0.03, "cancelled:failed"),
            (0.06, "cancelled:refunded"),
            (0.09, "returned:refunded"),
            (0.11, "delivered:partially_refunded"),
        ],
        "delivered:paid",
    ),
    (3, [(0.04, "cancelled:refunded"), (0.5, "delivered:paid")], "shipped:paid"),
    (1, [(0.03, "cancelled:failed"), (0.6, "processing:paid")], "confirmed:paid"),
    (0, [(0.2, "pending:pending"), (0.25, "pending:failed")], "confirmed:paid"),
)
PAID = "('paid', 'refunded', 'partially_refunded')"
# Shipping is free from this order value on (after discounts), else FLAT_SHIPPING.
FREE_SHIPPING_FROM, FLAT_SHIPPING = 999, 79
GUEST_SHARE = 0.03
# The audit trail's actor of an order's rows: its customer, looked up by key row by row. The
# rows are read as they were written, in history order, so the lookups walk the orders in order
# too; a join instead lets the planner, without statistics of the fresh tables, sort millions of
# wide rows.
CUSTOMER = "(SELECT o.user_id FROM public.orders o WHERE o.id = t.order_id)"


def fate_sql() -> str:
    branches = []
    for older_than, shares, otherwise in FATES:
        inner = " ".join(f"WHEN g.f < {share} THEN '{fate}'" for share, fate in shares)
        branches.append(f"WHEN g.age > {older_than} THEN CASE {inner} ELSE '{otherwise}' END")
    return "CASE " + " ".join(branches) + " END"


def customer_address(plan: "VolumePlan") -> str:
    """SQL: the shipping address (jsonb) of order o: its customer's default address, or for a
    guest one of its own."""
    return f"pg_temp.vol_address(coalesce(o.user_n, {plan.users} + o.n), 0)"


def stage(loader: "Loader", plan: "VolumePlan") -> None:
    first_number = loader.value(
        "SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END "
        "FROM public.order_number_seq"
    )
    orders, users = plan.orders, plan.users
    loader.stage(
        "vol_order",
        f"""SELECT o.*, pg_temp.vol_uuid(o.t, {Tag.ORDER}, o.n) AS id,
                   pg_temp.vol_order_number({first_number} + o.n - 1) AS order_number,
                   u.id AS user_id,
                   coalesce('customer' || o.user_n, 'guest' || o.n) || '@{DOMAIN}' AS email,
                   (o.delivered_at AT TIME ZONE 'UTC')::date AS delivery_date,
                   CASE o.payment_status
                       WHEN 'refunded' THEN coalesce(o.cancelled_at, least(now(),
                           o.delivered_at + make_interval(secs => 86400 * (3 + 7 * o.r3))))
                       WHEN 'partially_refunded' THEN least(now(),
                           o.delivered_at + make_interval(secs => 86400 * (2 + 3 * o.r3)))
                   END AS refunded_at
        FROM (
            SELECT f.*,
                   CASE WHEN f.payment_status IN {PAID}
                        THEN f.t + make_interval(secs => 60 + 240 * f.r1) END AS captured_at,
                   CASE WHEN f.order_status IN ('shipped', 'delivered', 'returned')
                        THEN f.t + make_interval(secs => 3600 * (20 + 28 * f.r2)) END AS ship_at,
                   CASE WHEN f.order_status IN ('delivered', 'returned')
                        THEN least(now(), f.t + make_interval(secs => 86400 * (2 + 4 * f.r2)))
                   END AS delivered_at,
                   CASE WHEN f.order_status = 'cancelled'
                        THEN f.t + make_interval(secs => 360 + 72000 * f.r3) END AS cancelled_at
            FROM (
                SELECT g.*, split_part({fate_sql()}, ':', 1) AS order_status,
                       split_part({fate_sql()}, ':', 2) AS payment_status
                FROM (
                    SELECT n, t, extract(epoch FROM now() - t) / 86400 AS age, random() AS f,
                           CASE WHEN random() >= {GUEST_SHARE} THEN least({users}, 1 + floor(
                               {users} * pg_temp.vol_reached(t) * power(random(), 3)))::int
                           END AS user_n,
                           random() AS items, random() AS r1, random() AS r2, random() AS r3
                    FROM (SELECT n, pg_temp.vol_time((n - random()) / {orders}) AS t
                          FROM generate_series(1, {orders}) n) s
                ) g
            ) f
        ) o
        LEFT JOIN vol_user u ON u.n = o.user_n""",
    )
    loader.execute("CREATE UNIQUE INDEX ON vol_order (n)")
    # 1 to 6 lines, about 3 on average.
    line_count = (
        "CASE WHEN o.items < 0.20 THEN 1 WHEN o.items < 0.45 THEN 2 WHEN o.items < 0.65 THEN 3 "
        "WHEN o.items < 0.80 THEN 4 WHEN o.items < 0.92 THEN 5 ELSE 6 END"
    )
    loader.stage(
        "vol_line",
        f"""SELECT l.*, round((l.unit_price * l.quantity - l.discount) * l.tax_rate / 100, 2)
                            AS tax
        FROM (
            SELECT r.order_n, r.j, r.order_id, r.t, r.k,
                   pg_temp.vol_uuid(r.t, {Tag.ORDER_ITEM}, r.order_n * 8 + r.j) AS id,
                   p.id AS product_id, v.id AS variant_id,
                   CASE WHEN p.has_variants THEN 'v' ELSE 'i' END::char AS stock_kind,
                   CASE WHEN p.has_variants THEN v.id
                        ELSE pg_temp.vol_uuid(p.created_at, {Tag.INVENTORY}, p.k * 8 + r.loc)
                   END AS stock_id,
                   CASE WHEN NOT p.has_variants THEN r.loc END AS loc,
                   p.name AS product_name, coalesce(v.sku, p.sku) AS product_sku,
                   'https://cdn.{DOMAIN}/p/' || p.k || '.jpg' AS product_image_url,
                   coalesce('Size: ' || v.option_value, '') AS option_text,
                   r.quantity, coalesce(v.price, p.price) AS unit_price,
                   coalesce(v.cost, p.cost) AS cost_price, p.tax_rate, p.hsn,
                   CASE WHEN r.discounted
                        THEN round(coalesce(v.price, p.price) * r.quantity * 0.1, 2)
                        ELSE 0 END AS discount
            FROM (
                SELECT o.n AS order_n, o.id AS order_id, o.t, j,
                       {popular_product(plan, "o.t")} AS k,
                       pg_temp.vol_size(random()) AS size, pg_temp.vol_location(random()) AS loc,
                       CASE WHEN random() < 0.75 THEN 1 WHEN random() < 0.7 THEN 2 ELSE 3 END
                           AS quantity,
                       random() < 0.1 AS discounted
                FROM vol_order o CROSS JOIN LATERAL generate_series(1, {line_count}) j
            ) r
            JOIN vol_product p ON p.k = r.k
            LEFT JOIN vol_variant v ON v.k = r.k AND v.size = r.size
        ) l""",
    )
    loader.stage(
        "vol_order_total",
        f"""SELECT s.*, s.subtotal - s.discount_total + s.tax_total + s.shipping_total
                        - s.giftcard_total AS grand_total
        FROM (
            SELECT l.order_n, l.subtotal, l.discount_total, l.tax_total,
                   CASE WHEN l.subtotal - l.discount_total >= {FREE_SHIPPING_FROM} THEN 0
                        ELSE {FLAT_SHIPPING} END AS shipping_total,
                   CASE WHEN l.order_n % 50 = 0 THEN least(250, round(l.subtotal / 2, 2))
                        ELSE 0 END AS giftcard_total
            FROM (SELECT order_n, sum(unit_price * quantity) AS subtotal,
                         sum(discount) AS discount_total, sum(tax) AS tax_total
                  FROM vol_line GROUP BY order_n) l
        ) s""",
    )
    loader.execute("CREATE UNIQUE INDEX ON vol_order_total (order_n)")


def load(loader: "Loader", plan: "VolumePlan") -> None:
    """Write the orders and their lines (carts first: an order names its cart)."""
    loader.load(
        "orders",
        f"""INSERT INTO public.orders (id, order_number, user_id, cart_id, email, order_status,
                                       payment_status, razorpay_order_id, currency, subtotal,
                                       discount_total, shipping_total, tax_total,
                                       giftcard_total, grand_total, shipping_address,
                                       billing_address, placed_at, delivery_date, cancelled_at,
                                       created_at, updated_at)
        SELECT o.id, o.order_number, o.user_id, c.id, o.email, o.order_status,
               o.payment_status, 'order_V' || lpad(o.n::text, 10, '0'), 'INR', s.subtotal,
               s.discount_total, s.shipping_total, s.tax_total, s.giftcard_total, s.grand_total,
               a.address, a.address, o.t, o.delivery_date, o.cancelled_at, o.t,
               greatest(o.t, o.captured_at, o.ship_at, o.delivered_at, o.cancelled_at,
                        o.refunded_at)
        FROM vol_order o
        JOIN vol_order_total s ON s.order_n = o.n
        LEFT JOIN vol_cart c ON c.order_n = o.n
        CROSS JOIN LATERAL {customer_address(plan)} a(address)
        ORDER BY o.n""",
        replaces=("audit_trail",),
    )
    # The big tables held no rows before the load (it refuses a shop with orders): all are the
    # load's, and their audit rows are read from the table alone, in the order it was written.
    loader.audit(
        "orders",
        source="FROM public.orders t",
        actor="t.user_id",
        tag=Tag.AUDIT + Tag.ORDER,
    )
    # The numbers were taken from order_number_seq's next values: it moves past them.
    loader.execute(
        "SELECT setval('public.order_number_seq', "
        "(SELECT max(substr(order_number, 4)::bigint) FROM vol_order), true)"
    )
    loader.load(
        "order_items",
        """INSERT INTO public.order_items (id, order_id, product_id, variant_id, product_name,
                                           product_sku, product_image_url, option_text,
                                           quantity, currency, unit_price, cost_price,
                                           discount_amount, tax_amount, line_total, created_at,
                                           updated_at)
        SELECT l.id, l.order_id, l.product_id, l.variant_id, l.product_name, l.product_sku,
               l.product_image_url, l.option_text, l.quantity, 'INR', l.unit_price,
               l.cost_price, l.discount, l.tax,
               l.unit_price * l.quantity - l.discount + l.tax, l.t, l.t
        FROM vol_line l ORDER BY l.order_n, l.j""",
        replaces=("audit_trail",),
    )
    loader.audit(
        "order_items",
        source="FROM public.order_items t",
        actor=CUSTOMER,
        tag=Tag.AUDIT + Tag.ORDER_ITEM,
    )
