import factory
from factory.django import DjangoModelFactory

from shop import models
from shop.db.ids import uuid7
from tests.factories.accounts import UserFactory

__all__ = ["AuditLogFactory"]


class AuditLogFactory(DjangoModelFactory):
    """A user's update of a product's name (a row action: table_name and row_id are set)."""

    class Meta:
        model = models.AuditLog

    user = factory.SubFactory(UserFactory, is_staff=True)
    action = models.AuditAction.UPDATE
    table_name = "products"
    row_id = factory.LazyFunction(lambda: str(uuid7()))
    changes = factory.LazyFunction(lambda: {"name": ["Rose Face Wash", "Rose Water Face Wash"]})
    ip_address = factory.Faker("ipv4")
    user_agent = factory.Faker("user_agent")
