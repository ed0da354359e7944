"""An assisting unit's own work order: acknowledge, reply with its part, or return it.

The lead unit moves its work order through the case's transitions (acknowledge, return,
resolve); an assisting unit's events do not change the case's state, but each is a line
in the case's history and an outbox message.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from lianqin.cases.access import Actor, access_case
from lianqin.cases.actions.record import record
from lianqin.cases.models import WorkOrder
from lianqin.cases.workflow import WorkflowError, WorkOrderState, work_order_next
from lianqin.errors import Forbidden, InvalidInput, InvalidTransition, NotFound

EVENTS = {"acknowledge": "acknowledged_at", "reply": "replied_at", "return": None}


def work_order_event(
    actor: Actor,
    number: str,
    order_id: int,
    event: str,
    *,
    note: str = "",
    now: datetime | None = None,
) -> WorkOrder:
    """Move one work order of the actor's unit; ``reply`` and ``return`` need a note."""
    now = now or timezone.now()
    if event not in EVENTS:
        raise NotFound(f"未知工单动作 {event!r}", hint="可用：acknowledge, reply, return")
    if event in ("reply", "return") and not note.strip():
        raise InvalidInput("答复或退回须填写内容", field="note")
    with transaction.atomic():
        case = access_case(actor, number, for_update=True)
        order = WorkOrder.objects.filter(pk=order_id, case=case).first()
        if order is None:
            raise NotFound(f"案件 {number} 没有工单 {order_id}")
        if not actor.is_unit or order.unit_id != actor.unit_id:
            raise Forbidden("只能处理本单位的工单")
        try:
            order.state = work_order_next(WorkOrderState(order.state), event)
        except WorkflowError as exc:
            raise InvalidTransition(exc.message) from None
        stamp = EVENTS[event]
        if stamp:
            setattr(order, stamp, now)
        if event == "reply":
            order.reply = note
        if event == "return":
            order.return_reason = note
        order.save()
        case.version += 1
        case.updated_at = now
        case.save(update_fields=["version", "updated_at"])
        record(
            case,
            actor,
            f"work_order_{event}",
            case.status,
            case.status,
            now,
            note,
            {"work_order": order.pk, "unit": order.unit.code, "role": order.role},
        )
    return order
