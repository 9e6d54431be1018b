"""An ``Index`` that may carry PostgreSQL-length names.

Django limits index names to 30 characters (for Oracle); PostgreSQL allows 63, and the plan's
names (``idx_payment_transactions_razorpay``) are longer than 30. Keeping the plan's names lets
its monitoring queries and existing SQL keep working.
"""

from django.db import models


class Index(models.Index):
    max_name_length = 63
