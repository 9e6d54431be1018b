"""Volume load: carts and their lines.

60 % of the carts are the converted carts of the latest orders (older carts are purged, so
older orders have none: ``orders.cart_id`` is NULL), their lines the order's lines with the
checkout snapshot; 25 % were abandoned by customers, 7.5 % are expired guest carts and the rest
are active: one per customer at most (``uq_carts_active_user``), some of guests. Lines of
active carts touched in the last day hold their units (``reserved_quantity``), as
``catalog.stock.reserve_for_cart_item`` leaves them; the stock ledger records those holds.

Staged: ``vol_cart`` and ``vol_cart_line`` (with the stock row of each line).
"""

from typing import TYPE_CHECKING

from shop.perf.volume_catalog import popular_product
from shop.perf.volume_sql import Tag

if TYPE_CHECKING:
    from shop.perf.volume import VolumePlan
    from shop.perf.volume_loader import Loader

CONVERTED, ABANDONED, EXPIRED = 0.6, 0.25, 0.075  # shares of the carts; the rest are active
ACTIVE_GUESTS = 0.2  # of the active carts
HOLD_MINUTES = 30


def stage(loader: "Loader", plan: "VolumePlan") -> None:
    converted = min(plan.orders, round(plan.carts * CONVERTED))
    abandoned, expired = round(plan.carts * ABANDONED), round(plan.carts * EXPIRED)
    active = plan.carts - converted - abandoned - expired
    active_users = min(plan.users, round(active * (1 - ACTIVE_GUESTS)))
    users = plan.users
    loader.stage(
        "vol_cart",
        f"""SELECT c.*, pg_temp.vol_uuid(c.created_at, {Tag.CART}, c.cart_n) AS id
        FROM (
            SELECT o.n AS cart_n, o.n AS order_n, 'converted' AS status, o.user_id,
                   CASE WHEN o.user_id IS NULL THEN 'vol-' || md5('order' || o.n) ELSE '' END
                       AS session_key,
                   o.t - make_interval(secs => 300 + 3300 * random()) AS created_at,
                   o.t AS updated_at, NULL::timestamptz AS expires_at, 0 AS line_count
            FROM vol_order o WHERE o.n > {plan.orders - converted}
            UNION ALL
            SELECT s.cart_n, NULL, s.status, coalesce(a.id, u.id),
                   CASE WHEN coalesce(a.id, u.id) IS NULL THEN 'vol-' || md5('cart' || s.i)
                        ELSE '' END,
                   s.created_at, least(now(), s.created_at + interval '10 minutes'),
                   CASE WHEN s.status = 'expired' THEN s.created_at + interval '7 days'
                        WHEN s.status = 'active' AND a.id IS NULL
                        THEN s.created_at + interval '30 days' END,
                   1 + floor(4 * power(random(), 1.5))::int
            FROM (
                SELECT i, {plan.orders} + i AS cart_n, t.status, t.created_at,
                       CASE WHEN t.status = 'abandoned' THEN least({users}, 1 + floor(
                           {users} * pg_temp.vol_reached(t.created_at) * random()))::int
                       END AS user_n
                FROM (
                    SELECT i,
                           CASE WHEN i <= {active} THEN 'active'
                                WHEN i <= {active + expired} THEN 'expired'
                                ELSE 'abandoned' END AS status,
                           CASE WHEN i <= {active}
                                THEN now() - make_interval(secs => 14 * 86400 * power(random(), 2))
                                WHEN i <= {active + expired}
                                THEN pg_temp.vol_time(0.97 * random())
                                ELSE pg_temp.vol_time(random()) END AS created_at
                    FROM generate_series(1, {active + expired + abandoned}) i
                ) t
            ) s
            LEFT JOIN (SELECT id, row_number() OVER (ORDER BY random()) AS rank FROM vol_user) a
                   ON s.status = 'active' AND a.rank = s.i AND s.i <= {active_users}
            LEFT JOIN vol_user u ON u.n = s.user_n
        ) c""",
    )
    loader.execute("CREATE INDEX ON vol_cart (order_n)")
    loader.stage(
        "vol_cart_line",
        f"""SELECT pg_temp.vol_uuid(c.created_at, {Tag.CART_ITEM}, l.order_n * 8 + l.j) AS id,
                   c.id AS cart_id, c.created_at + make_interval(secs => l.j) AS created_at,
                   c.updated_at, l.product_id, l.variant_id, l.stock_kind, l.stock_id,
                   l.quantity, l.unit_price, l.cost_price, l.discount, l.product_name,
                   l.product_sku, l.product_image_url, 0 AS reserved_quantity,
                   NULL::timestamptz AS reserved_until, loc.id AS reserved_from_location_id
        FROM vol_cart c
        JOIN vol_line l ON l.order_n = c.order_n
        LEFT JOIN vol_location loc ON loc.loc = l.loc
        UNION ALL
        SELECT pg_temp.vol_uuid(r.created_at, {Tag.CART_ITEM}, r.cart_n * 8 + r.j), r.cart_id,
               r.created_at, r.created_at, p.id, v.id,
               CASE WHEN p.has_variants THEN 'v' ELSE 'i' END::char,
               CASE WHEN p.has_variants THEN v.id
                    ELSE pg_temp.vol_uuid(p.created_at, {Tag.INVENTORY}, p.k * 8 + r.loc) END,
               r.quantity, coalesce(v.price, p.price), coalesce(v.cost, p.cost), 0, NULL, NULL,
               NULL, CASE WHEN h.held THEN r.quantity ELSE 0 END,
               CASE WHEN h.held THEN r.created_at + interval '{HOLD_MINUTES} minutes' END,
               CASE WHEN h.held AND NOT p.has_variants THEN loc.id END
        FROM (
            SELECT c.cart_n, c.id AS cart_id, c.status, j,
                   c.created_at + make_interval(secs => 60 * j) AS created_at,
                   {popular_product(plan, "c.created_at")} AS k,
                   pg_temp.vol_size(random()) AS size, pg_temp.vol_location(random()) AS loc,
                   CASE WHEN random() < 0.8 THEN 1 ELSE 2 END AS quantity
            FROM vol_cart c CROSS JOIN LATERAL generate_series(1, c.line_count) j
            WHERE c.status <> 'converted'
        ) r
        JOIN vol_product p ON p.k = r.k
        LEFT JOIN vol_variant v ON v.k = r.k AND v.size = r.size
        LEFT JOIN vol_location loc ON loc.loc = r.loc
        CROSS JOIN LATERAL (SELECT r.status = 'active' AND p.status = 'active'
                                   AND r.created_at > now() - interval '1 day' AS held) h""",
    )


def load(loader: "Loader") -> None:
    loader.load(
        "carts",
        """INSERT INTO public.carts (id, user_id, session_key, status, currency, expires_at,
                                     created_at, updated_at)
        SELECT c.id, c.user_id, c.session_key, c.status, 'INR', c.expires_at, c.created_at,
               c.updated_at
        FROM vol_cart c ORDER BY c.created_at""",
    )


def load_lines(loader: "Loader") -> None:
    loader.load(
        "cart_items",
        """INSERT INTO public.cart_items (id, cart_id, product_id, variant_id, quantity, currency,
                                          unit_price, cost_price, discount_amount, product_name,
                                          product_sku, product_image_url,
                                          reserved_from_location_id, reserved_quantity,
                                          reserved_until, created_at, updated_at)
        SELECT l.id, l.cart_id, l.product_id, l.variant_id, l.quantity, 'INR', l.unit_price,
               l.cost_price, l.discount, l.product_name, l.product_sku, l.product_image_url,
               l.reserved_from_location_id, l.reserved_quantity, l.reserved_until, l.created_at,
               l.updated_at
        FROM vol_cart_line l ORDER BY l.created_at""",
    )
