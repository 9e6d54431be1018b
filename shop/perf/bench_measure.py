"""Measuring a statement: timings as a role, and what its plan says.

The building blocks of ``manage.py bench`` (the hot paths are in ``bench_queries``, the
side-by-side variants in ``bench_compare``, the concurrent writes in ``bench_writes``, the
output in ``bench_report``). A statement is the SQL the shop's code sends, taken from its
queryset (or captured while a selector runs), executed as the role that really runs it:

    with acting_as(customer):              # row level security applies
        measure(statement, iterations=200)

Timings are ``time.perf_counter`` around execute + fetch on Django's own psycopg cursor (the
statement is sent exactly as Django sends it, without Django's debug bookkeeping), after a
warm-up; the plan is ``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`` of one more run.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import psycopg
import psycopg.sql
from django.db import connection, transaction
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from shop.db.counts import estimated_count
from shop.db.rls import RESTORE_SQL as SET_CLAIMS_SQL
from shop.db.rls import acting_as, acting_as_anon, acting_as_service

# Who runs a statement: a signed-in customer (authenticated, through row level security), a
# visitor (anon, through it too), the backend's service_role key (bypasses it), the shop's staff
# in the Django admin (the owner connection, outside it: ADMIN), or the same staff member signed
# in to a Supabase client (authenticated, through it: API_ADMIN). OWNER is the bare owner
# connection, the baseline of the RLS-cost comparison.
CUSTOMER, ANON, SERVICE = "customer", "anon", "service"
ADMIN, API_ADMIN, OWNER = "admin", "admin_api", "owner"

# Scans that read a relation through an index.
INDEX_SCANS = ("Index Scan", "Index Only Scan", "Bitmap Index Scan")


def acting(role: str, actor: Any = None) -> AbstractContextManager:
    """A transaction running as ``role`` (``actor``: the signed-in customer or admin)."""
    if role in (CUSTOMER, API_ADMIN):
        return acting_as(actor)
    if role == ANON:
        return acting_as_anon()
    if role == SERVICE:
        return acting_as_service()
    if role in (ADMIN, OWNER):
        return transaction.atomic()
    raise ValueError(f"no such role: {role!r}")


@dataclass(frozen=True)
class Statement:
    """SQL and its parameters, as the shop's code sends them.

    With ``count_of``, what runs is the planner's estimate of that queryset's row count
    (``shop.db.counts.estimated_count``: ``EXPLAIN`` of ``sql``, never a ``COUNT(*)``), as the
    admin's paginator asks it.
    """

    sql: str
    params: tuple | list | None = None
    count_of: QuerySet | None = None
    # Sent as PostgREST sends it (``shop.perf.postgrest``): a prepared statement with its
    # values as parameters, after a ``set_config`` of the role and claims; it returns one row,
    # the page as JSON, and its second column counts the page's rows.
    prepared: bool = False
    # The statement calls a function (PostgREST's rpc): EXPLAIN shows the call, not the plan
    # of its body, so whether an index serves it is for a test to show (tests read the
    # transaction's scan counters), not the plan.
    calls_function: bool = False

    @property
    def estimate(self) -> bool:
        return self.count_of is not None


def statement_of(queryset: QuerySet) -> Statement:
    """The SELECT the queryset would run (built, not executed)."""
    sql, params = queryset.query.sql_with_params()
    return Statement(sql, params)


def estimate_of(queryset: QuerySet) -> Statement:
    """The planner's row estimate for ``queryset``, as ``estimated_count`` asks it."""
    sql, params = queryset.order_by().query.sql_with_params()
    return Statement(sql, params, count_of=queryset)


def captured_statement(call: Callable[[], Any]) -> Statement:
    """The last statement ``call`` runs (for a selector that returns rows, not a queryset).

    ``call`` runs once, on the current connection; the SQL is kept as the server received it.
    """
    with CaptureQueriesContext(connection) as captured:
        call()
    if not captured.captured_queries:
        raise ValueError(f"{call!r} ran no statement")
    return Statement(captured.captured_queries[-1]["sql"])


@dataclass(frozen=True)
class Settings:
    """How long and how closely to measure."""

    iterations: int = 200
    warmup: int = 10
    large_table_rows: int = 10_000  # a Seq Scan on a relation this big misses the goal
    # enable_seqscan off: on a database too small for indexes to pay, shows the index that
    # would serve each path at scale (the timings then say nothing).
    prefer_indexes: bool = False


def measure(
    statement: Statement, *, role: str, actor: Any = None, settings: Settings
) -> dict[str, Any]:
    """Timings, rows and plan of ``statement`` run as ``role`` (one transaction)."""
    with acting(role, actor):
        if settings.prefer_indexes:
            with connection.cursor() as cursor:
                # JIT too: seqscan's disabling cost would make every plan worth compiling.
                cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL jit = off")
        timings, rows, last = time_statement(
            statement, iterations=settings.iterations, warmup=settings.warmup
        )
        plan = explain(statement, large_table_rows=settings.large_table_rows)
        measured: dict[str, Any] = {**timings.summary(), "rows": rows, "plan": plan.as_dict()}
        if statement.estimate:
            measured["estimated_count"] = last
            measured["actual_count"] = _count(statement)
    return measured


def _count(statement: Statement) -> int:
    """The exact count an estimate stands for, run once to show how close it is."""
    with connection.cursor() as wrapper:
        wrapper.cursor.execute(f"SELECT count(*) FROM ({statement.sql}) counted", statement.params)
        return wrapper.cursor.fetchone()[0]


# --- Timings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timings:
    """Wall-clock milliseconds of each run, summarised."""

    ms: tuple[float, ...]

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile (p in 0..100) of the runs."""
        ordered = sorted(self.ms)
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1]

    def summary(self) -> dict[str, float | int]:
        return {
            "p50_ms": round(self.percentile(50), 3),
            "p95_ms": round(self.percentile(95), 3),
            "min_ms": round(min(self.ms), 3),
            "max_ms": round(max(self.ms), 3),
            "mean_ms": round(sum(self.ms) / len(self.ms), 3),
            "iterations": len(self.ms),
        }


def time_statement(
    statement: Statement, *, iterations: int, warmup: int
) -> tuple[Timings, int, Any]:
    """Run ``statement`` ``warmup`` + ``iterations`` times on the current connection, as the
    role in force; the timings, the rows one run returns, and what the last run returned
    (the planner's estimate for an ``estimate`` statement)."""
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's cursor: no debug bookkeeping in the timings
        run = _runner(cursor, statement)
        for _ in range(warmup):
            run()
        ms = []
        result: Any = None
        for _ in range(iterations):
            started = time.perf_counter()
            result = run()
            ms.append((time.perf_counter() - started) * 1000)
    if statement.estimate:
        rows = 1
    elif statement.prepared:
        rows = result[0][1]  # page_total
    else:
        rows = len(result)
    return Timings(tuple(ms)), rows, result


def _runner(cursor: Any, statement: Statement) -> Callable[[], Any]:
    if statement.count_of is not None:
        # The shop's own function, Django's cursor and all: what the paginator pays.
        return lambda: estimated_count(statement.count_of)
    if statement.prepared:
        return _postgrest_runner(statement)

    def run() -> list[tuple]:
        cursor.execute(statement.sql, statement.params)
        return cursor.fetchall()

    return run


NEVER_BY_COUNT = 2**31 - 1


def _postgrest_runner(statement: Statement) -> Callable[[], Any]:
    """Each run as a PostgREST request: the role and claims set, then the prepared statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('role'), current_setting('request.jwt.claims', true)"
        )
        role, claims = cursor.fetchone()
    # Django's psycopg cursors bind on the client (values inlined); this one binds on the
    # server ($1 parameters), which a prepared statement needs. Django also turns psycopg's
    # preparing off (prepare_threshold None, which overrides prepare=True): a threshold no
    # statement reaches turns it back on for prepare=True alone.
    connection.connection.prepare_threshold = NEVER_BY_COUNT
    server = psycopg.Cursor(connection.connection)

    def run() -> list[tuple]:
        server.execute(SET_CLAIMS_SQL, [role, claims or ""], prepare=True)
        server.execute(statement.sql, statement.params, prepare=True)
        return server.fetchall()

    return run


# --- Plans -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scan:
    """One node of a plan that reads a relation."""

    node: str  # Seq Scan, Index Scan, ...
    relation: str
    index: str | None
    loops: int | None  # None without ANALYZE; 0: never executed (pruned at run time)
    rows: float  # actual rows per loop (ANALYZE), else the estimate


@dataclass
class Plan:
    """What one ``EXPLAIN`` says about a statement."""

    top_node: str
    scans: list[Scan]
    planning_ms: float | None = None
    execution_ms: float | None = None
    estimated_rows: float | None = None
    # Rows the execution's scans read (returned or filtered out, over all loops): the work a
    # plan does, without the noise of timing or of where rows sit on disk. A function's body
    # is not counted (EXPLAIN shows only its call). None without ANALYZE.
    rows_read: int | None = None
    subplans_removed: int = 0  # partitions pruned while executing
    # From pg_class: which scanned relations are partitions, and rows of those scanned whole.
    partitions: list[str] = field(default_factory=list)
    large_seq_scans: list[str] = field(default_factory=list)
    # A partition's (or a partition's index's) partitioned table (index): plans name the
    # partitions', the report names the table's.
    roots: dict[str, str] = field(default_factory=dict)

    @property
    def indexes(self) -> list[str]:
        return sorted({self._root(s.index) for s in self.scans if s.index and s.loops != 0})

    @property
    def access(self) -> list[str]:
        """How each relation is read; a partitioned table's partitions make one line."""
        partitions: dict[str, int] = {}  # line -> partitions it stands for
        for s in self.scans:
            if s.loops != 0:
                using = f" using {self._root(s.index)}" if s.index else ""
                line = f"{s.node}{using} on {self._root(s.relation)}"
                partitions[line] = partitions.get(line, 0) + (s.relation in self.partitions)
        return [f"{line} ({n} partitions)" if n else line for line, n in partitions.items()]

    def _root(self, name: str) -> str:
        return self.roots.get(name, name)

    @property
    def uses_index(self) -> bool:
        return any(s.node in INDEX_SCANS and s.loops != 0 for s in self.scans)

    def as_dict(self) -> dict[str, Any]:
        return {
            "top_node": self.top_node,
            "access": self.access,
            "indexes": self.indexes,
            "uses_index": self.uses_index,
            "seq_scans_on_large_tables": self.large_seq_scans,
            "partitions_scanned": self.partitions,
            "partitions_pruned_at_run_time": self.subplans_removed,
            "planning_ms": self.planning_ms,
            "execution_ms": self.execution_ms,
            "rows_read": self.rows_read,
            "estimated_rows": self.estimated_rows,
        }


def explain(statement: Statement, *, large_table_rows: int) -> Plan:
    """The plan of ``statement`` as the role in force (``ANALYZE``: one more real run).

    An ``estimate`` statement is explained without ANALYZE: the estimate is all it runs.
    """
    options = "FORMAT JSON" if statement.estimate else "ANALYZE, BUFFERS, FORMAT JSON"
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        if statement.prepared:
            document = _explain_prepared(cursor, statement, options)
        else:
            cursor.execute(f"EXPLAIN ({options}) {statement.sql}", statement.params)
            (document,) = _explain_json(cursor.fetchone()[0])
        plan = parse_plan(document)
        _add_relation_facts(cursor, plan, large_table_rows)
    return plan


# A prepared statement runs five custom plans, then PostgreSQL may keep a generic one.
CUSTOM_PLANS = 5


def _explain_prepared(cursor: Any, statement: Statement, options: str) -> dict[str, Any]:
    """The plan a prepared statement runs once PostgreSQL has chosen between its custom and
    generic plans: what PostgREST's requests run, which EXPLAIN of the text would not show."""
    numbered = statement.sql
    for n in range(1, len(statement.params) + 1):
        numbered = numbered.replace("%s", f"${n}", 1)
    values = ", ".join(
        psycopg.sql.Literal(value).as_string(cursor.connection) for value in statement.params
    )
    execute = f"EXECUTE bench_explained({values})" if values else "EXECUTE bench_explained"
    cursor.execute(f"PREPARE bench_explained AS {numbered}")
    try:
        for _ in range(CUSTOM_PLANS):
            cursor.execute(execute)
        cursor.execute(f"EXPLAIN ({options}) {execute}")
        (document,) = _explain_json(cursor.fetchone()[0])
    finally:
        cursor.execute("DEALLOCATE bench_explained")
    return document


def parse_plan(document: dict[str, Any]) -> Plan:
    """A :class:`Plan` from one element of ``EXPLAIN (FORMAT JSON)``."""
    root = document["Plan"]
    nodes = list(_walk(root))
    scans = [
        Scan(
            node=node["Node Type"],
            relation=node["Relation Name"],
            index=node.get("Index Name"),
            loops=node.get("Actual Loops"),
            rows=node.get("Actual Rows", node.get("Plan Rows", 0)),
        )
        for node in nodes
        if "Relation Name" in node
    ]
    # A Bitmap Index Scan names the index but not the table; its Bitmap Heap Scan names both.
    for node in nodes:
        if node["Node Type"] == "Bitmap Index Scan":
            scans.append(
                Scan(
                    node="Bitmap Index Scan",
                    relation=_bitmap_table(node, nodes),
                    index=node["Index Name"],
                    loops=node.get("Actual Loops"),
                    rows=node.get("Actual Rows", node.get("Plan Rows", 0)),
                )
            )
    return Plan(
        top_node=root["Node Type"],
        scans=scans,
        planning_ms=document.get("Planning Time"),
        execution_ms=document.get("Execution Time"),
        rows_read=(
            sum(_rows_read(node) for node in nodes if "Scan" in node["Node Type"])
            if "Actual Loops" in root
            else None
        ),
        estimated_rows=root.get("Plan Rows"),
        subplans_removed=sum(node.get("Subplans Removed", 0) for node in nodes),
    )


def _rows_read(node: dict[str, Any]) -> int:
    per_loop = (
        node.get("Actual Rows", 0)
        + node.get("Rows Removed by Filter", 0)
        + node.get("Rows Removed by Index Recheck", 0)
    )
    return round(per_loop * node.get("Actual Loops", 0))


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node, init plans and subplans (the policies' subqueries) included."""
    yield node
    for child in node.get("Plans", ()):
        yield from _walk(child)


def _bitmap_table(index_node: dict[str, Any], nodes: list[dict[str, Any]]) -> str:
    for node in nodes:
        if node["Node Type"] == "Bitmap Heap Scan" and any(
            child is index_node for child in _walk(node)
        ):
            return node["Relation Name"]
    return "?"


def _add_relation_facts(cursor: Any, plan: Plan, large_table_rows: int) -> None:
    names = sorted({s.relation for s in plan.scans} | {s.index for s in plan.scans if s.index})
    cursor.execute(
        """SELECT c.relname, c.reltuples, c.relispartition, root.relname
           FROM pg_catalog.pg_class c
           JOIN pg_catalog.pg_class root
             ON root.oid = coalesce(pg_catalog.pg_partition_root(c.oid), c.oid)
           WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY(%s)""",
        [names],
    )
    facts = {row[0]: row[1:] for row in cursor.fetchall()}
    plan.roots = {name: root for name, (_, _, root) in facts.items()}
    ran = [s for s in plan.scans if s.loops != 0]
    plan.partitions = sorted({s.relation for s in ran if facts.get(s.relation, (0, False))[1]})
    plan.large_seq_scans = sorted(
        f"{s.relation} (~{int(facts[s.relation][0])} rows)"
        for s in ran
        if s.node == "Seq Scan" and facts.get(s.relation, (0, False))[0] >= large_table_rows
    )


def _explain_json(value: Any) -> list[dict[str, Any]]:
    # psycopg parses the json column already; a text value (other drivers) is parsed here.
    return json.loads(value) if isinstance(value, str) else value
