"""The admin of notification templates, notifications, preferences and delivery attempts.

Delivery logs are evidence of what was sent: view only, on their own page and inline.
"""

from django.contrib import admin

from notifications.models import (
    Notification,
    NotificationDeliveryLog,
    NotificationPreference,
    NotificationTemplate,
)
from shop.admin_base import (
    ReadOnlyAdmin,
    ShopModelAdmin,
    SoftDeleteAdmin,
    ViewOnlyInline,
    recent,
)

DELIVERY_COLUMNS = (
    "channel",
    "status",
    "provider",
    "provider_message_id",
    "attempt_number",
    "sent_at",
    "delivered_at",
    "error_message",
)


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(SoftDeleteAdmin):
    list_display = ("code", "channel", "subject", "is_active", "updated_at")
    list_filter = ("channel", "is_active")
    search_fields = ("code",)
    ordering = ("code", "channel")


class DeliveryLogInline(ViewOnlyInline):
    model = NotificationDeliveryLog
    fields = readonly_fields = DELIVERY_COLUMNS


@admin.register(Notification)
class NotificationAdmin(SoftDeleteAdmin):
    list_display = ("title", "user", "type", "is_read", "created_at")
    list_filter = ("type", "is_read", recent("created_at"))
    list_select_related = ("user",)
    search_fields = ("=user__email",)
    search_help_text = "A user's exact email address."
    # Newest first: the table is partitioned by month on created_at.
    ordering = ("-created_at",)
    inlines = (DeliveryLogInline,)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ShopModelAdmin):
    list_display = ("user", "type", "channel", "is_enabled")
    list_filter = ("channel", "type", "is_enabled")
    list_select_related = ("user",)
    search_fields = ("=user__email",)
    ordering = ("-created_at",)


@admin.register(NotificationDeliveryLog)
class NotificationDeliveryLogAdmin(ReadOnlyAdmin):
    list_display = ("notification", *DELIVERY_COLUMNS[:5], "created_at")
    list_filter = ("channel", "status")
    list_select_related = ("notification",)
    # What a provider's status callback names the message by.
    search_fields = ("=provider_message_id",)
    ordering = ("-created_at",)
