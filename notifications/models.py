"""Notifications to users, their templates, users' preferences and the delivery attempts."""

import pgtrigger
from django.conf import settings
from django.db import models

from shop.db.constraints import choices_check, json_array_of_strings, json_type_check
from shop.db.indexes import newest_first
from shop.db.models import BaseModel, SoftDeleteModel
from shop.db.triggers import EndUsersMayChangeOnly, Trigger


class NotificationChannel(models.TextChoices):
    EMAIL = "email"
    SMS = "sms"
    IN_APP = "in_app"
    PUSH = "push"


class NotificationType(models.TextChoices):
    ORDER = "order"
    PAYMENT = "payment"
    SHIPPING = "shipping"
    PROMOTION = "promotion"
    ACCOUNT = "account"
    SYSTEM = "system"


class NotificationTemplate(SoftDeleteModel):
    code = models.CharField(
        max_length=100, db_comment="Event the template is for, e.g. order_placed, otp_login."
    )
    channel = models.CharField(max_length=20, choices=NotificationChannel)
    subject = models.CharField(
        max_length=255,
        blank=True,
        default="",
        db_default="",
        db_comment="Subject or title line (placeholders allowed); empty for channels without one.",
    )
    body = models.TextField(
        db_comment=(
            "Message text. Placeholders use Django template syntax, e.g. {{ order_number }}, "
            "and are filled from the notification's data object."
        )
    )
    is_active = models.BooleanField(
        default=True, db_default=True, db_comment="Inactive templates are not used for sending."
    )

    class Meta:
        db_table = "notification_templates"
        db_table_comment = "Message templates per event code and channel"
        constraints = [
            choices_check(
                "channel", NotificationChannel, name="notification_templates_channel_valid"
            ),
            # Also the index for "the template of this event on this channel".
            models.UniqueConstraint(
                fields=["code", "channel"],
                condition=models.Q(is_deleted=False),
                name="uq_notification_templates_code_channel",
            ),
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[a-z][a-z0-9_]*$"),
                name="notification_templates_code_format",
                violation_error_message="code is snake_case, e.g. order_placed.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.channel})"


class Notification(SoftDeleteModel):
    """A message to one user, shown in the app and sent through ``channels``.

    Declared as an ordinary model, but the table is range-partitioned by month on
    ``created_at``: its first migration (SeparateDatabaseAndState + RunSQL) creates
    it ``PARTITION BY RANGE (created_at)`` with ``PRIMARY KEY (id, created_at)`` and a DEFAULT
    partition. Hence no unique constraints here (they would have to include created_at), and
    foreign keys to it carry ``created_at`` too (see ``NotificationDeliveryLog``).
    """

    # Keeps its own index: both indexes below are partial, and ON DELETE CASCADE from users
    # must find soft-deleted notifications too.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    type = models.CharField(max_length=20, choices=NotificationType)
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True, default="", db_default="")
    data = models.JSONField(
        default=dict,
        db_default={},
        blank=True,
        db_comment=(
            "JSON object with the event's details for the client and the template placeholders, "
            'e.g. {"order_id": "...", "order_number": "SO-1042", "url": "/orders/..."}.'
        ),
    )
    channels = models.JSONField(
        default=list,
        db_default=[],
        blank=True,
        db_comment='JSON array of channels to deliver through, from "email", "sms", "in_app", '
        '"push".',
    )
    is_read = models.BooleanField(default=False, db_default=False)
    read_at = models.DateTimeField(
        null=True, blank=True, db_comment="When the user read it; set exactly when is_read."
    )
    template = models.ForeignKey(
        NotificationTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )

    class Meta:
        db_table = "notifications"
        db_table_comment = "Notifications for users; partitioned by month on created_at"
        indexes = [
            # Serves: the unread count of a user (the plan's idx_notifications_user_read).
            models.Index(
                fields=["user", "is_read"],
                condition=models.Q(is_deleted=False),
                name="idx_notifications_user_read",
            ),
            # Serves: a user's notifications filtered by type and read state, newest first.
            models.Index(
                "user",
                "type",
                "is_read",
                models.F("created_at").desc(),
                condition=models.Q(is_deleted=False),
                name="idx_notifications_composite",
            ),
            # Serves: a user's newest notifications, any type and read state (a client's
            # first page): each monthly partition's index is read in order and merged.
            models.Index(
                "user",
                models.F("created_at").desc(),
                condition=models.Q(is_deleted=False),
                name="idx_notifications_user_newest",
            ),
            # Partitioned: the partitions are read newest first, until the page is full.
            newest_first("notifications", alive_only=True),
        ]
        constraints = [
            choices_check("type", NotificationType, name="notifications_type_valid"),
            json_array_of_strings(
                "channels", name="check_channels", allowed=NotificationChannel.values
            ),
            json_type_check("data", "object", name="notifications_data_object"),
            models.CheckConstraint(
                condition=models.Q(is_read=True, read_at__isnull=False)
                | models.Q(is_read=False, read_at__isnull=True),
                name="notifications_read_at_matches_is_read",
                violation_error_message="read_at is set exactly when is_read is true.",
            ),
        ]
        triggers = [
            # A customer marks their notifications read; the content is the shop's.
            EndUsersMayChangeOnly(
                name="notifications_customer_columns", fields=("is_read", "read_at")
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(BaseModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        db_index=False,
    )
    channel = models.CharField(max_length=20, choices=NotificationChannel)
    type = models.CharField(
        max_length=20, choices=NotificationType, db_comment="Notification type this applies to."
    )
    is_enabled = models.BooleanField(default=True, db_default=True)

    class Meta:
        db_table = "notification_preferences"
        db_table_comment = (
            "Per user, whether a notification type is sent on a channel; no row means enabled"
        )
        constraints = [
            choices_check(
                "channel", NotificationChannel, name="notification_preferences_channel_valid"
            ),
            choices_check("type", NotificationType, name="notification_preferences_type_valid"),
            # Also the index for "preferences of a user" (user_id leads).
            models.UniqueConstraint(
                fields=["user", "channel", "type"],
                name="uq_notification_preferences_user_channel_type",
            ),
        ]

    def __str__(self) -> str:
        state = "on" if self.is_enabled else "off"
        return f"{self.user_id}: {self.type} by {self.channel} {state}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    BOUNCED = "bounced"


class NotificationDeliveryLog(BaseModel):
    # notifications is partitioned on created_at, so a foreign key to it must reference
    # (id, created_at). Django's ForeignKey (no database constraint) serves the ORM; the
    # database FK (notification_id, notification_created_at) -> notifications (id, created_at)
    # ON DELETE CASCADE is added by a RunSQL in this app's first migration; the composite
    # index below serves it.
    notification = models.ForeignKey(
        "notifications.Notification",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="delivery_logs",
    )
    notification_created_at = models.DateTimeField(
        editable=False,
        db_comment=(
            "Copy of notifications.created_at, the partition key: the composite foreign key "
            "(notification_id, notification_created_at) -> notifications (id, created_at) needs "
            "it. Filled in by a trigger from notification_id; what a writer sends is ignored."
        ),
    )
    channel = models.CharField(max_length=20, choices=NotificationChannel)
    status = models.CharField(
        max_length=20,
        choices=DeliveryStatus,
        default=DeliveryStatus.QUEUED,
        db_default=DeliveryStatus.QUEUED,
    )
    provider = models.CharField(
        max_length=50,
        blank=True,
        default="",
        db_default="",
        db_comment="Service that carried the message, e.g. ses, msg91, fcm; empty for in_app.",
    )
    provider_message_id = models.CharField(
        max_length=255,
        blank=True,
        default="",
        db_default="",
        db_comment="The provider's id of the message, used to match its status callbacks.",
    )
    error_message = models.TextField(blank=True, default="", db_default="")
    attempt_number = models.SmallIntegerField(
        default=1, db_default=1, db_comment="1 for the first attempt, then 2, 3, ..."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "notification_delivery_logs"
        db_table_comment = "Each attempt to deliver a notification on a channel, and its outcome"
        indexes = [
            newest_first("notification_delivery_logs"),
            # Serves: the composite FK to notifications (ON DELETE CASCADE) and "delivery
            # attempts of a notification".
            models.Index(
                fields=["notification", "notification_created_at"],
                name="idx_delivery_logs_notification",
            ),
            # Serves: matching a provider's status callback (webhook) to its log row.
            models.Index(
                fields=["provider", "provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="idx_delivery_logs_provider_msg",
            ),
        ]
        constraints = [
            choices_check(
                "channel", NotificationChannel, name="notification_delivery_logs_channel_valid"
            ),
            choices_check("status", DeliveryStatus, name="notification_delivery_logs_status_valid"),
            models.CheckConstraint(
                condition=models.Q(attempt_number__gte=1),
                name="notification_delivery_logs_attempt_number_min",
                violation_error_message="attempt_number starts at 1.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[DeliveryStatus.SENT, DeliveryStatus.DELIVERED])
                | models.Q(sent_at__isnull=False),
                name="notification_delivery_logs_sent_has_sent_at",
                violation_error_message="A sent or delivered message needs sent_at.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DeliveryStatus.DELIVERED)
                | models.Q(delivered_at__isnull=False),
                name="notification_delivery_logs_delivered_at",
                violation_error_message="A delivered message needs delivered_at.",
            ),
        ]

        triggers = [
            # The partition key is derived from notification_id, so no writer (a SQL console,
            # Supabase) has to know it, and it can never disagree with the notification.
            Trigger(
                name="copy_notification_created_at",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("notification_id"),
                func="""
                SELECT created_at INTO NEW.notification_created_at
                FROM public.notifications WHERE id = NEW.notification_id;
                IF NOT FOUND THEN
                    RAISE EXCEPTION 'notification % does not exist', NEW.notification_id
                        USING ERRCODE = 'foreign_key_violation',
                              CONSTRAINT = 'notification_delivery_logs_notification_fk';
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} by {self.channel}: {self.status}"
