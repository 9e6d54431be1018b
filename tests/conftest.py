"""Tests run against PostgreSQL: DATABASE_URL when set, else the embedded server.

Each pytest-xdist worker has a test database of its own, copied from one migrated template
(``tests/template_db.py``).
"""

import pytest

from tests.template_db import use_migrated_template


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, django_db_use_migrations, django_db_blocker
):
    if django_db_use_migrations:
        with django_db_blocker.unblock():
            use_migrated_template()


def pytest_collection_modifyitems(items):
    """The slowest tests first, so that pytest-xdist starts them at once on different workers
    instead of leaving one of them to the end of the run."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories make many users; PBKDF2 would spend about 0.25 s hashing each password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff_with_role(db):
    """``staff_with_role("admin")``: a user holding a role seeded as ``seed_defaults`` seeds it.

    The roles, permissions and grants are the shop's defaults (shop.seeds), so the admin tests
    exercise what a real shop's staff get.
    """
    from shop.seeds import apply_defaults
    from tests.factories.accounts import UserFactory, UserRoleFactory

    apply_defaults(dry_run=False)

    def make(role_name: str, **user_fields):
        from accounts.models import Role

        user = UserFactory(**user_fields)
        UserRoleFactory(user=user, role=Role.objects.get(name=role_name))
        return user

    return make


@pytest.fixture
def super_admin_client(client, staff_with_role):
    """A Django test client logged in as a user whose only privilege is the super_admin role."""
    client.force_login(staff_with_role("super_admin"))
    return client
