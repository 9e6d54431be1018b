"""Volume load: the runner of its statements, which times each one and switches a table's
triggers off around the statement that writes what they would have written."""

from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING

from shop.perf.volume_sql import audit_rows_sql

if TYPE_CHECKING:
    from shop.perf.volume import VolumePlan


@dataclass
class Timing:
    table: str
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        rate = f"{self.rate:>11,.0f} rows/s" if self.rows else ""
        return f"{self.table:<46} {self.rows:>11,} rows {self.seconds:>8.1f} s {rate}"


@dataclass
class VolumeReport:
    plan: "VolumePlan"
    timings: list[Timing] = field(default_factory=list)
    disabled: dict[str, list[str]] = field(default_factory=dict)  # table -> triggers
    seconds: float = 0.0


class Loader:
    """Runs the load's statements, timing each; switches triggers off around a table's load."""

    def __init__(
        self, cursor, report: VolumeReport, write: Callable[[str], None], *, quiet_noop: bool
    ):
        self.cursor, self.report, self.write = cursor, report, write
        # With quiet_noop, triggers that do nothing for these INSERTs are switched off too.
        self.quiet_noop = quiet_noop

    def value(self, sql: str):
        self.cursor.execute(sql)
        return self.cursor.fetchone()[0]

    def execute(self, sql: str) -> None:
        self.cursor.execute(sql)

    def stage(self, name: str, sql: str) -> int:
        """CREATE TEMP TABLE ``name`` AS ``sql``: the facts later statements share."""
        self.cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        return self._timed(f"(staging) {name}", f"CREATE TEMP TABLE {name} AS {sql}")

    def build(self, label: str, statements: list[str]) -> None:
        """DDL worth timing as one step (index builds)."""
        started = perf_counter()
        for sql in statements:
            self.cursor.execute(sql)
        self._record(Timing(label, 0, perf_counter() - started))

    def extend(self, name: str, sql: str) -> int:
        """Add rows to a staged table."""
        return self._timed(f"(staging) {name}", sql)

    def load(self, table: str, sql: str, *, replaces: tuple[str, ...] = (), label: str = "") -> int:
        """Run ``sql``, which writes ``table``, with the triggers it ``replaces`` off."""
        names = [*replaces, "keep_audit_fields"] if self.quiet_noop else list(replaces)
        triggers = self._triggers(table, names)
        for trigger in triggers:
            self.cursor.execute(f'ALTER TABLE public.{table} DISABLE TRIGGER "{trigger}"')
        rows = self._timed(label or table, sql)
        for trigger in triggers:
            self.cursor.execute(f'ALTER TABLE public.{table} ENABLE TRIGGER "{trigger}"')
        if triggers:
            done = self.report.disabled.setdefault(table, [])
            done += [name for name in names if name not in done]
        return rows

    def audit(self, table: str, *, source: str, actor: str, tag: int, moment: str = "t.created_at"):
        """The audit_logs rows of the rows of ``table`` that ``source`` selects (see
        :func:`audit_rows_sql`), limited like the table's audit_trail trigger to the columns
        its arguments name, if any."""
        self.cursor.execute(
            "SELECT encode(tgargs, 'escape') FROM pg_trigger "
            "WHERE tgrelid = %s::regclass AND tgname = 'audit_trail'",
            [f"public.{table}"],
        )
        (arguments,) = self.cursor.fetchone()
        recorded = [name for name in arguments.split("\\000") if name]
        self.cursor.execute(
            "SELECT attname, attnotnull FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [f"public.{table}"],
        )
        columns = self.cursor.fetchall()
        sql = audit_rows_sql(
            table=table,
            columns=[c for c in columns if not recorded or c[0] in recorded],
            source=source,
            actor=actor,
            tag=tag,
            moment=moment,
        )
        return self.load("audit_logs", sql, label=f"audit_logs ({table})")

    def _triggers(self, table: str, names: list[str]) -> list[str]:
        """The triggers of ``table`` called ``names`` (pgtrigger prefixes and suffixes them)."""
        self.cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
            "AND (tgname = ANY (%s) OR substring(tgname FROM '^pgtrigger_(.*)_[0-9a-f]{5}$') "
            "= ANY (%s)) ORDER BY tgname",
            [f"public.{table}", names, names],
        )
        return [name for (name,) in self.cursor.fetchall()]

    def _timed(self, label: str, sql: str) -> int:
        started = perf_counter()
        self.cursor.execute(sql)
        return self._record(Timing(label, max(self.cursor.rowcount, 0), perf_counter() - started))

    def _record(self, timing: Timing) -> int:
        self.report.timings.append(timing)
        self.write(str(timing))
        return timing.rows
