"""A user's newest notifications and the admin's newest, read in index order; a soft-deleted
notification is no longer the user's to read.

- ``idx_notifications_user_newest``: a client's first page (any type or read state) sorted all of
  a heavy reader's rows across every monthly partition (52k rows at scale 1); each partition's
  index is now read in order and merged.
- ``idx_notifications_newest``: the admin's unfiltered list read every partition and sorted 2M
  rows; the partitions are now read newest first until the page is full.
- The owner's read policy adds ``NOT is_deleted``. A client's request carries its values as
  parameters of a prepared statement (PostgREST), and a generic plan cannot prove that
  ``is_deleted = $2`` matches an index's ``WHERE NOT is_deleted``: every request was planned
  again across all 29 partitions (3-5 ms). A policy's condition is part of the statement, so the
  generic plan uses the partial indexes, and a deleted notification stays hidden as in the app.

Partitioned: PostgreSQL cannot build these CONCURRENTLY; each partition's index is built under
a SHARE lock (blocks writes to that partition while it builds).
"""

from django.conf import settings
from django.db import migrations, models

import shop.db.indexes

OWNER = "user_id = ( SELECT auth.uid() AS uid)"
POLICY = 'ALTER POLICY "notifications_owner_select" ON public."notifications" USING ({})'


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_notification_indexes_skip_soft_deleted"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                models.F("user"),
                models.OrderBy(models.F("created_at"), descending=True),
                condition=models.Q(("is_deleted", False)),
                name="idx_notifications_user_newest",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=shop.db.indexes.Index(
                condition=models.Q(("is_deleted", False)),
                fields=["-created_at", "-id"],
                name="idx_notifications_newest",
            ),
        ),
        migrations.RunSQL(POLICY.format(f"{OWNER} AND NOT is_deleted"), POLICY.format(OWNER)),
    ]
