"""manage.py make_legacy_shop: a legacy shop to rehearse (and measure) the import on."""

from time import perf_counter

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from adoption.sample import add_dirt, create_legacy_schema, fill_clean, sizes


class Command(BaseCommand):
    help = (
        "Create the legacy schema as deployed in SCHEMA of this database (replacing it) and fill "
        "it with a clean shop of --orders orders (two lines, a payment and an invoice each); "
        "--dirty adds rows that break each rule of the new schema."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schema", default="legacy")
        parser.add_argument("--orders", type=int, default=1000)
        parser.add_argument("--dirty", action="store_true")

    def handle(self, *args, schema: str, orders: int, dirty: bool, **options):
        if schema == "public":
            raise CommandError("--schema public is the new schema; choose another name.")
        if orders < 1:
            raise CommandError("--orders must be at least 1.")
        started = perf_counter()

        def done(table: str, rows: int) -> None:
            self.stdout.write(f"{table:<24} {rows:>10,} rows  {perf_counter() - started:7.1f} s")

        with transaction.atomic(), connection.cursor() as cursor:
            create_legacy_schema(cursor, schema)
            fill_clean(cursor, schema, orders=orders, on_statement=done)
            if dirty:
                found = add_dirt(cursor, schema)
                self.stdout.write(f"dirt: {sum(map(len, found.quarantined.values()))} rows")
        size = sizes(orders)
        self.stdout.write(
            f"{schema}: {orders:,} orders, {size['users']:,} customers, "
            f"{size['products']:,} products in {perf_counter() - started:.0f} s"
        )
