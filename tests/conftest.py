"""Tests run against PostgreSQL: DATABASE_URL when set, else the embedded server."""

import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories make many users; PBKDF2 would spend about 0.25 s hashing each password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
