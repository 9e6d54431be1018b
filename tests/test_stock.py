"""Stock that cannot oversell: the ledger triggers, the stock services, their races.

catalog.stock_ledger keeps each stock row equal to the sum of its ledger, whoever writes;
catalog.stock holds, releases and sells units for cart lines under row locks.
"""

import re
import threading
from collections.abc import Callable
from datetime import timedelta
from io import StringIO

import pgtrigger
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog import stock
from catalog.models import Inventory
from catalog.stock import Drift, InsufficientStock, StockError
from catalog.stock_ledger import INVENTORY_LEDGER, VARIANT_LEDGER, opening_balance_sql
from shop.db.rls import acting_as
from tests.factories import (
    CartFactory,
    CartItemFactory,
    InventoryFactory,
    InventoryLocationFactory,
    OrderFactory,
    ProductFactory,
    ProductVariantFactory,
    RoleFactory,
    UserFactory,
    UserRoleFactory,
)
from tests.support import count_rows, execute, fetch, fetch_one, violates

pytestmark = pytest.mark.django_db

HOLD = timedelta(minutes=15)
ENTRY = "reason, available_delta, reserved_delta, available_after, reserved_after"

# (stock table, its ledger, the ledger's key column, a factory of a stock row)
LEDGERS = [
    pytest.param(
        "inventory", "inventory_adjustments", "inventory_id", InventoryFactory, id="inventory"
    ),
    pytest.param(
        "product_variants",
        "variant_inventory_adjustments",
        "variant_id",
        ProductVariantFactory,
        id="variants",
    ),
]


def quantities(table: str, row_id) -> tuple[int, int]:
    return fetch_one(
        f"SELECT available_quantity, reserved_quantity FROM {table} WHERE id = %s", [row_id]
    )


def entries(ledger: str, key: str, row_id, columns: str = ENTRY) -> list[tuple]:
    """The stock row's ledger entries, oldest first."""
    return fetch(
        f"SELECT {columns} FROM {ledger} WHERE {key} = %s ORDER BY created_at, id", [row_id]
    )


def inventory_entries(row, columns: str = ENTRY) -> list[tuple]:
    return entries("inventory_adjustments", "inventory_id", row.pk, columns)


def variant_entries(row, columns: str = ENTRY) -> list[tuple]:
    return entries("variant_inventory_adjustments", "variant_id", row.pk, columns)


def snapshot() -> dict[str, list]:
    """Every row of the stock tables, their ledgers and the cart lines, to prove no change."""
    return {
        table: fetch(f"SELECT row_to_json(t)::text FROM {table} t ORDER BY id")
        for table in (
            "inventory",
            "product_variants",
            "inventory_adjustments",
            "variant_inventory_adjustments",
            "cart_items",
        )
    }


def hold_of(item) -> tuple:
    return fetch_one(
        "SELECT reserved_quantity, reserved_until, reserved_from_location_id FROM cart_items "
        "WHERE id = %s",
        [item.pk],
    )


def expire(*items) -> None:
    execute(
        "UPDATE cart_items SET reserved_until = now() - interval '1 minute' WHERE id = ANY(%s)",
        [[item.pk for item in items]],
    )


@pytest.fixture
def warehouse():
    return InventoryLocationFactory(code="BLR-WH1", is_default=True)


@pytest.fixture
def shirt():
    return ProductFactory(sku="SHIRT-1")


def stocked(product, location, units: int):
    stock.receive(product=product, location=location, quantity=units)
    return Inventory.objects.get(product=product, location=location)


def line(product=None, *, quantity: int = 1, cart=None, variant=None):
    return CartItemFactory(
        cart=cart or CartFactory(),
        product=product or variant.product,
        variant=variant,
        quantity=quantity,
    )


# --- The ledger in the database ----------------------------------------------------------------


@pytest.mark.parametrize(("table", "ledger", "key", "factory"), LEDGERS)
def test_a_ledger_entry_moves_its_stock_in_one_statement_and_records_the_result(
    table, ledger, key, factory
):
    row = factory()
    # What a SQL writer sends: the change, not the result (*_after is filled in).
    execute(
        f"""INSERT INTO {ledger} ({key}, available_delta, reserved_delta, reason)
            VALUES (%(row)s, 7, 0, 'received'), (%(row)s, -2, 2, 'reserved')""",
        {"row": row.pk},
    )
    assert quantities(table, row.pk) == (5, 2)
    assert sorted(entries(ledger, key, row.pk)) == [
        ("received", 7, 0, 7, 0),
        ("reserved", -2, 2, 5, 2),
    ]


@pytest.mark.parametrize(("table", "ledger", "key", "factory"), LEDGERS)
def test_an_entry_that_would_oversell_is_refused_by_name(table, ledger, key, factory):
    row = factory(available_quantity=1)
    take = f"""INSERT INTO {ledger} ({key}, available_delta, reserved_delta, reason)
               VALUES (%s, %s, %s, 'reserved')"""
    with violates(f"{ledger}_after_non_negative"):
        execute(take, [row.pk, -2, 2])
    with violates(f"{ledger}_after_non_negative"):
        execute(take, [row.pk, 0, -1])
    assert quantities(table, row.pk) == (1, 0)
    execute(take, [row.pk, -1, 1])
    assert quantities(table, row.pk) == (0, 1)
    assert entries(ledger, key, row.pk) == [("received", 1, 0, 1, 0), ("reserved", -1, 1, 0, 1)]


@pytest.mark.parametrize(("table", "ledger", "key", "factory"), LEDGERS)
def test_stock_written_directly_is_recorded_in_the_ledger(table, ledger, key, factory):
    row = factory(available_quantity=3)
    execute(
        f"""UPDATE {table} SET available_quantity = available_quantity - 1,
                               reserved_quantity = reserved_quantity + 1 WHERE id = %s""",
        [row.pk],
    )
    # An update that leaves the quantities alone (Django's save() writes every column) is not.
    execute(f"UPDATE {table} SET updated_at = now() WHERE id = %s", [row.pk])
    row.refresh_from_db()
    row.save()
    note = f"Written directly to {table}; recorded by its trigger."
    assert entries(ledger, key, row.pk, f"{ENTRY}, note") == [
        ("received", 3, 0, 3, 0, note),
        ("correction", -1, 1, 2, 1, note),
    ]
    # Balance and ledger agree; the unit moved to reserved is held by no cart line.
    assert [drift.kind for drift in stock.stock_drift()] == ["holds"]


def test_the_mark_of_the_triggers_own_writes_cannot_be_forged(warehouse, shirt):
    row = InventoryFactory(product=shirt, location=warehouse)
    # A session that sets the mark itself still writes at trigger depth 1: both directions
    # are kept in step.
    execute("SELECT set_config('shop.stock_ledger_sync', %s, true)", [f"inventory:{row.pk}"])
    execute("UPDATE inventory SET available_quantity = 4 WHERE id = %s", [row.pk])
    execute(
        "INSERT INTO inventory_adjustments (inventory_id, available_delta, reserved_delta, reason)"
        " VALUES (%s, 2, 0, 'received')",
        [row.pk],
    )
    assert quantities("inventory", row.pk) == (6, 0)
    assert inventory_entries(row) == [("correction", 4, 0, 4, 0), ("received", 2, 0, 6, 0)]


@pytest.mark.parametrize(("table", "ledger", "key", "factory"), LEDGERS)
def test_ledger_entries_are_never_changed_and_go_only_with_their_stock_row(
    table, ledger, key, factory
):
    row = factory(available_quantity=5)
    entry_id = fetch_one(f"SELECT id FROM {ledger} WHERE {key} = %s", [row.pk])
    before = snapshot()
    with violates(f"{ledger}_append_only"):
        execute(f"UPDATE {ledger} SET available_delta = 50 WHERE id = %s", [entry_id])
    with violates(f"{ledger}_append_only"):
        execute(f"UPDATE {ledger} SET note = 'nothing happened' WHERE id = %s", [entry_id])
    with violates(f"{ledger}_append_only"):
        execute(f"DELETE FROM {ledger} WHERE id = %s", [entry_id])
    assert snapshot() == before

    # Deleting the user who wrote an entry forgets who (ON DELETE SET NULL), nothing else.
    clerk = UserFactory()
    execute(f"UPDATE {ledger} SET created_by_id = NULL WHERE id = %s", [entry_id])
    execute(
        f"INSERT INTO {ledger} ({key}, available_delta, reserved_delta, reason, created_by_id)"
        " VALUES (%s, 1, 0, 'received', %s)",
        [row.pk, clerk.pk],
    )
    execute("DELETE FROM users WHERE id = %s", [clerk.pk])
    assert entries(ledger, key, row.pk, "created_by_id, available_after") == [(None, 5), (None, 6)]

    execute(f"DELETE FROM {table} WHERE id = %s", [row.pk])
    assert count_rows(ledger, **{key: row.pk}) == 0


def test_an_admin_client_changes_stock_through_the_ledger_too(warehouse, shirt):
    admin = UserFactory()
    UserRoleFactory(user=admin, role=RoleFactory(name="admin"))
    row = InventoryFactory(product=shirt, location=warehouse)
    with acting_as(admin):
        execute(
            "INSERT INTO inventory_adjustments"
            " (inventory_id, available_delta, reserved_delta, reason)"
            " VALUES (%s, 10, 0, 'received')",
            [row.pk],
        )
        execute("UPDATE inventory SET available_quantity = 9 WHERE id = %s", [row.pk])
    assert quantities("inventory", row.pk) == (9, 0)
    assert inventory_entries(row, "reason, available_after, created_by_id") == [
        ("received", 10, admin.pk),
        ("correction", 9, admin.pk),
    ]


def test_the_opening_balance_records_stock_written_before_the_ledger_was_kept(warehouse, shirt):
    row = InventoryFactory(product=shirt, location=warehouse, available_quantity=2)
    variant = ProductVariantFactory(product=shirt)
    with pgtrigger.ignore("catalog.Inventory:record_in_ledger"):
        execute("UPDATE inventory SET available_quantity = 7, reserved_quantity = 1")
    with pgtrigger.ignore("catalog.ProductVariant:record_in_ledger"):
        execute("UPDATE product_variants SET available_quantity = 3")
    assert [(d.table, d.kind) for d in stock.stock_drift()] == [
        ("inventory", "ledger"),
        ("inventory", "holds"),
        ("product_variants", "ledger"),
    ]

    # As in the migration, which runs it before the ledgers' triggers exist.
    with pgtrigger.ignore(
        "catalog.InventoryAdjustment:apply_to_stock",
        "catalog.VariantInventoryAdjustment:apply_to_stock",
    ):
        execute(opening_balance_sql(INVENTORY_LEDGER) + opening_balance_sql(VARIANT_LEDGER))
    opening = "Opening balance: stock before the ledger was kept."
    assert inventory_entries(row, f"{ENTRY}, note")[-1] == ("correction", 5, 1, 7, 1, opening)
    assert variant_entries(variant, f"{ENTRY}, note") == [("correction", 3, 0, 3, 0, opening)]
    assert [d.kind for d in stock.stock_drift()] == ["holds"]  # 1 reserved, held by no line


# --- check_stock -------------------------------------------------------------------------------


def test_check_stock_reports_every_difference_and_fails(warehouse, shirt):
    row = stocked(shirt, warehouse, 4)
    variant = ProductVariantFactory(sku="SHIRT-1-XL", available_quantity=2)
    out = StringIO()
    call_command("check_stock", stdout=out)
    assert out.getvalue() == "Stock agrees with its ledgers and cart holds.\n"

    with pgtrigger.ignore("catalog.Inventory:record_in_ledger"):
        execute("UPDATE inventory SET available_quantity = 3 WHERE id = %s", [row.pk])
    # A line claiming a hold the variant's stock does not have.
    held = line(variant=variant, quantity=2)
    execute("UPDATE cart_items SET reserved_quantity = 2 WHERE id = %s", [held.pk])
    assert stock.stock_drift() == [
        Drift("inventory", row.pk, "product SHIRT-1 at BLR-WH1", "ledger", (3, 0), (4, 0)),
        Drift("product_variants", variant.pk, "variant SHIRT-1-XL", "holds", (2, 0), (2, 2)),
    ]
    err = StringIO()
    with pytest.raises(CommandError, match=r"^2 stock differences"):
        call_command("check_stock", stderr=err)
    assert err.getvalue().splitlines() == [
        f"inventory {row.pk} (product SHIRT-1 at BLR-WH1): (available, reserved) = (3, 0), "
        "its ledger adds up to (4, 0)",
        f"product_variants {variant.pk} (variant SHIRT-1-XL): (available, reserved) = (2, 0), "
        "its cart lines hold (2, 2)",
    ]


# --- Receiving and holding stock -----------------------------------------------------------------


def test_receiving_adds_available_stock_and_makes_the_stock_row(warehouse, shirt):
    entry = stock.receive(product=shirt, location=warehouse, quantity=5, note="PO 17")
    stock.receive(product=shirt, location=warehouse, quantity=3)
    row = Inventory.objects.get(product=shirt, location=warehouse)
    assert (entry.inventory_id, entry.reason, entry.available_after) == (row.pk, "received", 5)
    assert quantities("inventory", row.pk) == (8, 0)
    assert inventory_entries(row, f"{ENTRY}, note") == [
        ("received", 5, 0, 5, 0, "PO 17"),
        ("received", 3, 0, 8, 0, ""),
    ]

    variant = ProductVariantFactory()
    stock.receive_variant(variant=variant, quantity=2)
    assert quantities("product_variants", variant.pk) == (2, 0)


def test_a_cart_line_holds_units_until_its_hold_ends(warehouse, shirt):
    row = stocked(shirt, warehouse, 5)
    item = line(shirt, quantity=3)
    start = timezone.now()
    held = stock.reserve_for_cart_item(cart_item=item, hold_for=HOLD)

    quantity, until, location_id = hold_of(item)
    assert (quantity, location_id) == (3, warehouse.pk)
    assert start + HOLD <= until <= timezone.now() + HOLD
    assert (held.reserved_quantity, held.reserved_until) == (3, until)
    assert quantities("inventory", row.pk) == (2, 3)
    assert inventory_entries(row, f"{ENTRY}, reference_type, reference_id")[-1] == (
        "reserved", -3, 3, 2, 3, "cart_item", item.pk,
    )  # fmt: skip


def test_a_hold_larger_than_the_stock_is_refused_and_changes_nothing(warehouse, shirt):
    stocked(shirt, warehouse, 2)
    item = line(shirt, quantity=3)
    before = snapshot()
    with pytest.raises(InsufficientStock) as refused:
        stock.reserve_for_cart_item(cart_item=item, hold_for=HOLD)
    assert str(refused.value) == (
        "insufficient_stock: 3 of product SHIRT-1 at any location requested, 2 available"
    )
    assert (refused.value.requested, refused.value.available) == (3, 2)
    assert snapshot() == before


def test_units_are_held_where_asked_else_at_the_default_location_else_the_fullest(warehouse, shirt):
    big = InventoryLocationFactory(code="DEL-WH2")
    small = InventoryLocationFactory(code="PNQ-ST1")
    closed = InventoryLocationFactory(code="OLD-WH", is_active=False)
    for location, units in ((warehouse, 2), (big, 10), (small, 1), (closed, 100)):
        stocked(shirt, location, units)

    def held_at(quantity, location=None):
        item = line(shirt, quantity=quantity)
        stock.reserve_for_cart_item(cart_item=item, hold_for=HOLD, location=location)
        return hold_of(item)[2]

    assert held_at(1) == warehouse.pk
    assert held_at(5) == big.pk
    assert held_at(1, small) == small.pk
    with pytest.raises(
        InsufficientStock, match="1 of product SHIRT-1 at PNQ-ST1 requested, 0 available"
    ):
        held_at(1, small)
    # An inactive location's stock is not for sale.
    with pytest.raises(
        InsufficientStock, match="6 of product SHIRT-1 at any location requested, 5 available"
    ):
        held_at(6)


def test_a_new_hold_replaces_the_lines_earlier_one(warehouse, shirt):
    other = InventoryLocationFactory(code="DEL-WH2")
    here, there = stocked(shirt, warehouse, 5), stocked(shirt, other, 5)
    item = line(shirt, quantity=3)
    for quantity in (1, 3, 2):
        stock.reserve_for_cart_item(cart_item=item, quantity=quantity, hold_for=HOLD)
    assert quantities("inventory", here.pk) == (3, 2)
    stock.reserve_for_cart_item(cart_item=item, quantity=2, location=other, hold_for=HOLD)

    assert hold_of(item)[::2] == (2, other.pk)
    assert (quantities("inventory", here.pk), quantities("inventory", there.pk)) == ((5, 0), (3, 2))
    assert inventory_entries(here)[1:] == [
        ("reserved", -1, 1, 4, 1),
        ("reserved", -2, 2, 2, 3),
        ("released", 1, -1, 3, 2),
        ("released", 2, -2, 5, 0),
    ]
    assert inventory_entries(there)[1:] == [("reserved", -2, 2, 3, 2)]


def test_expired_holds_of_other_lines_no_longer_count(warehouse, shirt):
    row = stocked(shirt, warehouse, 2)
    first, second, third = line(shirt, quantity=2), line(shirt, quantity=3), line(shirt, quantity=2)
    stock.reserve_for_cart_item(cart_item=first, hold_for=HOLD)
    expire(first)

    # Refused: the expired hold's units count, but 3 are not there; its hold stays too.
    before = snapshot()
    with pytest.raises(
        InsufficientStock, match="3 of product SHIRT-1 at any location requested, 2 available"
    ):
        stock.reserve_for_cart_item(cart_item=second, hold_for=HOLD)
    assert snapshot() == before

    stock.reserve_for_cart_item(cart_item=third, hold_for=HOLD)
    assert (hold_of(first)[0], hold_of(third)[0]) == (0, 2)
    assert quantities("inventory", row.pk) == (0, 2)
    assert inventory_entries(row, "reason, available_delta, reference_id")[1:] == [
        ("reserved", -2, first.pk),
        ("expired", 2, first.pk),
        ("reserved", -2, third.pk),
    ]


BAD_HOLDS = {
    "no-units": ({"quantity": 0}, "quantity_positive"),
    "a-bool": ({"quantity": True}, "quantity_positive"),
    "more-than-the-line": ({"quantity": 4}, "cart_items_reserved_within_quantity"),
    "no-time": ({"hold_for": timedelta(0)}, "hold_for_positive"),
    "minutes-as-a-number": ({"hold_for": 15}, "hold_for_positive"),
}


@pytest.mark.parametrize(("arguments", "rule"), BAD_HOLDS.values(), ids=BAD_HOLDS)
def test_a_bad_hold_is_refused_by_name_and_changes_nothing(warehouse, shirt, arguments, rule):
    stocked(shirt, warehouse, 5)
    item = line(shirt, quantity=3)
    before = snapshot()
    with pytest.raises(StockError) as refused:
        stock.reserve_for_cart_item(cart_item=item, **{"hold_for": HOLD, **arguments})
    assert refused.value.rule == rule
    assert str(refused.value).startswith(f"{rule}: ")
    assert snapshot() == before


def test_only_lines_of_active_carts_and_stock_for_sale_can_be_held(warehouse, shirt):
    stocked(shirt, warehouse, 5)
    deleted, converted = line(shirt), line(shirt, cart=CartFactory(status="converted"))
    deleted.delete()
    variant = ProductVariantFactory(product=shirt, sku="SHIRT-1-XL", available_quantity=5)
    retired = ProductVariantFactory(product=shirt, available_quantity=5, is_active=False)
    cases = [
        (deleted, {}, "cart_item_in_active_cart"),
        (converted, {}, "cart_item_in_active_cart"),
        (line(variant=variant), {"location": warehouse}, "variant_stock_has_no_location"),
        (line(variant=retired), {}, "stock_for_sale"),
    ]
    before = snapshot()
    for item, arguments, rule in cases:
        with pytest.raises(StockError) as refused:
            stock.reserve_for_cart_item(cart_item=item, hold_for=HOLD, **arguments)
        assert refused.value.rule == rule, item
    with pytest.raises(StockError, match=r"^quantity_positive: "):
        stock.receive(product=shirt, location=warehouse, quantity=-1)
    assert snapshot() == before


def test_releasing_a_line_gives_its_units_back(warehouse, shirt):
    row = stocked(shirt, warehouse, 5)
    item = line(shirt, quantity=2)
    stock.reserve_for_cart_item(cart_item=item, hold_for=HOLD)
    assert stock.release_cart_item(cart_item=item) == 2
    assert stock.release_cart_item(cart_item=item) == 0
    assert hold_of(item) == (0, None, None)
    assert quantities("inventory", row.pk) == (5, 0)
    assert inventory_entries(row, "reason, reserved_delta, reference_id")[1:] == [
        ("reserved", 2, item.pk),
        ("released", -2, item.pk),
    ]


# --- Selling to an order -----------------------------------------------------------------------


@pytest.fixture
def cart():
    return CartFactory()


@pytest.fixture
def order(cart):
    return OrderFactory(cart=cart, user=cart.user)


def test_an_order_sells_the_held_units_and_takes_the_rest_from_available(
    warehouse, shirt, cart, order
):
    row = stocked(shirt, warehouse, 6)
    held, part, unheld = (line(shirt, quantity=q, cart=cart) for q in (2, 3, 1))
    stock.reserve_for_cart_item(cart_item=held, hold_for=HOLD)
    stock.reserve_for_cart_item(cart_item=part, quantity=1, hold_for=HOLD)
    assert quantities("inventory", row.pk) == (3, 3)

    (entry,) = stock.commit_cart_items(cart_items=[unheld, part, held], order=order)

    assert (entry.reason, entry.available_delta, entry.reserved_delta) == ("committed", -3, -3)
    assert quantities("inventory", row.pk) == (0, 0)
    assert inventory_entries(row, f"{ENTRY}, reference_type, reference_id")[-1] == (
        "committed", -3, -3, 0, 0, "order", order.pk,
    )  # fmt: skip
    for item in (held, part, unheld):
        assert hold_of(item) == (0, None, warehouse.pk)
    assert stock.stock_drift() == []


def test_an_order_cannot_take_more_than_is_left(warehouse, shirt, cart, order):
    stocked(shirt, warehouse, 3)
    held = line(shirt, quantity=2, cart=cart)
    stock.reserve_for_cart_item(cart_item=held, quantity=1, hold_for=HOLD)
    stock.reserve_for_cart_item(cart_item=line(shirt, quantity=2), hold_for=HOLD)
    before = snapshot()
    # One more unit is needed where the line holds the other, and none is left there.
    with pytest.raises(
        InsufficientStock, match="1 of product SHIRT-1 at BLR-WH1 requested, 0 available"
    ):
        stock.commit_cart_items(cart_items=[held], order=order)
    assert snapshot() == before


def test_an_orders_stock_is_committed_once(warehouse, shirt, cart, order):
    row = stocked(shirt, warehouse, 5)
    item = line(shirt, cart=cart)
    stock.commit_cart_items(cart_items=[item], order=order)
    with violates("uq_inventory_adjustments_committed_once"):
        stock.commit_cart_items(cart_items=[item], order=order)
    assert quantities("inventory", row.pk) == (4, 0)


def test_only_the_orders_own_cart_lines_are_sold_to_it(warehouse, shirt, order):
    stocked(shirt, warehouse, 5)
    stranger = line(shirt)
    before = snapshot()
    with pytest.raises(StockError, match=f"^cart_items_of_the_order: cart line {stranger.pk}"):
        stock.commit_cart_items(cart_items=[stranger], order=order)
    assert snapshot() == before


def test_an_order_is_refused_lines_gone_dead_or_not_for_sale(warehouse, shirt, cart, order):
    stocked(shirt, warehouse, 5)
    gone, deleted = line(shirt, cart=cart), line(shirt, cart=cart)
    execute("DELETE FROM cart_items WHERE id = %s", [gone.pk])
    deleted.delete()
    converted = line(shirt, cart=CartFactory(status="converted"))
    retired = ProductVariantFactory(product=shirt, sku="SHIRT-1-OLD", is_active=False)
    cases = [
        (gone, f"^cart_item_exists: no cart line {gone.pk}$"),
        (deleted, f"^cart_item_in_active_cart: cart line {deleted.pk} is not in an active cart$"),
        (converted, f"^cart_item_in_active_cart: cart line {converted.pk} is not in an active"),
        (line(variant=retired, cart=cart), "^stock_for_sale: variant SHIRT-1-OLD is not for sale$"),
    ]
    before = snapshot()
    for item, message in cases:
        with pytest.raises(StockError, match=message):
            stock.commit_cart_items(cart_items=[item], order=order)
    assert snapshot() == before


def test_variant_lines_hold_and_sell_the_variants_own_stock(warehouse, shirt, cart, order):
    inventory = stocked(shirt, warehouse, 5)
    variant = ProductVariantFactory(product=shirt, sku="SHIRT-1-XL")
    stock.receive_variant(variant=variant, quantity=4)
    item = line(variant=variant, quantity=3, cart=cart)

    stock.reserve_for_cart_item(cart_item=item, hold_for=HOLD)
    assert hold_of(item)[::2] == (3, None)
    assert quantities("product_variants", variant.pk) == (1, 3)
    with pytest.raises(
        InsufficientStock,
        match=r"^insufficient_stock: 2 of variant SHIRT-1-XL requested, 1 available$",
    ):
        stock.reserve_for_cart_item(cart_item=line(variant=variant, quantity=2), hold_for=HOLD)

    stock.commit_cart_items(cart_items=[item], order=order)
    assert quantities("product_variants", variant.pk) == (1, 0)
    assert quantities("inventory", inventory.pk) == (5, 0)
    assert variant_entries(variant, "reason, available_delta, reserved_delta") == [
        ("received", 4, 0),
        ("reserved", -3, 3),
        ("committed", 0, -3),
    ]


def test_locks_are_taken_in_one_order_each_set_in_id_order():
    # The order the Python services lock in (cart lines, inventory, variants), kept by the
    # function a checkout commits its stock with; the races below prove there is no deadlock.
    body = fetch_one("SELECT prosrc FROM pg_proc WHERE proname = 'commit_cart_items'")
    locks = re.findall(
        r"PERFORM FROM public\.(\w+) (\w+)\b.*?ORDER BY (\w+)\.id FOR UPDATE;", body, re.S
    )
    assert [(table, alias == ordered) for table, alias, ordered in locks] == [
        ("cart_items", True),
        ("inventory", True),
        ("product_variants", True),
    ]


def test_finding_the_expired_holds_on_a_stock_row_uses_indexes(warehouse, shirt):
    stocked(shirt, warehouse, 5)
    stock.reserve_for_cart_item(cart_item=line(shirt), hold_for=HOLD)
    variant = ProductVariantFactory(product=shirt, available_quantity=5)
    for item in (line(shirt), line(variant=variant)):
        with CaptureQueriesContext(connection) as queries:
            stock.reserve_for_cart_item(cart_item=item, hold_for=HOLD)
        (lookup,) = [q["sql"] for q in queries.captured_queries if "SKIP LOCKED" in q["sql"]]
        with transaction.atomic():
            execute("SET LOCAL enable_seqscan = off")
            plan = "\n".join(row[0] for row in fetch(f"EXPLAIN (COSTS OFF) {lookup}"))
        assert "Seq Scan on cart_items" not in plan, plan
        assert "Index Scan" in plan or "Bitmap Index Scan" in plan, plan


# --- Releasing what no longer counts -----------------------------------------------------------


def test_holds_that_no_longer_count_are_released_and_live_ones_kept(warehouse, shirt):
    row = stocked(shirt, warehouse, 20)
    live, expired, deleted, abandoned, vanished = (line(shirt, quantity=2) for _ in range(5))
    for item in (live, expired, deleted, abandoned, vanished):
        stock.reserve_for_cart_item(cart_item=item, hold_for=HOLD)
    expire(expired)
    deleted.delete()
    execute("UPDATE carts SET status = 'abandoned' WHERE id = %s", [abandoned.cart_id])
    execute("DELETE FROM cart_items WHERE id = %s", [vanished.pk])  # its units held by no line
    assert quantities("inventory", row.pk) == (10, 10)

    out = StringIO()
    call_command("release_expired_reservations", stdout=out)
    assert out.getvalue() == "Released 8 reserved units back to available stock.\n"

    assert quantities("inventory", row.pk) == (18, 2)
    assert hold_of(live)[0] == 2
    assert [hold_of(item) for item in (expired, deleted, abandoned)] == [(0, None, None)] * 3
    assert sorted(
        inventory_entries(row, "reason, available_delta, reference_id")[6:], key=str
    ) == sorted(
        [
            ("expired", 2, expired.pk),
            ("expired", 2, deleted.pk),
            ("expired", 2, abandoned.pk),
            ("released", 2, None),
        ],
        key=str,
    )
    assert stock.stock_drift() == []
    assert stock.release_expired_reservations(now=timezone.now() + HOLD * 2) == 2
    assert quantities("inventory", row.pk) == (20, 0)
    assert stock.release_expired_reservations() == 0


# --- Races: threads, each with its own connection ------------------------------------------------


def race(workers: int, work: Callable[[int], object]) -> list:
    """Run ``work(i)`` in ``workers`` threads started together; their results or errors."""
    start = threading.Barrier(workers)
    results: list = [None] * workers

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except Exception as error:
            results[i] = error
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_many_buyers_race_for_the_last_units_and_exactly_those_are_held():
    shirt, warehouse = ProductFactory(sku="SHIRT-1"), InventoryLocationFactory(is_default=True)
    row = stocked(shirt, warehouse, 5)
    items = [line(shirt) for _ in range(16)]

    results = race(16, lambda i: stock.reserve_for_cart_item(cart_item=items[i], hold_for=HOLD))

    held = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(held) == 5
    assert {type(e) for e in refused} == {InsufficientStock}
    assert {(e.requested, e.available) for e in refused} == {(1, 0)}
    assert quantities("inventory", row.pk) == (0, 5)
    assert sum(hold_of(item)[0] for item in items) == 5
    assert stock.stock_drift() == []


@pytest.mark.django_db(transaction=True)
def test_checkouts_race_for_the_last_units_and_never_sell_more():
    shirt, warehouse = ProductFactory(sku="SHIRT-1"), InventoryLocationFactory(is_default=True)
    row = stocked(shirt, warehouse, 4)
    carts = [CartFactory() for _ in range(12)]
    orders = [OrderFactory(cart=cart, user=cart.user) for cart in carts]
    items = [line(shirt, cart=cart) for cart in carts]

    def checkout(i: int):
        # Half hold first, half buy straight from available stock.
        with transaction.atomic():
            if i % 2:
                stock.reserve_for_cart_item(cart_item=items[i], hold_for=HOLD)
            return stock.commit_cart_items(cart_items=[items[i]], order=orders[i])

    results = race(12, checkout)

    assert sum(not isinstance(r, Exception) for r in results) == 4
    assert {type(r) for r in results if isinstance(r, Exception)} == {InsufficientStock}
    assert quantities("inventory", row.pk) == (0, 0)
    assert count_rows("inventory_adjustments", inventory_id=row.pk, reason="committed") == 4
    assert stock.stock_drift() == []


@pytest.mark.django_db(transaction=True)
def test_orders_of_the_same_products_in_any_order_do_not_deadlock():
    warehouse = InventoryLocationFactory(is_default=True)
    products = [ProductFactory() for _ in range(3)]
    rows = [stocked(product, warehouse, 100) for product in products]
    carts = [CartFactory() for _ in range(10)]
    orders = [OrderFactory(cart=cart, user=cart.user) for cart in carts]
    # Each cart's lines are made in a different order, so their ids (the lock order of the
    # lines) run through the products differently.
    lines = [
        [line(product, cart=cart) for product in (products if i % 2 else products[::-1])]
        for i, cart in enumerate(carts)
    ]

    def checkout(i: int):
        for item in lines[i]:
            stock.reserve_for_cart_item(cart_item=item, hold_for=HOLD)
        return stock.commit_cart_items(cart_items=lines[i], order=orders[i])

    results = race(10, checkout)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert [quantities("inventory", row.pk) for row in rows] == [(90, 0)] * 3
    assert stock.stock_drift() == []


@pytest.mark.django_db(transaction=True)
def test_releasing_expired_holds_skips_lines_being_worked_on():
    shirt, warehouse = ProductFactory(), InventoryLocationFactory(is_default=True)
    row = stocked(shirt, warehouse, 4)
    busy, idle = line(shirt, quantity=2), line(shirt, quantity=2)
    for item in (busy, idle):
        stock.reserve_for_cart_item(cart_item=item, hold_for=HOLD)
    expire(busy, idle)

    def sweep(_: int) -> int:
        with transaction.atomic():
            execute("SET LOCAL lock_timeout = '5s'")  # waiting for the busy line fails the test
            return stock.release_expired_reservations()

    with transaction.atomic():
        type(busy).all_objects.select_for_update().get(pk=busy.pk)  # this session works on it
        assert race(1, sweep) == [2]
    assert (hold_of(busy)[0], hold_of(idle)[0]) == (2, 0)
    assert quantities("inventory", row.pk) == (2, 2)
