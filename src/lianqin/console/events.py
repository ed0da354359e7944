"""Live events for the pages: one Server-Sent Events stream per page, fed from the outbox.

Every change of a case writes an outbox message (``case.<action>``) in the same
transaction, so the outbox *is* the event log: a stream replays from it after a
reconnect (the browser sends ``Last-Event-ID``, the id of the last message it got) and
a process sees what other processes wrote without a broker.

One poller per process (:class:`Hub`) reads the new messages every :data:`POLL_SECONDS`
and hands each to the streams whose person may see the case (the gate's rule,
:func:`lianqin.cases.access.sees`); so a thousand open consoles cost one query per poll,
not a thousand. Events reach a page within ``POLL_SECONDS`` plus the network.

What must hold: a stream never shows a case its person may not see; after a reconnect
it sends every event after ``Last-Event-ID`` once, in id order (up to
:data:`REPLAY_LIMIT`; beyond that the page reloads its lists); it sends a comment every
:data:`KEEPALIVE_SECONDS` so proxies keep it open. On PostgreSQL, ids can commit out of
order (a transaction holding id 10 commits after id 11): the poller re-reads the last
:data:`LOOKBACK` ids for :data:`LOOKBACK_SECONDS` and skips those it sent, so a late
commit is not lost.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.db.models import Max
from django.utils import timezone

from lianqin.cases.access import Actor, sees
from lianqin.cases.models import WorkOrder
from lianqin.jobs.models import OutboxMessage

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
REPLAY_LIMIT = 500
LOOKBACK = 200
LOOKBACK_SECONDS = 30
QUEUE_SIZE = 1000


@dataclass(frozen=True)
class Event:
    id: int
    topic: str
    data: dict[str, Any]
    area_code: str
    unit_ids: frozenset[int]

    def visible_to(self, actor: Actor) -> bool:
        return sees(actor, self.area_code, self.unit_ids)

    def sse(self) -> str:
        """The event as SSE text: ``id``, ``event`` (``case``) and one ``data`` line."""
        return f"id: {self.id}\nevent: case\ndata: {json.dumps(self.data, ensure_ascii=False)}\n\n"


def fetch(after: int, *, limit: int = REPLAY_LIMIT, since: datetime | None = None) -> list[Event]:
    """Case events with id > ``after`` (and created at or after ``since``), oldest first."""
    qs = OutboxMessage.objects.filter(id__gt=after, topic__startswith="case.", case__isnull=False)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    rows = list(
        qs.order_by("id").values(
            "id", "topic", "payload", "created_at", "case_id", "case__area_code",
            "case__title", "case__status", "case__grid__code", "case__lon", "case__lat",
        )[:limit]
    )  # fmt: skip
    units: dict[int, set[int]] = {}
    for case_id, unit_id in WorkOrder.objects.filter(
        case_id__in={r["case_id"] for r in rows}
    ).values_list("case_id", "unit_id"):
        units.setdefault(case_id, set()).add(unit_id)
    return [_event(r, frozenset(units.get(r["case_id"], ()))) for r in rows]


def _event(r: Any, unit_ids: frozenset[int]) -> Event:
    data = dict(r["payload"]) | {
        "id": r["id"], "topic": r["topic"], "title": r["case__title"],
        "status": r["case__status"], "area_code": r["case__area_code"],
        "grid": r["case__grid__code"], "lon": r["case__lon"], "lat": r["case__lat"],
        "at": r["created_at"].isoformat(),
    }  # fmt: skip
    return Event(r["id"], r["topic"], data, r["case__area_code"] or "", unit_ids)


def latest_id() -> int:
    return int(OutboxMessage.objects.aggregate(m=Max("id"))["m"] or 0)


class Hub:
    """The process's one poller and the queues of its open streams."""

    def __init__(self) -> None:
        self.streams: dict[asyncio.Queue[Event], Actor] = {}
        self.task: asyncio.Task[None] | None = None
        self.last = self.floor = -1
        self.sent: deque[int] = deque(maxlen=LOOKBACK * 4)

    def subscribe(self, actor: Actor) -> asyncio.Queue[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        self.streams[queue] = actor
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Event]) -> None:
        self.streams.pop(queue, None)

    async def _run(self) -> None:
        if self.last < 0:  # what happened before this process listened is the replay's
            self.last = self.floor = await sync_to_async(latest_id)()
        while self.streams:
            try:
                await self.poll()
            except Exception:
                await asyncio.sleep(POLL_SECONDS * 4)
            await asyncio.sleep(POLL_SECONDS)

    async def poll(self) -> None:
        since = timezone.now() - timedelta(seconds=LOOKBACK_SECONDS)
        events = await sync_to_async(fetch)(max(self.last - LOOKBACK, 0), since=since)
        for event in events:
            if event.id in self.sent or event.id <= self.floor:
                continue
            self.sent.append(event.id)
            self.last = max(self.last, event.id)
            for queue, actor in list(self.streams.items()):
                if event.visible_to(actor) and not queue.full():
                    queue.put_nowait(event)


hub = Hub()


async def stream(actor: Actor, last_event_id: int | None) -> AsyncIterator[str]:
    """The SSE text of one page's stream: the replay after ``last_event_id``, then live."""
    queue = hub.subscribe(actor)  # before the replay: nothing falls between the two
    start = last_event_id
    seen: deque[int] = deque(maxlen=LOOKBACK * 4)  # ids this stream sent (late commits)
    try:
        yield "retry: 2000\n\n"
        if start is None:
            start = await sync_to_async(latest_id)()
            yield f"id: {start}\nevent: hello\ndata: {{}}\n\n"  # a reconnect replays from here
        else:
            for event in await sync_to_async(fetch)(start):
                seen.append(event.id)
                if event.visible_to(actor):
                    yield event.sse()
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                yield ": keepalive\n\n"
                continue
            if event.id not in seen:
                seen.append(event.id)
                yield event.sse()
    finally:
        hub.unsubscribe(queue)
