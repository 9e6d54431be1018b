"""Volume load: payments, their Razorpay webhooks, and the tax invoices of shipped orders.

Every order had a payment attempt: paid orders a captured payment (one in twenty after a
declined attempt), refunded ones the refund on it, unpaid ones a failed or still open attempt.
Each capture and refund came as a verified webhook, logged in its month's partition and
recorded once in ``payment_webhook_events``. Every order that shipped has its invoice, issued
the day it shipped, numbered without gaps per financial year in SERIES
(``orders.invoices.invoice_number``), with version 1 keeping its snapshot and the counters
holding each year's last number.
"""

from typing import TYPE_CHECKING

from shop.perf.volume_orders import CUSTOMER, PAID
from shop.perf.volume_sql import Tag

if TYPE_CHECKING:
    from shop.perf.volume import VolumePlan
    from shop.perf.volume_loader import Loader

SERIES = "W1"  # W1/25-26/0001234 has 16 characters: up to 9,999,999 invoices a year
SHIPPING_SAC = "9965"  # as orders.invoices.SHIPPING_SAC
PARTIAL_REFUND_SHARE = 0.3
# Payment methods by n % 20.
METHOD = (
    "CASE WHEN o.n % 20 < 11 THEN 'upi' WHEN o.n % 20 < 16 THEN 'card' "
    "WHEN o.n % 20 < 18 THEN 'netbanking' WHEN o.n % 20 < 19 THEN 'wallet' ELSE 'emi' END"
)


def razorpay_id(prefix: str) -> str:
    return f"'{prefix}' || lpad(o.n::text, 10, '0')"


def load(loader: "Loader", plan: "VolumePlan") -> None:
    load_payments(loader)
    load_webhooks(loader)
    load_invoices(loader)


def load_payments(loader: "Loader") -> None:
    attempt = f"""o.n, o.id AS order_id, t.grand_total AS amount, {METHOD} AS method,
                  {razorpay_id("order_V")} AS razorpay_order_id"""
    loader.stage(
        "vol_payment",
        f"""SELECT p.*, pg_temp.vol_uuid(p.created_at, {Tag.PAYMENT}, p.seq) AS id
        FROM (
            SELECT o.n * 2 AS seq, {attempt}, 'failed' AS status,
                   o.t + interval '20 seconds' AS created_at,
                   {razorpay_id("pay_VF")} AS razorpay_payment_id, ''::text AS signature,
                   NULL::numeric AS refund_amount, NULL::timestamptz AS captured_at,
                   NULL::timestamptz AS refunded_at, 'BAD_REQUEST_ERROR' AS error_code,
                   'Payment failed: the bank declined it.' AS error_description
            FROM vol_order o JOIN vol_order_total t ON t.order_n = o.n
            WHERE o.payment_status = 'failed' OR (o.payment_status IN {PAID} AND o.n % 20 = 7)
            UNION ALL
            SELECT o.n * 2 + 1, {attempt},
                   CASE o.payment_status WHEN 'paid' THEN 'captured' WHEN 'pending' THEN 'created'
                        ELSE o.payment_status END,
                   o.t + interval '40 seconds',
                   CASE WHEN o.captured_at IS NOT NULL THEN {razorpay_id("pay_V")} END,
                   CASE WHEN o.captured_at IS NOT NULL THEN md5('signature' || o.n) ELSE '' END,
                   CASE o.payment_status WHEN 'refunded' THEN t.grand_total
                        WHEN 'partially_refunded'
                        THEN round(t.grand_total * {PARTIAL_REFUND_SHARE}, 2) END,
                   o.captured_at, o.refunded_at, '', ''
            FROM vol_order o JOIN vol_order_total t ON t.order_n = o.n
            WHERE o.payment_status IN {PAID} OR o.payment_status = 'pending'
        ) p""",
    )
    loader.load(
        "payment_transactions",
        """INSERT INTO public.payment_transactions (id, order_id, razorpay_order_id,
                                                    razorpay_payment_id, razorpay_signature,
                                                    currency, amount, refund_amount, status,
                                                    method, error_code, error_description,
                                                    captured_at, created_at, updated_at)
        SELECT p.id, p.order_id, p.razorpay_order_id, p.razorpay_payment_id, p.signature, 'INR',
               p.amount, p.refund_amount, p.status, p.method, p.error_code, p.error_description,
               p.captured_at, p.created_at, greatest(p.created_at, p.captured_at, p.refunded_at)
        FROM vol_payment p ORDER BY p.created_at, p.seq""",
        replaces=("audit_trail",),
    )
    loader.audit(
        "payment_transactions",
        source="FROM public.payment_transactions t",
        actor=CUSTOMER,
        tag=Tag.AUDIT + Tag.PAYMENT,
    )


def load_webhooks(loader: "Loader") -> None:
    entity = """jsonb_build_object('event', w.event_type, 'payload',
                    jsonb_build_object(w.entity_name, jsonb_build_object('entity', w.entity)))"""
    loader.stage(
        "vol_webhook",
        f"""SELECT w.*, pg_temp.vol_uuid(w.created_at, {Tag.WEBHOOK_LOG}, w.seq) AS id,
                   {entity} AS payload
        FROM (
            SELECT p.seq * 2 AS seq, p.id AS payment_id, p.captured_at AS created_at,
                   'payment.captured' AS event_type, 'evt_VC' || lpad(p.n::text, 10, '0')
                       AS event_id, 'payment' AS entity_name,
                   jsonb_build_object('id', p.razorpay_payment_id, 'order_id',
                                      p.razorpay_order_id, 'amount', (p.amount * 100)::bigint,
                                      'currency', 'INR', 'method', p.method,
                                      'status', 'captured') AS entity
            FROM vol_payment p WHERE p.captured_at IS NOT NULL
            UNION ALL
            SELECT p.seq * 2 + 1, p.id, p.refunded_at, 'refund.processed',
                   'evt_VR' || lpad(p.n::text, 10, '0'), 'refund',
                   jsonb_build_object('id', 'rfnd_V' || lpad(p.n::text, 10, '0'), 'payment_id',
                                      p.razorpay_payment_id, 'amount',
                                      (p.refund_amount * 100)::bigint, 'currency', 'INR')
            FROM vol_payment p WHERE p.refund_amount IS NOT NULL
        ) w""",
    )
    loader.load(
        "payment_webhook_logs",
        """INSERT INTO public.payment_webhook_logs (id, provider, event_id, event_type, payload,
                                                    signature_valid, processed_at,
                                                    payment_transaction_id, created_at,
                                                    updated_at)
        SELECT w.id, 'razorpay', w.event_id, w.event_type, w.payload, true,
               w.created_at + interval '2 seconds', w.payment_id, w.created_at,
               w.created_at + interval '2 seconds'
        FROM vol_webhook w ORDER BY w.created_at, w.seq""",
        replaces=("payment_webhook_logs_event_once",),
    )
    loader.load(
        "payment_webhook_events",
        f"""INSERT INTO public.payment_webhook_events (id, provider, event_id, created_at,
                                                      updated_at)
        SELECT pg_temp.vol_uuid(w.created_at, {Tag.WEBHOOK_EVENT}, w.seq), 'razorpay',
               w.event_id, w.created_at, w.created_at
        FROM vol_webhook w ORDER BY w.created_at, w.seq""",
    )


def load_invoices(loader: "Loader") -> None:
    loader.stage(
        "vol_invoice",
        f"""SELECT i.*, pg_temp.vol_uuid(i.issued_at, {Tag.INVOICE}, i.n) AS id,
                   '{SERIES}/' || substr(i.financial_year, 3, 2) || '-'
                   || substr(i.financial_year, 6, 2) || '/'
                   || CASE WHEN i.number < 100000 THEN lpad(i.number::text, 5, '0')
                           ELSE i.number::text END AS invoice_number
        FROM (
            SELECT o.n, o.id AS order_id, o.ship_at AS issued_at, o.financial_year,
                   row_number() OVER (PARTITION BY o.financial_year ORDER BY o.ship_at, o.n)
                       AS number,
                   jsonb_build_object('name', b.billing_address ->> 'full_name',
                                      'address', b.billing_address, 'email', b.email) AS billing,
                   t.tax_total, t.shipping_total,
                   t.subtotal - t.discount_total + t.tax_total + t.shipping_total AS billed
            FROM (SELECT o.*, pg_temp.vol_financial_year(o.ship_at) AS financial_year
                  FROM vol_order o WHERE o.ship_at IS NOT NULL) o
            JOIN vol_order_total t ON t.order_n = o.n
            JOIN public.orders b ON b.id = o.id
        ) i""",
    )
    loader.load(
        "invoices",
        f"""INSERT INTO public.invoices (id, order_id, invoice_number, series, financial_year,
                                         status, issued_at, currency, subtotal, tax_total,
                                         grand_total, billing_snapshot, current_version,
                                         created_at, updated_at)
        SELECT i.id, i.order_id, i.invoice_number, '{SERIES}', i.financial_year, 'issued',
               i.issued_at, 'INR', i.billed - i.tax_total, i.tax_total, i.billed, i.billing, 1,
               i.issued_at, i.issued_at
        FROM vol_invoice i ORDER BY i.issued_at, i.n""",
        replaces=("audit_trail",),
    )
    loader.audit(
        "invoices",
        source="FROM public.invoices t",
        actor="(SELECT id FROM vol_staff WHERE role = 'admin' AND k = 2)",
        tag=Tag.AUDIT + Tag.INVOICE,
    )
    # orders.invoices.line_of and shipping_line: taxable value, its tax and rate, in item order.
    loader.load(
        "invoice_line_items",
        f"""INSERT INTO public.invoice_line_items (id, invoice_id, order_item_id, description,
                                                   hsn_code, quantity, currency, unit_price,
                                                   tax_rate, tax_amount, line_total,
                                                   created_at, updated_at)
        SELECT pg_temp.vol_uuid(i.issued_at, {Tag.INVOICE_LINE}, i.n * 8 + l.j), i.id, l.id,
               left(l.product_name || CASE WHEN l.option_text <> ''
                                           THEN ' (' || l.option_text || ')' ELSE '' END, 255),
               l.hsn, l.quantity, 'INR', l.unit_price,
               CASE WHEN l.unit_price * l.quantity - l.discount > 0
                    THEN round(l.tax * 100 / (l.unit_price * l.quantity - l.discount), 2)
                    ELSE 0 END,
               l.tax, l.unit_price * l.quantity - l.discount + l.tax, i.issued_at, i.issued_at
        FROM vol_invoice i JOIN vol_line l ON l.order_n = i.n
        UNION ALL
        SELECT pg_temp.vol_uuid(i.issued_at, {Tag.INVOICE_LINE}, i.n * 8 + 7), i.id, NULL,
               'Shipping charges', '{SHIPPING_SAC}', 1, 'INR', i.shipping_total, 0, 0,
               i.shipping_total, i.issued_at, i.issued_at
        FROM vol_invoice i WHERE i.shipping_total > 0
        ORDER BY 12, 1""",
        replaces=("invoice_line_items_frozen_once_issued",),
    )
    money = ", ".join(
        f"l.{column}::text AS {column}"
        for column in ("unit_price", "tax_rate", "tax_amount", "line_total")
    )
    # orders.invoices.snapshot_of: the invoice as issued, header and lines. A line is the jsonb
    # of a row (to_jsonb): twice as fast as jsonb_build_object of the same members.
    loader.load(
        "invoice_versions",
        f"""INSERT INTO public.invoice_versions (id, invoice_id, version_number, snapshot,
                                                 reason, created_at, updated_at)
        SELECT pg_temp.vol_uuid(v.issued_at, {Tag.INVOICE_VERSION}, v.n), v.id, 1,
               jsonb_build_object('invoice_number', i.invoice_number, 'series', i.series,
                                  'financial_year', i.financial_year,
                                  'issued_at', pg_temp.vol_isoformat(i.issued_at),
                                  'currency', i.currency,
                                  'subtotal', i.subtotal::text, 'tax_total', i.tax_total::text,
                                  'grand_total', i.grand_total::text,
                                  'billing', i.billing_snapshot, 'lines', l.lines),
               'Issued', v.issued_at, v.issued_at
        FROM vol_invoice v
        JOIN public.invoices i ON i.id = v.id
        JOIN (SELECT l.invoice_id, jsonb_agg(to_jsonb(m) ORDER BY l.created_at, l.id) AS lines
              FROM public.invoice_line_items l
              CROSS JOIN LATERAL (SELECT l.description, l.hsn_code, l.quantity, {money}) m
              GROUP BY l.invoice_id) l ON l.invoice_id = v.id
        ORDER BY v.issued_at, v.n""",
        replaces=("invoice_versions_in_turn",),
    )
    loader.load(
        "invoice_number_counters",
        f"""INSERT INTO public.invoice_number_counters (id, series, financial_year, last_number,
                                                        created_at, updated_at)
        SELECT pg_temp.vol_uuid(min(i.issued_at), {Tag.INVOICE_COUNTER},
                                row_number() OVER (ORDER BY i.financial_year)),
               '{SERIES}', i.financial_year, max(i.number), min(i.issued_at), max(i.issued_at)
        FROM vol_invoice i GROUP BY i.financial_year""",
    )
