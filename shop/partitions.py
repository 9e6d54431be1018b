"""Monthly partitions of the partitioned tables, kept ahead and pruned (``manage.py partitions``).

``audit_logs``, ``notifications`` and ``payment_webhook_logs`` are range-partitioned on a
timestamp, with a DEFAULT partition that takes any row no partition covers. Each calendar month
(in UTC) gets a partition of its own, named ``<table>_pYYYY_MM``:

- the current month and the ``months_ahead`` months after it are created before rows arrive;
- rows that landed in the DEFAULT partition get their month's partition. PostgreSQL refuses to
  create a partition while the DEFAULT one holds rows of its range, so the DEFAULT partition is
  detached, the partitions created, the rows moved, and the DEFAULT partition attached again;
- with a retention of N months, a partition whose rows are all older than the first day of the
  month N months before the current one is detached (kept as a table of its own, still closed
  to clients), or with ``drop_expired`` dropped with its rows.

A partition gets neither row level security nor grants from its parent, so each new one is
closed to clients (``shop.db.policies.closed``); PostgreSQL clones the parent's indexes,
constraints and row triggers onto it. Everything runs in one transaction with the tables locked:
a failure changes nothing, two runs at once take turns, and a second run finds nothing to do.
"""

import re
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial

import pgtrigger
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from shop.db.policies import closed

# Each partitioned table and its partition key.
PARTITIONED_TABLES = {
    "audit_logs": "timestamp",
    "notifications": "created_at",
    "payment_webhook_logs": "created_at",
}
# A typo in the settings must not create hundreds of tables.
MAX_MONTHS_AHEAD = 24
# Locking a table waits at most this long, so a cron run queued behind a long query does not
# hold up every other query of that table; it fails and changes nothing instead.
LOCK_TIMEOUT = "10s"

FOREIGN_KEY_VIOLATION = "23503"
LOCK_NOT_AVAILABLE = "55P03"


class PartitionError(Exception):
    """Partition maintenance is refused; the message says why. Nothing was changed."""


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> "Month":
        return cls(day.year, day.month)

    def plus(self, months: int) -> "Month":
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return self.plus(1).start

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def partition_name(table: str, month: Month) -> str:
    return f"{table}_p{month.year:04d}_{month.month:02d}"


@dataclass(frozen=True)
class Partition:
    """An attached range partition; ``None`` bounds are MINVALUE / MAXVALUE."""

    name: str
    start: datetime | None
    end: datetime | None

    def overlaps(self, month: Month) -> bool:
        return (self.start is None or self.start < month.end) and (
            self.end is None or self.end > month.start
        )


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key that references a partitioned table, as ``pg_get_constraintdef`` gives it."""

    table: str  # quoted as regclass prints it
    name: str
    definition: str


@dataclass
class TablePlan:
    """What maintenance does to one partitioned table."""

    table: str
    key: str
    retention: int | None
    default: str | None
    columns: str  # the parent's columns a moved row carries (generated ones are recomputed)
    referenced_by: list[ForeignKey]
    create: list[Month] = field(default_factory=list)
    # Rows of the DEFAULT partition by month; every one of these months is in `create`.
    move: dict[Month, int] = field(default_factory=dict)
    expired: list[Partition] = field(default_factory=list)
    # Partitions detached by an earlier run and past the retention: dropped with drop_expired.
    detached_expired: list[str] = field(default_factory=list)

    def has_work(self) -> bool:
        return bool(self.create or self.expired or self.detached_expired)


@transaction.atomic
def maintain_partitions(
    *,
    today: date,
    months_ahead: int,
    retention: Mapping[str, int | None],
    drop_expired: bool = False,
    dry_run: bool = False,
) -> list[str]:
    """Bring every partitioned table's partitions up to date; return what was done, one line
    per change (with ``dry_run``, what would be done, and nothing changes).

    ``retention`` maps a table to the months it keeps (a table not in it, or ``None``: forever).
    """
    check_settings(months_ahead=months_ahead, retention=retention)
    current = Month.of(today)
    report: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
        for table in PARTITIONED_TABLES:
            plan_of = partial(
                read_plan,
                cursor,
                table,
                current=current,
                months_ahead=months_ahead,
                retention=retention.get(table),
                drop_expired=drop_expired,
            )
            plan = plan_of()
            if plan.has_work() and not dry_run:
                lock(cursor, table)
                plan = plan_of()  # again, now that nobody else can change the table
            lines = carry_out(cursor, plan, drop_expired=drop_expired, dry_run=dry_run)
            report += lines or [f"{table}: nothing to do"]
    return report


def maintain_partitions_as_configured(*, drop_expired: bool = False, dry_run: bool = False):
    """:func:`maintain_partitions` for today (UTC, like the months) with the project's settings:
    what ``manage.py partitions`` runs, and ``db_health`` runs dry."""
    return maintain_partitions(
        today=timezone.now().date(),
        months_ahead=settings.SHOPDB_PARTITION_MONTHS_AHEAD,
        retention=settings.SHOPDB_PARTITION_RETENTION_MONTHS,
        drop_expired=drop_expired,
        dry_run=dry_run,
    )


def check_settings(*, months_ahead: int, retention: Mapping[str, int | None]) -> None:
    if not _whole(months_ahead) or not 0 <= months_ahead <= MAX_MONTHS_AHEAD:
        raise PartitionError(
            "Months ahead (SHOPDB_PARTITION_MONTHS_AHEAD) must be a whole number from 0 to "
            f"{MAX_MONTHS_AHEAD}, not {months_ahead!r}."
        )
    if not isinstance(retention, Mapping):
        raise PartitionError(
            f"SHOPDB_PARTITION_RETENTION_MONTHS must map table names to months, not {retention!r}."
        )
    unknown = sorted(set(retention) - set(PARTITIONED_TABLES))
    if unknown:
        raise PartitionError(
            f"SHOPDB_PARTITION_RETENTION_MONTHS names {', '.join(map(repr, unknown))}: only the "
            f"partitioned tables ({', '.join(PARTITIONED_TABLES)}) have a retention."
        )
    for table, months in retention.items():
        if months is not None and (not _whole(months) or months < 1):
            raise PartitionError(
                f"SHOPDB_PARTITION_RETENTION_MONTHS[{table!r}] must be a whole number of months, "
                f"1 or more, or None to keep every month; not {months!r}."
            )


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- Reading the catalog ------------------------------------------------------------------------

# Bounds as pg_get_expr prints them (in the session's time zone), cast back to timestamptz by
# the same session; MINVALUE / MAXVALUE / DEFAULT leave them NULL.
PARTITIONS_SQL = r"""
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT',
       substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM \(''([^'']*)''\)')::timestamptz,
       substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']*)''\)')::timestamptz
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = %s::regclass
ORDER BY 3, 1
"""

# The parent's own foreign keys pointing at it (partitions hold clones, conparentid <> 0).
REFERENCED_BY_SQL = """
SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass AND conparentid = 0
ORDER BY 1, 2
"""

COLUMNS_SQL = """
SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
"""


def read_plan(
    cursor,
    table: str,
    *,
    current: Month,
    months_ahead: int,
    retention: int | None,
    drop_expired: bool,
) -> TablePlan:
    parent = qualified(table)
    cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [parent])
    if cursor.fetchone() is None:
        raise PartitionError(f"{table} is not a partitioned table: run `manage.py migrate` first.")
    cursor.execute(PARTITIONS_SQL, [parent])
    partitions, default = [], None
    for name, is_default, start, end in cursor.fetchall():
        if is_default:
            default = name
        else:
            partitions.append(Partition(name, start, end))
    cursor.execute(REFERENCED_BY_SQL, [parent])
    referenced_by = [ForeignKey(*row) for row in cursor.fetchall()]
    cursor.execute(COLUMNS_SQL, [parent])
    plan = TablePlan(
        table=table,
        key=PARTITIONED_TABLES[table],
        retention=retention,
        default=default,
        columns=cursor.fetchone()[0],
        referenced_by=referenced_by,
    )

    in_default = _default_rows_by_month(cursor, plan) if default else {}
    wanted = {current.plus(n) for n in range(months_ahead + 1)} | set(in_default)
    plan.create = sorted(m for m in wanted if not any(p.overlaps(m) for p in partitions))
    plan.move = {m: in_default[m] for m in plan.create if m in in_default}

    if retention is not None:
        cutoff = current.plus(-retention).start
        new = [Partition(partition_name(table, m), m.start, m.end) for m in plan.create]
        plan.expired = [p for p in partitions + new if p.end is not None and p.end <= cutoff]
        if drop_expired:
            plan.detached_expired = _detached_before(cursor, table, cutoff)
    _refuse_taken_names(cursor, plan)
    return plan


def _default_rows_by_month(cursor, plan: TablePlan) -> dict[Month, int]:
    cursor.execute(
        f"SELECT date_trunc('month', {quoted(plan.key)}, 'UTC'), count(*) "
        f"FROM ONLY {qualified(plan.default)} GROUP BY 1"
    )
    return {Month.of(start.astimezone(UTC)): count for start, count in cursor.fetchall()}


def _detached_before(cursor, table: str, cutoff: datetime) -> list[str]:
    """Tables named like ``table``'s monthly partitions, attached to nothing, ending by cutoff."""
    cursor.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
        "AND relkind = 'r' AND NOT relispartition AND starts_with(relname, %s) ORDER BY 1",
        [f"{table}_p"],
    )
    pattern = re.compile(rf"{re.escape(table)}_p(\d{{4}})_(\d{{2}})")
    names = []
    for (name,) in cursor.fetchall():
        match = pattern.fullmatch(name)
        if match and Month(int(match[1]), int(match[2])).end <= cutoff:
            names.append(name)
    return names


def _refuse_taken_names(cursor, plan: TablePlan) -> None:
    names = [partition_name(plan.table, m) for m in plan.create]
    cursor.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
        "AND relname = ANY (%s) ORDER BY 1",
        [names],
    )
    taken = [name for (name,) in cursor.fetchall() if name not in plan.detached_expired]
    if taken:
        raise PartitionError(
            f"Cannot create {', '.join(taken)} for {plan.table}: a table of that name exists and "
            f"is not a partition of {plan.table} (detached as expired?). Attach, rename or drop "
            "it (--drop-expired drops expired ones). Nothing was changed."
        )


def lock(cursor, table: str) -> None:
    try:
        cursor.execute(f"LOCK TABLE {qualified(table)} IN ACCESS EXCLUSIVE MODE")
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise PartitionError(
            f"{table} is busy: it could not be locked within {LOCK_TIMEOUT}. Nothing was "
            "changed; run again later."
        ) from error


# --- Changing the partitions --------------------------------------------------------------------

PAST = {"create": "created", "move": "moved", "detach": "detached", "drop": "dropped"}


def carry_out(cursor, plan: TablePlan, *, drop_expired: bool, dry_run: bool) -> list[str]:
    """Run ``plan`` (unless ``dry_run``) and say what it did (or would do)."""
    lines: list[str] = []

    def step(verb: str, text: str, *statements: str) -> None:
        lines.append(f"{plan.table}: {'would ' + verb if dry_run else PAST[verb]} {text}")
        if not dry_run:
            for sql in statements:
                cursor.execute(sql)

    expiry = f"past the retention of {plan.retention} months"
    for name in plan.detached_expired:
        step("drop", f"{name} (detached earlier, {expiry})", f"DROP TABLE {qualified(name)}")

    if plan.move and not dry_run:
        _detach_default_and_referencing_keys(cursor, plan)
    for month in plan.create:
        name = partition_name(plan.table, month)
        step("create", name, create_partition_sql(plan.table, month, name))
    for month, rows in plan.move.items():
        moved = rows if dry_run else _move_rows(cursor, plan, month)
        target = partition_name(plan.table, month)
        step("move", f"{rows_text(moved)} of {month} from {plan.default} into {target}")
    if plan.move and not dry_run:
        _attach_default_and_referencing_keys(cursor, plan)

    for partition in plan.expired:
        name, detach = partition.name, detach_sql(plan.table, partition.name)
        if drop_expired:
            # Deleting the rows first lets each foreign key pointing at them do what it says
            # (CASCADE deletes notification_delivery_logs rows); a partition still referenced
            # could be neither detached nor dropped.
            empty = [f"DELETE FROM ONLY {qualified(name)}"] if plan.referenced_by else []
            step("drop", f"{name} ({expiry})", *empty, detach, f"DROP TABLE {qualified(name)}")
        elif dry_run or _detached(cursor, detach, name):
            step("detach", f"{name} ({expiry}); it stays as a table, closed to clients")
        else:
            lines.append(
                f"{plan.table}: kept {name} attached although {expiry}: rows of "
                f"{', '.join(fk.table for fk in plan.referenced_by)} refer to its rows "
                "(--drop-expired deletes them with it)"
            )
    return lines


def rows_text(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def create_partition_sql(table: str, month: Month, name: str) -> str:
    return (
        f"CREATE TABLE {qualified(name)} PARTITION OF {qualified(table)} "
        f"FOR VALUES FROM ('{month.start.isoformat()}') TO ('{month.end.isoformat()}');\n"
        + closed(name).forward_sql()
    )


def detach_sql(table: str, name: str) -> str:
    return f"ALTER TABLE {qualified(table)} DETACH PARTITION {qualified(name)}"


def _detached(cursor, detach: str, name: str) -> bool:
    """Detach, unless rows elsewhere still refer to the partition's rows.

    A detached partition is an archive, never written again: its column defaults go, since
    ``id``'s calls the project's ``uuid_generate_v7()``, which would then stop the migrations
    being unapplied (``migrate shop zero``) while the archive exists.
    """
    try:
        with transaction.atomic():
            cursor.execute(detach)
    except IntegrityError as error:
        if getattr(error.__cause__, "sqlstate", None) != FOREIGN_KEY_VIOLATION:
            raise
        return False
    cursor.execute(
        "SELECT a.attname FROM pg_attrdef d JOIN pg_attribute a "
        "ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
        "WHERE d.adrelid = %s::regclass AND a.attgenerated = ''",  # generated columns stay
        [qualified(name)],
    )
    for (column,) in cursor.fetchall():
        cursor.execute(f"ALTER TABLE {qualified(name)} ALTER COLUMN {quoted(column)} DROP DEFAULT")
    return True


def _detach_default_and_referencing_keys(cursor, plan: TablePlan) -> None:
    """Make the DEFAULT partition a table of its own, so its months can get partitions.

    Detaching it is refused while rows elsewhere refer to its rows, and moving a row by DELETE
    and INSERT would run the foreign keys' ON DELETE (CASCADE would delete delivery logs): so
    the foreign keys pointing at the table are dropped until the rows are in place, then added
    again (and checked). Detaching also drops the triggers cloned onto the partition, so a
    trigger that refuses DELETE (an append-only table) does not stop the move.
    """
    for fk in plan.referenced_by:
        cursor.execute(f"ALTER TABLE {fk.table} DROP CONSTRAINT {quoted(fk.name)}")
    cursor.execute(detach_sql(plan.table, plan.default))


def _move_rows(cursor, plan: TablePlan, month: Month) -> int:
    # A moved row is not a new row: the table's triggers ran when it arrived. Run again, they
    # would claim a verified webhook's event id a second time (and refuse the move) or audit it.
    uris = triggers_on(plan.table)
    with pgtrigger.ignore(*uris) if uris else nullcontext():
        cursor.execute(
            f"WITH moved AS (DELETE FROM {qualified(plan.default)} "
            f"WHERE {quoted(plan.key)} >= %s AND {quoted(plan.key)} < %s "
            f"RETURNING {plan.columns}) "
            f"INSERT INTO {qualified(plan.table)} ({plan.columns}) "
            f"SELECT {plan.columns} FROM moved",
            [month.start, month.end],
        )
    return cursor.rowcount


def triggers_on(table: str) -> list[str]:
    """The URIs of the triggers declared (pgtrigger) on ``table``."""
    return [
        trigger.get_uri(model)
        for model, trigger in pgtrigger.registered()
        if model._meta.db_table == table
    ]


def _attach_default_and_referencing_keys(cursor, plan: TablePlan) -> None:
    # Attaching matches the table's indexes, constraints and triggers with the parent's again.
    cursor.execute(
        f"ALTER TABLE {qualified(plan.table)} ATTACH PARTITION {qualified(plan.default)} DEFAULT"
    )
    for fk in plan.referenced_by:
        cursor.execute(f"ALTER TABLE {fk.table} ADD CONSTRAINT {quoted(fk.name)} {fk.definition}")


def quoted(identifier: str) -> str:
    return '"{}"'.format(identifier.replace('"', '""'))


def qualified(name: str) -> str:
    return f"public.{quoted(name)}"
