"""Firing a workflow action on a case, and the sweeper's warning refresh."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from lianqin.cases.access import SYSTEM, Actor, access_case, check_may_act
from lianqin.cases.actions.effects import EFFECTS
from lianqin.cases.actions.record import record, refresh
from lianqin.cases.clock import worse
from lianqin.cases.escalation import on_overdue
from lianqin.cases.models import Case
from lianqin.cases.workflow import Action, Mode, State, WorkflowError, plan
from lianqin.choices import Level, Stage
from lianqin.choices import Warning as WarningLevel
from lianqin.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound


def perform(
    actor: Actor,
    number: str,
    action: Action | str,
    *,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
    **params: Any,
) -> Case:
    """Fire one workflow action on a case, or raise a typed error and change nothing.

    The row lock serialises concurrent actors: of two dispatchers accepting the same case
    at once, the second sees the state the first left and gets ``invalid_transition``
    (or ``conflict`` when it sent the version it was looking at).
    """
    now = now or timezone.now()
    action = _action(action)
    with transaction.atomic():
        case = access_case(actor, number, for_update=True)
        if expected_version is not None and case.version != expected_version:
            raise Conflict(
                f"案件 {number} 已被他人更新（当前版本 {case.version}，您看到的是 {expected_version}）",
                hint="刷新后再操作",
                current_version=case.version,
                status=case.status,
            )
        check_may_act(actor, case)
        try:
            edge, target = plan(
                action,
                State(case.status),
                role=actor.role,
                level=actor.level,
                mode=Mode(case.mode),
                previous=_previous(case),
            )
        except WorkflowError as exc:
            cls = InvalidTransition if exc.code == "invalid_transition" else Forbidden
            raise cls(exc.message, status=case.status, current_version=case.version) from None
        if edge.needs_note and not note.strip():
            raise InvalidInput(
                f"「{action.value}」须填写理由", field="note", hint="在 note 中说明原因"
            )
        before = case.status
        apply = EFFECTS.get(action)
        data = apply(case, actor, now, note, params) if apply else {}
        case.status = target
        refresh(case, now, restart=before != target)
        case.version += 1
        case.updated_at = now
        case.save()
        follow = data.pop("then", None)
        record(case, actor, action.value, before, target, now, note, data)
        if follow:
            # a policy consequence, fired by the same actor in the same transaction
            reason = {"reopen": "回访不满意且问题未解决，按规定重启"}.get(follow, "")
            case = perform(actor, number, follow, note=reason, now=now)
    return case


def _action(action: Action | str) -> Action:
    try:
        return Action(action)
    except ValueError:
        raise NotFound(
            f"未知动作 {action!r}", field="action", hint="可用动作：" + ", ".join(Action)
        ) from None


def _previous(case: Case) -> State | None:
    return State(case.suspended_from) if case.suspended_from else None


def refresh_warning(case_id: int, now: datetime | None = None) -> bool:
    """The sweeper's visit: recompute one case's warning under its row lock.

    A rise is recorded in the history exactly once, because the stored level is compared
    under the lock: a second worker visiting the same case finds nothing to do. Returns
    whether the warning changed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            return False
        before = WarningLevel(case.warning)
        after = refresh(case, now, restart=False)
        if after == before:
            Case.objects.filter(pk=case.pk).update(next_check_at=case.next_check_at)
            return False
        case.version += 1
        case.updated_at = now
        case.save()
        if worse(after, before):
            record(
                case,
                SYSTEM,
                "warning",
                case.status,
                case.status,
                now,
                "",
                {"warning": after.value, "was": before.value, "stage": case.stage},
            )
            if after == WarningLevel.OVERDUE:
                _act_on_overdue(case, now)
        return True


def _act_on_overdue(case: Case, now: datetime) -> None:
    """The ladder: escalate a level that missed its deadline, urge a late unit."""
    stage = Stage(case.stage) if case.stage else None
    action = on_overdue(State(case.status), Mode(case.mode), Level(case.level), stage)
    if action is None:
        return
    note = {Action.ESCALATE: "超期未办，系统自动升级", Action.URGE: "超期未办，系统自动催办"}[
        action
    ]
    perform(SYSTEM, case.number, action, note=note, now=now, automatic=True)
