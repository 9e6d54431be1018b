"""The import's report: Markdown for people, JSON for scripts.

Per step: the source rows, what is (or would be) imported, every rule that refused rows with
their count and source keys (all of them in the JSON, the first ones in the Markdown), every
conversion with the rows it changes, the source columns the new schema has no place for, and
after an import the reconciliation: rows and sums, source = imported + quarantined.
"""

from adoption.services import ImportReport

SHOWN_KEYS = 5


def as_json(report: ImportReport) -> dict:
    return {
        "check": report.check,
        "zone": report.zone,
        "quarantined_rows": report.quarantined_rows,
        "reconciled": None if report.check else report.reconciled,
        "derived": report.derived,
        "steps": [
            {
                "step": s.step,
                "source_table": s.source_table,
                "source_rows": s.source_rows,
                "to_import": s.to_import,
                "imported": s.imported,
                "written": s.written,
                "quarantined": {
                    rule: [{"source_key": k, "message": m, "kept_key": kept} for k, m, kept in rows]
                    for rule, rows in s.quarantined.items()
                },
                "conversions": [
                    {"code": c.code, "description": c.description, "rows": n}
                    for c, n in s.conversions
                ],
                "not_carried": s.not_carried,
                "balances": [
                    {
                        "name": b.name,
                        "source": str(b.source),
                        "imported": str(b.imported),
                        "quarantined": str(b.quarantined),
                        "agrees": b.agrees,
                    }
                    for b in s.balances
                ],
                "reconciled": None if report.check else s.reconciled,
                "seconds": s.seconds,
            }
            for s in report.steps
        ],
    }


def as_markdown(report: ImportReport) -> str:
    title = "Pre-flight check (nothing written)" if report.check else "Import"
    lines = [f"# import_legacy: {title}", "", f"Naive timestamps read in {report.zone}.", ""]
    lines += _summary(report)
    findings = [(s, rule, rows) for s in report.steps for rule, rows in s.quarantined.items()]
    if findings:
        verb = "would be quarantined" if report.check else "quarantined"
        lines += ["", f"## Rows that {verb}", "", "| table | rule | rows | first source keys |"]
        lines += ["|---|---|---:|---|"]
        for step, rule, rows in findings:
            keys = ", ".join(k for k, _, _ in rows[:SHOWN_KEYS])
            more = f" … (+{len(rows) - SHOWN_KEYS})" if len(rows) > SHOWN_KEYS else ""
            lines.append(f"| {step.step} | `{rule}` | {len(rows)} | {keys}{more} |")
    conversions = [(s, c, n) for s in report.steps for c, n in s.conversions if n]
    if conversions:
        lines += ["", "## Conversions", "", "| table | conversion | rows | what it does |"]
        lines += ["|---|---|---:|---|"]
        for step, conversion, rows in conversions:
            lines.append(
                f"| {step.step} | `{conversion.code}` | {rows} | {conversion.description} |"
            )
    dropped = [(s, column, n) for s in report.steps for column, n in s.not_carried.items()]
    if dropped:
        lines += ["", "## Source columns the new schema has no place for", ""]
        lines += ["They stay in the source (keep it, or its backup); rows holding a value:", ""]
        for step, column, rows in dropped:
            lines.append(f"- `{step.source_table}.{column}`: {rows}")
    timed = [s for s in report.steps if s.source_rows]
    if timed:
        lines += ["", "## Time", "", "| table | judge s | write s | rows written/s |"]
        lines += ["|---|---:|---:|---:|"]
        for s in timed:
            write = s.seconds.get("write", 0.0)
            rate = f"{s.written / write:,.0f}" if write and s.written else ""
            lines.append(f"| {s.step} | {s.seconds.get('judge', 0):.1f} | {write:.1f} | {rate} |")
    if report.derived:
        lines += ["", "## Derived", ""]
        lines += [f"- {name}: {value}" for name, value in report.derived.items()]
    return "\n".join(lines) + "\n"


def _summary(report: ImportReport) -> list[str]:
    if report.check:
        lines = ["| table | source rows | to import | to quarantine |", "|---|---:|---:|---:|"]
        lines += [
            f"| {s.step} | {s.source_rows} | {s.to_import} | {s.quarantined_rows} |"
            for s in report.steps
        ]
        return lines
    lines = [
        "| table | source rows | imported (this run) | quarantined | balances |",
        "|---|---:|---:|---:|---|",
    ]
    for s in report.steps:
        sums = "; ".join(
            f"{b.name} {b.source} = {b.imported} + {b.quarantined}"
            + ("" if b.agrees else " **MISMATCH**")
            for b in s.balances
        )
        mark = "" if s.reconciled else " **does not balance**"
        lines.append(
            f"| {s.step} | {s.source_rows} | {s.imported} ({s.written}) | {s.quarantined_rows} "
            f"| {sums}{mark} |"
        )
    return lines
