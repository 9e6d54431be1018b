"""Partitioned tables: ordinary models to Django, range-partitioned by month in PostgreSQL."""

from datetime import UTC, datetime

import pytest

from notifications.models import Notification
from shop.models import AuditLog
from tests.factories import UserFactory
from tests.support import execute, fetch

pytestmark = pytest.mark.django_db

LONG_AGO = datetime(2019, 3, 5, 12, 0, tzinfo=UTC)


def partition_of(table: str, pk) -> str:
    return fetch(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])[0][0]


def test_a_row_for_a_month_without_a_partition_lands_in_the_default_partition():
    old = AuditLog.objects.create(action="login", timestamp=LONG_AGO)
    assert partition_of("audit_logs", old.pk) == "audit_logs_default"
    assert AuditLog.objects.get(pk=old.pk).timestamp == LONG_AGO

    user = UserFactory()
    note = Notification.objects.create(
        user=user, type="system", title="Welcome", created_at=LONG_AGO
    )
    assert partition_of("notifications", note.pk) == "notifications_default"


def test_a_row_goes_to_its_month_partition_once_one_exists():
    execute(
        "CREATE TABLE audit_logs_2019_03 PARTITION OF audit_logs "
        "FOR VALUES FROM ('2019-03-01') TO ('2019-04-01')"
    )
    entry = AuditLog.objects.create(action="logout", timestamp=LONG_AGO)
    assert partition_of("audit_logs", entry.pk) == "audit_logs_2019_03"
    # The partition got the parent's triggers, constraints and indexes.
    assert fetch(
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_logs_2019_03'::regclass "
        "AND tgname LIKE 'pgtrigger_keep_audit_fields_%%'"
    ) == [(1,)]


def test_the_orm_updates_and_deletes_partitioned_rows_by_id():
    user = UserFactory()
    note = Notification.objects.create(user=user, type="order", title="Shipped")
    Notification.objects.filter(pk=note.pk).update(is_read=True, read_at=note.created_at)
    note.refresh_from_db()
    assert note.is_read is True
    note.delete()
    assert not Notification.objects.filter(pk=note.pk).exists()
    note.hard_delete()
    assert fetch("SELECT count(*) FROM notifications WHERE id = %s", [note.pk]) == [(0,)]
