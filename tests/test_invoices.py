"""Invoices: gapless numbers per series and year, final once issued, revised by versions."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from orders.invoices import invoice_number, issue_invoice, revise_invoice
from orders.models import InvoiceStatus, OrderStatus
from shop.db.rls import acting_as
from tests.concurrency import OtherSession
from tests.factories import (
    InvoiceFactory,
    InvoiceLineItemFactory,
    InvoiceNumberCounterFactory,
    InvoiceVersionFactory,
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    RoleFactory,
    UserFactory,
    UserRoleFactory,
)
from tests.support import count_rows, execute, fetch, fetch_one, refused, violates

pytestmark = pytest.mark.django_db

INDIA = ZoneInfo("Asia/Kolkata")
# 1 December 2026 in India: financial year 2026-27.
DEC_2026 = datetime(2026, 12, 1, 10, 0, tzinfo=INDIA)


def billable_order(*lines: tuple[str, int], shipping: str = "49.00", giftcard: str = "0.00"):
    """An order whose totals add up: a line per (unit price, quantity), 18% GST on each."""
    order = OrderFactory(
        shipping_total=Decimal(shipping),
        giftcard_total=Decimal(giftcard),
        subtotal=Decimal(0),
        tax_total=Decimal(0),
        grand_total=Decimal(0),
    )
    items = [
        OrderItemFactory(
            order=order,
            product=ProductFactory(hsn_code="6109"),
            unit_price=Decimal(price),
            quantity=quantity,
        )
        for price, quantity in lines
    ]
    order.subtotal = sum(item.unit_price * item.quantity for item in items)
    order.tax_total = sum(item.tax_amount for item in items)
    billed = sum(item.line_total for item in items) + order.shipping_total
    order.grand_total = max(billed - order.giftcard_total, Decimal(0))
    order.save()
    return order


def issue(order=None, *, series: str = "INV", at: datetime = DEC_2026):
    return issue_invoice(order=order or billable_order(("499.00", 1)), series=series, issued_at=at)


def row(table: str, key) -> str:
    """The whole row as JSON text, to prove a refused change changed nothing."""
    return fetch_one(f"SELECT row_to_json(t)::text FROM {table} t WHERE id = %s", [key])


def counters() -> list[tuple]:
    return fetch(
        "SELECT series, financial_year, last_number FROM invoice_number_counters ORDER BY 1, 2"
    )


# --- The database's rules, whoever writes --------------------------------------------------------


def test_an_invoice_number_fits_16_characters_as_gst_requires():
    assert len(invoice_number("INVC", "2026-27", 99999)) == 16
    at_the_limit = InvoiceNumberCounterFactory(series="INVC", last_number=99999)
    with violates("invoice_number_counters_number_fits_16"):
        execute(
            "UPDATE invoice_number_counters SET last_number = last_number + 1 WHERE id = %s",
            [at_the_limit.pk],
        )
    # A shorter series has room for a sixth digit, not a seventh.
    short = InvoiceNumberCounterFactory(series="INV", last_number=999999)
    assert len(invoice_number("INV", "2026-27", 999999)) == 16
    with violates("invoice_number_counters_number_fits_16"):
        execute(
            "UPDATE invoice_number_counters SET last_number = 1000000 WHERE id = %s", [short.pk]
        )
    with violates("invoice_number_counters_number_fits_16"):
        InvoiceNumberCounterFactory(series="INVCE", last_number=1)
    assert {(c[0], c[2]) for c in counters()} == {("INVC", 99999), ("INV", 999999)}


def test_an_invoice_number_counter_is_one_per_series_and_year():
    for series in ("IN/V", "", "IN 1"):
        with violates("invoice_number_counters_series_format"):
            InvoiceNumberCounterFactory(series=series)
    with violates("invoice_number_counters_financial_year_format"):
        InvoiceNumberCounterFactory(financial_year="2026-28")
    counter = InvoiceNumberCounterFactory(series="B2-B")
    with violates("uq_invoice_number_counters_series_year"):
        InvoiceNumberCounterFactory(series="B2-B", financial_year=counter.financial_year)
    assert counters() == [("B2-B", counter.financial_year, counter.last_number)]


def test_a_draft_has_no_number_and_an_order_one_issued_invoice():
    with violates("invoices_draft_has_no_number"):
        InvoiceFactory(draft=True, invoice_number="INV/26-27/00001")
    invoice = InvoiceFactory()
    with violates("uq_invoices_order_issued"):
        InvoiceFactory(order=invoice.order)
    # A draft and a cancelled invoice of the order are no second bill.
    InvoiceFactory(order=invoice.order, draft=True)
    InvoiceFactory(order=invoice.order, status=InvoiceStatus.CANCELLED, invoice_number=None)
    assert count_rows("invoices", order_id=invoice.order.pk) == 3


@pytest.mark.parametrize(
    "change",
    [
        "grand_total = grand_total + 1",
        'billing_snapshot = \'{"name": "Someone else"}\'',
        "invoice_number = 'INV/26-27/99999'",
        "issued_at = issued_at - interval '1 day'",
        "status = 'draft', invoice_number = NULL",
        "status = 'cancelled'",
        "deleted_at = now()",  # a soft delete
        "current_version = 2",  # there is no version 2
    ],
)
def test_an_issued_invoice_is_final_whoever_writes(change):
    invoice = InvoiceFactory()
    before = row("invoices", invoice.pk)
    with violates("invoices_issued_are_final"):
        execute(f"UPDATE invoices SET {change} WHERE id = %s", [invoice.pk])
    assert row("invoices", invoice.pk) == before


def test_an_issued_invoice_is_kept_and_a_draft_is_not_final():
    invoice = InvoiceFactory()
    with violates("invoices_issued_are_kept"):
        execute("DELETE FROM invoices WHERE id = %s", [invoice.pk])
    assert count_rows("invoices", id=invoice.pk) == 1
    draft = InvoiceFactory(draft=True)
    line = InvoiceLineItemFactory(invoice=draft, order_item=None)
    execute("UPDATE invoices SET grand_total = 1, series = 'B2B' WHERE id = %s", [draft.pk])
    execute("DELETE FROM invoices WHERE id = %s", [draft.pk])
    assert count_rows("invoices", id=draft.pk) == count_rows("invoice_line_items", id=line.pk) == 0


LINE_CHANGES = {
    "insert": """INSERT INTO invoice_line_items (invoice_id, description, quantity, unit_price,
                 line_total) VALUES (%(invoice)s, 'Gift wrap', 1, 10, 10)""",
    "update": "UPDATE invoice_line_items SET unit_price = 0 WHERE id = %(line)s",
    "move": "UPDATE invoice_line_items SET invoice_id = %(other)s WHERE id = %(line)s",
    "delete": "DELETE FROM invoice_line_items WHERE id = %(line)s",
}


@pytest.mark.parametrize("change", LINE_CHANGES)
def test_the_lines_of_an_issued_invoice_are_frozen(change):
    invoice = InvoiceFactory()
    line = InvoiceLineItemFactory(invoice=invoice)
    draft = InvoiceFactory(draft=True)
    draft_line = InvoiceLineItemFactory(invoice=draft, order_item=None)
    before = fetch("SELECT row_to_json(t)::text FROM invoice_line_items t ORDER BY id")
    with violates("invoice_line_items_frozen_once_issued"):
        execute(LINE_CHANGES[change], {"invoice": invoice.pk, "line": line.pk, "other": draft.pk})
    # Nor can a draft's line be moved into the issued invoice.
    with violates("invoice_line_items_frozen_once_issued"):
        execute(LINE_CHANGES["move"], {"line": draft_line.pk, "other": invoice.pk})
    assert fetch("SELECT row_to_json(t)::text FROM invoice_line_items t ORDER BY id") == before
    # The same change on the draft's line is accepted.
    params = {"invoice": draft.pk, "line": draft_line.pk, "other": InvoiceFactory(draft=True).pk}
    assert execute(LINE_CHANGES[change], params) == 1


def test_versions_are_numbered_in_turn_and_the_newest_is_current():
    invoice = InvoiceFactory()  # issued, without versions yet
    insert = (
        "INSERT INTO invoice_versions (invoice_id, version_number, snapshot, reason) "
        "VALUES (%s, %s, '{}', %s)"
    )
    with violates("invoice_versions_in_turn"):
        execute(insert, [invoice.pk, 2, "Skipping version 1"])
    execute(insert, [invoice.pk, 1, ""])
    with violates("invoice_versions_in_turn"):
        execute(insert, [invoice.pk, 3, "Skipping version 2"])
    with violates("invoice_versions_revision_has_reason"):
        execute(insert, [invoice.pk, 2, "  "])
    execute(insert, [invoice.pk, 2, "GSTIN added"])
    assert fetch_one("SELECT current_version FROM invoices WHERE id = %s", [invoice.pk]) == 2
    # current_version is the newest version, nothing else.
    with violates("invoices_issued_are_final"):
        execute("UPDATE invoices SET current_version = 1 WHERE id = %s", [invoice.pk])
    with violates("invoice_versions_of_issued_invoices"):
        execute(insert, [InvoiceFactory(draft=True).pk, 1, ""])
    assert fetch(
        "SELECT version_number, reason FROM invoice_versions WHERE invoice_id = %s ORDER BY 1",
        [invoice.pk],
    ) == [(1, ""), (2, "GSTIN added")]


@pytest.mark.parametrize(
    "change",
    [
        'UPDATE invoice_versions SET snapshot = \'{"grand_total": "1.00"}\'',
        "UPDATE invoice_versions SET reason = 'Rewritten'",
        "DELETE FROM invoice_versions",
    ],
)
def test_a_version_is_final(change):
    version = InvoiceVersionFactory()
    before = row("invoice_versions", version.pk)
    with violates("invoice_versions_are_final"):
        execute(change)
    assert row("invoice_versions", version.pk) == before


FINAL_ROW_RULES = {
    "invoices": "invoices_issued_are_final",
    "invoice_line_items": "invoice_line_items_frozen_once_issued",
    "invoice_versions": "invoice_versions_are_final",
}


def test_deleting_a_user_takes_their_name_off_final_rows_and_nothing_else():
    clerk, other = UserFactory(), UserFactory()
    invoice = InvoiceFactory(created_by=clerk)
    keys = {
        "invoices": invoice.pk,
        "invoice_line_items": InvoiceLineItemFactory(invoice=invoice, created_by=clerk).pk,
        "invoice_versions": InvoiceVersionFactory(invoice=invoice, created_by=clerk).pk,
    }
    admin = UserFactory(is_staff=True)
    UserRoleFactory(user=admin, role=RoleFactory(name="admin", is_system_role=True))
    for table, rule in FINAL_ROW_RULES.items():
        # Nobody else's name goes on, nor does a living user's come off; nor does an admin's
        # client, which sees no other users, take one off.
        clear = f"UPDATE {table} SET created_by_id = %s WHERE id = %s"
        for user in (other.pk, None):
            with violates(rule):
                execute(clear, [user, keys[table]])
        with violates(rule), acting_as(admin):
            execute(clear, [None, keys[table]])
    execute("DELETE FROM users WHERE id = %s", [clerk.pk])
    for table, key in keys.items():
        assert fetch_one(f"SELECT created_by_id FROM {table} WHERE id = %s", [key]) is None


# --- issue_invoice() -----------------------------------------------------------------------------


def test_issue_invoice_bills_the_order_and_keeps_version_1():
    order = billable_order(("499.00", 2), ("1299.00", 1))
    invoice = issue(order)
    items = list(order.items.order_by("created_at", "id"))
    assert fetch(
        """SELECT invoice_number, series, financial_year, status, issued_at, currency, subtotal,
                  tax_total, grand_total, current_version, billing_snapshot->>'name'
           FROM invoices WHERE order_id = %s""",
        [order.pk],
    ) == [
        (
            "INV/26-27/00001",
            "INV",
            "2026-27",
            "issued",
            DEC_2026,
            "INR",
            Decimal("2346.00"),  # 998 + 1299 + 49
            Decimal("413.46"),  # 18% of 998 and of 1299
            Decimal("2759.46"),
            1,
            order.billing_address["full_name"],
        )
    ]
    lines = [
        ("6109", items[0].product_name, 2, "499.00", "18.00", "179.64", "1177.64"),
        ("6109", items[1].product_name, 1, "1299.00", "18.00", "233.82", "1532.82"),
        ("9965", "Shipping charges", 1, "49.00", "0.00", "0.00", "49.00"),
    ]
    assert (
        fetch(
            """SELECT hsn_code, description, quantity, unit_price::text, tax_rate::text,
                  tax_amount::text, line_total::text
           FROM invoice_line_items WHERE invoice_id = %s ORDER BY id""",
            [invoice.pk],
        )
        == lines
    )
    (version,) = invoice.versions.all()
    keys = ("hsn_code", "description", "quantity", "unit_price", "tax_rate", "tax_amount")
    assert (version.version_number, version.reason) == (1, "Issued")
    assert version.snapshot == {
        "invoice_number": "INV/26-27/00001",
        "series": "INV",
        "financial_year": "2026-27",
        "issued_at": DEC_2026.isoformat(),
        "currency": "INR",
        "subtotal": "2346.00",
        "tax_total": "413.46",
        "grand_total": "2759.46",
        "billing": invoice.billing_snapshot,
        "lines": [
            {**dict(zip(keys, line[:6], strict=True)), "line_total": line[6]} for line in lines
        ],
    }


def test_numbers_run_on_without_gaps_per_series_and_year_even_past_failures():
    numbers = [issue().invoice_number for _ in range(2)]
    # A failed issue (the order does not add up) and a rolled-back one burn no number.
    bad = billable_order(("499.00", 1))
    execute("UPDATE orders SET grand_total = grand_total + 1 WHERE id = %s", [bad.pk])
    refused("invoice_matches_order", issue_invoice, order=bad, series="INV", issued_at=DEC_2026)
    with transaction.atomic():
        assert issue().invoice_number == "INV/26-27/00003"
        transaction.set_rollback(True)
    numbers += [issue().invoice_number, issue(series="B2B").invoice_number]
    assert numbers == ["INV/26-27/00001", "INV/26-27/00002", "INV/26-27/00003", "B2B/26-27/00001"]
    assert counters() == [("B2B", "2026-27", 1), ("INV", "2026-27", 3)]


def test_the_financial_year_turns_on_1_april_in_india():
    last_of_march = issue(at=datetime(2027, 3, 31, 23, 59, tzinfo=INDIA))
    # 18:30 UTC on 31 March is midnight in India: already the new year, numbered from 1.
    first_of_april = issue(at=datetime(2027, 3, 31, 18, 30, tzinfo=UTC))
    assert [(i.financial_year, i.invoice_number) for i in (last_of_march, first_of_april)] == [
        ("2026-27", "INV/26-27/00001"),
        ("2027-28", "INV/27-28/00001"),
    ]


@pytest.mark.parametrize(
    ("series", "rule"),
    [
        ("INVCE", "invoice_number_counters_number_fits_16"),  # INVCE/26-27/00001: 17
        ("INVOICES-FOR-B2B-CUSTOMERS", "invoice_number_counters_number_fits_16"),
        ("IN/V", "invoice_number_counters_series_format"),
        ("", "invoice_number_counters_series_format"),
    ],
)
def test_a_series_that_cannot_make_a_gst_invoice_number_is_refused(series, rule):
    order = billable_order(("499.00", 1))
    refused(rule, issue_invoice, order=order, series=series, issued_at=DEC_2026)
    assert count_rows("invoices") == count_rows("invoice_line_items") == 0
    assert counters() == []


def test_a_series_that_ran_out_of_16_characters_is_refused_then():
    InvoiceNumberCounterFactory(series="INVC", financial_year="2026-27", last_number=99998)
    assert issue(series="INVC").invoice_number == "INVC/26-27/99999"
    error = refused(
        "invoice_number_counters_number_fits_16",
        issue_invoice,
        order=billable_order(("499.00", 1)),
        series="INVC",
        issued_at=DEC_2026,
    )
    assert "(series 'INVC', 2026-27)" in error.messages[0]
    assert counters() == [("INVC", "2026-27", 99999)]
    assert count_rows("invoices") == 1


def test_an_order_is_invoiced_once_whole_and_alive():
    issued = billable_order(("499.00", 1))
    issue(issued)
    cancelled = billable_order(("499.00", 1))
    execute(
        "UPDATE orders SET order_status = %s, cancelled_at = now() WHERE id = %s",
        [OrderStatus.CANCELLED, cancelled.pk],
    )
    cases = [
        (issued, "uq_invoices_order_issued"),
        (cancelled, "invoice_of_a_live_order"),
        (billable_order(shipping="0.00"), "invoice_has_lines"),
        # A gift card pays for an order; the invoice bills the order in full.
        (billable_order(("499.00", 1), giftcard="100.00"), None),
    ]
    for order, rule in cases:
        if rule:
            refused(rule, issue_invoice, order=order, series="INV", issued_at=DEC_2026)
        else:
            assert issue(order).grand_total == Decimal("637.82")  # 499 + 89.82 + 49
    assert counters() == [("INV", "2026-27", 2)]
    assert count_rows("invoices") == 2


# --- revise_invoice() ----------------------------------------------------------------------------

# An invoice row but for what a revision moves.
ISSUED_CONTENT = "(to_jsonb(invoices) - 'current_version' - 'updated_at')::text"


def test_a_revision_is_the_next_version_and_leaves_the_invoice_as_issued():
    invoice = issue()
    issued_content = fetch_one(f"SELECT {ISSUED_CONTENT} FROM invoices WHERE id = %s", [invoice.pk])
    v1 = invoice.versions.get().snapshot
    v2 = revise_invoice(
        invoice=invoice, changes={"billing": {"gstin": "27AAAPL1234C1ZV"}}, reason="GSTIN added"
    )
    v3 = revise_invoice(
        invoice=invoice, changes={"billing": {"name": "Acme Traders"}}, reason="Legal name"
    )
    assert fetch(
        "SELECT version_number, reason, snapshot #>> '{billing,gstin}', "
        "snapshot #>> '{billing,name}' "
        "FROM invoice_versions WHERE invoice_id = %s ORDER BY version_number",
        [invoice.pk],
    ) == [
        (1, "Issued", None, v1["billing"]["name"]),
        (2, "GSTIN added", "27AAAPL1234C1ZV", v1["billing"]["name"]),
        (3, "Legal name", "27AAAPL1234C1ZV", "Acme Traders"),
    ]
    gstin = {"gstin": "27AAAPL1234C1ZV"}
    assert v2.snapshot == {**v1, "billing": {**v1["billing"], **gstin}}
    assert v3.snapshot == {**v1, "billing": {**v1["billing"], **gstin, "name": "Acme Traders"}}
    # The invoice row is as it was issued, but for the version that is current.
    assert fetch_one(f"SELECT {ISSUED_CONTENT} FROM invoices WHERE id = %s", [invoice.pk]) == (
        issued_content
    )
    assert fetch_one("SELECT current_version FROM invoices WHERE id = %s", [invoice.pk]) == 3


def test_revising_an_invoice_issued_before_versions_were_kept_keeps_version_1_first():
    invoice = InvoiceFactory()
    InvoiceLineItemFactory(invoice=invoice)
    revise_invoice(invoice=invoice, changes={"billing": {"gstin": "X"}}, reason="GSTIN added")
    versions = list(invoice.versions.order_by("version_number"))
    assert [(v.version_number, v.reason) for v in versions] == [(1, "Issued"), (2, "GSTIN added")]
    assert versions[0].snapshot["billing"] == invoice.billing_snapshot
    assert versions[1].snapshot == {
        **versions[0].snapshot,
        "billing": {**invoice.billing_snapshot, "gstin": "X"},
    }


@pytest.mark.parametrize(
    ("changes", "reason", "rule"),
    [
        ({"grand_total": "1.00"}, "Discount", "invoice_revision_changes"),
        ({"lines": []}, "Returned", "invoice_revision_changes"),
        ({"billing": "Acme"}, "Name", "invoice_revision_changes"),
        ({"billing": {}}, "Nothing", "invoice_revision_changes"),
        ({"billing": {"gstin": "X"}}, " ", "invoice_versions_revision_has_reason"),
    ],
)
def test_a_revision_corrects_the_billed_party_and_says_why(changes, reason, rule):
    invoice = issue()
    before = fetch("SELECT row_to_json(t)::text FROM invoice_versions t")
    issued_row = row("invoices", invoice.pk)
    refused(rule, revise_invoice, invoice=invoice, changes=changes, reason=reason)
    assert fetch("SELECT row_to_json(t)::text FROM invoice_versions t") == before
    assert row("invoices", invoice.pk) == issued_row


def test_only_an_issued_invoice_is_revised():
    for invoice in (InvoiceFactory(draft=True), InvoiceFactory(status=InvoiceStatus.CANCELLED)):
        refused(
            "invoice_versions_of_issued_invoices",
            revise_invoice,
            invoice=invoice,
            changes={"billing": {"gstin": "X"}},
            reason="GSTIN added",
        )
    assert count_rows("invoice_versions") == 0


# --- Two issuers at once -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_commits", [True, False], ids=["first-commits", "first-rolls-back"])
def test_concurrent_issuers_take_consecutive_numbers(first_commits):
    orders = [billable_order(("499.00", 1)) for _ in range(2)]
    with transaction.atomic():
        first = issue(orders[0])
        other = OtherSession(lambda: issue(orders[1]))
        other.wait_until_blocked()  # on the counter's row lock
        transaction.set_rollback(not first_commits)
    second = other.result()
    assert first.invoice_number == "INV/26-27/00001"
    assert second.invoice_number == ("INV/26-27/00002" if first_commits else "INV/26-27/00001")
    assert counters() == [("INV", "2026-27", 2 if first_commits else 1)]
    assert count_rows("invoices", status="issued") == (2 if first_commits else 1)
