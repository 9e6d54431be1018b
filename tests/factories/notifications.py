import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from notifications import models
from tests.factories.accounts import UserFactory

__all__ = [
    "NotificationDeliveryLogFactory",
    "NotificationFactory",
    "NotificationPreferenceFactory",
    "NotificationTemplateFactory",
]


class NotificationTemplateFactory(DjangoModelFactory):
    class Meta:
        model = models.NotificationTemplate

    # snake_case and unique per channel among live templates.
    code = factory.Sequence(lambda n: f"order_placed_{n}")
    channel = models.NotificationChannel.EMAIL
    subject = "Your order {{ order_number }} is confirmed"
    body = (
        "Hi {{ first_name }}, thank you for your order {{ order_number }}. "
        "We will let you know when it ships."
    )
    is_active = True


class NotificationFactory(DjangoModelFactory):
    """An unread order notification for the app and email; ``read=True`` makes it read."""

    class Meta:
        model = models.Notification

    class Params:
        read = factory.Trait(is_read=True, read_at=factory.LazyFunction(timezone.now))

    user = factory.SubFactory(UserFactory)
    type = models.NotificationType.ORDER
    title = factory.Sequence(lambda n: f"Order SO-{1000 + n} has shipped")
    body = factory.Faker("sentence", nb_words=12)
    data = factory.Sequence(
        lambda n: {"order_number": f"SO-{1000 + n}", "url": f"/orders/SO-{1000 + n}"}
    )
    channels = factory.LazyFunction(
        lambda: [models.NotificationChannel.IN_APP.value, models.NotificationChannel.EMAIL.value]
    )
    is_read = False
    read_at = None
    template = None


class NotificationPreferenceFactory(DjangoModelFactory):
    class Meta:
        model = models.NotificationPreference

    user = factory.SubFactory(UserFactory)
    channel = models.NotificationChannel.SMS
    type = models.NotificationType.PROMOTION
    is_enabled = False


class NotificationDeliveryLogFactory(DjangoModelFactory):
    """A queued attempt; ``delivered=True`` makes one the provider confirmed."""

    class Meta:
        model = models.NotificationDeliveryLog

    class Params:
        delivered = factory.Trait(
            status=models.DeliveryStatus.DELIVERED,
            provider_message_id=factory.Faker("uuid4"),
            sent_at=factory.LazyFunction(timezone.now),
            delivered_at=factory.LazyAttribute(lambda o: o.sent_at),
        )

    notification = factory.SubFactory(NotificationFactory)
    # The partition key of the notification: the composite foreign key needs the same value.
    notification_created_at = factory.SelfAttribute("notification.created_at")
    channel = models.NotificationChannel.EMAIL
    status = models.DeliveryStatus.QUEUED
    provider = "ses"
    attempt_number = 1
