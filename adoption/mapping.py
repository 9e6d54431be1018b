"""How a legacy table becomes a table of the new schema.

A :class:`TableMap` says where a target table's rows come from: the source relation (a legacy
table, or a legacy table unnested), an SQL expression per target column that differs from the
automatic mapping, the conversions it makes (each named, so the report can count them), rules of
its own beyond the constraints of the target table, and the money it must reconcile.

Expressions are SQL over the source row ``s``. ``{zone}`` stands for the time zone the legacy
database's naive timestamps were written in (a quoted literal). Everything else, the column
that has the same name in both, a naive timestamp, a ``real`` price, a NOT NULL column with a
default, a foreign key, a CHECK, a unique index, is derived from the two catalogs by
:mod:`adoption.columns` and :mod:`adoption.rules`.
"""

from dataclasses import dataclass, field

# The audit columns every legacy table spells without ``_id``.
ACTOR_COLUMNS = ("created_by_id", "updated_by_id", "deleted_by_id")


@dataclass(frozen=True)
class Conversion:
    """A change of a value that the new schema needs and whose meaning is unambiguous."""

    code: str
    description: str
    applies: str  # SQL over ``s``: true for the source rows this conversion changes


@dataclass(frozen=True)
class Rule:
    """A rule of this table beyond its constraints: true for a converted row ``c`` it refuses."""

    code: str
    refuses: str  # SQL over ``c`` (and ``{conv}``, the converted rows of the same step)
    message: str  # SQL text expression over ``c``


@dataclass(frozen=True)
class Sum:
    """A sum that must agree: over the source rows, and over the imported plus quarantined."""

    name: str
    source: str  # SQL over ``s``, per row, already in the target's unit (paisa-exact numeric)
    target: str  # SQL over ``t``, the imported row


@dataclass(frozen=True)
class TableMap:
    source: str  # the legacy table
    target: str  # the table of the new schema
    columns: dict[str, str] = field(default_factory=dict)  # target column -> SQL over s
    conversions: tuple[Conversion, ...] = ()
    rules: tuple[Rule, ...] = ()
    sums: tuple[Sum, ...] = ()
    # The source relation: ``{src}`` is the source schema. A map that unnests gives its own.
    relation: str = "{src}.{source} s"
    key: str = "s.id::text"  # the source row's key in the report and in quarantine
    order: str = "s.created_at"  # which of two duplicates is older: that one is kept
    target_key: tuple[str, ...] = ("id",)
    # Foreign keys that become NULL (a named conversion) when their row is not there, rather
    # than sending the row to quarantine: who wrote a row, and links of record only.
    clear_when_missing: tuple[str, ...] = ACTOR_COLUMNS
    # "table.trigger": switched off while the import writes, as what they would write the
    # import writes itself (one audit entry for the whole import, opening stock entries).
    quiet_triggers: tuple[str, ...] = ("{step}.audit_trail",)
    # Statements after the rows are in, e.g. opening stock entries; {step} is the target table,
    # {conv} its converted rows.
    after_insert: tuple[str, ...] = ()
    # A table that points at itself is written in one statement, in this order (SQL over ``c``)
    # when a trigger reads the row pointed at (a tier's parent, which must come first).
    write_order: str | None = None
    # Rows made from another table's rows (no source table of their own).
    derived: bool = False
    # Columns the relation adds to the source row (computed, not the source's): left out of
    # the row kept in quarantine.
    extra_columns: tuple[str, ...] = ()
    # More columns of the converted row, for the map's rules: name -> SQL over s.
    carry: dict[str, str] = field(default_factory=dict)

    @property
    def step(self) -> str:
        return self.target
