"""Writing many rows into an empty table: its secondary indexes and foreign keys set aside.

Maintaining seven indexes row by row, and checking three foreign keys row by row at commit,
costs most of a large import's time. For a table that will receive many more rows than it holds,
the import drops its non-unique indexes and its foreign keys before it starts writing, and after
the last table is written builds the indexes once and adds each foreign key ``NOT VALID`` and
validates it with one query (a foreign key is as VALID as before, and still checked: a row
without its parent would fail the validation). Unique indexes and the primary key stay: the
writes lean on them.

What was dropped is recorded in ``legacy_import.set_aside_ddl`` in the same transaction as the
drop, so a run killed in between leaves a record, and the next run restores it first.
"""

from django.db import DatabaseError, connection, transaction

from adoption.sql import quote
from shop.partitions import PARTITIONED_TABLES, Month, create_partition_sql, partition_name


def worth_it(cursor, table: str, rows: int, *, at_least: int) -> bool:
    """Rebuilding pays when ``rows`` (the source's) are many and more than the table already
    holds. Not on a partitioned table, which cannot take a foreign key NOT VALID."""
    cursor.execute(
        "SELECT greatest(c.reltuples, 0), c.relkind = 'p' FROM pg_class c "
        "WHERE c.oid = %s::regclass",
        [f"public.{table}"],
    )
    held, partitioned = cursor.fetchone()
    return rows >= at_least and rows > held and not partitioned


def set_aside(table: str) -> None:
    """Record and drop ``table``'s non-unique indexes and foreign keys, in one transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO legacy_import.set_aside_ddl (table_name, name, kind, definition)
            SELECT %(table)s, ci.relname, 'index', pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
            WHERE i.indrelid = %(relation)s::regclass AND NOT i.indisunique
              AND NOT i.indisprimary
            UNION ALL
            SELECT %(table)s, conname, 'foreign key', pg_get_constraintdef(oid)
            FROM pg_constraint WHERE conrelid = %(relation)s::regclass AND contype = 'f'
              AND conparentid = 0  -- not the clones a partitioned parent keeps per partition
            ON CONFLICT DO NOTHING
            RETURNING name, kind""",
            {"table": table, "relation": f"public.{table}"},
        )
        for name, kind in cursor.fetchall():
            if kind == "index":
                cursor.execute(f"DROP INDEX public.{quote(name)}")
            else:
                cursor.execute(f"ALTER TABLE public.{quote(table)} DROP CONSTRAINT {quote(name)}")


def restore(table: str | None = None) -> list[str]:
    """Build what was set aside (for ``table``, or every table), and forget the record."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, name, kind, definition FROM legacy_import.set_aside_ddl "
            "WHERE %(table)s::text IS NULL OR table_name = %(table)s "
            "ORDER BY table_name, kind DESC, name",
            {"table": table},
        )
        pending = cursor.fetchall()
    for table_name, name, kind, definition in pending:
        target = f"public.{quote(table_name)}"
        with transaction.atomic(), connection.cursor() as cursor:
            if kind == "index":
                cursor.execute(definition)
            else:
                cursor.execute(
                    f"ALTER TABLE {target} ADD CONSTRAINT {quote(name)} {definition} NOT VALID"
                )
                cursor.execute(f"ALTER TABLE {target} VALIDATE CONSTRAINT {quote(name)}")
            cursor.execute(
                "DELETE FROM legacy_import.set_aside_ddl WHERE table_name = %s AND name = %s",
                [table_name, name],
            )
    return [f"{table_name}.{name}" for table_name, name, _, _ in pending]


def months_ready(cursor, table: str, rows: str) -> None:
    """Create the monthly partitions that ``rows`` (SQL over ``c``) fall in, before they are
    written: legacy rows are years old, and in the DEFAULT partition they would have to be
    moved afterwards, a million at a time (what ``manage.py partitions`` does for stray rows).
    A month that cannot be made (the DEFAULT partition already holds rows of it) is left to
    ``partitions``."""
    key = PARTITIONED_TABLES.get(table)
    if key is None:
        return
    cursor.execute(
        f"SELECT DISTINCT date_trunc('month', c.{quote(key)} AT TIME ZONE 'UTC')::date "
        f"FROM ({rows}) c"
    )
    for (day,) in cursor.fetchall():
        month = Month.of(day)
        name = partition_name(table, month)
        cursor.execute("SELECT to_regclass(%s)", [f"public.{name}"])
        if cursor.fetchone()[0] is None:
            try:
                with transaction.atomic():
                    cursor.execute(create_partition_sql(table, month, name))
            except DatabaseError:
                pass


# Memory for one sort or hash (the duplicates' ranking, the foreign keys' lookups) and for one
# index build: PostgreSQL's defaults (4 MB, 64 MB) spill a million rows to disk.
SESSION_SETTINGS = "SET work_mem = '128MB'; SET maintenance_work_mem = '512MB'"


def tune(cursor) -> None:
    """Settings of an import session (each connection: the judge's and the writer's)."""
    cursor.execute(SESSION_SETTINGS)
