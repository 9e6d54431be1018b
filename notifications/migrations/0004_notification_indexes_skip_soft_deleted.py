"""The notification indexes skip soft-deleted rows with ``NOT is_deleted``, as every other
partial index does and as the default manager filters.

They said ``deleted_at IS NULL``: the same rows, but the planner cannot prove the manager's
``NOT is_deleted`` implies it, so the unread count of a heavy reader read the heap through the
plain user index (123 ms instead of 2.4 ms at scale 1).
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_row_level_security"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="notification",
            name="idx_notifications_user_read",
        ),
        migrations.RemoveIndex(
            model_name="notification",
            name="idx_notifications_composite",
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("is_deleted", False)),
                fields=["user", "is_read"],
                name="idx_notifications_user_read",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                models.F("user"),
                models.F("type"),
                models.F("is_read"),
                models.OrderBy(models.F("created_at"), descending=True),
                condition=models.Q(("is_deleted", False)),
                name="idx_notifications_composite",
            ),
        ),
    ]
