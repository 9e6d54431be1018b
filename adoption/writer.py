"""The import's writer: a second database connection that writes the judged steps, in their
order, while the first connection judges the next ones.

Judging a step reads the source and what earlier steps *will* hold (their accepted ids), never
what the writer has written so far, so its outcome does not depend on how far the writer is;
the writer keeps the foreign keys' order because it writes one step after the other. On a
machine with two cores the two halves of the work overlap.

The writer takes no lock that the judge's reads wait for (an INSERT, ALTER TABLE ... DISABLE
TRIGGER): the indexes and foreign keys of large tables are dropped before the two start and
rebuilt after both are done (adoption.bulk), as dropping them locks the tables they point at.
"""

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from time import perf_counter

from django.db import DatabaseError, connection, connections

from adoption import bulk
from adoption.errors import ImportRefused
from adoption.steps import Step


@contextmanager
def timed(seconds: dict[str, float], phase: str) -> Iterator[None]:
    started = perf_counter()
    try:
        yield
    finally:
        seconds[phase] = round(perf_counter() - started, 2)


class Writer:
    def __init__(self, *, batch_rows: int, progress):
        self.batch_rows, self.progress = batch_rows, progress
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
        self._queued: list[Future] = []
        self._stopped = self._closed = False

    def write(self, step: Step) -> None:
        """Queue ``step`` (judged and committed); raise the writer's error if it has one."""
        for done in self._queued:
            if done.done() and done.exception():
                raise done.exception()
        self._queued.append(self._pool.submit(self._write, step))

    def finish(self) -> None:
        """Wait for every queued step; raise the first error."""
        try:
            for queued in self._queued:
                queued.result()
        finally:
            self._close()

    def abandon(self) -> None:
        """Stop after the step being written (the judge failed); its errors are not raised."""
        self._stopped = True
        for queued in self._queued:
            queued.exception()
        self._close()

    def _write(self, step: Step) -> None:
        if self._stopped:
            return
        try:
            with connection.cursor() as cursor:
                bulk.tune(cursor)
            bar = self.progress(step.map.step, step.report.to_import)
            try:
                with timed(step.report.seconds, "write"):
                    step.write(batch_rows=self.batch_rows, progress=bar)
            finally:
                bar.close()
            with connection.cursor() as cursor:
                step.reconcile(cursor)
                cursor.execute(f"DROP TABLE IF EXISTS {step.conv}")
        except DatabaseError as exc:
            self._stopped = True
            first = str(exc).strip().splitlines()[0]
            raise ImportRefused(
                "write_refused", f"{step.map.target}: the database refused a row: {first}"
            ) from exc
        except BaseException:
            self._stopped = True
            raise

    def _close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # close_all looks its connections up in the thread that runs it: the writer's own.
        self._pool.submit(connections.close_all).result()
        self._pool.shutdown()
