"""Reads of a user's notifications."""

from accounts.models import User
from notifications.models import Notification


def unread_count(*, user: User) -> int:
    """The unread badge: the user's unread notifications that are not soft-deleted.

    Served by ``idx_notifications_user_read`` (user, is_read) WHERE NOT is_deleted, whose
    predicate is the default manager's filter, so the count reads the index alone.
    """
    return Notification.objects.filter(user=user, is_read=False).count()
