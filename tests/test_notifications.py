"""notifications: the database's rules on templates, notifications, preferences and deliveries."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import Notification, NotificationTemplate
from tests.factories import (
    NotificationDeliveryLogFactory,
    NotificationFactory,
    NotificationPreferenceFactory,
    NotificationTemplateFactory,
    UserFactory,
)
from tests.support import execute, fetch, fetch_one, violates

pytestmark = pytest.mark.django_db


def test_template_codes_are_snake_case_and_channels_known():
    for bad in ("OrderPlaced", "order-placed", "1st_order", "_order", ""):
        with violates("notification_templates_code_format"):
            NotificationTemplateFactory(code=bad)
    with violates("notification_templates_channel_valid"):
        NotificationTemplateFactory(channel="fax")
    template = NotificationTemplateFactory(code="otp_login2", channel="sms")
    assert (template.code, template.channel) == ("otp_login2", "sms")


def test_one_live_template_per_code_and_channel():
    email = NotificationTemplateFactory(code="order_placed", channel="email")
    with violates("uq_notification_templates_code_channel"):
        NotificationTemplateFactory(code="order_placed", channel="email")
    push = NotificationTemplateFactory(code="order_placed", channel="push")

    email.delete()
    again = NotificationTemplateFactory(code="order_placed", channel="email")
    assert set(NotificationTemplate.objects.filter(code="order_placed")) == {push, again}
    assert (
        NotificationTemplate.all_objects.filter(code="order_placed", channel="email").count() == 2
    )


def test_notification_type_and_data_shape():
    with violates("notifications_type_valid"):
        NotificationFactory(type="marketing")
    for bad in (["order_number"], "SO-1042", 42):
        with violates("notifications_data_object"):
            NotificationFactory(data=bad)
    note = NotificationFactory(type="payment", data={})
    assert fetch("SELECT type, data::text FROM notifications WHERE id = %s", [note.pk]) == [
        ("payment", "{}")
    ]


def test_check_channels_accepts_only_an_array_of_known_channel_names():
    for bad in (["fax"], [1], "email", ["email", "fax"], ["email", ["sms"]], {"email": True}):
        with violates("check_channels"):
            NotificationFactory(channels=bad)
    with violates("check_channels"):
        execute(
            "UPDATE notifications SET channels = '[\"pigeon\"]' WHERE id = %s",
            [NotificationFactory().pk],
        )

    note = NotificationFactory(channels=["email", "in_app"])
    assert fetch_one("SELECT channels::text FROM notifications WHERE id = %s", [note.pk]) == (
        '["email", "in_app"]'
    )
    assert Notification.objects.get(pk=NotificationFactory(channels=[]).pk).channels == []


def test_read_at_is_set_exactly_when_the_notification_is_read():
    with violates("notifications_read_at_matches_is_read"):
        NotificationFactory(is_read=True, read_at=None)
    with violates("notifications_read_at_matches_is_read"):
        NotificationFactory(is_read=False, read_at=timezone.now())
    unread = NotificationFactory()
    with violates("notifications_read_at_matches_is_read"):
        execute("UPDATE notifications SET is_read = true WHERE id = %s", [unread.pk])

    execute("UPDATE notifications SET is_read = true, read_at = now() WHERE id = %s", [unread.pk])
    read = NotificationFactory(read=True)
    assert fetch(
        "SELECT is_read, read_at IS NOT NULL FROM notifications WHERE id IN (%s, %s)",
        [unread.pk, read.pk],
    ) == [(True, True), (True, True)]


def test_a_user_has_one_preference_per_channel_and_type():
    with violates("notification_preferences_channel_valid"):
        NotificationPreferenceFactory(channel="fax")
    with violates("notification_preferences_type_valid"):
        NotificationPreferenceFactory(type="newsletter")

    preference = NotificationPreferenceFactory(channel="sms", type="promotion")
    with violates("uq_notification_preferences_user_channel_type"):
        NotificationPreferenceFactory(user=preference.user, channel="sms", type="promotion")
    NotificationPreferenceFactory(user=preference.user, channel="email", type="promotion")
    NotificationPreferenceFactory(user=preference.user, channel="sms", type="order")
    assert fetch(
        "SELECT channel, type FROM notification_preferences WHERE user_id = %s "
        "ORDER BY channel, type",
        [preference.user_id],
    ) == [("email", "promotion"), ("sms", "order"), ("sms", "promotion")]


def test_delivery_log_status_channel_attempt_and_timestamps_agree():
    with violates("notification_delivery_logs_status_valid"):
        NotificationDeliveryLogFactory(status="opened")
    with violates("notification_delivery_logs_channel_valid"):
        NotificationDeliveryLogFactory(channel="fax")
    with violates("notification_delivery_logs_attempt_number_min"):
        NotificationDeliveryLogFactory(attempt_number=0)
    for status in ("sent", "delivered"):
        with violates("notification_delivery_logs_sent_has_sent_at"):
            NotificationDeliveryLogFactory(status=status, sent_at=None, delivered_at=timezone.now())
    with violates("notification_delivery_logs_delivered_at"):
        NotificationDeliveryLogFactory(status="delivered", sent_at=timezone.now())

    queued = NotificationDeliveryLogFactory()
    failed = NotificationDeliveryLogFactory(
        notification=queued.notification, status="failed", attempt_number=2, error_message="554"
    )
    delivered = NotificationDeliveryLogFactory(notification=queued.notification, delivered=True)
    assert fetch(
        "SELECT status, attempt_number, sent_at IS NOT NULL, delivered_at IS NOT NULL "
        "FROM notification_delivery_logs WHERE id IN (%s, %s, %s) ORDER BY status",
        [queued.pk, failed.pk, delivered.pk],
    ) == [("delivered", 1, True, True), ("failed", 2, False, False), ("queued", 1, False, False)]


def test_a_delivery_log_gets_its_notifications_created_at_from_the_database():
    note = NotificationFactory()
    # What a writer sends is ignored: the trigger copies the partition key from the notification.
    NotificationDeliveryLogFactory(
        notification=note, notification_created_at=note.created_at + timedelta(seconds=1)
    )
    execute(
        "INSERT INTO notification_delivery_logs (notification_id, channel) VALUES (%s, 'sms')",
        [note.pk],
    )
    assert fetch(
        "SELECT notification_created_at FROM notification_delivery_logs WHERE notification_id = %s",
        [note.pk],
    ) == [(note.created_at,), (note.created_at,)]

    with violates("notification_delivery_logs_notification_fk"):
        execute(
            "INSERT INTO notification_delivery_logs (notification_id, channel) "
            "VALUES (uuid_generate_v7(), 'email')"
        )
    # The composite foreign key keeps a notification from leaving its logs behind.
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        execute(
            "UPDATE notifications SET created_at = created_at - interval '1 second' WHERE id = %s",
            [note.pk],
        )
    assert caught.value.__cause__.diag.sqlstate == "23503"


def test_deleting_a_notification_in_sql_deletes_its_delivery_logs_in_every_partition():
    execute(
        "CREATE TABLE notifications_2019_03 PARTITION OF notifications "
        "FOR VALUES FROM ('2019-03-01') TO ('2019-04-01')"
    )
    current = NotificationFactory()
    old = NotificationFactory(created_at=datetime(2019, 3, 5, 12, 0, tzinfo=UTC))
    partition = "SELECT tableoid::regclass::text FROM notifications WHERE id = %s"
    assert fetch_one(partition, [old.pk]) == "notifications_2019_03"
    assert fetch_one(partition, [current.pk]) != "notifications_2019_03"
    kept = NotificationDeliveryLogFactory()
    for note in (current, old):
        NotificationDeliveryLogFactory.create_batch(2, notification=note)

    logs = "SELECT count(*) FROM notification_delivery_logs WHERE notification_id = %s"
    for note in (current, old):
        assert fetch_one(logs, [note.pk]) == 2
        execute("DELETE FROM notifications WHERE id = %s", [note.pk])
        assert fetch_one(logs, [note.pk]) == 0
    assert fetch("SELECT id FROM notification_delivery_logs WHERE id = %s", [kept.pk]) == [
        (kept.pk,)
    ]


def test_deleting_a_template_in_sql_keeps_its_notifications_without_it():
    template = NotificationTemplateFactory()
    note = NotificationFactory(template=template)

    execute("DELETE FROM notification_templates WHERE id = %s", [template.pk])

    assert fetch("SELECT template_id, title FROM notifications WHERE id = %s", [note.pk]) == [
        (None, note.title)
    ]


def test_deleting_a_user_in_sql_deletes_their_notifications_and_preferences():
    user = UserFactory()
    other = UserFactory()
    note = NotificationFactory(user=user)
    NotificationFactory(user=user).delete()  # soft-deleted ones go too
    log = NotificationDeliveryLogFactory(notification=note)
    NotificationPreferenceFactory(user=user)
    kept_note = NotificationFactory(user=other)
    kept_preference = NotificationPreferenceFactory(user=other)

    execute("DELETE FROM users WHERE id = %s", [user.pk])

    for table in ("notifications", "notification_preferences"):
        assert fetch_one(f"SELECT count(*) FROM {table} WHERE user_id = %s", [user.pk]) == 0
    assert fetch_one("SELECT count(*) FROM notification_delivery_logs WHERE id = %s", [log.pk]) == 0
    assert fetch("SELECT user_id FROM notifications WHERE id = %s", [kept_note.pk]) == [(other.pk,)]
    assert fetch(
        "SELECT user_id FROM notification_preferences WHERE id = %s", [kept_preference.pk]
    ) == [(other.pk,)]
