"""Calling a database function that does a whole service's work in one statement."""

from contextlib import AbstractContextManager, nullcontext

from django.db import connection, transaction


def one_statement() -> AbstractContextManager:
    """The scope of a service that is one statement: a function doing all of its work.

    Outside a transaction the statement is its own transaction, committed by the server as it
    ends: no BEGIN or COMMIT round trips, so the locks it takes are held only as long as it
    runs. Inside one it runs under a savepoint, so a refusal leaves the caller's transaction
    usable, as a service's ``transaction.atomic`` would.
    """
    return transaction.atomic() if connection.in_atomic_block else nullcontext()
