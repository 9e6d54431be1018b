"""A second database session, for tests of what two transactions at once may do.

The test holds a transaction open in its own session and starts the competing work in another
(a thread, with its own connection)::

    with transaction.atomic():
        refund(payment=payment, amount=Decimal("60.00"))      # holds the row lock
        other = OtherSession(lambda: refund(payment=payment, amount=Decimal("60.00")))
        other.wait_until_blocked()                             # it waits for our lock
    with pytest.raises(ValidationError):                       # we committed; it goes on
        other.result()

Such tests need ``django_db(transaction=True)``: the other session sees committed rows only.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, connections

from tests.support import fetch_one

TIMEOUT = 10.0  # seconds


class OtherSession:
    """Runs ``work`` at once in a thread with its own database connection."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.work = work
        self.pid: int | None = None
        self.value: Any = None
        self.error: BaseException | None = None
        self.started = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.started.wait(TIMEOUT), "the other session did not start"

    def _run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (self.pid,) = cursor.fetchone()
            self.started.set()
            self.value = self.work()
        except BaseException as error:  # handed to the test by result()
            self.error = error
        finally:
            self.started.set()
            connections.close_all()

    def wait_until_blocked(self) -> None:
        """Return once the other session waits for a lock this session holds.

        Fails if it finishes (or times out) without waiting: the lock it should meet is missing.
        """
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if not self.thread.is_alive():
                raise AssertionError(
                    f"the other session never waited for a lock: {self.error or self.value!r}"
                )
            if fetch_one("SELECT cardinality(pg_blocking_pids(%s))", [self.pid]):
                return
            time.sleep(0.01)
        raise AssertionError("the other session is still running, but not waiting for a lock")

    def result(self) -> Any:
        """What the work returned once it finished; what it raised is raised here."""
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive(), "the other session did not finish"
        if self.error is not None:
            raise self.error
        return self.value
