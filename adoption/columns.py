"""The two catalogs, and the column expressions of a step: explicit ones from its map, the rest
derived from the source and target column types."""

import re
from dataclasses import dataclass

from adoption.mapping import Conversion, TableMap

TEXT_TYPES = {"text", "character varying", "character"}
FLOAT_TYPES = {"real", "double precision"}
# Casts that never fail for any value of the source type.
SAFE_CASTS = {
    ("integer", "bigint"),
    ("smallint", "integer"),
    ("smallint", "bigint"),
    ("numeric", "numeric"),
    ("uuid", "uuid"),
    ("jsonb", "jsonb"),
    ("boolean", "boolean"),
    ("date", "date"),
    ("timestamp without time zone", "timestamp with time zone"),
    *((a, b) for a in TEXT_TYPES for b in TEXT_TYPES),
}
SOURCE_COLUMN = re.compile(r'\bs\."?([a-z_][a-z0-9_]*)"?')
# A map's own relation may name the legacy table ``a`` inside (and ``s`` outside).
RELATION_COLUMN = re.compile(r'\b[as]\."?([a-z_][a-z0-9_]*)"?')


@dataclass(frozen=True)
class TargetColumn:
    name: str
    type: str  # without modifiers: "character varying", "numeric", ...
    max_length: int | None
    not_null: bool
    default: str | None


def target_columns(cursor, table: str) -> list[TargetColumn]:
    """The columns the import writes: all but generated ones, in table order."""
    cursor.execute(
        """
        SELECT a.attname, format_type(a.atttypid, NULL),
               CASE WHEN a.atttypid = 'varchar'::regtype AND a.atttypmod > 0
                    THEN a.atttypmod - 4 END,
               a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attgenerated = ''
        ORDER BY a.attnum""",
        [f"public.{table}"],
    )
    return [TargetColumn(*row) for row in cursor.fetchall()]


def source_columns(cursor, schema: str, table: str) -> dict[str, str]:
    """{column: type} of a legacy table; empty when the table is not there."""
    cursor.execute(
        """
        SELECT a.attname, format_type(a.atttypid, NULL)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum""",
        [schema, table],
    )
    return dict(cursor.fetchall())


@dataclass
class Column:
    """A target column and the SQL that fills it, before the default for NULL."""

    target: TargetColumn
    expression: str | None  # None: the column's default (or NULL)
    guarded: bool = False  # the cast may fail for some values: those rows are refused by type
    source: str | None = None  # the same-named source column, when mapped automatically
    source_type: str | None = None

    def value_sql(self) -> str:
        """SQL over ``s``: the value written, of the target's type (NULL when it cannot be)."""
        kind = self.target.type
        if self.expression is None:
            return self.target.default or f"NULL::{kind}"
        raw = f"({self.expression})"
        if self.guarded:
            value = (
                f"CASE WHEN legacy_import.castable({raw}::text, '{kind}') THEN {raw}::{kind} END"
            )
        else:
            value = f"{raw}::{kind}"
        if self.target.not_null and self.target.default and self.target.name != "id":
            return f"coalesce({value}, {self.target.default})"
        return value

    def invalid_sql(self) -> str | None:
        """SQL over ``s``: true when the value has no form of the target's type."""
        if not self.guarded:
            return None
        raw = f"({self.expression})"
        return (
            f"({raw} IS NOT NULL AND NOT legacy_import.castable({raw}::text, '{self.target.type}'))"
        )


def columns_of(
    table_map: TableMap, targets: list[TargetColumn], sources: dict[str, str]
) -> list[Column]:
    """Each target column with its expression: the map's, or the same-named source column's."""
    columns = []
    for target in targets:
        if target.name in table_map.columns:
            expression = table_map.columns[target.name]
            columns.append(Column(target, expression, guarded=_may_fail(expression, target)))
            continue
        if target.name == "deleted_at" and "is_deleted" in sources:
            columns.append(Column(target, soft_deleted_at(sources), source="s.is_deleted"))
            continue
        name = _source_name(target.name, sources)
        if name is None:
            columns.append(Column(target, None))
            continue
        source_type = sources[name]
        expression = _converted(f"s.{name}", source_type, target.type)
        # Every value has a text form; an enum's is its label.
        safe = (
            (source_type, target.type) in SAFE_CASTS
            or target.type in TEXT_TYPES
            or (source_type in FLOAT_TYPES and target.type == "numeric")
        )
        columns.append(Column(target, expression, not safe, f"s.{name}", source_type))
    return columns


def soft_deleted_at(sources: dict[str, str]) -> str:
    """The new schema's soft delete is ``deleted_at`` alone; the legacy flag decides, dated by
    the legacy deleted_at, else the row's last update."""
    when = [c for c in ("deleted_at", "updated_at", "created_at") if c in sources]
    moment = f"coalesce({', '.join(f's.{c}' for c in when)})" if when else "NULL"
    return f"CASE WHEN s.is_deleted THEN ({moment}) AT TIME ZONE {{zone}} END"


def _source_name(target: str, sources: dict[str, str]) -> str | None:
    if target in sources:
        return target
    if target.endswith("_id") and sources.get(target[:-3]) == "uuid":
        return target[:-3]  # created_by -> created_by_id
    return None


def _converted(column: str, source_type: str, target_type: str) -> str:
    if source_type == "timestamp without time zone" and target_type.startswith("timestamp"):
        return f"{column} AT TIME ZONE {{zone}}"
    if source_type in FLOAT_TYPES and target_type == "numeric":
        return float_money(column)
    return column


def _may_fail(expression: str, target: TargetColumn) -> bool:
    """An explicit expression is trusted to be of the target's type, except for types whose
    input parses text (an address, a date written as text)."""
    return target.type in {"inet", "date", "smallint"} and "::" not in expression


def float_money(column: str) -> str:
    """A ``real`` / ``double precision`` amount as paisa-exact numeric.

    ``real::numeric`` keeps only 6 significant digits (12999.99 becomes 13000); the float's
    shortest text form is the number the shop wrote, so the cast goes through text.
    """
    return f"round(({column})::text::numeric, 2)"


def generic_conversions(columns: list[Column], sources: dict[str, str]) -> list[Conversion]:
    """The conversions every step makes, named, with the source rows each one changes."""
    found: list[Conversion] = []
    naive = [c for c in columns if c.source and c.source_type == "timestamp without time zone"]
    if naive:
        found.append(
            Conversion(
                "naive_time_read_in_zone",
                "naive timestamps ("
                + ", ".join(c.target.name for c in naive)
                + ") read as local time of the import's zone, stored as timestamptz",
                " OR ".join(f"{c.source} IS NOT NULL" for c in naive),
            )
        )
    for column in columns:
        name = column.target.name
        if column.source == "s.is_deleted":
            dated = "s.deleted_at IS NOT NULL" if "deleted_at" in sources else "false"
            found.append(
                Conversion(
                    "deleted_at_from_is_deleted",
                    "deleted_at: set when is_deleted is (dated by the legacy deleted_at, else the "
                    "last update), empty when it is not",
                    f"coalesce(s.is_deleted, false) IS DISTINCT FROM ({dated})",
                )
            )
        if column.source and column.source_type in FLOAT_TYPES:
            exact = f"{column.source}::text::numeric"
            found.append(
                Conversion(
                    f"float_money_exact:{name}",
                    f"{name}: a float amount, read from its shortest text form (12999.99 stays "
                    "12999.99)",
                    f"{column.source} IS NOT NULL",
                )
            )
            found.append(
                Conversion(
                    f"float_money_rounded:{name}",
                    f"{name}: a float amount with more than two decimals, rounded to the paisa",
                    f"{exact} <> round({exact}, 2)",
                )
            )
        if (
            column.expression
            and column.target.not_null
            and column.target.default
            and name not in {"id", "created_at", "updated_at"}
        ):
            found.append(
                Conversion(
                    f"null_to_default:{name}",
                    f"{name}: NULL becomes the column's default {column.target.default}",
                    f"({column.expression}) IS NULL",
                )
            )
    return found


def source_columns_used(table_map: TableMap, columns: list[Column]) -> set[str]:
    texts = [c.expression or "" for c in columns]
    texts += [table_map.key, table_map.order, *table_map.carry.values()]
    texts += [c.applies for c in table_map.conversions]
    used = {m.group(1) for text in texts for m in SOURCE_COLUMN.finditer(text)}
    return used | {m.group(1) for m in RELATION_COLUMN.finditer(table_map.relation)}
