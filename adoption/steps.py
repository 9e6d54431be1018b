"""One step of the import: a target table filled from the source, in set-based SQL.

A step converts every source row once, into its table ``legacy_import.conv_<target>`` (the
values the
target would receive), then

1. **judges** it: each rule of the new schema (:mod:`adoption.rules`) and of the map sends the
   rows that break it to ``legacy_import.quarantine``, the whole source row with the rule and a
   message; rows that need a quarantined row follow it; of duplicates the oldest stays;
2. **writes** (not in ``--check``): the rows that were not set aside, in batches of the temp
   table's pages, each batch its own transaction, skipping rows already in the target, so a
   killed run resumes where it stopped and a second run writes nothing;
3. **reconciles**: source rows = imported + quarantined, and each of the map's sums.

Judging reads nothing the writing changes, so ``--check`` (which judges and rolls back) sees
exactly what the import then does.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction

from adoption import bulk
from adoption.columns import (
    Column,
    columns_of,
    generic_conversions,
    source_columns,
    target_columns,
)
from adoption.mapping import Conversion, TableMap
from adoption.rules import Unique, checks, foreign_keys, uniques
from adoption.sql import literal, quote


@dataclass
class Balance:
    name: str
    source: Decimal
    imported: Decimal
    quarantined: Decimal

    @property
    def agrees(self) -> bool:
        return self.source == self.imported + self.quarantined


@dataclass
class StepReport:
    step: str
    source_table: str
    source_rows: int = 0
    to_import: int = 0  # rows not set aside (predicted by --check, written by the import)
    quarantined: dict[str, list[tuple[str, str, str | None]]] = field(default_factory=dict)
    conversions: list[tuple[Conversion, int]] = field(default_factory=list)
    not_carried: dict[str, int] = field(default_factory=dict)  # source column -> rows with data
    imported: int | None = None  # rows of the target that came from this source (after import)
    written: int = 0  # rows this run wrote (0 on a second run)
    seconds: dict[str, float] = field(default_factory=dict)  # judge, write, reconcile
    balances: list[Balance] = field(default_factory=list)

    @property
    def quarantined_rows(self) -> int:
        return sum(len(rows) for rows in self.quarantined.values())

    @property
    def reconciled(self) -> bool:
        return self.imported is not None and (
            self.source_rows == self.imported + self.quarantined_rows
            and all(b.agrees for b in self.balances)
        )


class Step:
    def __init__(self, table_map: TableMap, *, source_schema: str, zone: str, read: set[str]):
        """``read``: the source table's columns that some map reads (the rest are reported
        as not carried)."""
        self.map = table_map
        self.read = read
        self.source_schema = source_schema
        self.zone = zone
        with connection.cursor() as cursor:
            self.targets = target_columns(cursor, table_map.target)
            self.sources = source_columns(cursor, source_schema, table_map.source)
            self.checks = checks(cursor, table_map.target)
            self.foreign_keys = foreign_keys(cursor, table_map.target)
            self.uniques = uniques(cursor, table_map.target)
        if table_map.target_key != ("id",):
            # A composite primary key: a pair the legacy table repeats is a duplicate too.
            self.uniques.insert(
                0, Unique(f"{table_map.target}_pkey", table_map.target_key, None, True)
            )
        self.columns: list[Column] = columns_of(table_map, self.targets, self.sources)
        self.report = StepReport(table_map.step, table_map.source)

    # --- SQL helpers ------------------------------------------------------------------------

    def sql(self, text: str) -> str:
        """Fill in the map's placeholders: the source schema and the time zone."""
        return (
            text.replace("{src}", quote(self.source_schema))
            .replace("{source}", quote(self.map.source))
            .replace("{zone}", literal(self.zone))
            .replace("{step}", quote(self.map.target))
            .replace("{conv}", self.conv)
        )

    @property
    def conv(self) -> str:
        return f"legacy_import.{quote('conv_' + self.map.target)}"

    @property
    def relation(self) -> str:
        return self.sql(self.map.relation)

    @property
    def source_row(self) -> str:
        """SQL: the source row as JSON, without the columns the map's relation added."""
        extra = self.map.extra_columns
        return (
            f"to_jsonb(s) - ARRAY[{', '.join(map(literal, extra))}]::text[]"
            if extra
            else "to_jsonb(s)"
        )

    @property
    def live(self) -> str:
        """SQL over ``c``: the row has not been set aside."""
        return (
            "NOT EXISTS (SELECT 1 FROM legacy_import.quarantine q "
            f"WHERE q.step = {literal(self.map.step)} AND q.source_key = c.__key)"
        )

    def run(self, cursor, statement: str, params=None) -> int:
        cursor.execute(statement, params)
        return cursor.rowcount

    def value(self, cursor, statement: str):
        cursor.execute(statement)
        return cursor.fetchone()[0]

    # --- 0. convert ---------------------------------------------------------------------------

    def convert(self, cursor) -> None:
        """The step's ``conv`` table: per source row its key, age and the target's values.

        Unlogged (rebuilt by every run, never needed after a crash) and a real table, not a
        temporary one, so that the writer's connection reads it (adoption.services)."""
        invalid = [
            f"CASE WHEN {self.sql(c.invalid_sql())} THEN {literal(c.target.name)} END"
            for c in self.columns
            if c.invalid_sql()
        ]
        values = [f"{self.sql(c.value_sql())} AS {quote(c.target.name)}" for c in self.columns]
        values += [f"{self.sql(sql)} AS {quote(name)}" for name, sql in self.map.carry.items()]
        names = {c.target.name for c in self.columns}
        if "deleted_at" in names:
            values.append("(" + self.sql(self._deleted_at()) + ") IS NOT NULL AS is_deleted")
        cursor.execute(f"DROP TABLE IF EXISTS {self.conv}")
        cursor.execute(
            f"""CREATE UNLOGGED TABLE {self.conv} AS
            SELECT ({self.sql(self.map.key)})::text AS __key,
                   ({self.sql(self.map.order)}) AS __created,
                   array_remove(ARRAY[{", ".join(invalid) or "NULL"}]::text[], NULL) AS __invalid,
                   {", ".join(values)}
            FROM {self.relation}"""
        )
        self.report.source_rows = cursor.rowcount

    def _deleted_at(self) -> str:
        return next(c.value_sql() for c in self.columns if c.target.name == "deleted_at")

    # --- 1. judge -------------------------------------------------------------------------------

    def set_aside(self, cursor, rows: str) -> int:
        """Quarantine the rows ``rows`` selects: ``__key, rule, message, kept_key``."""
        return self.run(
            cursor,
            f"""INSERT INTO legacy_import.quarantine
                   (step, source_table, source_key, rule, message, kept_key, source_row)
            SELECT {literal(self.map.step)}, {literal(self.map.source)}, r.__key,
                   r.rule, r.message, r.kept_key, {self.source_row}
            FROM ({rows}) r JOIN {self.relation} ON ({self.sql(self.map.key)})::text = r.__key
            ON CONFLICT DO NOTHING""",
        )

    def refuse_first_broken(self, cursor, rules: list[tuple[str, str, str]]) -> int:
        """One pass over ``conv``: each row goes to quarantine under the first of ``rules``
        (``name, condition over c, message SQL``) it breaks."""
        if not rules:
            return 0
        first = " ".join(f"WHEN {condition} THEN {i}" for i, (_, condition, _) in enumerate(rules))
        names = ", ".join(literal(name) for name, _, _ in rules)
        messages = " ".join(f"WHEN {i} THEN {message}" for i, (_, _, message) in enumerate(rules))
        return self.set_aside(
            cursor,
            f"""SELECT c.__key, (ARRAY[{names}])[f.n + 1] AS rule,
                       CASE f.n {messages} END AS message, NULL::text AS kept_key
            FROM {self.conv} c CROSS JOIN LATERAL (SELECT CASE {first} END AS n) f
            WHERE f.n IS NOT NULL AND {self.live}""",
        )

    def row_rules(self) -> list[tuple[str, str, str]]:
        """The rules a row breaks by itself: its values' types and lengths, required values,
        the table's CHECK constraints, the map's own rules; in that order."""
        table = self.map.target
        rules = []
        for column in self.columns:
            name, kind = column.target.name, column.target.type
            value = f"c.{quote(name)}"
            if column.invalid_sql():
                rules.append(
                    (
                        f"{table}_{name}_type",
                        f"{literal(name)} = ANY (c.__invalid)",
                        literal(f"{name}: the source value is not a valid {kind}"),
                    )
                )
            if column.target.max_length:
                limit = column.target.max_length
                rules.append(
                    (
                        f"{table}_{name}_too_long",
                        f"char_length({value}) > {limit}",
                        f"format('{name}: %s characters, the column holds {limit}', "
                        f"char_length({value}))",
                    )
                )
            if column.target.not_null:
                rules.append(
                    (
                        f"{table}_{name}_not_null",
                        f"{value} IS NULL",
                        literal(f"{name} is required and the source has none"),
                    )
                )
        for check in self.checks:
            rules.append(
                (
                    check.name,
                    f"({check.expression}) IS FALSE",
                    literal(f"{check.name}: CHECK ({check.expression})"),
                )
            )
        rules += [(r.code, self.sql(r.refuses), self.sql(r.message)) for r in self.map.rules]
        return rules

    def judge(self, cursor, accepted: dict[str, str]) -> None:
        """Send every row that breaks a rule to quarantine; ``accepted`` names, per target
        table judged before, the temp table of the ids it will hold."""
        table = self.map.target
        cursor.execute("DELETE FROM legacy_import.quarantine WHERE step = %s", [self.map.step])
        self.refuse_first_broken(cursor, self.row_rules())
        others = [
            fk
            for fk in self.foreign_keys
            if fk.parent != table and fk.column not in self.map.clear_when_missing
        ]
        for fk in others:
            self.refuse_orphans(cursor, fk, accepted)
        for unique in self.uniques:
            self.refuse_duplicates(cursor, unique)
        own = [
            fk
            for fk in self.foreign_keys
            if fk.parent == table and fk.column not in self.map.clear_when_missing
        ]
        while own and sum(self.refuse_orphans(cursor, fk, accepted) for fk in own):
            pass  # a row set aside takes the rows below it along, level by level
        self.clear_missing(cursor, accepted)
        self.report.to_import = self.value(
            cursor, f"SELECT count(*) FROM {self.conv} c WHERE {self.live}"
        )

    def _parent_has(self, fk, accepted: dict[str, str], value: str) -> str:
        """SQL: the parent row ``value`` points at is in the target, or will be."""
        parent = quote(fk.parent)
        column = quote(fk.parent_column)
        exists = f"EXISTS (SELECT 1 FROM public.{parent} p WHERE p.{column} = {value})"
        if fk.parent == self.map.target:
            exists += (
                f" OR EXISTS (SELECT 1 FROM {self.conv} p WHERE p.{column} = {value} "
                f"AND {self.live.replace('c.__key', 'p.__key')})"
            )
        elif fk.parent in accepted:
            exists += (
                f" OR EXISTS (SELECT 1 FROM pg_temp.{accepted[fk.parent]} p WHERE p.id = {value})"
            )
        return exists

    def refuse_orphans(self, cursor, fk, accepted: dict[str, str]) -> int:
        value = f"c.{quote(fk.column)}"
        quarantined = (
            "EXISTS (SELECT 1 FROM legacy_import.quarantine q "
            f"WHERE q.step = {literal(fk.parent)} AND q.source_key = {value}::text)"
        )
        missing = literal(f"{self.map.target}_{fk.column}_missing_parent")
        quarantined_text = literal(f"{fk.column} %s: that {fk.parent} row is quarantined")
        missing_text = literal(f"{fk.column} %s: no such {fk.parent} row")
        return self.set_aside(
            cursor,
            f"""SELECT o.__key,
                       CASE WHEN o.quarantined THEN 'parent_quarantined' ELSE {missing} END
                       AS rule,
                       format(CASE WHEN o.quarantined THEN {quarantined_text} ELSE {missing_text}
                              END, o.value) AS message,
                       NULL::text AS kept_key
            FROM (SELECT c.__key, {value} AS value, {quarantined} AS quarantined FROM {self.conv} c
                  WHERE {value} IS NOT NULL AND NOT ({self._parent_has(fk, accepted, value)})
                    AND {self.live}) o""",
        )

    def refuse_duplicates(self, cursor, unique) -> int:
        keys = ", ".join(f"({e}) AS k{i}" for i, e in enumerate(unique.expressions))
        key_names = [f"k{i}" for i in range(len(unique.expressions))]
        where = [unique.predicate or "true"]
        if unique.nulls_distinct:
            where += [f"({e}) IS NOT NULL" for e in unique.expressions]
        scope = " AND ".join(where)
        partition = ", ".join(key_names)
        shown = " || ', ' || ".join(f"coalesce(r.{k}::text, 'NULL')" for k in key_names)
        ranked = f"""
            SELECT r.__key,
                   row_number() OVER w AS n, first_value(r.__key) OVER w AS kept, {shown} AS shown
            FROM (SELECT c.__key, c.__created, {keys} FROM {self.conv} c
                  WHERE {scope} AND {self.live}) r
            WINDOW w AS (PARTITION BY {partition} ORDER BY r.__created NULLS LAST, r.__key)"""
        refused = self.set_aside(
            cursor,
            f"SELECT d.__key, {literal(unique.name)} AS rule, "
            f"format('%s: the same as %s, which is kept', '{unique.name}', d.kept) "
            "|| ' (' || d.shown || ')' AS message, d.kept AS kept_key "
            f"FROM ({ranked}) d WHERE d.n > 1",
        )
        existing = (
            f"SELECT {self._identity()} AS ident, {keys} FROM public.{quote(self.map.target)} "
            f"WHERE {scope}"
        )
        match = " AND ".join(f"t.{k} = r.{k}" for k in key_names)
        if not unique.nulls_distinct:
            match = " AND ".join(f"t.{k} IS NOT DISTINCT FROM r.{k}" for k in key_names)
        return refused + self.set_aside(
            cursor,
            f"""SELECT r.__key, {literal(unique.name)} AS rule,
                       format('%s: already in the target as %s', '{unique.name}', t.ident)
                       AS message, NULL::text AS kept_key
            FROM (SELECT c.__key, {self._identity()} AS ident, {keys} FROM {self.conv} c
                  WHERE {scope} AND {self.live}) r
            JOIN ({existing}) t ON {match} AND t.ident IS DISTINCT FROM r.ident""",
        )

    def _identity(self) -> str:
        """SQL: the row's target key, unqualified (as a row value when it has several columns)."""
        return "(" + ", ".join(quote(k) for k in self.map.target_key) + ")::text"

    def clear_missing(self, cursor, accepted: dict[str, str]) -> None:
        """Links of record whose row is gone become NULL, each counted as a conversion."""
        for fk in self.foreign_keys:
            if fk.column not in self.map.clear_when_missing:
                continue
            value = f"c.{quote(fk.column)}"
            cleared = self.run(
                cursor,
                f"UPDATE {self.conv} c SET {quote(fk.column)} = NULL WHERE {value} IS NOT NULL "
                f"AND NOT ({self._parent_has(fk, accepted, value)})",
            )
            conversion = Conversion(
                f"missing_parent_cleared:{fk.column}",
                f"{fk.column}: points at no {fk.parent} row; left empty",
                "false",
            )
            self.report.conversions.append((conversion, cleared))

    def keep_accepted(self, cursor) -> str | None:
        """The ids this step will hold, for the foreign keys of later steps."""
        if self.map.target_key != ("id",):
            return None
        name = f"accepted_{self.map.target}"
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        cursor.execute(
            f"CREATE TEMP TABLE {name} AS SELECT c.id FROM {self.conv} c WHERE {self.live}"
        )
        cursor.execute(f"CREATE UNIQUE INDEX ON pg_temp.{name} (id)")
        cursor.execute(f"ANALYZE pg_temp.{name}")
        return name

    def count_conversions(self, cursor) -> None:
        """How many source rows each named conversion changes."""
        conversions = [
            *self.map.conversions,
            *generic_conversions(self.columns, self.sources),
        ]
        unused = [] if self.map.derived else [c for c in self.sources if c not in self.read]
        counts = [f"count(*) FILTER (WHERE {self.sql(c.applies)})" for c in conversions]
        counts += [f"count({quote(c)})" for c in unused]
        if not counts:
            return
        cursor.execute(f"SELECT {', '.join(counts)} FROM {self.relation}")
        row = cursor.fetchone()
        self.report.conversions[:0] = [(c, n) for c, n in zip(conversions, row, strict=False) if n]
        self.report.not_carried = {
            c: n for c, n in zip(unused, row[len(conversions) :], strict=True) if n
        }

    # --- 2. write ---------------------------------------------------------------------------

    def write(self, *, batch_rows: int, progress) -> None:
        """``progress.update(rows)`` after each batch."""
        names = ", ".join(quote(c.target.name) for c in self.columns)
        values = ", ".join(f"c.{quote(c.target.name)}" for c in self.columns)
        keys = self.map.target_key
        present = " AND ".join(f"t.{quote(k)} = c.{quote(k)}" for k in keys)
        with connection.cursor() as cursor:
            bulk.months_ready(
                cursor, self.map.target, f"SELECT * FROM {self.conv} c WHERE {self.live}"
            )
            pages = self.value(cursor, f"SELECT pg_relation_size('{self.conv}') / 8192")
            rows = max(self.report.source_rows, 1)
            # Batches of pages: a TID range scan reads just those, with no index on conv.
            step = pages + 1 if self._single_statement else max(1, pages * batch_rows // rows)
            order = f"ORDER BY {self.map.write_order}" if self.map.write_order else ""
            for first in range(0, pages + 1, step):
                with transaction.atomic():
                    quiet = self._quiet(cursor)
                    written = self.run(
                        cursor,
                        f"""INSERT INTO public.{quote(self.map.target)} ({names})
                        SELECT {values} FROM {self.conv} c
                        WHERE c.ctid >= '({first},0)'::tid AND c.ctid < '({first + step},0)'::tid
                          AND {self.live}
                          AND NOT EXISTS (SELECT 1 FROM public.{quote(self.map.target)} t
                                          WHERE {present})
                        {order}""",
                    )
                    self._loud(cursor, quiet)
                self.report.written += written
                progress.update(written)
            with transaction.atomic():
                quiet = self._quiet(cursor)
                for statement in self.map.after_insert:
                    cursor.execute(self.sql(statement))
                self._loud(cursor, quiet)

    @property
    def _single_statement(self) -> bool:
        # A table that points at itself is written in one statement: a row and the row it
        # points at may fall in different batches, and the foreign key is checked per statement.
        return any(fk.parent == self.map.target for fk in self.foreign_keys)

    def _quiet(self, cursor) -> list[tuple[str, str]]:
        """Switch off, inside the current transaction, the triggers whose work the import does
        itself (one audit entry for the import; opening stock entries)."""
        triggers = []
        for entry in self.map.quiet_triggers:
            table, name = self.sql(entry).replace('"', "").split(".")
            cursor.execute(
                """SELECT t.tgname FROM pg_trigger t
                WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal
                  AND (t.tgname = %s OR t.tgname LIKE %s)""",
                [f"public.{table}", name, f"pgtrigger_{name}_%"],
            )
            triggers += [(table, trigger) for (trigger,) in cursor.fetchall()]
        for table, trigger in triggers:
            cursor.execute(f"ALTER TABLE public.{quote(table)} DISABLE TRIGGER {quote(trigger)}")
        return triggers

    def _loud(self, cursor, triggers: list[tuple[str, str]]) -> None:
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: their checks wait for the
        # commit, and ALTER TABLE refuses a table with checks pending. Run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, trigger in triggers:
            cursor.execute(f"ALTER TABLE public.{quote(table)} ENABLE TRIGGER {quote(trigger)}")

    # --- 3. reconcile -------------------------------------------------------------------------

    def reconcile(self, cursor) -> None:
        keys = self.map.target_key
        present = " AND ".join(f"t.{quote(k)} = c.{quote(k)}" for k in keys)
        target = f"public.{quote(self.map.target)}"
        sums = self.map.sums
        imported_sums = "".join(f", coalesce(sum({s.target}), 0)" for s in sums)
        cursor.execute(
            f"SELECT count(*){imported_sums} FROM {self.conv} c JOIN {target} t ON {present} "
            f"WHERE {self.live}"
        )
        imported = cursor.fetchone()
        self.report.imported = imported[0]
        if not sums:
            return
        source_sums = ", ".join(f"coalesce(sum({self.sql(s.source)}), 0)" for s in sums)
        cursor.execute(f"SELECT {source_sums} FROM {self.relation}")
        source = cursor.fetchone()
        cursor.execute(
            f"SELECT {source_sums} FROM {self.relation} WHERE ({self.sql(self.map.key)})::text "
            "IN (SELECT source_key FROM legacy_import.quarantine WHERE step = %s)",
            [self.map.step],
        )
        quarantined = cursor.fetchone()
        self.report.balances = [
            Balance(s.name, source[i], imported[i + 1], quarantined[i]) for i, s in enumerate(sums)
        ]

    def read_quarantine(self, cursor) -> None:
        cursor.execute(
            "SELECT rule, source_key, message, kept_key FROM legacy_import.quarantine "
            "WHERE step = %s ORDER BY rule, source_key",
            [self.map.step],
        )
        found: dict[str, list] = {}
        for rule, key, message, kept in cursor.fetchall():
            found.setdefault(rule, []).append((key, message, kept))
        self.report.quarantined = found
