"""manage.py db_health: the database's health, as a table for people or JSON for machines."""

import json

from django.core.management.base import BaseCommand, CommandError

from shop.health import LEVELS, health_findings, verdict


class Command(BaseCommand):
    help = (
        "Report table and index sizes, unused and duplicate indexes, foreign keys without an "
        "index, row level security, unvalidated constraints, partitions and stock ledger drift."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the findings as JSON.")
        parser.add_argument(
            "--fail-on",
            choices=LEVELS[1:],
            help="Exit non-zero if a finding is at this level or worse.",
        )

    def handle(self, *args, json: bool, fail_on: str | None, **options):
        findings = health_findings()
        if json:
            self.stdout.write(dumps([finding.as_dict() for finding in findings]))
        else:
            self.stdout.write(table(findings))
            self.stdout.write(verdict(findings))
        if fail_on:
            failing = [f for f in findings if LEVELS.index(f.level) >= LEVELS.index(fail_on)]
            if failing:
                raise CommandError(f"{len(failing)} finding(s) at level {fail_on} or worse.")


def dumps(value) -> str:
    return json.dumps(value, indent=2)


def table(findings) -> str:
    header = ("level", "check", "subject", "detail")
    cells = [header] + [(f.level, f.check, f.subject, f.detail) for f in findings]
    widths = [max(len(row[i]) for row in cells) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in cells
    )
