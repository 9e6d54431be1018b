"""The migration history is reversible: to zero and forward again leaves the same schema,
with every table holding rows as a shop's do."""

import re
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from shop import seeds
from shop.partitions import (
    PARTITIONED_TABLES,
    Month,
    maintain_partitions,
    maintain_partitions_as_configured,
)
from tests import factories
from tests.support import count_rows, execute, fetch
from tests.test_factories import factory_by_model
from tests.test_schema import PLAN_TABLES, project_models

SNAPSHOT_QUERIES = {
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), a.attgenerated
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v')
          AND a.attnum > 0 AND NOT a.attisdropped""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace
          AND conparentid = 0  -- a partition's clone of its parent's constraint follows it""",
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'""",
    "triggers": """
        SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid)
        FROM pg_trigger WHERE NOT tgisinternal""",
    "functions": """
        SELECT p.pronamespace::regnamespace::text || '.' || p.proname,
               pg_get_function_identity_arguments(p.oid), p.proconfig::text, p.prosecdef
        FROM pg_proc p
        WHERE p.pronamespace::regnamespace::text IN ('public', 'private', 'auth')""",
    "row_level_security": """
        SELECT relname, relforcerowsecurity FROM pg_class
        WHERE relnamespace = 'public'::regnamespace AND relrowsecurity""",
    "policies": """
        SELECT tablename, policyname, cmd, roles::text, qual, with_check
        FROM pg_policies""",
    "grants": """
        SELECT table_name, grantee, privilege_type FROM information_schema.role_table_grants
        WHERE grantee IN ('anon', 'authenticated', 'service_role')""",
    "comments": """
        SELECT c.relname, obj_description(c.oid, 'pg_class')
        FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace""",
}


# A month no partition covers: its rows stay in the DEFAULT partition.
LONG_AGO = datetime(2020, 1, 15, 12, 0, tzinfo=UTC)


# Monthly partitions are made at run time (`manage.py partitions`, seed_volume), not by the
# migrations: earlier tests may have left some, which a migration back does not bring back.
MONTHLY_PARTITION = re.compile(r"_p\d{4}_\d{2}")


def schema_snapshot() -> dict[str, set[tuple]]:
    return {name: set(fetch(sql)) for name, sql in SNAPSHOT_QUERIES.items()}


def migrations_own(snapshot: dict[str, set[tuple]]) -> dict[str, set[tuple]]:
    """The snapshot without the monthly partitions' objects."""
    return {
        name: {row for row in rows if not MONTHLY_PARTITION.search(" ".join(map(str, row)))}
        for name, rows in snapshot.items()
    }


def fill_every_table() -> None:
    """A shop as it runs: monthly partitions made ahead by `manage.py partitions`, the defaults
    and the demo shop made through the services, a row from its factory in every table they
    leave empty, and rows of a month without a partition in each DEFAULT partition."""
    # The demo's rows land in the DEFAULT partitions (a fresh database has no monthly ones):
    # `partitions` then moves them, as on a new machine running `./quickstart --demo`.
    seeds.apply_defaults(dry_run=False)
    seeds.load_demo()
    maintain_partitions_as_configured()
    by_model = factory_by_model()
    for model in project_models():
        if count_rows(model._meta.db_table) == 0:
            by_model[model]()
    factories.AuditLogFactory(timestamp=LONG_AGO)
    factories.PaymentWebhookLogFactory(created_at=LONG_AGO)
    # A row elsewhere refers to a row in a DEFAULT partition.
    factories.NotificationDeliveryLogFactory(
        notification=factories.NotificationFactory(created_at=LONG_AGO)
    )


def partitions_holding_rows(table: str) -> set[str]:
    return {name for (name,) in fetch(f"SELECT DISTINCT tableoid::regclass::text FROM {table}")}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_whole_history_migrates_to_zero_and_back_with_rows_in_every_table():
    migrated = schema_snapshot()
    django_only = {
        name: {row for row in rows if str(row[0]).startswith(("auth_", "django_"))}
        for name, rows in migrated.items()
    }

    fill_every_table()
    assert {table for table in PLAN_TABLES if count_rows(table) == 0} == set()
    this_month = Month.of(timezone.now().date())
    assert {table: partitions_holding_rows(table) for table in PARTITIONED_TABLES} == {
        table: {f"{table}_p{this_month.year:04d}_{this_month.month:02d}", f"{table}_default"}
        for table in PARTITIONED_TABLES
    }

    # Every app's first migration depends on shop.0001, so this unapplies the project's whole
    # history (and Django's admin, whose log points at users). The partitions made at run time
    # are not the migrations' own: they must go with their tables all the same.
    call_command("migrate", "shop", "zero", verbosity=0)
    emptied = schema_snapshot()
    leftovers = {name: rows - django_only[name] for name, rows in emptied.items()}
    assert leftovers == {name: set() for name in leftovers}

    call_command("migrate", verbosity=0)
    assert migrations_own(schema_snapshot()) == migrations_own(migrated)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # some migrations build indexes CONCURRENTLY
def test_a_partition_detached_as_expired_does_not_stop_the_migration_to_zero():
    factories.AuditLogFactory(timestamp=LONG_AGO)
    with transaction.atomic():
        # Moving the row out of DEFAULT queues its foreign key checks, and a table cannot be
        # altered while they are pending in the transaction.
        execute("SET CONSTRAINTS ALL IMMEDIATE")
        report = maintain_partitions(
            today=date(2020, 3, 15), months_ahead=0, retention={"audit_logs": 1}
        )
    assert (
        "audit_logs: detached audit_logs_p2020_01 (past the retention of 1 months); it stays "
        "as a table, closed to clients" in report
    )

    try:
        call_command("migrate", "shop", "zero", verbosity=0)
        project = ("shop", "accounts", "catalog", "orders", "content", "notifications", "admin")
        assert (
            fetch("SELECT app, name FROM django_migrations WHERE app = ANY (%s)", [list(project)])
            == []
        )
        # The archive stays, rows and all: it is the shop's data, not the migrations' schema.
        assert fetch("SELECT count(*) FROM audit_logs_p2020_01") == [(1,)]
    finally:
        call_command("migrate", verbosity=0)
        execute("DROP TABLE IF EXISTS audit_logs_p2020_01")
