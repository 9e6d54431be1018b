"""Create the rows every shop starts with: roles, permissions, grants, templates, a location.

Idempotent and safe to rerun: only what is missing is created, nothing an admin edited or
deleted is touched (see ``shop.seeds``). ``--demo`` also loads a small demo shop, once.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from shop.seeds import DemoRefused, apply_defaults, load_demo


class Command(BaseCommand):
    help = (
        "Create the default roles, permissions, role permissions, notification templates and "
        "inventory location that are missing; never changes existing rows. Prints a summary "
        "and the defaults an admin removed; each row created with -v 2 or --dry-run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be created; write nothing."
        )
        parser.add_argument(
            "--demo",
            action="store_true",
            help=(
                "Also load a small demo shop (customers, products, stock, orders, a refund, an "
                "invoice) to try the admin. Needs the dev extras; refused once loaded."
            ),
        )

    def handle(self, *args, dry_run: bool, demo: bool, verbosity: int, **options):
        if dry_run and demo:
            raise CommandError("--demo cannot be combined with --dry-run.")
        try:
            # One transaction: a demo that fails leaves no defaults half-explained behind.
            with transaction.atomic():
                report = apply_defaults(dry_run=dry_run)
                demo_lines = load_demo() if demo else []
        except DemoRefused as error:
            raise CommandError(f"seed_defaults --demo refused: {error}") from error
        except (DatabaseError, ValidationError) as error:
            raise CommandError(f"seed_defaults failed, nothing was written: {error}") from error
        rows = report.lines if dry_run or verbosity >= 2 else report.notes
        for line in [*rows, report.summary, *demo_lines]:
            self.stdout.write(line)
