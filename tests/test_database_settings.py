"""How the project chooses and reaches its database, and what it says when it cannot."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import NotSupportedError, connection

from shop.db.database_url import parse_database_url
from shop.db.errors import DatabaseConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_a_postgres_url_selects_the_project_backend():
    config = parse_database_url("postgres://shop:secret@db.example.com:6543/shopdb")
    assert {k: config[k] for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")} == {
        "ENGINE": "shop.db.backend",
        "NAME": "shopdb",
        "USER": "shop",
        "PASSWORD": "secret",
        "HOST": "db.example.com",
        "PORT": 6543,
    }


def test_a_socket_directory_in_the_query_is_the_host_psql_is_given():
    # The embedded server's URL: `manage.py dbshell` must reach that server, not the default one.
    config = parse_database_url("postgresql://postgres:@/postgres?host=/tmp/shop-pgdata")
    assert (config["HOST"], config["NAME"], config["OPTIONS"]) == (
        "/tmp/shop-pgdata",
        "postgres",
        {},
    )
    client = connection.client.settings_to_cmd_args_env(config, [])[0]
    assert client == ["psql", "-U", "postgres", "-h", "/tmp/shop-pgdata", "postgres"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/shop", "must be a PostgreSQL URL"),
        ("not a url", "must be a PostgreSQL URL"),
        ("postgres://postgres@127.0.0.1:5432", "names no database"),
        ("postgres://postgres@127.0.0.1:notaport/shop", "malformed"),
    ],
)
def test_a_bad_url_is_refused_with_a_reason(url, message):
    with pytest.raises(DatabaseConfigError, match=message):
        parse_database_url(url)


def run_manage(*args: str, database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://root@localhost/shop", "shopdb: DATABASE_URL must be a PostgreSQL URL"),
        ("postgres://postgres@127.0.0.1:1/postgres", "shopdb: cannot connect to the database:"),
        (
            "postgres://postgres@127.0.0.1:5432/no_such_database_here",
            "shopdb: cannot connect to the database:",
        ),
    ],
)
def test_manage_py_says_what_is_wrong_in_one_line(url, expected):
    result = run_manage("migrate", "--check", database_url=url)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(expected)
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_postgresql_older_than_15_is_refused(monkeypatch):
    assert connection.features.minimum_database_version == (15,)
    monkeypatch.setattr(connection, "get_database_version", lambda: (14, 11))
    with pytest.raises(NotSupportedError, match="PostgreSQL 15 or later is required"):
        connection.check_database_version_supported()
