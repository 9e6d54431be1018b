"""Keep the monthly partitions of audit_logs, notifications and payment_webhook_logs up to date.

Safe to run from cron (daily, say): it is idempotent, runs in one transaction and changes
nothing when it fails. See ``shop.partitions`` for what it does.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from shop.partitions import PartitionError, maintain_partitions_as_configured


class Command(BaseCommand):
    help = (
        "Create monthly partitions ahead (SHOPDB_PARTITION_MONTHS_AHEAD), move rows out of the "
        "DEFAULT partitions into their months, and detach partitions older than "
        "SHOPDB_PARTITION_RETENTION_MONTHS (--drop-expired drops them). Prints each change."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be done; change nothing."
        )
        parser.add_argument(
            "--drop-expired",
            action="store_true",
            help=(
                "Drop expired partitions with their rows (and ones detached by earlier runs) "
                "instead of detaching them."
            ),
        )

    def handle(self, *args, dry_run: bool, drop_expired: bool, **options):
        try:
            report = maintain_partitions_as_configured(drop_expired=drop_expired, dry_run=dry_run)
        except PartitionError as error:
            raise CommandError(str(error)) from error
        except DatabaseError as error:
            raise CommandError(f"{str(error).strip()} Nothing was changed.") from error
        for line in report:
            self.stdout.write(line)
