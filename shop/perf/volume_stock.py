"""Volume load: the stock ledgers, and the stock rows whose balances are their sums.

The ledger of a stock row is what the stock services would have written for the orders and
carts staged before: an opening receipt when the product launched, a delivery at the start of
each month it sold (its sales rounded up to tens), one ``committed`` entry per order it went
into (``uq_*_committed_once``), a ``returned`` entry when that order was cancelled or sent
back, and a ``reserved`` entry per cart line holding units. Deliveries cover each month's sales
and the opening stock covers the holds, so no running balance goes below zero; the running
sums are each entry's ``available_after`` / ``reserved_after``, and the stock row is inserted
with the last of them. So balance = sum of the ledger, and reserved = what cart lines hold:
``check_stock`` finds nothing.
"""

from typing import TYPE_CHECKING

from shop.perf.volume_sql import Tag

if TYPE_CHECKING:
    from shop.perf.volume_loader import Loader

LEDGERS = (
    # kind, stock table, ledger table, ledger's key, id tag
    ("v", "product_variants", "variant_inventory_adjustments", "variant_id", Tag.VARIANT_ENTRY),
    ("i", "inventory", "inventory_adjustments", "inventory_id", Tag.INVENTORY_ENTRY),
)


def stage(loader: "Loader") -> None:
    loader.stage(
        "vol_entry",
        """SELECT l.stock_kind AS kind, l.stock_id, l.t AS at, 1 AS rank,
                  -sum(l.quantity)::int AS available_delta, 0 AS reserved_delta,
                  'committed'::text AS reason, 'order'::text AS reference_type,
                  l.order_id AS reference_id, ''::text AS note
        FROM vol_line l GROUP BY l.stock_kind, l.stock_id, l.order_id, l.t
        UNION ALL
        SELECT l.stock_kind, l.stock_id, coalesce(o.cancelled_at, o.refunded_at), 1,
               sum(l.quantity)::int, 0, 'returned', 'order', l.order_id,
               CASE WHEN o.order_status = 'cancelled' THEN 'Order cancelled'
                    ELSE 'Order returned' END
        FROM vol_line l JOIN vol_order o ON o.n = l.order_n
        WHERE o.order_status IN ('cancelled', 'returned')
        GROUP BY l.stock_kind, l.stock_id, l.order_id, o.cancelled_at, o.refunded_at,
                 o.order_status
        UNION ALL
        SELECT c.stock_kind, c.stock_id, c.created_at, 1, -c.reserved_quantity,
               c.reserved_quantity, 'reserved', 'cart_item', c.id, ''
        FROM vol_cart_line c WHERE c.reserved_quantity > 0""",
    )
    # Monthly deliveries, dated no later than the month's first sale.
    loader.extend(
        "vol_entry deliveries",
        """INSERT INTO vol_entry
        SELECT e.kind, e.stock_id,
               least(greatest(date_trunc('month', e.at), s.created_at), min(e.at)), 0,
               (ceil(-sum(e.available_delta) / 10.0) * 10)::int, 0, 'received', '', NULL,
               'Monthly delivery'
        FROM vol_entry e JOIN vol_stock s ON s.id = e.stock_id
        WHERE e.reason = 'committed'
        GROUP BY e.kind, e.stock_id, date_trunc('month', e.at), s.created_at""",
    )
    # Opening stock when the product launched: enough for the units cart lines hold now.
    loader.extend(
        "vol_entry opening stock",
        """INSERT INTO vol_entry
        SELECT s.kind, s.id, least(s.created_at, f.first_at), 0,
               20 + floor(80 * random())::int + coalesce(f.held, 0), 0, 'received', '', NULL,
               'Opening stock'
        FROM vol_stock s
        LEFT JOIN (SELECT stock_id, min(at) AS first_at, sum(reserved_delta) AS held
                   FROM vol_entry GROUP BY stock_id) f ON f.stock_id = s.id""",
    )
    loader.stage(
        "vol_ledger",
        """SELECT e.*, sum(e.available_delta) OVER w AS available_after,
                  sum(e.reserved_delta) OVER w AS reserved_after,
                  row_number() OVER w AS seq, count(*) OVER (PARTITION BY e.stock_id) AS entries
        FROM vol_entry e
        WINDOW w AS (PARTITION BY e.stock_id ORDER BY e.at, e.rank, e.reference_id)""",
    )


def load(loader: "Loader") -> None:
    """The stock rows with their final balances, then their ledgers."""
    balance = "JOIN vol_ledger b ON b.stock_id = {id} AND b.seq = b.entries"
    loader.load(
        "product_variants",
        f"""INSERT INTO public.product_variants (id, product_id, option_name, option_value, sku,
                                                 selling_price, compare_at_price, cost_price,
                                                 currency, available_quantity,
                                                 reserved_quantity, sort_order, created_at,
                                                 updated_at)
        SELECT v.id, p.id, 'Size', v.option_value, v.sku, v.price,
               CASE WHEN v.on_sale THEN v.list_price END, v.cost, 'INR', b.available_after,
               b.reserved_after, v.size, v.created_at, b.at
        FROM vol_variant v JOIN vol_product p ON p.k = v.k {balance.format(id="v.id")}
        ORDER BY v.k, v.size""",
        replaces=("record_in_ledger",),
    )
    loader.load(
        "inventory",
        f"""INSERT INTO public.inventory (id, product_id, location_id, available_quantity,
                                          reserved_quantity, low_stock_threshold, status,
                                          condition, created_at, updated_at)
        SELECT s.id, p.id, loc.id, b.available_after, b.reserved_after, 5, 'active', 'new',
               s.created_at, b.at
        FROM vol_stock s JOIN vol_product p ON p.k = s.k
        JOIN vol_location loc ON loc.loc = s.slot {balance.format(id="s.id")}
        WHERE s.kind = 'i' ORDER BY s.k, s.slot""",
        replaces=("record_in_ledger", "audit_trail"),
    )
    loader.audit(
        "inventory",
        source="FROM public.inventory t JOIN vol_stock s ON s.id = t.id",
        actor="(SELECT id FROM vol_staff WHERE role = 'warehouse' AND k = 1)",
        tag=Tag.AUDIT + Tag.INVENTORY,
    )
    for kind, _, ledger, key, tag in LEDGERS:
        loader.load(
            ledger,
            f"""INSERT INTO public.{ledger} (id, {key}, available_delta, reserved_delta,
                                             available_after, reserved_after, reason,
                                             reference_type, reference_id, note, created_at,
                                             updated_at)
            SELECT pg_temp.vol_uuid(l.at, {tag}, row_number() OVER (ORDER BY l.at, l.stock_id,
                                                                     l.seq)),
                   l.stock_id, l.available_delta, l.reserved_delta, l.available_after,
                   l.reserved_after, l.reason, l.reference_type, l.reference_id, l.note, l.at,
                   l.at
            FROM vol_ledger l WHERE l.kind = '{kind}' ORDER BY l.at, l.stock_id, l.seq""",
            replaces=("apply_to_stock",),
        )
