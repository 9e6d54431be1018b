"""Test databases are copies of one migrated template, made once per version of the code.

Migrating the project from nothing costs most of a minute, nearly all of it Django re-rendering
the model states of the history in Python; PostgreSQL copies a migrated database in about a
second. So the first test run migrates a template database, ``test_<NAME>_template_<key>``, and
every test database (one per pytest-xdist worker) is created from it with ``CREATE DATABASE ...
TEMPLATE``. Django's ``migrate`` then finds every migration applied and has nothing to do.

The key is a hash of the project's code (the migrations and every module they can import) and
of the versions of Django and django-pgtrigger, so a template is never used for code it was not
made with. Templates of other keys are dropped when a new one is made. The template stays on the
server between runs: the next run, on an unchanged tree, starts in seconds.
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import django
import pgtrigger
from django.conf import settings
from django.db import connection

PROJECT_PACKAGES = ("shop", "accounts", "catalog", "orders", "content", "notifications")
# One builder at a time across pytest-xdist workers (and concurrent test runs on one server).
BUILD_LOCK = 7_004_731_120_512


def template_key() -> str:
    digest = hashlib.sha256(f"{django.__version__} {pgtrigger.__version__}".encode())
    root = Path(settings.BASE_DIR)
    for path in sorted(p for package in PROJECT_PACKAGES for p in (root / package).rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def template_name() -> str:
    """Named after the database the settings give (read before the test database replaces it)."""
    return f"test_{connection.settings_dict['NAME']}_template_{template_key()}"


def use_migrated_template() -> None:
    """Make the migrated template if it is missing, and have Django create test databases
    from it."""
    name = template_name()
    with build_lock() as cursor:
        prefix = name.rsplit("_", 1)[0] + "_"
        cursor.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix])
        existing = {datname for (datname,) in cursor.fetchall()}
        for stale in sorted(existing - {name}):
            # An older key's template, or a build that was interrupted.
            cursor.execute(f'DROP DATABASE "{stale}" WITH (FORCE)')
        if name not in existing:
            migrate_into(f"{name}_partial")
            # Renamed only once complete, so a template that exists is a whole one.
            cursor.execute(f'ALTER DATABASE "{name}_partial" RENAME TO "{name}"')
    connection.settings_dict["TEST"]["TEMPLATE"] = name


@contextmanager
def build_lock() -> Iterator:
    """A cursor on the server's maintenance database, holding the builders' advisory lock."""
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [BUILD_LOCK])
        try:
            yield cursor
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [BUILD_LOCK])


def migrate_into(database: str) -> None:
    """Create ``database`` and migrate it as Django migrates a test database."""
    test_settings = connection.settings_dict["TEST"]
    name, test_name = connection.settings_dict["NAME"], test_settings.get("NAME")
    test_settings["NAME"] = database
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    finally:
        # create_test_db leaves the connection on the new database: nobody may be connected to
        # a template that is renamed or copied.
        connection.close()
        connection.settings_dict["NAME"] = name
        settings.DATABASES[connection.alias]["NAME"] = name
        test_settings["NAME"] = test_name
