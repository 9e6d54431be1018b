"""manage.py import_legacy: move the legacy database into the new schema (docs/adopting.md)."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from tqdm import tqdm

from adoption.errors import ImportRefused
from adoption.report import as_json, as_markdown
from adoption.services import Quiet, import_legacy
from shop.db.errors import explain_database_errors


class Command(BaseCommand):
    help = (
        "Import the legacy (pre-plan) database into the migrated schema: every row imported or "
        "quarantined with its rule, then reconciled. --check writes nothing and reports what "
        "the import would do (exit 1 if anything would be quarantined). Exit 2: the source "
        "cannot be read or lacks a table or column the import reads."
    )

    def add_arguments(self, parser):
        where = parser.add_argument_group("source (one of)")
        where.add_argument("--source", metavar="URL", help="another database (its public schema)")
        where.add_argument(
            "--source-schema",
            metavar="NAME",
            help="a schema of this database (Supabase: public renamed to legacy); with --source, "
            "the schema of that database",
        )
        parser.add_argument("--check", action="store_true", help="pre-flight: write nothing")
        parser.add_argument(
            "--zone",
            default="Asia/Kolkata",
            help="the time zone the legacy naive timestamps were written in (default %(default)s)",
        )
        parser.add_argument("--batch-rows", type=int, default=50_000, help="rows per transaction")
        parser.add_argument(
            "--bulk-rows",
            type=int,
            default=50_000,
            help="a table receiving at least this many rows has its indexes and foreign keys "
            "built once after the write (default %(default)s)",
        )
        parser.add_argument(
            "--json", metavar="FILE", help="also write the report as JSON ('-': stdout)"
        )
        parser.add_argument("--markdown", metavar="FILE", help="write the Markdown report to FILE")

    def handle(self, *args, **options):
        with explain_database_errors():
            try:
                report = import_legacy(
                    source_url=options["source"],
                    source_schema=options["source_schema"],
                    zone=options["zone"],
                    check=options["check"],
                    batch_rows=options["batch_rows"],
                    bulk_rows=options["bulk_rows"],
                    progress=self._progress if options["verbosity"] > 0 else Quiet,
                )
            except ImportRefused as refused:
                self.stderr.write(f"import_legacy: {refused.detail} ({refused.code})")
                sys.exit(2 if refused.code.startswith(("source", "zone", "batch", "bulk")) else 1)
        markdown = as_markdown(report)
        if options["markdown"]:
            Path(options["markdown"]).write_text(markdown)
        if options["json"]:
            text = json.dumps(as_json(report), indent=2, default=str)
            if options["json"] == "-":
                self.stdout.write(text)
            else:
                Path(options["json"]).write_text(text)
        if options["json"] != "-":
            self.stdout.write(markdown)
        if report.check and report.quarantined_rows:
            sys.exit(1)
        if not report.check and not report.reconciled:
            self.stderr.write("import_legacy: the reconciliation does not balance (see above)")
            sys.exit(1)

    def _progress(self, step: str, total: int):
        return tqdm(total=total, desc=f"{step:<22}", unit=" rows", file=sys.stderr)
