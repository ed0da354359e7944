"""Extension and suspension need approval: whoever holds the case asks, a duty leader (or
administrator) above decides; only an approved request moves or pauses the clock, and it
fires as the approver's action (``extend`` / ``suspend`` in the workflow table).

What must hold: a request is decided once; the request, its decision and the action are
in the case's history; a request on a case that moved on meanwhile is refused at
approval time by the workflow table (nothing half-done).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from lianqin.cases.access import Actor, access_case, can_see, check_may_act, scope_cases
from lianqin.cases.actions.notes import append_event
from lianqin.cases.actions.transition import perform
from lianqin.cases.models import ApprovalRequest
from lianqin.cases.sla import parse_duration
from lianqin.cases.workflow import WORKING, State
from lianqin.choices import Role
from lianqin.errors import Forbidden, InvalidInput, InvalidTransition, NotFound

APPROVERS = {Role.DUTY_LEADER, Role.ADMIN}


def request_approval(
    actor: Actor, number: str, kind: str, reason: str, *, by: str = "",
    now: datetime | None = None,
) -> ApprovalRequest:  # fmt: skip
    now = now or timezone.now()
    if kind not in ("extend", "suspend"):
        raise InvalidInput(f"未知申请类型 {kind!r}", field="kind", hint="extend 或 suspend")
    if not reason.strip():
        raise InvalidInput("申请须写明理由", field="note")
    params: dict[str, Any] = {}
    if kind == "extend":
        try:
            parse_duration(by)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="by", hint="如 3wd（3个工作日）或 48h") from None
        params["by"] = by
    with transaction.atomic():
        case = access_case(actor, number, for_update=True)
        check_may_act(actor, case)
        if case.status not in WORKING:
            raise InvalidTransition(f"案件{case.get_status_display()}，不能申请{_label(kind)}")
        if case.approval_requests.filter(kind=kind, state="pending").exists():
            raise InvalidTransition(f"已有待审批的{_label(kind)}申请", hint="等待审批结果")
        made = ApprovalRequest.objects.create(case=case, kind=kind, params=params,
                                              reason=reason.strip(), requested_by_id=actor.person_id,
                                              requested_at=now)  # fmt: skip
        append_event(actor, case.pk, "approval_requested", reason.strip(),
                     {"request": made.pk, "kind": kind, **params}, now)  # fmt: skip
    return made


def pending_for(actor: Actor) -> QuerySet[ApprovalRequest]:
    if actor.role not in APPROVERS:
        return ApprovalRequest.objects.none()
    return ApprovalRequest.objects.filter(
        state="pending", case__in=scope_cases(actor)
    ).select_related("case", "requested_by")


def decide(
    actor: Actor, request_id: int, *, approve: bool, note: str = "", now: datetime | None = None
) -> ApprovalRequest:
    now = now or timezone.now()
    if actor.role not in APPROVERS:
        raise Forbidden("只有值班长或管理员可以审批延期和挂起")
    with transaction.atomic():
        found = ApprovalRequest.objects.select_for_update().filter(pk=request_id).first()
        if found is None or not can_see(actor, found.case):
            raise NotFound(f"没有申请 #{request_id}")
        if found.state != "pending":
            raise InvalidTransition(f"申请 #{request_id} 已{found.get_state_display()}")
        if not approve and not note.strip():
            raise InvalidInput("驳回须写明意见", field="note")
        found.state = "approved" if approve else "refused"
        found.decided_by_id, found.decided_at = actor.person_id, now
        found.decision_note = note.strip()
        found.save()
        if approve:
            text = note.strip() or f"批准{_label(found.kind)}：{found.reason}"
            perform(actor, found.case.number, found.kind, note=text, now=now, **found.params)
        else:
            append_event(actor, found.case_id, "approval_refused", found.decision_note,
                         {"request": found.pk, "kind": found.kind}, now)  # fmt: skip
    return found


def _label(kind: str) -> str:
    return {"extend": "延期", "suspend": "挂起"}.get(kind, kind)


__all__ = ["State", "decide", "pending_for", "request_approval"]
