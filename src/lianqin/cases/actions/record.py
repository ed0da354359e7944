"""History, outbox and clock bookkeeping shared by every action."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lianqin.audit.chain import event_fields, link
from lianqin.audit.keys import chain_key
from lianqin.cases import deadlines
from lianqin.cases.access import Actor
from lianqin.cases.clock import evaluate
from lianqin.cases.models import Case, CaseEvent
from lianqin.choices import Warning as WarningLevel
from lianqin.evaluation import rollup
from lianqin.evaluation.indicators import Late
from lianqin.jobs.outbox import emit


def refresh(case: Case, now: datetime, *, restart: bool = True) -> WarningLevel:
    """Restart the stage clock when the state changed; recompute the warning and the next
    moment the sweeper must look at the case."""
    if case.stage and case.stage_due is not None and case.stage_due <= now:
        # the stage being left (or revisited) went past its deadline: remembered for the
        # "on time" indicators, whoever notices first — the sweeper or the next action
        case.overdue_mask |= Late.of(case.stage)
    if restart:
        case.stage_started_at = now
    clock = deadlines.running_clock(case)
    case.stage = clock.stage.value if clock else ""
    case.stage_due = clock.due if clock else None
    warning, next_check = evaluate(clock, now, deadlines.calendar())
    case.warning = warning
    case.next_check_at = next_check
    if warning == WarningLevel.OVERDUE and clock is not None:
        case.overdue_mask |= Late.of(clock.stage.value)
    return warning


def last_chain(case_id: int) -> str:
    """The chain of a case's latest history line ("" before its first)."""
    found = CaseEvent.objects.filter(case_id=case_id).order_by("-seq").values_list("chain")
    return next(iter(found[:1]), ("",))[0]


def record(
    case: Case,
    actor: Actor,
    action: str,
    before: str,
    after: str,
    now: datetime,
    note: str,
    data: dict[str, Any],
) -> None:
    """Append one history line (``seq`` = the case's version) and its outbox message, and
    move the case's counts in the rollup (same transaction)."""
    event = CaseEvent(
        case=case,
        seq=case.version,
        action=action,
        from_state=before,
        to_state=after,
        at=now,
        actor_id=actor.person_id,
        actor_name=actor.name,
        actor_role=actor.role,
        actor_level=actor.level,
        note=note,
        data=data,
    )
    event.chain = link(chain_key(), last_chain(case.pk), event_fields(event))
    event.save()
    rollup.track(case)
    rollup.track_event(event, case.area_code)
    emit(
        f"case.{action}",
        case,
        {
            "number": case.number,
            "action": action,
            "from": before,
            "to": after,
            "level": case.level,
            "warning": case.warning,
            "version": case.version,
        },
        now=now,
    )
