"""The rules of the new schema that a legacy row can break, read from the target's catalog.

Every rule is named as the database names it, so the report, the quarantine and an error from
PostgreSQL speak of the same thing:

- ``<table>_<column>_type``: the value has no form of the column's type (``'abc'`` as inet).
- ``<table>_<column>_too_long``: longer than the column (the cast would cut it; it never does).
- ``<table>_<column>_not_null``: NULL where the column requires a value and has no default.
- each CHECK constraint, by its name;
- each foreign key: ``<table>_<column>_missing_parent``, or ``parent_quarantined`` when the
  row it needs was itself set aside;
- each unique constraint or unique index, by its name: of rows that collide, the oldest is
  kept and each other one names it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    expression: str  # over the converted row's columns, unqualified


@dataclass(frozen=True)
class ForeignKey:
    name: str
    column: str
    parent: str  # table
    parent_column: str


@dataclass(frozen=True)
class Unique:
    name: str
    expressions: tuple[str, ...]  # over the row's columns, unqualified
    predicate: str | None
    nulls_distinct: bool


def checks(cursor, table: str) -> list[Check]:
    cursor.execute(
        """
        SELECT conname, pg_get_expr(conbin, conrelid) FROM pg_constraint
        WHERE conrelid = %s::regclass AND contype = 'c' ORDER BY conname""",
        [f"public.{table}"],
    )
    return [Check(*row) for row in cursor.fetchall()]


def foreign_keys(cursor, table: str) -> list[ForeignKey]:
    cursor.execute(
        """
        SELECT c.conname, a.attname, p.relname, pa.attname
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        JOIN pg_class p ON p.oid = c.confrelid
        JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]
        WHERE c.conrelid = %s::regclass AND c.contype = 'f' AND cardinality(c.conkey) = 1
        ORDER BY a.attnum""",
        [f"public.{table}"],
    )
    return [ForeignKey(*row) for row in cursor.fetchall()]


def uniques(cursor, table: str) -> list[Unique]:
    """Unique constraints and unique indexes, partial and on expressions included."""
    cursor.execute(
        """
        SELECT ci.relname,
               array(SELECT pg_get_indexdef(i.indexrelid, k, false)
                     FROM generate_series(1, i.indnkeyatts) k),
               pg_get_expr(i.indpred, i.indrelid),
               NOT i.indnullsnotdistinct
        FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
        WHERE i.indrelid = %s::regclass AND i.indisunique AND NOT i.indisprimary
        ORDER BY ci.relname""",
        [f"public.{table}"],
    )
    return [Unique(name, tuple(exprs), pred, nd) for name, exprs, pred, nd in cursor.fetchall()]
