"""The concurrent write paths: stock reservations and cart to order conversions.

Each runs the shop's real services (``catalog.stock.reserve_for_cart_item``,
``orders.services.place_order``) from several processes at once, each with its own
database connection, against one hot product with less stock than is asked for. It counts
what succeeded and what was refused (``InsufficientStock``), and then proves nothing was
oversold: the balance is what was received minus what was taken, never negative, the cart
holds add up to the reserved units, and the ledger agrees (``catalog.stock.stock_drift``).

Writes add rows, committed (services commit): each run creates its own products
(``BENCH-...`` SKUs at the ``BENCH`` location), guest carts, and customers
(``bench-<tag>-<n>@bench.invalid``) with their addresses, carts and orders. Run it on a copy of
production, never on production itself.
"""

from __future__ import annotations

import multiprocessing
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.models import User, UserAddress
from catalog import stock
from catalog.models import Inventory, InventoryLocation, Product, ProductStatus
from orders.models import Cart, CartItem, CartStatus, Order
from orders.services import place_order
from shop.perf.bench_measure import Timings

HOLD = timedelta(minutes=15)
BENCH_LOCATION = "BENCH"
BENCH_EMAIL_DOMAIN = "bench.invalid"
BENCH_SKU_PREFIX = "BENCH-"
PRICE, COST = Decimal("499.00"), Decimal("210.00")


@dataclass
class Tally:
    """What the writers did, added up."""

    succeeded: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)

    def record(self, outcome: str, ms: float) -> None:
        self.ms.append(ms)
        if outcome == "ok":
            self.succeeded += 1
        elif outcome == "refused":
            self.refused += 1
        else:
            self.errors.append(outcome)


def run_concurrently(work: list[list[Callable[[], Any]]]) -> tuple[Tally, float]:
    """Run each list of operations in its own process (and connection), all released at once.

    Processes, not threads: the threads of one process take turns holding the interpreter's
    lock, which would be part of what is measured; separate processes leave only the
    database's own waits. The children are forked, so they share the operations without
    pickling them.

    An operation refused with ``InsufficientStock`` counts as refused; any other exception as
    an error. Returns the tally and the wall-clock seconds from the release to the last one.
    """
    fork = multiprocessing.get_context("fork")
    barrier, reports = fork.Barrier(len(work)), fork.SimpleQueue()
    connections.close_all()  # each child opens its own connection, never its parent's
    writers = [fork.Process(target=_writer, args=(ops, barrier, reports)) for ops in work]
    for writer in writers:
        writer.start()
    finished = [reports.get() for _ in writers]  # before join: a full pipe would block it
    for writer in writers:
        writer.join()
    tally = Tally()
    for _, _, outcomes in finished:
        for outcome, ms in outcomes:
            tally.record(outcome, ms)
    return tally, max(end for _, end, _ in finished) - min(start for start, _, _ in finished)


def _writer(operations: list[Callable[[], Any]], barrier: Any, reports: Any) -> None:
    """One writer process: its operations in turn; reports (start, end, [(outcome, ms)])."""
    outcomes: list[tuple[str, float]] = []
    start = end = time.perf_counter()  # one clock for every process (CLOCK_MONOTONIC)
    try:
        connection.ensure_connection()  # connected before the release, as a pool's would be
        barrier.wait()
        start = time.perf_counter()
        for operation in operations:
            began = time.perf_counter()
            try:
                operation()
                outcome = "ok"
            except stock.InsufficientStock:
                outcome = "refused"
            except Exception as error:  # reported in the output, never hidden
                outcome = f"{type(error).__name__}: {error}"
            outcomes.append((outcome, (time.perf_counter() - began) * 1000))
        end = time.perf_counter()
    finally:
        connections.close_all()
        reports.put((start, end, outcomes))


def summary(name: str, tally: Tally, seconds: float, threads: int) -> dict[str, Any]:
    attempts = tally.succeeded + tally.refused + len(tally.errors)
    latency = Timings(tuple(tally.ms)).summary() if tally.ms else {}
    return {
        "name": name,
        "threads": threads,
        "attempts": attempts,
        "succeeded": tally.succeeded,
        "refused_insufficient_stock": tally.refused,
        "errors": tally.errors[:10],
        "error_count": len(tally.errors),
        "seconds": round(seconds, 3),
        "ops_per_s": round(attempts / seconds, 1) if seconds else None,
        "succeeded_per_s": round(tally.succeeded / seconds, 1) if seconds else None,
        "p50_ms": latency.get("p50_ms"),
        "p95_ms": latency.get("p95_ms"),
    }


# --- Rows of the bench's own ----------------------------------------------------------------


def new_tag() -> str:
    """Marks the rows of one run: a timestamp and a random suffix."""
    return f"{timezone.now():%Y%m%d%H%M%S}{secrets.token_hex(2)}"


@transaction.atomic
def hot_product(*, tag: str, label: str, units: int) -> Inventory:
    """An active product with ``units`` in stock at the bench's location, received through
    the stock service (so the ledger has the entry)."""
    location, _ = InventoryLocation.objects.get_or_create(
        code=BENCH_LOCATION, defaults={"name": "Bench (manage.py bench)"}
    )
    product = Product.objects.create(
        name=f"Bench {label} {tag}",
        slug=f"bench-{label}-{tag}",
        sku=f"{BENCH_SKU_PREFIX}{label}-{tag}".upper(),
        status=ProductStatus.ACTIVE,
        selling_price=PRICE,
        cost_price=COST,
    )
    stock.receive(product=product, location=location, quantity=units, note="manage.py bench")
    return Inventory.objects.get(product=product, location=location)


def cart_line(cart: Cart, product: Product) -> CartItem:
    return CartItem(
        cart=cart, product=product, quantity=1, unit_price=PRICE, cost_price=COST, currency="INR"
    )


@transaction.atomic
def guest_cart_lines(*, tag: str, product: Product, count: int) -> list[CartItem]:
    """``count`` guest carts, each with one line of one unit of ``product``."""
    carts = Cart.objects.bulk_create(
        Cart(session_key=f"bench{tag}{n:06d}"[:40], status=CartStatus.ACTIVE) for n in range(count)
    )
    return CartItem.objects.bulk_create(cart_line(cart, product) for cart in carts)


@dataclass(frozen=True)
class Shopper:
    customer: User
    cart: Cart
    address: UserAddress


@transaction.atomic
def shoppers(*, tag: str, product: Product, count: int) -> list[Shopper]:
    """``count`` customers, each with an address and an active cart of one unit of ``product``."""
    users = [User(email=f"bench-{tag}-{n}@{BENCH_EMAIL_DOMAIN}") for n in range(count)]
    for user in users:
        user.set_unusable_password()  # nobody logs in as a bench customer
    users = User.objects.bulk_create(users)
    addresses = UserAddress.objects.bulk_create(
        UserAddress(
            user=user,
            full_name="Bench Customer",
            phone="+910000000000",
            line1="1 Bench Street",
            city="Bengaluru",
            state="Karnataka",
            postal_code="560001",
        )
        for user in users
    )
    carts = Cart.objects.bulk_create(Cart(user=user, status=CartStatus.ACTIVE) for user in users)
    CartItem.objects.bulk_create(cart_line(cart, product) for cart in carts)
    return [Shopper(*row) for row in zip(users, carts, addresses, strict=True)]


# --- The checks -----------------------------------------------------------------------------


def stock_check(row: Inventory, *, received: int, taken: int) -> dict[str, Any]:
    """Zero oversell on one stock row: the figures, the problems found (none is the goal)."""
    row.refresh_from_db()
    held = sum(
        CartItem.all_objects.filter(
            product_id=row.product_id, reserved_from_location_id=row.location_id
        ).values_list("reserved_quantity", flat=True)
    )
    drift = [str(d) for d in stock.stock_drift() if d.row_id == row.pk]
    problems = list(drift)
    if row.available_quantity < 0 or row.reserved_quantity < 0:
        problems.append(f"negative stock: {row.available_quantity}, {row.reserved_quantity}")
    if row.available_quantity + row.reserved_quantity != received - taken:
        problems.append(
            f"available {row.available_quantity} + reserved {row.reserved_quantity}"
            f" != received {received} - sold {taken}"
        )
    if row.reserved_quantity != held:
        problems.append(f"reserved {row.reserved_quantity} != held by cart lines {held}")
    return {
        "received": received,
        "available": row.available_quantity,
        "reserved": row.reserved_quantity,
        "held_by_cart_lines": held,
        "ledger_drift": drift,
        "problems": problems,
        "zero_oversell": not problems,
    }


# --- The write paths ------------------------------------------------------------------------


def split(items: list, parts: int) -> list[list]:
    return [items[n::parts] for n in range(parts)]


def stock_reservations(*, tag: str, threads: int, per_thread: int) -> dict[str, Any]:
    """Holds of one unit each for ``threads * per_thread`` cart lines on a product with stock
    for half of them: half are held, half refused, none oversold."""
    lines = threads * per_thread
    row = hot_product(tag=tag, label="hold", units=lines // 2)
    items = guest_cart_lines(tag=tag, product=row.product, count=lines)
    work = [
        [lambda item=item: stock.reserve_for_cart_item(cart_item=item, hold_for=HOLD) for item in p]
        for p in split(items, threads)
    ]
    tally, seconds = run_concurrently(work)
    result = summary("stock_reservations", tally, seconds, threads)
    result["stock"] = stock_check(row, received=lines // 2, taken=0)
    if tally.succeeded != result["stock"]["reserved"]:
        result["stock"]["problems"].append(
            f"{tally.succeeded} holds succeeded, {result['stock']['reserved']} units reserved"
        )
        result["stock"]["zero_oversell"] = False
    result["rows_added"] = f"product {row.product.sku}, {lines} guest carts with one line each"
    return result


def checkouts(*, tag: str, threads: int, per_thread: int) -> dict[str, Any]:
    """``threads * per_thread`` customers check out a cart of one unit each of a product with
    stock for three quarters of them: the rest are refused, none oversold."""
    count = threads * per_thread
    units = count * 3 // 4
    row = hot_product(tag=tag, label="checkout", units=units)
    people = shoppers(tag=tag, product=row.product, count=count)
    work = [
        [
            lambda s=s: place_order(
                customer=s.customer, cart_id=s.cart.pk, shipping_address_id=s.address.pk
            )
            for s in part
        ]
        for part in split(people, threads)
    ]
    tally, seconds = run_concurrently(work)
    result = summary("checkouts", tally, seconds, threads)
    placed = Order.objects.filter(cart__in=[s.cart for s in people]).count()
    result["orders_placed"] = placed
    result["stock"] = stock_check(row, received=units, taken=placed)
    if placed != tally.succeeded:
        result["stock"]["problems"].append(f"{tally.succeeded} checkouts, {placed} orders")
        result["stock"]["zero_oversell"] = False
    result["rows_added"] = (
        f"product {row.product.sku}, {count} customers @{BENCH_EMAIL_DOMAIN} with an address,"
        f" a cart and (if not refused) an order"
    )
    return result
