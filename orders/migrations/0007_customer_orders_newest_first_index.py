"""A customer's orders of one status come out of idx_orders_composite newest first.

The plan's (user, order_status, payment_status, created_at DESC) sorts by date only within one
payment status, so "my delivered orders, newest first" sorted every order of that status or
walked idx_orders_status_dates across all customers. created_at now follows order_status, and
payment_status comes last, still filtered in the index.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_policies_look_up_parents"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="order",
            name="idx_orders_composite",
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("is_deleted", False)),
                fields=["user", "order_status", "-created_at", "payment_status"],
                name="idx_orders_composite",
            ),
        ),
    ]
