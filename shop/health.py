"""What ``manage.py db_health`` checks: the plan's monitoring queries and the project's own rules.

Each check reads the live database and returns findings. ``info`` is for the record (sizes, a
table closed to clients by design), ``warning`` wants a look (an index nobody uses, a month
without its partition), ``error`` is a broken rule (a table without row level security, stock
that disagrees with its ledger).
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.db import connection

from catalog.stock import stock_drift
from shop.partitions import PARTITIONED_TABLES, maintain_partitions_as_configured

LEVELS = ("info", "warning", "error")
LARGEST = 10  # tables and indexes listed by size


@dataclass(frozen=True)
class Finding:
    level: str
    check: str
    subject: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def largest_tables() -> list[Finding]:
    """The largest tables, a partitioned one with its partitions, and how many rows the planner
    thinks they hold: an estimate only ``ANALYZE`` (or autovacuum) makes, so a table loaded
    since says so instead of showing a stale count."""
    return [
        Finding("info", "table size", table, f"{size} total, {row_estimate(*estimate)}")
        for table, size, *estimate in rows(
            f"""SELECT c.relname, pg_size_pretty(sum(pg_total_relation_size(leaf.oid))),
                       sum(greatest(leaf.reltuples, 0))::bigint,
                       bool_or({NEVER_ANALYZED}), sum(s.n_mod_since_analyze) FILTER (WHERE {STALE})
                FROM pg_class c
                -- A plain table is its own leaf; pg_partition_tree lists only partitions.
                CROSS JOIN LATERAL (SELECT relid FROM pg_partition_tree(c.oid) WHERE isleaf
                                    UNION SELECT c.oid WHERE c.relkind = 'r') tree
                JOIN pg_class leaf ON leaf.oid = tree.relid
                LEFT JOIN pg_stat_user_tables s ON s.relid = leaf.oid
                WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                  AND NOT c.relispartition
                GROUP BY c.relname
                ORDER BY sum(pg_total_relation_size(leaf.oid)) DESC, c.relname LIMIT %s""",
            [LARGEST],
        )
    ]


# A table (or partition) holding data that was never analyzed: reltuples is -1 until then.
NEVER_ANALYZED = "leaf.reltuples < 0 AND pg_relation_size(leaf.oid) > 0"
# Analyzed, but changed since by more than makes autovacuum analyze it again (its defaults).
STALE = "leaf.reltuples >= 0 AND s.n_mod_since_analyze > 50 + 0.1 * leaf.reltuples"


def row_estimate(rows_estimated: int, never_analyzed: bool, changed_since: int | None) -> str:
    if never_analyzed:
        return "not analyzed yet (ANALYZE gives a row estimate)"
    if changed_since:
        return f"not analyzed since {changed_since:,} row changes (was about {rows_estimated:,})"
    return f"about {rows_estimated:,} rows"


def largest_indexes() -> list[Finding]:
    return [
        Finding("info", "index size", index, f"{size} on {table}")
        for index, table, size in rows(
            """SELECT i.relname, t.relname, pg_size_pretty(pg_relation_size(i.oid))
               FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
               JOIN pg_class t ON t.oid = x.indrelid
               WHERE t.relnamespace = 'public'::regnamespace
               ORDER BY pg_relation_size(i.oid) DESC, i.relname LIMIT %s""",
            [LARGEST],
        )
    ]


def unused_indexes() -> list[Finding]:
    # Since statistics were last reset; unique and primary keys enforce rules, so they stay.
    return [
        Finding("info", "unused index", index, f"never scanned, {size} on {table}")
        for index, table, size in rows(
            """SELECT s.indexrelname, s.relname, pg_size_pretty(pg_relation_size(s.indexrelid))
               FROM pg_stat_user_indexes s JOIN pg_index x ON x.indexrelid = s.indexrelid
               WHERE s.schemaname = 'public' AND s.idx_scan = 0 AND NOT x.indisunique
               ORDER BY 1"""
        )
    ]


def duplicate_indexes() -> list[Finding]:
    """Two indexes of one table with the same columns (one a prefix of the other) and predicate."""
    return [
        Finding("warning", "duplicate index", shorter, f"a prefix of {longer} on {table}")
        for shorter, longer, table in rows(
            """SELECT a.relname, b.relname, t.relname
               FROM pg_index ia JOIN pg_index ib
                 ON ia.indrelid = ib.indrelid AND ia.indexrelid <> ib.indexrelid
               JOIN pg_class a ON a.oid = ia.indexrelid
               JOIN pg_class b ON b.oid = ib.indexrelid
               JOIN pg_class t ON t.oid = ia.indrelid
               WHERE t.relnamespace = 'public'::regnamespace AND NOT t.relispartition
                 AND NOT ia.indisunique AND ia.indexprs IS NULL AND ib.indexprs IS NULL
                 AND a.relam = b.relam
                 AND coalesce(pg_get_expr(ia.indpred, ia.indrelid), '')
                     = coalesce(pg_get_expr(ib.indpred, ib.indrelid), '')
                 -- Both sides sliced: an int2vector's array starts at 0, a slice at 1.
                 AND (ib.indkey::int2[])[0:ia.indnatts - 1]
                     = (ia.indkey::int2[])[0:ia.indnatts - 1]
                 -- The same operator classes: a varchar_pattern_ops index serves LIKE.
                 AND (ib.indclass::oid[])[0:ia.indnatts - 1]
                     = (ia.indclass::oid[])[0:ia.indnatts - 1]
                 -- Django's own tables come as Django made them.
                 AND t.relname NOT LIKE 'auth\\_%' AND t.relname NOT LIKE 'django\\_%'
                 -- Of two equal indexes, the one whose name sorts last is reported.
                 AND (ia.indnatts < ib.indnatts OR a.relname > b.relname)
               ORDER BY 1, 2"""
        )
    ]


def foreign_keys_without_index() -> list[Finding]:
    """A foreign key whose columns lead no index: deletes of the parent scan the whole table."""
    return [
        Finding("warning", "foreign key without index", f"{table}.{columns}", name)
        for table, columns, name in rows(
            """SELECT c.relname,
                      (SELECT string_agg(a.attname, ', ') FROM unnest(con.conkey) k(n)
                         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n),
                      con.conname
               FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
               WHERE con.contype = 'f' AND c.relnamespace = 'public'::regnamespace
                 AND con.conparentid = 0
                 AND NOT EXISTS (
                     SELECT FROM pg_index i WHERE i.indrelid = con.conrelid
                       AND (i.indkey::int2[])[0:cardinality(con.conkey) - 1] = con.conkey)
               ORDER BY 1, 2"""
        )
    ]


def row_level_security() -> list[Finding]:
    findings = []
    for table, enabled, policies in rows(
        """SELECT c.relname, c.relrowsecurity,
                  (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
           FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
             AND c.relkind IN ('r', 'p') ORDER BY 1"""
    ):
        if not enabled:
            findings.append(
                Finding("error", "row level security off", table, "clients reach every row")
            )
        elif not policies:
            findings.append(
                Finding("info", "closed to clients", table, "row level security, no policy")
            )
    return findings


def invalid_constraints() -> list[Finding]:
    return [
        Finding("warning", "constraint not validated", f"{table}.{name}", "NOT VALID")
        for table, name in rows(
            """SELECT conrelid::regclass::text, conname FROM pg_constraint
               WHERE connamespace = 'public'::regnamespace AND NOT convalidated ORDER BY 1, 2"""
        )
    ]


def partitions() -> list[Finding]:
    findings = [
        Finding("warning", "rows in a DEFAULT partition", f"{table}_default", f"{count} rows")
        for table in PARTITIONED_TABLES
        for ((count,),) in [rows(f'SELECT count(*) FROM public."{table}_default"')]
        if count
    ]
    pending = maintain_partitions_as_configured(dry_run=True)
    findings += [
        Finding("warning", "partition maintenance due", line.split(":")[0], line)
        for line in pending
        if not line.endswith("nothing to do")
    ]
    return findings


def ledger_drift() -> list[Finding]:
    return [
        Finding("error", "stock ledger drift", f"{drift.table} {drift.row_id}", str(drift))
        for drift in stock_drift()
    ]


CHECKS: list[Callable[[], list[Finding]]] = [
    largest_tables,
    largest_indexes,
    unused_indexes,
    duplicate_indexes,
    foreign_keys_without_index,
    row_level_security,
    invalid_constraints,
    partitions,
    ledger_drift,
]


def health_findings() -> list[Finding]:
    """Every check's findings, the worst first."""
    findings = [finding for check in CHECKS for finding in check()]
    return sorted(findings, key=lambda f: (-LEVELS.index(f.level), f.check, f.subject))


def verdict(findings: list[Finding]) -> str:
    """One line: how many findings of each level, and the worst of them."""
    number = {level: sum(f.level == level for f in findings) for level in LEVELS}
    counts = (
        f"{number['error']} error{'s' * (number['error'] != 1)}, "
        f"{number['warning']} warning{'s' * (number['warning'] != 1)}, {number['info']} info"
    )
    worst = findings[0] if findings else None
    if worst is None or worst.level == "info":
        return f"Healthy: {counts}."
    return f"Needs attention: {counts}; worst: {worst.level} {worst.check}, {worst.subject}."
