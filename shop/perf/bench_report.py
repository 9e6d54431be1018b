"""What ``manage.py bench`` prints and writes: a terminal summary, JSON, Markdown and a chart.

The Markdown report and the terminal summary are built from the same tables; the chart
(``latency.png``, matplotlib) shows p50 and p95 per read path against the 5 ms goal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from shop.perf.bench import P50_GOAL_MS

CHART = "latency.png"
REPORT = "report.md"


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, default=str)


# --- Tables ------------------------------------------------------------------------------------


def read_table(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    header = ["query", "subject", "role", "p50 ms", "p95 ms", "rows", "plan", "goal"]
    rows = [
        [
            q["name"],
            q["subject"],
            q["role"],
            f"{q['p50_ms']:.2f}",
            f"{q['p95_ms']:.2f}",
            _rows(q),
            _plan(q["plan"]),
            _goal(q),
        ]
        for q in report["queries"]
    ]
    return header, rows


def _goal(query: dict[str, Any]) -> str:
    verdict = "met" if query["goal_met"] else "MISSED: " + "; ".join(query["misses"])
    return f"slow path, not counted ({verdict})" if query["slow_path"] else verdict


def growth_table(growth: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    header = ["query", "subject", "baseline p50 ms", "p50 ms", "growth", "rows read", "allowed"]
    header.append("goal")
    rows = [
        [
            g["name"],
            g["subject"],
            f"{g['baseline_p50_ms']:.2f}",
            f"{g['p50_ms']:.2f}",
            f"{g['growth']}x",
            f"{g['baseline_rows_read']} -> {g['rows_read']}"
            + (f" ({g['rows_read_growth']}x)" if g["rows_read_growth"] is not None else ""),
            f"{g['allowed']}x" + (" (the subject's rows grow)" if g["why_allowed"] else ""),
            ("slow path" if g["slow_path"] else "met" if g["goal_met"] else "MISSED"),
        ]
        for g in growth["paths"]
    ]
    return header, rows


def _growth_title(growth: dict[str, Any]) -> str:
    rows = growth["baseline_table_rows"]
    return (
        f"Growth against the baseline run ({growth['baseline_started_at']}, "
        f"{rows['orders']} orders): the data grew {growth['data_growth']}x"
    )


def _rows(query: dict[str, Any]) -> str:
    if "estimated_count" in query:
        return f"~{query['estimated_count']} (exact {query['actual_count']})"
    return str(query["rows"])


def _plan(plan: dict[str, Any]) -> str:
    parts = [plan["top_node"], "index: " + (", ".join(plan["indexes"]) or "none")]
    if plan["execution_ms"] is None:
        parts[0] = f"EXPLAIN only (would scan: {plan['top_node']})"
    if plan["seq_scans_on_large_tables"]:
        parts.append("Seq Scan: " + ", ".join(plan["seq_scans_on_large_tables"]))
    if plan["partitions_scanned"]:
        parts.append(f"{len(plan['partitions_scanned'])} partition(s)")
    return "; ".join(parts)


COMPARISONS = {
    "rls_cost": ("RLS cost: through RLS vs the same SQL on the owner connection", "owner", "rls"),
    "plan_policies": ("The plan's literal policies vs ours", "ours", "plan"),
    "plan_indexes": ("Without vs with the plan's index", "with_index", "without_index"),
}


def comparison_table(rows: list[dict[str, Any]], base: str, variant: str) -> list[list[str]]:
    return [
        [
            r["name"],
            r["subject"],
            f"{r[f'{base}_p50_ms']:.2f}",
            f"{r[f'{variant}_p50_ms']:.2f}",
            f"{r['ratio_p50']}x" if r["ratio_p50"] is not None else "-",
            r.get("index") or ", ".join(r.get("tables", [])) or r.get("rls_role", r["role"]),
            "; ".join(r[f"{base}_access"]),
            "; ".join(r[f"{variant}_access"]),
        ]
        for r in rows
    ]


def comparison_header(base: str, variant: str) -> list[str]:
    header = ["query", "subject", f"{base} p50 ms", f"{variant} p50 ms", "ratio", "what"]
    return [*header, f"{base}: access", f"{variant}: access"]


def write_table(writes: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    header = ["write path", "threads", "attempts", "ok", "refused", "errors", "ops/s", "p50 ms"]
    header += ["p95 ms", "zero oversell"]
    rows = [
        [
            w["name"],
            str(w["threads"]),
            str(w["attempts"]),
            str(w["succeeded"]),
            str(w["refused_insufficient_stock"]),
            str(w["error_count"]),
            str(w["ops_per_s"]),
            str(w["p50_ms"]),
            str(w["p95_ms"]),
            "yes" if w["stock"]["zero_oversell"] else "NO: " + "; ".join(w["stock"]["problems"]),
        ]
        for w in writes.values()
    ]
    return header, rows


# --- Terminal ----------------------------------------------------------------------------------


def text(report: dict[str, Any]) -> str:
    lines = [_title(report), ""]
    lines += _text_table(*read_table(report))
    for skipped in report["skipped"]:
        lines.append(f"not run: {skipped['name']} ({skipped['why']})")
    if "growth" in report:
        lines += ["", _growth_title(report["growth"])]
        lines += _text_table(*growth_table(report["growth"]))
    for key, (title, base, variant) in COMPARISONS.items():
        if "comparisons" in report:
            lines += ["", title]
            rows = comparison_table(report["comparisons"][key], base, variant)
            lines += _text_table(comparison_header(base, variant), rows)
    if "comparisons" in report:
        lines += ["", report["comparisons"]["note"]]
    if "writes" in report:
        lines += ["", *_text_table(*write_table(report["writes"]))]
        lines += [f"rows added: {w['rows_added']}" for w in report["writes"].values()]
    lines += ["", _goal_lines(report["goals"])]
    return "\n".join(lines)


def _title(report: dict[str, Any]) -> str:
    m = report["meta"]
    return (
        f"bench on {m['database']}: {m['iterations']} runs per query after {m['warmup']} warm-up;"
        f" {m['machine']['nproc']} CPUs, {m['machine']['memory_gib']} GiB; "
        + m["postgresql"].split(" on ")[0]
    )


def _text_table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    return [
        "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True))
        for line in [header, ["-" * w for w in widths], *rows]
    ]


def _goal_lines(goals: dict[str, Any]) -> str:
    lines = [
        f"goals: {'ALL MET' if goals['all_met'] else 'MISSED'}",
        f"  reads with p50 < {goals['read_p50_under_ms']} ms through an index, no Seq Scan of a"
        f" large table: {goals['reads_met']}/{goals['reads']}",
        *(f"    missed: {miss}" for miss in goals["read_misses"]),
    ]
    if goals["slow_paths"]:
        lines.append(f"  documented slow paths, not counted: {', '.join(goals['slow_paths'])}")
    if "growth_goal" in goals:
        lines.append(
            f"  growth against the baseline <= {goals['growth_goal']}x (or as allowed), in rows"
            " read and in p50 beyond 0.5 ms of noise: "
            + ("met" if not goals["growth_misses"] else "; ".join(goals["growth_misses"]))
        )
    if "rls_cost_goal" in goals:
        lines.append(
            f"  customer statements through RLS <= {goals['rls_cost_goal']}x owner or +0.1 ms: "
            + ("met" if not goals["rls_cost_misses"] else "; ".join(goals["rls_cost_misses"]))
        )
    if "zero_oversell" in goals:
        lines.append(
            f"  zero oversell: {'yes' if goals['zero_oversell'] else 'NO'};"
            f" write errors: {goals['write_errors']}"
        )
    return "\n".join(lines)


# --- Markdown and chart ------------------------------------------------------------------------


def markdown(report: dict[str, Any], *, chart: str | None = CHART) -> str:
    m = report["meta"]
    lines = [
        "# Benchmark report",
        "",
        f"`manage.py bench` on `{m['database']}`, {m['started_at']}: {m['iterations']} runs per"
        f" query after {m['warmup']} warm-up runs ({m['seconds']} s in all).",
        "",
        f"- Machine: {m['machine']['nproc']} CPUs ({m['machine']['cpu']}),"
        f" {m['machine']['memory_gib']} GiB RAM; {m['machine']['system']}",
        f"- {m['postgresql']}; shared_buffers {m['shared_buffers']}",
        "- Rows (planner's count): "
        + ", ".join(
            f"{table} {rows if rows is not None else '?'}"
            for table, rows in m["table_rows"].items()
        ),
        "",
        "## Read paths",
        "",
    ]
    if chart:
        lines += [f"![p50 and p95 per read path]({chart})", ""]
    lines += _md_table(*read_table(report))
    lines += [f"- not run: {s['name']} ({s['why']})" for s in report["skipped"]]
    if "growth" in report:
        lines += ["", f"## {_growth_title(report['growth'])}", ""]
        lines += _md_table(*growth_table(report["growth"]))
    if "comparisons" in report:
        for key, (title, base, variant) in COMPARISONS.items():
            rows = comparison_table(report["comparisons"][key], base, variant)
            lines += ["", f"## {title}", "", *_md_table(comparison_header(base, variant), rows)]
        lines += ["", report["comparisons"]["note"]]
    if "writes" in report:
        lines += ["", "## Concurrent writes", "", *_md_table(*write_table(report["writes"]))]
        lines += ["", *(f"- rows added: {w['rows_added']}" for w in report["writes"].values())]
    lines += ["", "## Goals", "", "```", _goal_lines(report["goals"]), "```", ""]
    return "\n".join(lines)


def _md_table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return [line(header), line(["---"] * len(header)), *(line(r) for r in rows)]


def latency_chart(report: dict[str, Any], path: Path) -> None:
    """Horizontal bars: p50 and p95 of each read path, the 5 ms goal as a line."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    from matplotlib import pyplot

    queries = report["queries"]
    labels = [f"{q['name']}\n{q['subject']} ({q['role']})" for q in queries]
    positions = range(len(queries))
    figure, axes = pyplot.subplots(figsize=(10, 0.55 * len(queries) + 1.5))
    axes.barh([p + 0.2 for p in positions], [q["p95_ms"] for q in queries], 0.4, label="p95")
    axes.barh([p - 0.2 for p in positions], [q["p50_ms"] for q in queries], 0.4, label="p50")
    axes.axvline(P50_GOAL_MS, color="red", linestyle="--", label=f"p50 goal {P50_GOAL_MS} ms")
    if max(q["p95_ms"] for q in queries) > 20 * P50_GOAL_MS:
        axes.set_xscale("log")  # one slow path would flatten all the others
    axes.set_yticks(list(positions), labels, fontsize=7)
    axes.invert_yaxis()
    axes.set_xlabel("milliseconds")
    axes.set_title(f"Read paths on {report['meta']['database']}")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def write_report(report: dict[str, Any], directory: Path) -> list[Path]:
    """``directory``/report.md and ``directory``/latency.png; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    chart, page = directory / CHART, directory / REPORT
    latency_chart(report, chart)
    page.write_text(markdown(report, chart=CHART))
    return [page, chart]
