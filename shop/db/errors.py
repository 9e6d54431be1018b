"""One clear line instead of a traceback when the database cannot be used."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured
from django.db import NotSupportedError, OperationalError


class DatabaseConfigError(ImproperlyConfigured):
    """The configured database is unusable; the message says why and how to fix it."""


@contextmanager
def explain_database_errors() -> Iterator[None]:
    """Turn an unusable database into one line on stderr and exit status 2.

    Only errors that are about *reaching* the database are caught: a bad URL, a server that
    does not answer, a server that is too old. Everything else keeps its traceback.
    """
    try:
        yield
    except DatabaseConfigError as exc:
        _fail(str(exc))
    except NotSupportedError as exc:
        _fail(f"{exc} Point DATABASE_URL at PostgreSQL 15 or newer.")
    except OperationalError as exc:
        if not _is_connection_failure(exc):
            raise
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _fail(
            f"cannot connect to the database: {first_line}. "
            "Check DATABASE_URL (postgres://USER:PASSWORD@HOST:PORT/NAME) and that the server "
            "is running, or unset DATABASE_URL to use the embedded PostgreSQL."
        )


def _is_connection_failure(exc: OperationalError) -> bool:
    # psycopg reports a failed connect with sqlstate None (client side) or class 08 / 28 / 3D.
    cause = exc.__cause__ or exc
    sqlstate = getattr(cause, "sqlstate", None)
    return sqlstate is None or sqlstate[:2] in {"08", "28", "3D"}


def _fail(message: str) -> None:
    print(f"shopdb: {message}", file=sys.stderr)
    raise SystemExit(2)
