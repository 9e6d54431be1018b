"""Small helpers the tests share: raw SQL, and asserting which database rule refused a row."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction


def fetch(sql: str, params: tuple | list | dict | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fetch_one(sql: str, params: tuple | list | dict | None = None):
    rows = fetch(sql, params)
    assert len(rows) == 1, rows
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def count_rows(table: str, **where) -> int:
    """How many rows of ``table`` match ``column=value`` conditions (all rows without any)."""
    condition = " AND ".join(f"{column} = %s" for column in where) or "true"
    return fetch_one(f"SELECT count(*) FROM {table} WHERE {condition}", list(where.values()))


def execute(sql: str, params: tuple | list | dict | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def foreign_key_name(table: str, column: str) -> str:
    """The name of the foreign key constraint on ``table.column`` (Django adds a hash to it)."""
    return fetch_one(
        """SELECT con.conname FROM pg_constraint con
           JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
           WHERE con.contype = 'f' AND con.conrelid = %s::regclass AND a.attname = %s""",
        [table, column],
    )


@contextmanager
def violates(constraint: str) -> Iterator[None]:
    """Expect the block to be refused by the database constraint named ``constraint``.

    The block runs in a savepoint, so the test can go on using the connection afterwards, and
    deferred constraints (foreign keys) are checked before the savepoint is released.
    """
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        yield
        execute("SET CONSTRAINTS ALL IMMEDIATE")
    diag = getattr(caught.value.__cause__, "diag", None)
    assert diag is not None, caught.value
    assert diag.constraint_name == constraint, (
        f"refused by {diag.constraint_name!r}, expected {constraint!r}: {caught.value}"
    )


@contextmanager
def violates_not_null(table: str, column: str) -> Iterator[None]:
    """Expect the block to be refused because ``table.column`` is NOT NULL."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        yield
    diag = caught.value.__cause__.diag
    assert (diag.sqlstate, diag.table_name, diag.column_name) == ("23502", table, column), (
        caught.value
    )


def refused(code: str, call, *args, **kwargs) -> ValidationError:
    """Expect ``call`` to raise the ValidationError of rule ``code``; the error, for its message.

    Services refuse bad input with ``ValidationError(code=<rule>)``, their message starting
    ``<rule>:``; ``violates`` is the same for the database's own rules.
    """
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    assert str(caught.value.messages[0]).startswith(f"{code}: ")
    return caught.value
