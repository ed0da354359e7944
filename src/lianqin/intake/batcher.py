"""Group commit for webhook deliveries: many HTTP requests, one transaction.

A database commits a few thousand transactions a second at best (SQLite has one writer;
every commit waits for the disk). Deliveries that arrive together are therefore filed
together: each request hands its payload to this process's writer thread and waits; the
writer takes whatever is queued (up to ``MAX_BATCH``, waiting at most ``MAX_WAIT_S`` for
more once the first arrived), files it through :class:`lianqin.intake.bulk.Filer` in one
transaction per channel, and answers every request with its own outcome.

What must hold: a request is answered only after its payload's transaction committed
(or with the error that stopped it, and then nothing of it was kept but a quarantine
row); a failure of one batch fails only that batch's requests; the answer for a payload
is exactly what :func:`lianqin.intake.service.receive` would have said.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import close_old_connections, connection

from lianqin.intake.contract import Payload
from lianqin.intake.service import Outcome

if TYPE_CHECKING:
    from lianqin.intake.bulk import Filer

log = logging.getLogger(__name__)
MAX_BATCH = 500
MAX_WAIT_S = 0.004


@dataclass
class _Job:
    person_id: int
    payload: Payload
    future: Future[Outcome]


class GroupCommit:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="intake-writer", daemon=True)
        self._thread.start()

    def submit(self, person_id: int, payload: Payload) -> Future[Outcome]:
        future: Future[Outcome] = Future()
        self._queue.put(_Job(person_id, payload, future))
        return future

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is queued, close the thread's database connection, and end."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        from lianqin.intake.bulk import Filer

        filer: Filer | None = None
        while True:
            first = self._queue.get()
            if first is None:
                connection.close()
                return
            jobs = [first]
            try:
                while len(jobs) < MAX_BATCH:
                    job = self._queue.get(timeout=MAX_WAIT_S)
                    if job is None:
                        self._queue.put(None)  # stop after this batch
                        break
                    jobs.append(job)
            except queue.Empty:
                pass
            try:
                filer = filer or Filer(live=True)
                self._file(filer, jobs)
            except Exception as exc:  # answer the waiting requests, keep the thread alive
                log.exception("intake batch failed")
                filer = None
                close_old_connections()  # a broken connection is reopened next time
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(exc)

    def _file(self, filer: Filer, jobs: list[_Job]) -> None:
        from lianqin.cases.access import actor_for
        from lianqin.org.models import Person

        by_person: dict[int, list[_Job]] = {}
        for job in jobs:
            by_person.setdefault(job.person_id, []).append(job)
        for person_id, group in by_person.items():
            try:
                actor = actor_for(Person.objects.get(pk=person_id))
                outcomes = filer.file(actor, [j.payload for j in group])
            except Exception as exc:
                for job in group:
                    job.future.set_exception(exc)
                # a connection the database dropped stays dead: close it, so that the next
                # batch opens a new one instead of failing until the server restarts
                if connection.connection is not None and not connection.is_usable():
                    connection.close()
                continue
            for job, outcome in zip(group, outcomes, strict=True):
                job.future.set_result(outcome)


_writer: GroupCommit | None = None
_lock = threading.Lock()


def writer() -> GroupCommit:
    global _writer
    with _lock:
        if _writer is None:
            _writer = GroupCommit()
        return _writer


def stop() -> None:
    """Stop this process's writer, if it runs (tests; a clean shutdown)."""
    global _writer
    with _lock:
        if _writer is not None:
            _writer.stop()
            _writer = None
