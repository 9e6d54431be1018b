"""An ``Index`` that may carry PostgreSQL-length names.

Django limits index names to 30 characters (for Oracle); PostgreSQL allows 63, and the plan's
names (``idx_payment_transactions_razorpay``) are longer than 30. Keeping the plan's names lets
its monitoring queries and existing SQL keep working.
"""

from django.db import models


class Index(models.Index):
    max_name_length = 63


def newest_first(table: str, *, field: str = "created_at", alive_only: bool = False) -> Index:
    """Serves the admin's list of ``table``: newest first, ties broken by id, as Django's
    changelist orders it (``ordering = ("-created_at",)``, then ``-pk``). Without it, each page
    of a list sorted the whole table (0.6 to 7 s at scale 1). ``alive_only``: only the rows that
    are not soft-deleted, which the list shows unless asked (``DeletedFilter``).
    """
    return Index(
        fields=[f"-{field}", "-id"],
        condition=models.Q(is_deleted=False) if alive_only else None,
        name=f"idx_{table}_newest",
    )
