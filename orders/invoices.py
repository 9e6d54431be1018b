"""Invoices: issued with gapless numbers per series and financial year, revised by new versions.

The database holds the rules (``orders.models``): numbers come from ``invoice_number_counters``
and fit in the 16 characters GST allows; an issued invoice, its lines and its versions are
final; versions are numbered in turn and the newest is current. The services refuse bad input
first with a ``ValidationError`` whose ``code`` names the rule; nothing is written then.
"""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from orders.models import (
    Invoice,
    InvoiceLineItem,
    InvoiceNumberCounter,
    InvoiceStatus,
    InvoiceVersion,
    Order,
    OrderItem,
    OrderStatus,
    broken_rule,
)
from shop.db.fields import ZERO

INDIA = ZoneInfo("Asia/Kolkata")
CENT = Decimal("0.01")
SHIPPING_SAC = "9965"  # GST services code of goods transport
MAX_INVOICE_NUMBER = 16  # characters, CGST Rules rule 46(b)
# What a revision may correct: the billed party. Amounts and lines change by a credit or
# debit note (CGST Act section 34), which is a document of its own.
REVISABLE = ("billing",)

# Increments the counter of the series and year (creating it at 1), holding its row lock until
# the issuing transaction ends: a concurrent issuer waits, a rollback takes the number back.
ALLOCATE_SQL = """
INSERT INTO public.invoice_number_counters AS c (series, financial_year, last_number)
VALUES (%s, %s, 1)
ON CONFLICT (series, financial_year) DO UPDATE SET last_number = c.last_number + 1
RETURNING c.last_number
"""


def financial_year_of(moment: datetime) -> str:
    """The Indian financial year (April to March, in India's time) of ``moment``: '2026-27'."""
    local = moment.astimezone(INDIA)
    start = local.year if local.month >= 4 else local.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def invoice_number(series: str, financial_year: str, number: int) -> str:
    """series/YY-YY/NNNNN, e.g. 'INV/26-27/00042'; more digits past 99999.

    ``invoice_number_counters_number_fits_16`` is the same length rule in the database.
    """
    return f"{series}/{financial_year[2:4]}-{financial_year[5:]}/{number:05d}"


def check_series_fits(*, series: str, financial_year: str) -> None:
    """Refuse a series that leaves no room for even the first number."""
    first = invoice_number(series, financial_year, 1)
    if len(first) > MAX_INVOICE_NUMBER:
        raise broken_rule(
            "invoice_number_counters_number_fits_16",
            f"series {series!r} leaves no room for a number within {MAX_INVOICE_NUMBER} "
            f"characters ({first!r}).",
        )


def allocate_number(*, series: str, financial_year: str) -> str:
    """The next invoice number of the series in the year, held until the transaction ends.

    What the counter's constraints refuse (a series with a '/', a number that outgrew 16
    characters) is refused with the constraint's name and message.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute(ALLOCATE_SQL, [series, financial_year])
            (number,) = cursor.fetchone()
    except IntegrityError as error:
        rule = error.__cause__.diag.constraint_name
        messages = {
            c.name: c.violation_error_message for c in InvoiceNumberCounter._meta.constraints
        }
        if rule not in messages:
            raise
        raise broken_rule(
            rule, f"{messages[rule]} (series {series!r}, {financial_year})"
        ) from error
    return invoice_number(series, financial_year, number)


def line_of(item: OrderItem) -> InvoiceLineItem:
    """An order line as billed: taxable value unit_price x quantity - discount, plus its tax."""
    taxable = item.line_total - item.tax_amount
    description = (
        f"{item.product_name} ({item.option_text})" if item.option_text else item.product_name
    )
    return InvoiceLineItem(
        order_item=item,
        description=description[:255],
        hsn_code=item.product.hsn_code,
        quantity=item.quantity,
        currency=item.currency,
        unit_price=item.unit_price,
        tax_rate=(item.tax_amount * 100 / taxable).quantize(CENT) if taxable else ZERO,
        tax_amount=item.tax_amount,
        line_total=item.line_total,
    )


def shipping_line(order: Order) -> InvoiceLineItem:
    """The order's shipping charge, a line of its own (no tax is recorded on it)."""
    return InvoiceLineItem(
        description="Shipping charges",
        hsn_code=SHIPPING_SAC,
        quantity=1,
        currency=order.currency,
        unit_price=order.shipping_total,
        line_total=order.shipping_total,
    )


def billing_of(order: Order) -> dict[str, Any]:
    address = order.billing_address
    return {"name": address.get("full_name", ""), "address": address, "email": order.email}


def snapshot_of(invoice: Invoice, lines: Iterable[InvoiceLineItem]) -> dict[str, Any]:
    """The whole invoice, header and lines, as JSON: what an invoice_versions row keeps."""
    return {
        "invoice_number": invoice.invoice_number,
        "series": invoice.series,
        "financial_year": invoice.financial_year,
        "issued_at": invoice.issued_at.isoformat(),
        "currency": invoice.currency,
        "subtotal": str(invoice.subtotal),
        "tax_total": str(invoice.tax_total),
        "grand_total": str(invoice.grand_total),
        "billing": invoice.billing_snapshot,
        "lines": [
            {
                "description": line.description,
                "hsn_code": line.hsn_code,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "tax_rate": str(line.tax_rate),
                "tax_amount": str(line.tax_amount),
                "line_total": str(line.line_total),
            }
            for line in lines
        ],
    }


@transaction.atomic
def issue_invoice(*, order: Order, series: str, issued_at: datetime | None = None) -> Invoice:
    """Issue the tax invoice of ``order`` with the next number of ``series``.

    The lines are the order's items (and its shipping charge); they must add up to what the
    order bills. The number is the series' next in the financial year of ``issued_at`` (now
    by default). Version 1 keeps a snapshot of the invoice as issued. The order row is locked,
    so a second issue for the order waits and is then refused (``uq_invoices_order_issued``).
    """
    issued_at = issued_at or timezone.now()
    financial_year = financial_year_of(issued_at)
    check_series_fits(series=series, financial_year=financial_year)
    order = Order.all_objects.select_for_update().get(pk=order.pk)
    if order.is_deleted or order.order_status == OrderStatus.CANCELLED:
        raise broken_rule("invoice_of_a_live_order", f"order {order} is cancelled or deleted.")
    if order.invoices.filter(status=InvoiceStatus.ISSUED).exists():
        raise broken_rule("uq_invoices_order_issued", f"order {order} has its invoice already.")
    items = order.items.select_related("product").order_by("created_at", "id")
    lines = [line_of(item) for item in items]
    if order.shipping_total:
        lines.append(shipping_line(order))
    if not lines:
        raise broken_rule("invoice_has_lines", f"order {order} has nothing to bill.")
    tax_total = sum((line.tax_amount for line in lines), ZERO)
    grand_total = sum((line.line_total for line in lines), ZERO)
    # A gift card pays for the order; it does not lower what is billed.
    if max(grand_total - order.giftcard_total, ZERO) != order.grand_total:
        raise broken_rule(
            "invoice_matches_order",
            f"the lines of order {order} bill {grand_total}, but the order's grand total "
            f"is {order.grand_total} (gift card {order.giftcard_total}).",
        )

    invoice = Invoice.objects.create(
        order=order,
        series=series,
        financial_year=financial_year,
        currency=order.currency,
        subtotal=grand_total - tax_total,
        tax_total=tax_total,
        grand_total=grand_total,
        billing_snapshot=billing_of(order),
    )
    for line in lines:
        line.invoice = invoice
    InvoiceLineItem.objects.bulk_create(lines)
    # Last, so the counter's row lock is held for as short a time as possible.
    invoice.invoice_number = allocate_number(series=series, financial_year=financial_year)
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_at = issued_at
    invoice.save(update_fields=["invoice_number", "status", "issued_at"])
    InvoiceVersion.objects.create(
        invoice=invoice, version_number=1, snapshot=snapshot_of(invoice, lines), reason="Issued"
    )
    return invoice


@transaction.atomic
def revise_invoice(*, invoice: Invoice, changes: dict[str, Any], reason: str) -> InvoiceVersion:
    """Record a corrected version of an issued invoice; it becomes the current version.

    The invoice row stays as it was issued; the versions hold each state since. ``changes``
    may correct the billed party only: ``{"billing": {"gstin": "27AAAPL1234C1ZV"}}`` (merged
    into the current billing details). The invoice row is locked, so revisions take turns.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.ISSUED:
        raise broken_rule(
            "invoice_versions_of_issued_invoices",
            f"invoice {invoice} is {invoice.status}; only an issued invoice is revised.",
        )
    if not reason.strip():
        raise broken_rule("invoice_versions_revision_has_reason", "a revision says why it is made.")
    if set(changes) - set(REVISABLE) or not isinstance(changes.get("billing", {}), dict):
        raise broken_rule(
            "invoice_revision_changes",
            f"a revision corrects {', '.join(REVISABLE)} (a JSON object), not {sorted(changes)}; "
            "amounts and lines change by a credit or debit note.",
        )
    versions = list(invoice.versions.order_by("version_number"))
    if not versions:  # An invoice issued before versions were kept: its first one is as issued.
        first = snapshot_of(invoice, invoice.line_items.order_by("created_at", "id"))
        versions.append(
            InvoiceVersion.objects.create(
                invoice=invoice, version_number=1, snapshot=first, reason="Issued"
            )
        )
    current = versions[-1].snapshot
    revised = {**current, "billing": {**current.get("billing", {}), **changes.get("billing", {})}}
    if revised == current:
        raise broken_rule(
            "invoice_revision_changes", f"the changes leave invoice {invoice} as it is."
        )
    return InvoiceVersion.objects.create(
        invoice=invoice,
        version_number=versions[-1].version_number + 1,
        snapshot=revised,
        reason=reason,
    )
