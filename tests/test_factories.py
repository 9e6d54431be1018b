"""Every model has a factory, and each factory makes a row the database accepts."""

import pytest
from factory.django import DjangoModelFactory

from tests import factories
from tests.test_schema import project_models

pytestmark = pytest.mark.django_db


def factory_by_model() -> dict[type, type[DjangoModelFactory]]:
    found = {}
    for name in dir(factories):
        obj = getattr(factories, name)
        if isinstance(obj, type) and issubclass(obj, DjangoModelFactory) and obj._meta.model:
            found[obj._meta.model] = obj
    return found


def test_every_model_has_a_factory():
    missing = {m._meta.label for m in project_models()} - {
        m._meta.label for m in factory_by_model()
    }
    assert missing == set()


@pytest.mark.parametrize("model", project_models(), ids=lambda m: m._meta.label)
def test_each_factory_creates_a_valid_row(model):
    factory = factory_by_model()[model]
    first, second = factory.create_batch(2)
    manager = getattr(model, "all_objects", model._default_manager)
    assert set(manager.filter(pk__in=[first.pk, second.pk])) == {first, second}
    # Valid by Django's rules too, so the admin's forms accept what the factories make.
    first.full_clean(validate_unique=False)
