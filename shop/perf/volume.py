"""``manage.py seed_volume``: fill an empty shop with a realistic, skewed history, fast.

Rows are made by the database, set-based (``INSERT ... SELECT`` over ``generate_series``), never
one ORM save per row. The history spans the MONTHS months before the load: customers sign up,
products launch and orders come in at a growing rate; a few customers buy most (a customer is
drawn as ``floor(n * random()^3)`` among those signed up by then) and a few products sell most.

What the load guarantees, so ``check_stock`` and ``db_health`` find nothing to report:

- every row satisfies the schema's constraints, which stay on; the big tables' plain indexes
  and foreign keys are dropped for the load and created again before it commits, which checks
  every row at once (``volume_indexes``); the other foreign keys check each statement's rows
  (IMMEDIATE, not queued until commit);
- a trigger is switched off for a table's load only where the load's SQL writes what the trigger
  would have written (listed by ``REPLACED_TRIGGERS``); it is switched on again right after, in
  the same transaction;
- stock balances are the sums of their ledgers, and reserved units are the ones cart lines hold;
- invoice numbers run without gaps per series and financial year, and their counters agree;
- rows of the partitioned tables land in their monthly partitions, which exist before loading.

Everything is one transaction: a failure leaves the database as it was.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC
from queue import Empty, SimpleQueue
from time import perf_counter

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from shop.partitions import maintain_partitions, maintain_partitions_as_configured
from shop.perf import (
    volume_carts,
    volume_catalog,
    volume_money,
    volume_notifications,
    volume_orders,
    volume_people,
    volume_stock,
)
from shop.perf.volume_indexes import built_afterwards
from shop.perf.volume_loader import Loader, Timing, VolumeReport
from shop.perf.volume_sql import MONTHS, Clock, functions_sql
from shop.seeds import apply_defaults

# Why each trigger may be off while its table is loaded: what the load writes in its place.
REPLACED_TRIGGERS = {
    "keep_audit_fields": "does nothing for the owner's INSERTs; the load sets created_at, "
    "updated_at and leaves created_by/updated_by NULL, as Django would",
    "audit_trail": "the load writes the same audit_logs rows (private.audit_row_change's INSERT "
    "format), dated when the row was written",
    "record_in_ledger": "the load writes the ledger entries and inserts each stock row with "
    "their sum",
    "apply_to_stock": "the load computes available_after/reserved_after as running sums and "
    "inserts the stock rows with the final balance",
    "payment_webhook_logs_event_once": "the load inserts the payment_webhook_events rows of "
    "the verified logs",
    "invoice_line_items_frozen_once_issued": "lines are written with their invoice, which the "
    "service writes as a draft and then issues; the rows end as the service leaves them",
    "invoice_versions_in_turn": "the load writes version 1 of each issued invoice, whose "
    "current_version is 1 already",
    "copy_notification_created_at": "the load copies notifications.created_at itself; the "
    "composite foreign key still checks it",
}


@dataclass(frozen=True)
class VolumePlan:
    """How many rows of each kind: the issue's shop at scale 1."""

    scale: float
    users: int
    products: int  # half of them are sold in SIZES, the others from inventory at LOCATIONS
    orders: int  # about 3 items each
    carts: int
    notifications: int

    @classmethod
    def at(cls, scale: float) -> "VolumePlan":
        def rows(base: int, least: int) -> int:
            return max(least, round(base * scale))

        return cls(
            scale=scale,
            users=rows(100_000, 20),
            products=2 * rows(10_000, 10),
            orders=rows(1_000_000, 100),
            carts=rows(200_000, 40),
            notifications=rows(2_000_000, 200),
        )


class VolumeRefused(Exception):
    """The load is refused; the message says why. Nothing was written."""


def refusal() -> str | None:
    """Why this database must not get volume data, or None."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM public.orders), (SELECT count(*) FROM public.products)"
        )
        orders, products = cursor.fetchone()
    if orders or products:
        return (
            f"the database holds {orders} orders and {products} products. seed_volume fills an "
            "empty shop (createdb, migrate, seed_defaults): mixed into a real one, its customers "
            "would show up in reports and its invoices would take numbers of the shop's series."
        )
    return None


def seed_volume(
    *, scale: float, seed: int, write: Callable[[str], None], quiet_noop: bool = True
) -> VolumeReport:
    """Load the shop of ``scale`` in one transaction, then ANALYZE; refused unless empty."""
    if not 0 < scale <= 100:
        raise VolumeRefused(f"--scale is above 0 and at most 100, not {scale}.")
    why = refusal()
    if why:
        raise VolumeRefused(why)
    plan = VolumePlan.at(scale)
    report = VolumeReport(plan)
    started = perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        loader = Loader(cursor, report, write, quiet_noop=quiet_noop)
        clock = prepare(loader, seed=seed)
        write(f"history from {clock.start:%Y-%m-%d %H:%M} to {clock.end:%Y-%m-%d %H:%M} UTC")
        with built_afterwards(loader):
            volume_people.load(loader, plan)
            volume_catalog.load(loader, plan)
            # Orders and carts are staged first: the stock ledgers follow from them, and stock
            # rows (which order and cart lines refer to) are written with the ledgers' sums.
            volume_orders.stage(loader, plan)
            volume_carts.stage(loader, plan)
            volume_stock.stage(loader)
            volume_stock.load(loader)
            volume_carts.load(loader)
            volume_orders.load(loader, plan)
            volume_carts.load_lines(loader)
            volume_money.load(loader, plan)
            volume_notifications.load(loader, plan)
        # Back to the foreign keys' own timing (all are INITIALLY DEFERRED) for the rest of the
        # caller's transaction.
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    analyzed = perf_counter()
    analyze()
    report.timings.append(Timing("ANALYZE", 0, perf_counter() - analyzed))
    write(f"ANALYZE done in {perf_counter() - analyzed:.1f} s")
    report.seconds = perf_counter() - started
    return report


def analyze() -> None:
    """ANALYZE the tables of ``public``; outside a transaction on two connections at once, each
    taking the next table as it is done, the costliest first (a partitioned table's ANALYZE
    samples it as a whole and then each partition: its data is read twice)."""
    if connection.in_atomic_block:  # the load is not committed: only this connection sees it
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
            "AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
            "ORDER BY pg_total_relation_size(c.oid) + 2 * coalesce((SELECT sum("
            "pg_total_relation_size(i.inhrelid)) FROM pg_inherits i WHERE i.inhparent = c.oid), 0)"
            " DESC"
        )
        tables = SimpleQueue()
        for (name,) in cursor.fetchall():
            tables.put(name)

    def work() -> None:
        try:
            with connection.cursor() as cursor:
                while True:
                    try:
                        table = tables.get_nowait()
                    except Empty:
                        return
                    cursor.execute(f'ANALYZE public."{table}"')
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in [pool.submit(work) for _ in range(2)]:
            done.result()


def keep_staging_in_memory(loader: Loader) -> None:
    """Buffers for the session's temporary tables, the staged facts (3.4 GB at scale 1), to stay
    in: with the default 8MB, their pages are written out and read back through the kernel at
    each scan (23 GB of reads at scale 1). They are allocated as they fill. PostgreSQL allows
    this only before a session's first temporary table: a session that had one keeps its own."""
    try:
        with transaction.atomic():
            loader.execute("SET LOCAL temp_buffers = '4GB'")
    except DatabaseError:
        pass


def prepare(loader: Loader, *, seed: int) -> Clock:
    """Defaults, partitions of every month of the window, session settings, helper functions."""
    apply_defaults(dry_run=False)  # the real roles, templates and the default location
    loader.cursor.execute(f"SELECT now(), now() - interval '{MONTHS} months'")
    end, start = loader.cursor.fetchone()
    clock = Clock(start=start.astimezone(UTC), end=end.astimezone(UTC))
    # Partitions of the window's months (the current one is the MONTHS-th after the first),
    # then the months ahead as configured: rows must never land in a DEFAULT partition.
    created = maintain_partitions(
        today=clock.start.date(), months_ahead=MONTHS, retention={}, dry_run=False
    )
    created += maintain_partitions_as_configured()
    made = [line for line in created if " created " in line]
    loader.write(
        f"partitions: {len(made)} created for {MONTHS + 1} months and "
        f"{settings.SHOPDB_PARTITION_MONTHS_AHEAD} ahead"
    )
    keep_staging_in_memory(loader)
    for sql in (
        # Checked per statement: queued until commit, millions of checks would wait in memory.
        "SET CONSTRAINTS ALL IMMEDIATE",
        "SET LOCAL jit = off",  # compiling each big statement costs more than it saves
        # The staging joins and window sums, and the sorts that write rows in history order, stay
        # in memory. With 256MB a scale-1 load sorted 6 GB on disk: 8 % of the load's time
        # (measured at scale 0.3, with work_mem scaled alike).
        "SET LOCAL work_mem = '2GB'",
        "SET LOCAL maintenance_work_mem = '1GB'",  # index builds sort in memory
        # An index build's leader sorts too: with one worker the two of them keep two cores
        # busy. Two workers (PostgreSQL's default) overcommit them: the scale-1 builds took
        # 75-84 s so, 55-63 s with one.
        "SET LOCAL max_parallel_maintenance_workers = 1",
        f"SELECT setseed({(seed % 1_000_003) / 1_000_003})",
        *functions_sql(clock),
    ):
        loader.cursor.execute(sql)
    return clock
