"""Writing side effects to the outbox, in the caller's transaction.

A message is delivered after commit by the sweeper (``jobs/sweeper.py``); subscribers
register a handler per topic prefix. It never carries personal data: only the case
number, the action and the state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lianqin.jobs.models import OutboxMessage

if TYPE_CHECKING:
    from lianqin.cases.models import Case

Handler = Callable[[OutboxMessage], None]
HANDLERS: dict[str, Handler] = {}


def subscribe(prefix: str, handler: Handler) -> None:
    """Deliver every message whose topic starts with ``prefix`` to ``handler``."""
    HANDLERS[prefix] = handler


def handlers_for(topic: str) -> list[Handler]:
    return [h for prefix, h in HANDLERS.items() if topic.startswith(prefix)]


def emit(topic: str, case: Case | None, payload: dict[str, Any], *, now: datetime) -> OutboxMessage:
    return OutboxMessage.objects.create(
        topic=topic, case=case, payload=payload, created_at=now, available_at=now
    )
