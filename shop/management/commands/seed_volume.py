"""manage.py seed_volume --scale N: an empty shop filled with a realistic history, for benchmarks.

See ``shop.perf.volume``. Prints each table's rows, seconds and rows/s as it is loaded, the
triggers switched off (and why that is safe), then ANALYZE and the total time.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from shop.perf.volume import REPLACED_TRIGGERS, VolumeRefused, seed_volume


class Command(BaseCommand):
    help = (
        "Fill an empty database with a skewed, 24-month shop history: at --scale 1 about 100k "
        "customers, 20k products (60k variants), 1M orders (3M items), 200k carts, 2M "
        "notifications and the audit trail, stock ledgers, payments and invoices that go with "
        "them. One transaction; refused when the database holds orders or products."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, required=True, help="1 is the full size; 0.01 a hundredth."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Seed of random(): the same seed, the same shop."
        )
        parser.add_argument(
            "--fire-noop-triggers",
            action="store_true",
            help=(
                "Leave on the triggers that do nothing for these INSERTs (keep_audit_fields), "
                "to measure what switching them off saves."
            ),
        )

    def handle(self, *args, scale: float, seed: int, fire_noop_triggers: bool, **options):
        try:
            report = seed_volume(
                scale=scale, seed=seed, write=self.stdout.write, quiet_noop=not fire_noop_triggers
            )
        except VolumeRefused as error:
            raise CommandError(f"seed_volume refused: {error} Nothing was written.") from error
        except DatabaseError as error:
            raise CommandError(
                f"seed_volume failed, nothing was written (one transaction): {error}"
            ) from error
        self.stdout.write("triggers off during their table's load:")
        for table, triggers in report.disabled.items():
            self.stdout.write(f"  {table}: {', '.join(triggers)}")
        for trigger in sorted({t for triggers in report.disabled.values() for t in triggers}):
            self.stdout.write(f"  {trigger}: {REPLACED_TRIGGERS[trigger]}")
        rows = sum(t.rows for t in report.timings if not t.table.startswith("(staging)"))
        self.stdout.write(
            f"loaded {rows:,} rows at scale {scale} in {report.seconds:.1f} s "
            f"({rows / report.seconds:,.0f} rows/s)"
        )
