"""manage.py bench: time the shop's hot paths as the roles that run them (see shop.perf.bench)."""

import importlib.util
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shop.perf.bench import run_bench
from shop.perf.bench_measure import Settings
from shop.perf.bench_report import text, to_json, write_report


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Time the shop's hot read paths as the roles that run them (p50, p95, rows, plan), "
        "side by side with RLS off, the plan's literal policies and without the plan's "
        "indexes (in rolled-back transactions), and the concurrent write paths (which add "
        "rows: run it on a copy, never on production)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--iterations", type=positive, default=200, help="Runs per query.")
        parser.add_argument("--warmup", type=int, default=10, help="Untimed runs first.")
        parser.add_argument(
            "--threads", type=positive, default=8, help="Concurrent connections for writes."
        )
        parser.add_argument(
            "--write-ops", type=positive, default=25, help="Write operations per thread."
        )
        parser.add_argument(
            "--large-table-rows",
            type=positive,
            default=10_000,
            help="A Seq Scan on a relation with this many rows misses the goal.",
        )
        parser.add_argument("--json", action="store_true", help="Print JSON to stdout.")
        parser.add_argument(
            "--report", type=Path, metavar="DIR", help="Write DIR/report.md and DIR/latency.png."
        )
        parser.add_argument("--no-compare", action="store_true", help="Skip the side by side.")
        parser.add_argument("--no-writes", action="store_true", help="Skip the write paths.")
        parser.add_argument(
            "--analyze", action="store_true", help="ANALYZE first (after a bulk load)."
        )
        parser.add_argument(
            "--prefer-indexes",
            action="store_true",
            help="SET enable_seqscan = off: on a tiny database, shows the index that would "
            "serve each path at scale (the timings then mean nothing).",
        )

    def handle(self, *args, **options) -> None:
        # Refused before a run of minutes, not after it.
        if options["report"] and importlib.util.find_spec("matplotlib") is None:
            raise CommandError(
                "bench --report draws its chart with matplotlib, which is not installed: "
                'pip install -e ".[bench]" (or run without --report).'
            )
        report = run_bench(
            settings=Settings(
                iterations=options["iterations"],
                warmup=options["warmup"],
                large_table_rows=options["large_table_rows"],
                prefer_indexes=options["prefer_indexes"],
            ),
            threads=options["threads"],
            write_ops=options["write_ops"],
            compare=not options["no_compare"],
            writes=not options["no_writes"],
            analyze=options["analyze"],
            log=self.log if options["verbosity"] > 0 else lambda line: None,
        )
        if options["report"]:
            for path in write_report(report, options["report"]):
                self.log(f"wrote {path}")
        self.stdout.write(to_json(report) if options["json"] else text(report))
        if report["goals"].get("zero_oversell") is False:
            raise CommandError("oversold: see the write paths' stock problems above")

    def log(self, line: str) -> None:
        # Progress goes to stderr, so --json output on stdout stays parseable.
        self.stderr.write(line, style_func=lambda s: s)
