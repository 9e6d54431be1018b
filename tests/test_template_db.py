"""The test databases are copies of a template migrated for exactly this code."""

import shutil

import pytest
from django.db import connection

from tests.support import fetch
from tests.template_db import PROJECT_PACKAGES, template_key


@pytest.mark.django_db
def test_this_test_database_was_copied_from_the_template_of_this_code():
    name = connection.settings_dict["TEST"]["TEMPLATE"]
    assert name.endswith(f"_template_{template_key()}")
    assert fetch("SELECT datname FROM pg_database WHERE datname = %s", [name]) == [(name,)]
    # A copy, not the template itself.
    assert fetch("SELECT current_database() <> %s", [name]) == [(True,)]


def test_a_change_to_any_module_of_the_apps_makes_a_new_key(settings, tmp_path):
    for package in PROJECT_PACKAGES:
        shutil.copytree(settings.BASE_DIR / package, tmp_path / package)
    settings.BASE_DIR = tmp_path
    copied = template_key()
    assert copied == template_key()

    migration = tmp_path / "orders" / "migrations" / "0001_initial.py"
    migration.write_text(migration.read_text() + "\n# edited\n")
    edited = template_key()
    policies = tmp_path / "shop" / "db" / "policies.py"
    policies.write_text(policies.read_text().replace("EXISTS", "EXISTS "))

    assert len({copied, edited, template_key()}) == 3
