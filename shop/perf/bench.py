"""``manage.py bench``: the shop's hot paths, timed as the roles that run them.

One run measures every read path of ``bench_queries`` (p50, p95, rows, plan), compares them
side by side (``bench_compare``: RLS against the owner connection, the plan's literal policies
against ours, without the plan's indexes against with them), runs the concurrent write paths
(``bench_writes``), and checks the goals:

- every read path's p50 under 5 ms, through an index;
- no sequential scan of a large table in any hot path;
- a customer's statement through RLS at most 1.3 times the same SQL on the owner connection,
  or 0.1 ms more;
- with a baseline run at a smaller scale (``baseline``), each path's p50 at most 1.5 times the
  baseline's, except where a subject's own rows grow with the data (``Case.grows_with_data``);
- zero oversell under concurrent writes.

The paths are the shop's own querysets and selectors (``bench_queries``) and the pages as their
clients ask for them (``bench_pages``: PostgREST's shapes, the admin's changelists).
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from datetime import datetime
from typing import Any

import django
from django.db import connection
from django.utils import timezone

from shop.perf import bench_compare, bench_writes
from shop.perf.bench_measure import Settings, measure
from shop.perf.bench_pages import PAGES
from shop.perf.bench_queries import HOT_PATHS, Case, HotPath, pick_subjects

P50_GOAL_MS = 5.0
# A path's p50 at the larger scale against the baseline's: a plan that grows with the data
# fails here even while it is fast. The rows its scans read must not grow more either (a
# count that does not depend on timing). A p50 that grew by less than GROWTH_NOISE_MS is not
# counted against a plan whose rows read did not grow: on this 2-core machine the same plan
# reading the same rows measured 0.34 and 0.74 ms in two runs.
GROWTH_GOAL = 1.5
GROWTH_NOISE_MS = 0.5

# Tables whose size says what scale the figures are for.
SIZED_TABLES = (
    "users",
    "products",
    "inventory",
    "carts",
    "cart_items",
    "orders",
    "order_items",
    "payment_transactions",
    "notifications",
    "audit_logs",
)


def run_bench(
    *,
    settings: Settings,
    threads: int = 8,
    write_ops: int = 25,
    compare: bool = True,
    writes: bool = True,
    analyze: bool = False,
    baseline: dict[str, Any] | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Everything ``manage.py bench`` reports, as one JSON-ready dict."""
    started = timezone.now()
    if analyze:
        log("ANALYZE")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    subjects = pick_subjects()
    measured, skipped = [], []
    for path in (*HOT_PATHS, *PAGES):
        cases = path.cases(subjects)
        if not cases:
            skipped.append({"name": path.name, "why": "nothing in the data to run it for"})
        for case in cases:
            log(f"read  {path.name} [{case.subject}] as {path.role}")
            result = measure(case.statement, role=path.role, actor=case.actor, settings=settings)
            measured.append((path, case, result))

    report: dict[str, Any] = {
        "meta": meta(settings, started),
        "subjects": subjects.as_dict(),
        "queries": [query_row(path, case, result) for path, case, result in measured],
        "skipped": skipped,
    }
    if baseline is not None:
        report["growth"] = growth(report, baseline)
    if compare:
        log("compare: through RLS and on the owner connection")
        pairs = bench_compare.through_rls_and_owner(measured, settings=settings)
        log("compare: the plan's literal policies")
        plan_policies = bench_compare.plan_policies(pairs, settings=settings)
        log("compare: without the plan's indexes")
        report["comparisons"] = {
            "rls_cost": bench_compare.rls_cost(pairs),
            "plan_policies": plan_policies,
            "plan_indexes": bench_compare.plan_indexes(measured, settings=settings),
            "note": bench_compare.ROLLED_BACK,
        }
    if writes:
        tag = bench_writes.new_tag()
        report["writes"] = {}
        for name, run in (
            ("stock_reservations", bench_writes.stock_reservations),
            ("checkouts", bench_writes.checkouts),
        ):
            log(f"write {name}: {threads} threads x {write_ops}")
            report["writes"][name] = run(tag=tag, threads=threads, per_thread=write_ops)
    report["goals"] = goals(report)
    report["meta"]["seconds"] = round((timezone.now() - started).total_seconds(), 1)
    return report


def query_row(path: HotPath, case: Case, result: dict[str, Any]) -> dict[str, Any]:
    """A read path's measurement, with the goals it missed."""
    plan = result["plan"]
    misses: list[str] = []
    if result["p50_ms"] >= P50_GOAL_MS:
        misses.append(f"p50 {result['p50_ms']} ms >= {P50_GOAL_MS} ms")
    if not (case.statement.estimate or case.statement.calls_function or plan["uses_index"]):
        misses.append("no index used")
    # An estimate only plans its statement: the scan it would make never runs.
    if plan["seq_scans_on_large_tables"] and not case.statement.estimate:
        misses.append("Seq Scan on " + ", ".join(plan["seq_scans_on_large_tables"]))
    return {
        "name": path.name,
        "subject": case.subject,
        "role": path.role,
        "what": path.what,
        **result,
        "goal_met": not misses,
        "misses": misses,
        "slow_path": path.slow_path,
        "grows_with_data": case.grows_with_data,
    }


def growth(report: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Each path's p50 against the same path and subject in ``baseline`` (a smaller scale)."""
    rows_now, rows_then = report["meta"]["table_rows"], baseline["meta"]["table_rows"]
    data_growth = round((rows_now["orders"] or 0) / max(rows_then["orders"] or 0, 1), 1)
    then = {(q["name"], _kind(q["subject"])): q for q in baseline["queries"]}
    rows = []
    for q in report["queries"]:
        before = then.get((q["name"], _kind(q["subject"])))
        if before is None:
            continue
        allowed = data_growth if q["grows_with_data"] else GROWTH_GOAL
        factor = _ratio(q["p50_ms"], before["p50_ms"])
        read = _ratio(q["plan"]["rows_read"], before["plan"]["rows_read"])
        work_kept = read is None or read <= allowed
        in_noise = q["p50_ms"] - before["p50_ms"] < GROWTH_NOISE_MS
        rows.append(
            {
                "name": q["name"],
                "subject": q["subject"],
                "baseline_p50_ms": before["p50_ms"],
                "p50_ms": q["p50_ms"],
                "growth": factor,
                "baseline_rows_read": before["plan"]["rows_read"],
                "rows_read": q["plan"]["rows_read"],
                "rows_read_growth": read,
                "allowed": allowed,
                "why_allowed": q["grows_with_data"],
                "goal_met": work_kept and (factor <= allowed or in_noise),
                "slow_path": q["slow_path"],
            }
        )
    return {
        "baseline_started_at": baseline["meta"]["started_at"],
        "baseline_table_rows": rows_then,
        "data_growth": data_growth,
        "goal": GROWTH_GOAL,
        "noise_ms": GROWTH_NOISE_MS,
        "paths": rows,
    }


def _ratio(now: float | None, then: float | None) -> float | None:
    return round(now / then, 2) if now is not None and then else None


def _kind(subject: str) -> str:
    """What a subject is, without the value picked from the data: "common word 'bold'" and
    "common word 'premium'" are the same subject at two scales."""
    return subject.split(" '", 1)[0]


def goals(report: dict[str, Any]) -> dict[str, Any]:
    """Which goals were met, with the rows that missed them."""
    # A documented slow path is measured and shown, not counted.
    reads = [q for q in report["queries"] if not q["slow_path"]]
    found: dict[str, Any] = {
        "read_p50_under_ms": P50_GOAL_MS,
        "reads_met": sum(q["goal_met"] for q in reads),
        "reads": len(reads),
        "read_misses": [
            f"{q['name']} [{q['subject']}]: {'; '.join(q['misses'])}"
            for q in reads
            if not q["goal_met"]
        ]
        + [f"{s['name']}: not run ({s['why']})" for s in report["skipped"]],
        "slow_paths": sorted({q["name"] for q in report["queries"] if q["slow_path"]}),
    }
    if "growth" in report:
        found["growth_goal"] = GROWTH_GOAL
        found["growth_misses"] = [
            f"{g['name']} [{g['subject']}]: {g['growth']}x (allowed {g['allowed']}x)"
            for g in report["growth"]["paths"]
            if not g["goal_met"] and not g["slow_path"]
        ]
    comparisons = report.get("comparisons")
    if comparisons:
        costs = [row for row in comparisons["rls_cost"] if "goal" in row]
        found["rls_cost_goal"] = bench_compare.RLS_COST_GOAL
        found["rls_cost_misses"] = [
            f"{r['name']} [{r['subject']}]: {r['ratio_p50']}x" for r in costs if not r["goal_met"]
        ]
    if "writes" in report:
        found["zero_oversell"] = all(w["stock"]["zero_oversell"] for w in report["writes"].values())
        found["write_errors"] = sum(w["error_count"] for w in report["writes"].values())
    found["all_met"] = (
        not found["read_misses"]
        and not found.get("rls_cost_misses")
        and not found.get("growth_misses")
        and found.get("zero_oversell", True)
        and not found.get("write_errors")
    )
    return found


# --- What the figures were measured on --------------------------------------------------------


def meta(settings: Settings, started: datetime) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), version(), current_setting('shared_buffers')")
        database, version, shared_buffers = cursor.fetchone()
    return {
        "started_at": started.isoformat(timespec="seconds"),
        "database": database,
        "postgresql": version,
        "shared_buffers": shared_buffers,
        "machine": machine(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "iterations": settings.iterations,
        "warmup": settings.warmup,
        "large_table_rows": settings.large_table_rows,
        "prefer_indexes": settings.prefer_indexes,
        "table_rows": table_rows(),
    }


def machine() -> dict[str, Any]:
    """CPU count and model, and memory, of the machine the bench ran on (Linux /proc)."""
    return {
        "nproc": os.cpu_count(),
        "cpu": _proc_field("/proc/cpuinfo", "model name"),
        "memory_gib": _memory_gib(),
        "system": platform.platform(),
    }


def _proc_field(path: str, name: str) -> str | None:
    try:
        with open(path) as lines:
            for line in lines:
                key, _, value = line.partition(":")
                if key.strip() == name:
                    return value.strip()
    except OSError:
        pass
    return None


def _memory_gib() -> float | None:
    total = _proc_field("/proc/meminfo", "MemTotal")  # "24576000 kB"
    return round(int(total.split()[0]) / 1024**2, 1) if total else None


def table_rows() -> dict[str, int | None]:
    """Rows per table as the planner knows them (partitions added up); None if never analyzed."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT t.name, sum(c.reltuples) FILTER (WHERE c.reltuples >= 0),
                      bool_or(c.reltuples < 0 AND c.relkind = 'r')
               FROM unnest(%s::text[]) AS t(name)
               LEFT JOIN LATERAL pg_partition_tree(('public.' || t.name)::regclass) p ON true
               JOIN pg_class c ON c.oid = coalesce(p.relid, ('public.' || t.name)::regclass)
               WHERE p.isleaf IS NOT FALSE GROUP BY t.name""",
            [list(SIZED_TABLES)],
        )
        found = {name: None if unknown else int(rows or 0) for name, rows, unknown in cursor}
    return {table: found.get(table) for table in SIZED_TABLES}
