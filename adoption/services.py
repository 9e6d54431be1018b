"""``import_legacy``: the legacy database into the new schema, every row imported or set aside.

The order of work:

1. the source: a schema of this database, or another database staged into ``legacy_source``;
   refused, with nothing written, when it lacks a table or column the import reads;
2. ``legacy_import.id_map``: the new UUIDv7 of every integer-keyed legacy row;
3. one step per target table (:mod:`adoption.steps`), in the order of the foreign keys;
4. the legacy tables the new schema has no table for yet, set aside whole;
5. what the new schema derives: the order number sequence and invoice counters continue after
   the highest imported number, one audit entry for the import, fresh statistics.

With ``check=True`` all of it up to the writing runs inside one transaction that is rolled
back: the report says what the import would do, and the target is left as it was.
"""

import json
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from zoneinfo import available_timezones

from django.db import DatabaseError, connection, transaction

from adoption import bookkeeping, bulk, source
from adoption.columns import columns_of, source_columns_used, target_columns
from adoption.errors import ImportRefused
from adoption.maps import MAPS, NO_TABLE_YET
from adoption.sql import literal, quote
from adoption.steps import Step, StepReport
from adoption.tables import INTEGER_KEYED, INVOICE_NUMBER
from adoption.writer import Writer, timed
from shop.partitions import maintain_partitions_as_configured


class Quiet:
    """The progress display when nobody watches: ``progress(step, total)`` returns one."""

    def __init__(self, step: str, total: int):
        pass

    def update(self, rows: int) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class ImportReport:
    check: bool
    zone: str
    steps: list[StepReport] = field(default_factory=list)
    derived: dict[str, object] = field(default_factory=dict)

    @property
    def quarantined_rows(self) -> int:
        return sum(step.quarantined_rows for step in self.steps)

    @property
    def reconciled(self) -> bool:
        return all(step.reconciled for step in self.steps)


class _Rollback(Exception):
    pass


def import_legacy(
    *,
    source_schema: str | None = None,
    source_url: str | None = None,
    zone: str = "Asia/Kolkata",
    check: bool = False,
    batch_rows: int = 50_000,
    bulk_rows: int = 50_000,
    progress: Callable[[str, int], Quiet] = Quiet,
) -> ImportReport:
    """Import (or, with ``check``, judge) the legacy database. Raises :class:`ImportRefused`
    when the source cannot be read or lacks what the import reads, and when the target refuses
    a row no rule predicted (the import then stops; what was written stays, a re-run resumes)."""
    _validate(
        source_schema=source_schema,
        source_url=source_url,
        zone=zone,
        sizes={"batch_rows": batch_rows, "bulk_rows": bulk_rows},
    )
    schema = source_schema or "public"
    report = ImportReport(check, zone)
    if not check:
        _run(report, schema, source_url, (batch_rows, bulk_rows), progress)
        return report
    try:
        with transaction.atomic():
            _run(report, schema, source_url, (batch_rows, bulk_rows), progress)
            raise _Rollback  # a pre-flight leaves the target as it was
    except _Rollback:
        pass
    return report


def _validate(*, source_schema, source_url, zone, sizes: dict) -> None:
    if not (source_schema or source_url):
        raise ImportRefused("source_required", "give --source URL or --source-schema NAME.")
    for name, value in (("source_schema", source_schema), ("source_url", source_url)):
        if value is not None and not (isinstance(value, str) and value.strip()):
            raise ImportRefused(
                "source_invalid", f"{name} must be a non-empty text, not {value!r}."
            )
    if zone not in available_timezones():
        raise ImportRefused("zone_unknown", f"zone {zone!r} is not an IANA time zone name.")
    for name, value in sizes.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ImportRefused(
                f"{name}_positive", f"{name} must be a positive integer, not {value!r}."
            )


def _run(report: ImportReport, schema: str, url: str | None, sizes: tuple[int, int], progress):
    # One transaction: a source refused leaves nothing behind (no staging, no bookkeeping).
    with transaction.atomic(), connection.cursor() as cursor:
        bulk.tune(cursor)
        if url:
            schema = source.stage(url, schema)
        else:
            source.require_schema(cursor, schema)
        needed = _needed()
        source.require_columns(cursor, schema, needed)
        cursor.execute(bookkeeping.DDL)
        _map_ids(cursor, schema, report.zone)
    if not report.check:
        bulk.restore()  # what a killed run had set aside
    steps = [Step(m, source_schema=schema, zone=report.zone, read=needed[m.source]) for m in MAPS]
    accepted: dict[str, str] = {}
    writer = None
    if not report.check:
        _set_aside_indexes(steps, at_least=sizes[1])
        writer = Writer(batch_rows=sizes[0], progress=progress)
    try:
        for step in steps:
            report.steps.append(step.report)
            _judge(step, accepted)
            if writer:
                writer.write(step)
        if writer:
            writer.finish()
    except BaseException:
        if writer:
            writer.abandon()
            with suppress(DatabaseError):  # the first error is the one to report
                bulk.restore()
        raise
    if writer:
        bulk.restore()
    with connection.cursor() as cursor:
        present = set(source.source_tables(cursor, schema))
        for table in NO_TABLE_YET:
            if table in present:
                report.steps.append(_set_aside_whole(cursor, schema, table, report.check))
        if not report.check:
            report.derived = _derive(cursor, report)


def _needed() -> dict[str, set[str]]:
    """The legacy tables and columns the maps read, against the schema as deployed."""
    reference = source.legacy_tables()
    needed: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        for table_map in MAPS:
            sources = reference[table_map.source]
            columns = columns_of(table_map, target_columns(cursor, table_map.target), sources)
            used = source_columns_used(table_map, columns) & set(sources)
            needed.setdefault(table_map.source, set()).update(used)
    for table in INTEGER_KEYED:
        needed.setdefault(table, set()).update(
            {"id", "timestamp" if table == "audit_logs" else "created_at"}
        )
    return needed


def _map_ids(cursor, schema: str, zone: str) -> None:
    for table, new_id in INTEGER_KEYED.items():
        cursor.execute(
            "INSERT INTO legacy_import.id_map (source_table, old_id, new_id) "
            f"SELECT {literal(table)}, s.id::text, {new_id.replace('{zone}', literal(zone))} "
            f"FROM {quote(schema)}.{quote(table)} s ON CONFLICT DO NOTHING"
        )


def _set_aside_indexes(steps: list[Step], *, at_least: int) -> None:
    """Before any write: drop the indexes and foreign keys of the tables that will receive
    many rows (adoption.bulk), sized by their source."""
    with connection.cursor() as cursor:
        for step in steps:
            cursor.execute(f"SELECT count(*) FROM {step.relation}")
            (rows,) = cursor.fetchone()
            if bulk.worth_it(cursor, step.map.target, rows, at_least=at_least):
                bulk.set_aside(step.map.target)


def _judge(step: Step, accepted: dict[str, str]) -> None:
    """Convert and judge a step, in one transaction; ``accepted`` gains the ids it will hold."""
    with timed(step.report.seconds, "judge"):
        with transaction.atomic(), connection.cursor() as cursor:
            step.convert(cursor)
            step.judge(cursor, accepted)
            step.count_conversions(cursor)
            kept = step.keep_accepted(cursor)
        if kept:
            accepted[step.map.target] = kept
        with connection.cursor() as cursor:
            step.read_quarantine(cursor)


def _set_aside_whole(cursor, schema: str, table: str, check: bool) -> StepReport:
    """Quarantine every row of a legacy table the new schema has no table for yet."""
    rule, message = "no_table_in_new_schema", "the new schema has no table for these rows yet"
    cursor.execute("DELETE FROM legacy_import.quarantine WHERE step = %s", [table])
    cursor.execute(
        "INSERT INTO legacy_import.quarantine "
        "(step, source_table, source_key, rule, message, source_row) "
        f"SELECT %s, %s, s.id::text, %s, %s, to_jsonb(s) FROM {quote(schema)}.{quote(table)} s "
        "ON CONFLICT DO NOTHING",
        [table, table, rule, message],
    )
    step = StepReport(table, table, source_rows=cursor.rowcount)
    cursor.execute(
        "SELECT source_key FROM legacy_import.quarantine WHERE step = %s ORDER BY source_key",
        [table],
    )
    keys = [key for (key,) in cursor.fetchall()]
    if keys:
        step.quarantined = {rule: [(key, message, None) for key in keys]}
    if not check:
        step.imported = 0
    return step


def _derive(cursor, report: ImportReport) -> dict[str, object]:
    """What the new schema derives from the imported rows."""
    cursor.execute(
        """SELECT setval('public.order_number_seq', greatest(
               (SELECT max(substring(order_number FROM '^SO-([0-9]+)$')::bigint)
                FROM public.orders),
               (SELECT last_value FROM public.order_number_seq)))"""
    )
    order_number = cursor.fetchone()[0]
    cursor.execute(
        f"""INSERT INTO public.invoice_number_counters (series, financial_year, last_number)
        SELECT series, financial_year,
               max(substring(invoice_number FROM '/([0-9]+)$')::integer)
        FROM public.invoices WHERE invoice_number ~ {literal(INVOICE_NUMBER)}
        GROUP BY series, financial_year
        ON CONFLICT (series, financial_year) DO UPDATE
        SET last_number = greatest(invoice_number_counters.last_number, EXCLUDED.last_number)
        RETURNING series, financial_year, last_number"""
    )
    counters = {f"{series} {year}": last for series, year, last in cursor.fetchall()}
    counts = {
        s.step: {
            "source": s.source_rows,
            "imported": s.imported,
            "written": s.written,
            "quarantined": s.quarantined_rows,
        }
        for s in report.steps
        if s.source_rows
    }
    if any(s.written for s in report.steps):
        # One entry for the import, not one per row; a run that wrote nothing adds none.
        cursor.execute(
            "INSERT INTO public.audit_logs (action, table_name, row_id, changes) "
            "VALUES ('other', '', '', %s)",
            [json.dumps({"import_legacy": {"zone": report.zone, "steps": counts}})],
        )
    cursor.execute(
        "INSERT INTO legacy_import.runs (finished_at, report) VALUES (now(), %s)",
        [json.dumps(counts)],
    )
    for step in {s.step for s in report.steps if s.imported}:
        cursor.execute(f"ANALYZE public.{quote(step)}")
    # The coming months' partitions, and any legacy row that fell into a DEFAULT partition
    # (its month could not be made before it was written) moved into its month.
    partitions = [
        line for line in maintain_partitions_as_configured() if "nothing to do" not in line
    ]
    return {
        "order_number_seq": order_number,
        "invoice_number_counters": counters,
        "partitions": partitions,
    }
