"""manage.py bench: time the shop's hot paths as the roles that run them (see shop.perf.bench)."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shop.perf.bench import run_bench
from shop.perf.bench_measure import Settings
from shop.perf.bench_report import text, to_json, write_report


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def database_name(url: str) -> str:
    """The database of ``url``, without its password, for a log line."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"


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
        baseline = parser.add_mutually_exclusive_group()
        baseline.add_argument(
            "--baseline",
            type=Path,
            metavar="FILE",
            help="The --json output of a run at a smaller scale: report each path's growth.",
        )
        baseline.add_argument(
            "--baseline-url",
            metavar="URL",
            help="A database at a smaller scale: run its reads first, in this run, with the "
            "same settings, and report each path's growth against them.",
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
        baseline = self.baseline(options)
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
            baseline=baseline,
            log=self.log if options["verbosity"] > 0 else lambda line: None,
        )
        if options["report"]:
            for path in write_report(report, options["report"]):
                self.log(f"wrote {path}")
        self.stdout.write(to_json(report) if options["json"] else text(report))
        if report["goals"].get("zero_oversell") is False:
            raise CommandError("oversold: see the write paths' stock problems above")

    def baseline(self, options: dict) -> dict | None:
        """The baseline run's report: read from --baseline, or measured on --baseline-url."""
        if options["baseline"]:
            try:
                return json.loads(options["baseline"].read_text())
            except (OSError, ValueError) as error:
                raise CommandError(f"--baseline {options['baseline']}: {error}") from error
        if not options["baseline_url"]:
            return None
        self.log(f"baseline: the reads on {database_name(options['baseline_url'])}")
        command = [sys.executable, sys.argv[0], "bench", "--json", "--no-compare", "--no-writes"]
        for option in ("iterations", "warmup", "large_table_rows"):
            command += [f"--{option.replace('_', '-')}", str(options[option])]
        if options["prefer_indexes"]:
            command.append("--prefer-indexes")
        env = {**os.environ, "DATABASE_URL": options["baseline_url"]}
        run = subprocess.run(command, env=env, capture_output=True, text=True)
        if run.returncode != 0:
            raise CommandError(f"the baseline run failed:\n{run.stderr.strip()}")
        return json.loads(run.stdout)

    def log(self, line: str) -> None:
        # Progress goes to stderr, so --json output on stdout stays parseable.
        self.stderr.write(line, style_func=lambda s: s)
