"""Partition maintenance (shop.partitions, manage.py partitions): monthly partitions kept ahead,
rows moved out of the DEFAULT partitions, expired months detached or dropped."""

from datetime import UTC, date, datetime
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from shop import partitions
from shop.partitions import Month, PartitionError, maintain_partitions
from tests.factories import (
    AuditLogFactory,
    NotificationDeliveryLogFactory,
    NotificationFactory,
    PaymentWebhookLogFactory,
)
from tests.support import count_rows, execute, fetch, fetch_one, violates

pytestmark = pytest.mark.django_db

TABLES = ("audit_logs", "notifications", "payment_webhook_logs")
TODAY = date(2026, 3, 15)
DECEMBER = datetime(2025, 12, 5, 12, 0, tzinfo=UTC)
NOVEMBER = datetime(2025, 11, 20, 8, 0, tzinfo=UTC)
APRIL = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)
NOTHING_TO_DO = [f"{table}: nothing to do" for table in TABLES]


def maintain(*, today: date = TODAY, months_ahead: int = 1, retention=None, **options):
    # In a test, rows written earlier in the same transaction still have deferred foreign key
    # checks pending, and PostgreSQL refuses to ALTER a table with pending trigger events. A
    # cron run starts its own transaction.
    execute("SET CONSTRAINTS ALL IMMEDIATE")
    return maintain_partitions(
        today=today, months_ahead=months_ahead, retention=retention or {}, **options
    )


def lines_of(table: str, report: list[str]) -> list[str]:
    return [line for line in report if line.startswith(f"{table}: ")]


def partitions_of(table: str) -> list[tuple[str, str]]:
    return fetch(
        """SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i
           JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass ORDER BY 1""",
        [table],
    )


def bounds(start: str, end: str) -> str:
    return f"FOR VALUES FROM ('{start} 00:00:00+00') TO ('{end} 00:00:00+00')"


def every_partition() -> dict[str, list[tuple[str, str]]]:
    return {table: partitions_of(table) for table in TABLES}


def table_catalog(name: str) -> dict:
    """What a table is made of besides its rows: constraints, indexes, triggers, access."""
    return {
        "constraints": fetch(
            """SELECT conname, contype, conislocal, coninhcount, conparentid <> 0,
                      pg_get_constraintdef(oid)
               FROM pg_constraint WHERE conrelid = %s::regclass ORDER BY 1""",
            [name],
        ),
        "indexes": fetch(
            """SELECT i.relname, pg_get_indexdef(i.oid), i.relispartition
               FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
               WHERE x.indrelid = %s::regclass ORDER BY 1""",
            [name],
        ),
        "triggers": fetch(
            """SELECT tgname, tgenabled, tgparentid <> 0 FROM pg_trigger
               WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY 1""",
            [name],
        ),
        "access": fetch(
            "SELECT relrowsecurity, relforcerowsecurity, relacl::text[] FROM pg_class "
            "WHERE oid = %s::regclass",
            [name],
        ),
    }


def client_privileges(name: str) -> list[tuple]:
    return fetch(
        """SELECT role, privilege, has_table_privilege(role, %s, privilege)
           FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) role,
                unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) privilege
           ORDER BY 1, 2""",
        [name],
    )


def closed_privileges() -> list[tuple]:
    return [
        (role, privilege, role == "service_role")
        for role in ("anon", "authenticated", "service_role")
        for privilege in ("DELETE", "INSERT", "SELECT", "UPDATE")
    ]


def rows_of(table: str) -> dict:
    """Every row of ``table`` as JSON, by id, with the partition it is stored in."""
    rows = fetch(f"SELECT id, tableoid::regclass::text, to_jsonb(t) FROM {table} t")
    return {pk: (stored_in, data) for pk, stored_in, data in rows}


# --- Creating partitions ahead ------------------------------------------------------------------


def test_the_current_month_and_the_months_ahead_get_a_partition_in_every_table():
    report = maintain(months_ahead=2)

    assert report == [
        f"{table}: created {table}_p2026_{month:02d}" for table in TABLES for month in (3, 4, 5)
    ]
    for table in TABLES:
        assert partitions_of(table) == [
            (f"{table}_default", "DEFAULT"),
            (f"{table}_p2026_03", bounds("2026-03-01", "2026-04-01")),
            (f"{table}_p2026_04", bounds("2026-04-01", "2026-05-01")),
            (f"{table}_p2026_05", bounds("2026-05-01", "2026-06-01")),
        ]


def test_a_new_partition_is_closed_to_clients_and_has_the_parents_indexes_and_triggers():
    maintain(months_ahead=0)

    for table in TABLES:
        name = f"{table}_p2026_03"
        assert client_privileges(name) == closed_privileges()
        assert fetch_one("SELECT relrowsecurity FROM pg_class WHERE oid = %s::regclass", [name])
        default = table_catalog(f"{table}_default")
        new = table_catalog(name)
        assert new["triggers"] == default["triggers"]
        assert sorted(definition for *_, definition in new["constraints"]) == sorted(
            definition for *_, definition in default["constraints"]
        )
        assert len(new["indexes"]) == len(default["indexes"])


def test_a_second_run_changes_nothing():
    maintain(months_ahead=2)
    before = every_partition()

    assert maintain(months_ahead=2) == NOTHING_TO_DO
    assert every_partition() == before


def test_a_dry_run_says_what_it_would_do_and_changes_nothing():
    AuditLogFactory(timestamp=DECEMBER)
    before = every_partition()

    report = maintain(months_ahead=0, dry_run=True)

    assert report == [
        "audit_logs: would create audit_logs_p2025_12",
        "audit_logs: would create audit_logs_p2026_03",
        "audit_logs: would move 1 row of 2025-12 from audit_logs_default into audit_logs_p2025_12",
        "notifications: would create notifications_p2026_03",
        "payment_webhook_logs: would create payment_webhook_logs_p2026_03",
    ]
    assert every_partition() == before


@pytest.mark.parametrize("table", TABLES)
def test_a_query_for_one_month_scans_exactly_that_months_partition(table):
    maintain(months_ahead=2)
    key = partitions.PARTITIONED_TABLES[table]

    plan = fetch_one(
        f"EXPLAIN (FORMAT JSON) SELECT * FROM {table} "
        f"WHERE {key} >= '2026-03-01' AND {key} < '2026-04-01'"
    )

    def scanned(node: dict) -> list[str]:
        own = [node["Relation Name"]] if "Relation Name" in node else []
        return own + [name for child in node.get("Plans", []) for name in scanned(child)]

    assert scanned(plan[0]["Plan"]) == [f"{table}_p2026_03"]


# --- Moving rows out of the DEFAULT partition -------------------------------------------------

# Like the audit trail's own append-only trigger (same constraint name), installed here so the
# test holds whichever triggers audit_logs has.
REFUSE_CHANGES_SQL = """
CREATE FUNCTION public.test_refuse_changes() RETURNS trigger LANGUAGE plpgsql SET search_path = ''
AS $$ BEGIN RAISE EXCEPTION 'audit_logs is append-only' USING ERRCODE = 'check_violation',
    CONSTRAINT = 'audit_logs_append_only'; END $$;
CREATE TRIGGER test_append_only BEFORE UPDATE OR DELETE ON public.audit_logs
    FOR EACH ROW EXECUTE FUNCTION public.test_refuse_changes();
"""


def assert_changes_refused(pk) -> None:
    for sql in (
        "DELETE FROM audit_logs WHERE id = %s",
        "UPDATE audit_logs SET action = 'other' WHERE id = %s",
    ):
        with violates("audit_logs_append_only"):
            execute(sql, [pk])


def test_rows_in_the_default_partition_move_to_their_month_even_when_deletes_are_refused():
    # Audit logs are append-only (a trigger refuses UPDATE and DELETE): moving rows out of
    # the DEFAULT partition must not depend on deleting them there.
    execute(REFUSE_CHANGES_SQL)
    old = AuditLogFactory.create_batch(2, timestamp=DECEMBER)
    ahead = AuditLogFactory(timestamp=APRIL)
    before, default_before = rows_of("audit_logs"), table_catalog("audit_logs_default")
    assert {stored_in for stored_in, _ in before.values()} == {"audit_logs_default"}

    report = maintain()

    assert lines_of("audit_logs", report) == [
        "audit_logs: created audit_logs_p2025_12",
        "audit_logs: created audit_logs_p2026_03",
        "audit_logs: created audit_logs_p2026_04",
        "audit_logs: moved 2 rows of 2025-12 from audit_logs_default into audit_logs_p2025_12",
        "audit_logs: moved 1 row of 2026-04 from audit_logs_default into audit_logs_p2026_04",
    ]
    after = rows_of("audit_logs")
    assert after == {
        pk: ("audit_logs_p2025_12" if pk in {e.pk for e in old} else "audit_logs_p2026_04", data)
        for pk, (_, data) in before.items()
    }
    assert ahead.pk in after
    # The DEFAULT partition is attached again exactly as it was, the refusing trigger with it,
    # and the new partitions refuse changes too.
    assert table_catalog("audit_logs_default") == default_before
    assert_changes_refused(old[0].pk)
    stray = AuditLogFactory(timestamp=datetime(2019, 3, 5, tzinfo=UTC))
    assert rows_of("audit_logs")[stray.pk][0] == "audit_logs_default"
    assert_changes_refused(stray.pk)
    assert maintain() == [
        "audit_logs: created audit_logs_p2019_03",
        "audit_logs: moved 1 row of 2019-03 from audit_logs_default into audit_logs_p2019_03",
        "notifications: nothing to do",
        "payment_webhook_logs: nothing to do",
    ]


def test_a_moved_webhook_keeps_its_one_claim_and_a_redelivery_is_still_refused():
    # Moving re-inserts the row; the trigger claiming its event id must not run again.
    delivered = PaymentWebhookLogFactory(created_at=DECEMBER)
    claims = fetch("SELECT provider, event_id FROM payment_webhook_events")
    audit_rows = count_rows("audit_logs")

    report = maintain()

    assert lines_of("payment_webhook_logs", report)[-1] == (
        "payment_webhook_logs: moved 1 row of 2025-12 from payment_webhook_logs_default "
        "into payment_webhook_logs_p2025_12"
    )
    assert rows_of("payment_webhook_logs")[delivered.pk][0] == "payment_webhook_logs_p2025_12"
    assert fetch("SELECT provider, event_id FROM payment_webhook_events") == claims
    assert count_rows("audit_logs") == audit_rows
    with violates("uq_payment_webhook_events_event"):
        PaymentWebhookLogFactory(created_at=DECEMBER, event_id=delivered.event_id)


FK_SQL = """SELECT oid, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conname = 'notification_delivery_logs_notification_fk'"""


def test_moving_notifications_keeps_their_delivery_logs_and_the_foreign_key():
    # A row moved by DELETE and INSERT would take its delivery logs with it (ON DELETE CASCADE).
    moved = NotificationFactory(created_at=DECEMBER)
    logs = NotificationDeliveryLogFactory.create_batch(2, notification=moved)
    other_log = NotificationDeliveryLogFactory(
        notification=NotificationFactory(created_at=datetime(2026, 3, 2, tzinfo=UTC))
    )
    definition = fetch(FK_SQL)[0][1]
    default_before = table_catalog("notifications_default")

    report = maintain(months_ahead=0)

    assert lines_of("notifications", report) == [
        "notifications: created notifications_p2025_12",
        "notifications: created notifications_p2026_03",
        "notifications: moved 1 row of 2025-12 from notifications_default "
        "into notifications_p2025_12",
        "notifications: moved 1 row of 2026-03 from notifications_default "
        "into notifications_p2026_03",
    ]
    assert rows_of("notifications")[moved.pk][0] == "notifications_p2025_12"
    assert fetch(
        "SELECT id FROM notification_delivery_logs WHERE notification_id = %s ORDER BY id",
        [moved.pk],
    ) == sorted((log.pk,) for log in logs)
    assert count_rows("notification_delivery_logs") == 3
    assert table_catalog("notifications_default") == default_before
    # The foreign key is back, on every partition, and still cascades.
    [(fk, after)] = fetch(FK_SQL)
    assert after == definition
    assert fetch_one("SELECT count(*) FROM pg_constraint WHERE conparentid = %s", [fk]) == len(
        partitions_of("notifications")
    )
    execute("DELETE FROM notifications WHERE id = %s", [moved.pk])
    assert fetch("SELECT id FROM notification_delivery_logs") == [(other_log.pk,)]


# --- Retention ----------------------------------------------------------------------------------

EXPIRY = "past the retention of 2 months"


def test_expired_partitions_are_detached_and_kept_and_dropped_only_when_asked():
    maintain(today=date(2025, 11, 15))  # November and December 2025
    old = AuditLogFactory(timestamp=NOVEMBER)
    kept = AuditLogFactory(timestamp=datetime(2026, 1, 3, tzinfo=UTC))
    retention = {"audit_logs": 2}  # in March 2026: January to March

    report = maintain(retention=retention)

    assert lines_of("audit_logs", report) == [
        "audit_logs: created audit_logs_p2026_01",
        "audit_logs: created audit_logs_p2026_03",
        "audit_logs: created audit_logs_p2026_04",
        "audit_logs: moved 1 row of 2026-01 from audit_logs_default into audit_logs_p2026_01",
        f"audit_logs: detached audit_logs_p2025_11 ({EXPIRY}); it stays as a table, closed to "
        "clients",
        f"audit_logs: detached audit_logs_p2025_12 ({EXPIRY}); it stays as a table, closed to "
        "clients",
    ]
    assert [name for name, _ in partitions_of("audit_logs")] == [
        "audit_logs_default",
        "audit_logs_p2026_01",
        "audit_logs_p2026_03",
        "audit_logs_p2026_04",
    ]
    assert fetch("SELECT id FROM audit_logs") == [(kept.pk,)]
    assert fetch("SELECT id FROM audit_logs_p2025_11") == [(old.pk,)]
    assert client_privileges("audit_logs_p2025_11") == closed_privileges()
    assert maintain(retention=retention) == NOTHING_TO_DO

    assert lines_of("audit_logs", maintain(retention=retention, drop_expired=True)) == [
        f"audit_logs: dropped audit_logs_p2025_11 (detached earlier, {EXPIRY})",
        f"audit_logs: dropped audit_logs_p2025_12 (detached earlier, {EXPIRY})",
    ]
    assert fetch(
        "SELECT to_regclass('audit_logs_p2025_11'), to_regclass('audit_logs_p2025_12')"
    ) == [(None, None)]
    assert fetch("SELECT id FROM audit_logs") == [(kept.pk,)]


def test_an_expired_notifications_month_still_referenced_is_kept_until_dropped_with_its_logs():
    maintain(today=date(2025, 11, 15), months_ahead=0)
    old = NotificationFactory(created_at=NOVEMBER)
    NotificationDeliveryLogFactory(notification=old)
    current_log = NotificationDeliveryLogFactory(
        notification=NotificationFactory(created_at=datetime(2026, 3, 2, tzinfo=UTC))
    )
    retention = {"notifications": 2}

    assert lines_of("notifications", maintain(months_ahead=0, retention=retention)) == [
        "notifications: created notifications_p2026_03",
        "notifications: moved 1 row of 2026-03 from notifications_default "
        "into notifications_p2026_03",
        f"notifications: kept notifications_p2025_11 attached although {EXPIRY}: rows of "
        "notification_delivery_logs refer to its rows (--drop-expired deletes them with it)",
    ]
    assert count_rows("notifications", id=old.pk) == 1

    report = maintain(months_ahead=0, retention=retention, drop_expired=True)

    assert lines_of("notifications", report) == [
        f"notifications: dropped notifications_p2025_11 ({EXPIRY})"
    ]
    assert fetch_one("SELECT to_regclass('notifications_p2025_11')") is None
    assert count_rows("notifications", id=old.pk) == 0
    assert fetch("SELECT id FROM notification_delivery_logs") == [(current_log.pk,)]
    assert fetch(FK_SQL)[0][1] == (
        "FOREIGN KEY (notification_id, notification_created_at) "
        "REFERENCES notifications(id, created_at) ON DELETE CASCADE"
    )


# --- Refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("months_ahead", "retention", "message"),
    [
        (
            -1,
            {},
            "Months ahead (SHOPDB_PARTITION_MONTHS_AHEAD) must be a whole number from 0 to 24, "
            "not -1.",
        ),
        (
            25,
            {},
            "Months ahead (SHOPDB_PARTITION_MONTHS_AHEAD) must be a whole number from 0 to 24, "
            "not 25.",
        ),
        (
            "3",
            {},
            "Months ahead (SHOPDB_PARTITION_MONTHS_AHEAD) must be a whole number from 0 to 24, "
            "not '3'.",
        ),
        (
            3,
            {"orders": 12},
            "SHOPDB_PARTITION_RETENTION_MONTHS names 'orders': only the partitioned tables "
            "(audit_logs, notifications, payment_webhook_logs) have a retention.",
        ),
        (
            3,
            {"audit_logs": 0},
            "SHOPDB_PARTITION_RETENTION_MONTHS['audit_logs'] must be a whole number of months, "
            "1 or more, or None to keep every month; not 0.",
        ),
        (
            3,
            {"notifications": 1.5},
            "SHOPDB_PARTITION_RETENTION_MONTHS['notifications'] must be a whole number of months, "
            "1 or more, or None to keep every month; not 1.5.",
        ),
        (
            3,
            [("audit_logs", 12)],
            "SHOPDB_PARTITION_RETENTION_MONTHS must map table names to months, "
            "not [('audit_logs', 12)].",
        ),
    ],
)
def test_bad_settings_are_refused_naming_the_rule(months_ahead, retention, message):
    before = every_partition()
    with pytest.raises(PartitionError) as refused:
        maintain_partitions(today=TODAY, months_ahead=months_ahead, retention=retention)
    assert str(refused.value) == message
    assert every_partition() == before


def test_a_month_whose_name_is_taken_by_a_detached_table_is_refused_and_nothing_changes():
    execute("CREATE TABLE audit_logs_p2025_12 (LIKE audit_logs)")
    entry = AuditLogFactory(timestamp=DECEMBER)
    before = every_partition()

    with pytest.raises(PartitionError) as refused:
        maintain()

    assert str(refused.value) == (
        "Cannot create audit_logs_p2025_12 for audit_logs: a table of that name exists and is "
        "not a partition of audit_logs (detached as expired?). Attach, rename or drop it "
        "(--drop-expired drops expired ones). Nothing was changed."
    )
    assert every_partition() == before
    assert rows_of("audit_logs")[entry.pk][0] == "audit_logs_default"


def test_a_busy_table_is_refused_after_the_lock_timeout_and_nothing_changes(monkeypatch):
    monkeypatch.setattr(partitions, "LOCK_TIMEOUT", "100ms")
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    before = every_partition()
    with psycopg.connect(**params) as other:
        other.execute("LOCK TABLE payment_webhook_logs IN ACCESS SHARE MODE")
        with pytest.raises(PartitionError) as refused:
            maintain()
    assert str(refused.value) == (
        "payment_webhook_logs is busy: it could not be locked within 100ms. Nothing was "
        "changed; run again later."
    )
    assert every_partition() == before


# --- The command --------------------------------------------------------------------------------


def run_command(*args: str) -> list[str]:
    execute("SET CONSTRAINTS ALL IMMEDIATE")
    out = StringIO()
    call_command("partitions", *args, stdout=out)
    return out.getvalue().splitlines()


def test_the_command_keeps_the_settings_months_ahead_and_a_second_run_does_nothing(settings):
    settings.SHOPDB_PARTITION_MONTHS_AHEAD = 1
    this_month = Month.of(timezone.now().date())
    names = [f"p{m.year:04d}_{m.month:02d}" for m in (this_month, this_month.plus(1))]

    assert run_command("--dry-run") == [
        f"{table}: would create {table}_{name}" for table in TABLES for name in names
    ]
    assert run_command() == [
        f"{table}: created {table}_{name}" for table in TABLES for name in names
    ]
    assert run_command() == NOTHING_TO_DO


def test_the_command_fails_with_the_rule_it_broke(settings):
    settings.SHOPDB_PARTITION_RETENTION_MONTHS = {"audit_logs": -3}
    before = every_partition()
    with pytest.raises(CommandError) as refused:
        run_command()
    assert str(refused.value) == (
        "SHOPDB_PARTITION_RETENTION_MONTHS['audit_logs'] must be a whole number of months, "
        "1 or more, or None to keep every month; not -3."
    )
    assert every_partition() == before
