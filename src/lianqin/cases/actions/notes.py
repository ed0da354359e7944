"""History lines that change no state: findings of a sample inspection and the like."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from lianqin.cases.access import Actor
from lianqin.cases.actions.record import record
from lianqin.cases.models import Case
from lianqin.errors import NotFound


def append_event(
    actor: Actor, case_id: int, action: str, note: str, data: dict[str, Any], now: datetime
) -> int:
    """Append one history line (and its outbox message) under the case's row lock; the
    case's version moves so the line's ``seq`` stays unique. Returns the ``seq``."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            raise NotFound(f"没有案件 #{case_id}")
        case.version += 1
        case.updated_at = now
        case.save(update_fields=["version", "updated_at"])
        record(case, actor, action, case.status, case.status, now, note, data)
        return case.version
