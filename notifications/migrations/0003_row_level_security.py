"""Row level security for notifications (see shop.db.policies)."""

from django.db import migrations

from shop.db.policies import (
    ALL,
    SELECT,
    UPDATE,
    access,
    admins,
    closed,
    owner,
    table_access_sql,
)

TABLES = [
    # A customer reads their notifications and marks them read (the
    # notifications_customer_columns trigger keeps the rest as the shop wrote it).
    access("notifications", owner(SELECT, UPDATE), admins()),
    access("notification_preferences", owner(ALL), admins()),
    access("notification_templates", admins()),
    # Provider ids and error messages of each attempt: operational detail for admins.
    access("notification_delivery_logs", admins()),
    # A partition read directly, bypassing its parent's policies: closed.
    closed("notifications_default"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_pinned_search_path_and_customer_columns"),
        ("shop", "0004_supabase_auth"),
    ]

    operations = [migrations.RunSQL(*table_access_sql(*TABLES))]
