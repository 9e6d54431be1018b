"""Where the legacy rows are read from, and whether they are all there.

Two sources: a schema of the target database itself (``--source-schema``, the Supabase path:
``public`` renamed to ``legacy``, a new ``public`` migrated beside it), or another database
(``--source URL``), whose tables are first copied into the target's ``legacy_source`` schema
with COPY, streamed, so that every later statement is set-based SQL inside one database.

The import reads the legacy schema as deployed (``adoption/legacy/schema.sql``); a source that
lacks a table or column the import reads is refused before anything is written.
"""

import re
from functools import cache
from pathlib import Path

import psycopg
from django.db import connection
from psycopg import sql

from adoption.errors import ImportRefused

LEGACY_SCHEMA_SQL = Path(__file__).parent / "legacy" / "schema.sql"
STAGING_SCHEMA = "legacy_source"
_TABLE = re.compile(r'CREATE TABLE IF NOT EXISTS "(\w+)" \((.*?)\n\);', re.S)
_COLUMN = re.compile(r'^\s*"(\w+)" ([a-z ]+?)(?:\(| DEFAULT| NOT NULL| PRIMARY|,|$)', re.M)


@cache
def legacy_tables() -> dict[str, dict[str, str]]:
    """{table: {column: type}} of the legacy schema as deployed (its drizzle-kit output)."""
    text = LEGACY_SCHEMA_SQL.read_text()
    return {
        table: {name: kind.strip() for name, kind in _COLUMN.findall(body)}
        for table, body in _TABLE.findall(text)
    }


def source_tables(cursor, schema: str) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "ORDER BY c.relname",
        [schema],
    )
    return [name for (name,) in cursor.fetchall()]


def require_schema(cursor, schema: str) -> None:
    if schema == "public":
        raise ImportRefused(
            "source_is_target",
            "--source-schema public is the new schema itself; rename the legacy one first "
            "(docs/adopting.md: ALTER SCHEMA public RENAME TO legacy).",
        )
    cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
    if cursor.fetchone() is None:
        raise ImportRefused("source_missing", f"the source schema {schema!r} does not exist.")


def require_columns(cursor, schema: str, needed: dict[str, set[str]]) -> None:
    """Refuse a source that lacks a table or column the import reads, naming all of them."""
    cursor.execute(
        "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
        "AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped",
        [schema],
    )
    present: dict[str, set[str]] = {}
    for table, column in cursor.fetchall():
        present.setdefault(table, set()).add(column)
    missing = [f"table {schema}.{t}" for t in sorted(needed) if t not in present]
    missing += [
        f"column {schema}.{t}.{c}"
        for t in sorted(needed)
        if t in present
        for c in sorted(needed[t] - present[t])
    ]
    if missing:
        raise ImportRefused(
            "source_incomplete", "the source lacks what the import reads: " + ", ".join(missing)
        )


def stage(url: str, schema: str, *, on_table=None) -> str:
    """Copy the tables of ``schema`` in the database at ``url`` into ``legacy_source``.

    Each table is recreated (so a corrected source row comes in on the next run) and streamed
    with COPY in chunks: memory holds one chunk, not a table. Enum columns arrive as text.
    """
    try:
        source = psycopg.connect(url, connect_timeout=10, autocommit=True)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportRefused("source_unreachable", f"cannot connect to the source: {first}") from exc
    with source, source.cursor() as read, connection.cursor() as write:
        require_schema_at(read, schema)
        write.execute(
            sql.SQL(
                "DROP SCHEMA IF EXISTS {s} CASCADE; CREATE SCHEMA {s}; "
                "REVOKE ALL ON SCHEMA {s} FROM PUBLIC"
            )
            .format(s=sql.Identifier(STAGING_SCHEMA))
            .as_string(write.connection)
        )
        for table in source_tables(read, schema):
            _copy_table(read, write, schema, table)
            if on_table:
                on_table(table)
    return STAGING_SCHEMA


def require_schema_at(cursor, schema: str) -> None:
    cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
    if cursor.fetchone() is None:
        raise ImportRefused("source_missing", f"the source database has no schema {schema!r}.")


def _copy_table(read, write, schema: str, table: str) -> None:
    read.execute(
        "SELECT a.attname, CASE WHEN t.typtype = 'e' THEN 'text' "
        "ELSE format_type(a.atttypid, a.atttypmod) END "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        [sql.Identifier(schema, table).as_string(read.connection)],
    )
    columns = read.fetchall()
    target = sql.Identifier(STAGING_SCHEMA, table)
    names = sql.SQL(", ").join(sql.Identifier(name) for name, _ in columns)
    write.execute(
        sql.SQL("CREATE TABLE {t} ({cols})")
        .format(
            t=target,
            cols=sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(kind)) for n, kind in columns
            ),
        )
        .as_string(write.connection)
    )
    copy_out = sql.SQL("COPY (SELECT {cols} FROM {t}) TO STDOUT").format(
        cols=names, t=sql.Identifier(schema, table)
    )
    copy_in = sql.SQL("COPY {t} ({cols}) FROM STDIN").format(t=target, cols=names)
    raw = write.connection
    with raw.cursor() as into, into.copy(copy_in) as sink, read.copy(copy_out) as chunks:
        for chunk in chunks:
            sink.write(chunk)
    if any(name == "id" for name, _ in columns):
        # Lookups by id (an order's customer, a line's product) need the key the source had.
        write.execute(
            sql.SQL("ALTER TABLE {t} ADD PRIMARY KEY (id)").format(t=target).as_string(raw)
        )
    write.execute(sql.SQL("ANALYZE {t}").format(t=target).as_string(raw))
