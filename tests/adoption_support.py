"""Scratch databases for the import tests, and ``import_legacy`` run as a user runs it.

The import commits batch by batch and is killed in one test, so it cannot run inside the
test's transaction: each test gets a database of its own, copied from the migrated template
(``tests/template_db.py``, about a second), holding a dirty legacy shop in its ``legacy``
schema; the command runs in a subprocess with ``DATABASE_URL`` pointing at it.
"""

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.db import connection

from adoption.dirt import Dirt
from adoption.sample import add_dirt, create_legacy_schema, fill_clean


def server_url(database: str) -> str:
    """A URL of the test server (DATABASE_URL's, or the embedded one's socket)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "", db.get("PORT") or "5432"
    if host.startswith("/"):
        return f"postgresql://{user}{password}@/{database}?host={quote(host)}&port={port}"
    return f"postgresql://{user}{password}@{host}:{port}/{database}"


@dataclass
class Scratch:
    """A migrated database of the test's own."""

    name: str

    @property
    def url(self) -> str:
        return server_url(self.name)

    def connect(self, **options) -> psycopg.Connection:
        return psycopg.connect(self.url, **options)

    def rows(self, sql: str, params=None) -> list[tuple]:
        with self.connect() as conn:
            return conn.execute(sql, params).fetchall()

    def value(self, sql: str, params=None):
        (row,) = self.rows(sql, params)
        return row[0]

    def legacy_shop(self, *, schema: str = "legacy", orders: int = 40, dirty: bool = True):
        """The legacy schema filled with a clean shop and, with ``dirty``, every kind of dirt."""
        with self.connect() as conn, conn.cursor() as cursor:
            create_legacy_schema(cursor, schema)
            fill_clean(cursor, schema, orders=orders)
            return add_dirt(cursor, schema) if dirty else Dirt()

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        """``manage.py ARGS`` against this database, as a user runs it."""
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), *args]
        return subprocess.run(command, capture_output=True, text=True, env=self.env())

    def import_legacy(self, *args: str) -> subprocess.CompletedProcess:
        return self.manage("import_legacy", *args)

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            self.command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env()
        )

    def command(self, *args: str) -> list[str]:
        return [sys.executable, str(settings.BASE_DIR / "manage.py"), "import_legacy", *args]

    def env(self) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self.url}

    def report(self, *args: str) -> tuple[int, dict]:
        """Run with ``--json -``; the exit status and the JSON report."""
        done = self.import_legacy(*args, "--json", "-", "-v", "0")
        assert done.stdout.startswith("{"), done.stderr
        return done.returncode, json.loads(done.stdout)


def create_scratch(template: str) -> Scratch:
    name = f"test_adopt_{uuid.uuid4().hex[:10]}"
    with admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return Scratch(name)


def drop_scratch(scratch: Scratch) -> None:
    with admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch.name}" WITH (FORCE)')


def admin() -> psycopg.Connection:
    return psycopg.connect(server_url("postgres"), autocommit=True)


def quarantine_of(report: dict) -> dict[tuple[str, str], set[str]]:
    """{(step, rule): source keys} of a JSON report."""
    return {
        (step["step"], rule): {row["source_key"] for row in rows}
        for step in report["steps"]
        for rule, rows in step["quarantined"].items()
    }


def kept_of(report: dict) -> dict[str, str]:
    return {
        row["source_key"]: row["kept_key"]
        for step in report["steps"]
        for rows in step["quarantined"].values()
        for row in rows
        if row["kept_key"]
    }
