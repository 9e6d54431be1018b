"""Column types with their rules built in: money and currency codes."""

from decimal import Decimal

from django.db import models


class MoneyField(models.DecimalField):
    """``numeric(12,2)``, never negative: the database refuses a negative amount."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def db_check(self, connection):
        return f"{connection.ops.quote_name(self.column)} >= 0"


class CurrencyField(models.CharField):
    """An ISO 4217 code; ``INR`` by default (payments go through Razorpay)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("default", "INR")
        kwargs.setdefault("db_default", "INR")
        super().__init__(*args, **kwargs)

    def db_check(self, connection):
        return f"{connection.ops.quote_name(self.column)} ~ '^[A-Z]{{3}}$'"


ZERO = Decimal("0.00")
