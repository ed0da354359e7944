"""What each workflow action does to a case beyond its state, one function per action.

Each effect receives the locked case, the actor, ``now``, the note and the action's
parameters; it changes the case in memory (the caller saves it), may write work orders
or move reports, and returns the data to keep in the history line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from lianqin.cases import deadlines
from lianqin.cases.access import Actor, access_case
from lianqin.cases.actions.record import record
from lianqin.cases.models import Case, MergeCandidate, Report, WorkOrder
from lianqin.cases.sla import due as add_duration
from lianqin.cases.sla import parse_duration, shift_for_pause
from lianqin.cases.workflow import FINAL, Action, Mode, WorkOrderState, work_order_next
from lianqin.choices import (
    SATISFACTION_LABELS,
    Level,
    Role,
    Satisfaction,
    Stage,
    WorkOrderRole,
    next_level,
)
from lianqin.errors import Forbidden, InvalidInput, InvalidTransition
from lianqin.org.models import Center, District, Grid, Unit
from lianqin.org.routing import rules as routing_rules
from lianqin.triage.reply_check import check_reply
from lianqin.triage.routing import Facts, route

Params = dict[str, Any]
#: callback attempts before a reporter is recorded as unreachable
CALLBACK_ATTEMPTS = 3
#: an unsatisfied reporter whose problem is not solved gets the case reopened
REOPEN_ON_UNSOLVED = True
Effect = Callable[[Case, Actor, datetime, str, Params], dict[str, Any]]
ACTIVE = (WorkOrderState.PENDING, WorkOrderState.ACKNOWLEDGED, WorkOrderState.REPLIED)


def place(
    case: Case,
    grid: Grid | None,
    district: District,
    *,
    flag: bool = False,
    cache: dict[tuple[str, object], int | None] | None = None,
) -> None:
    """Put a new case in its grid (held at grid level) or, unlocated, at the district;
    ``flag`` marks a placement a person should confirm (a vague address match). A bulk
    import passes a ``cache`` so that each grid's worker and each center is read once."""
    if grid is None:
        case.area_code, case.level, case.needs_location = district.code, Level.DISTRICT, True
    else:
        case.grid, case.community, case.street = grid, grid.community, grid.community.street
        case.area_code, case.level, case.needs_location = grid.code, Level.GRID, flag
        case.assignee_id = _cached(cache, ("worker", grid.pk), lambda: _first_worker(grid))
    level = Level(case.level)
    code = _center_code(case, level)
    case.holder_id = _cached(cache, ("center", code), lambda: _center_id(code))


def _cached(
    cache: dict[tuple[str, object], int | None] | None,
    key: tuple[str, object],
    compute: Callable[[], int | None],
) -> int | None:
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _first_worker(grid: Grid) -> int | None:
    return grid.workers.order_by("id").values_list("id", flat=True).first()


def _center_id(code: str) -> int | None:
    return Center.objects.filter(region_code=code).values_list("id", flat=True).first()


def _center_code(case: Case, level: Level) -> str:
    return {
        Level.GRID: case.area_code[:12],
        Level.COMMUNITY: case.area_code[:12],
        Level.STREET: case.area_code[:9],
        Level.DISTRICT: case.area_code[:6],
    }[level]


def center_for(case: Case, level: Level) -> Center | None:
    """The center that holds a case at a level (a grid's case: its community workstation)."""
    return Center.objects.filter(region_code=_center_code(case, level)).first()


def _accept(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
    case.accepted_at = case.accepted_at or now
    case.mode = Mode.NONE
    case.resolve_due = deadlines.due(case, Stage.RESOLVE, now)
    return {}


def _merge(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
    number = str(p.get("into") or "")
    if not number or number == case.number:
        raise InvalidInput("须指定另一案件作为主案件", field="into", hint="into=主案件编号")
    target = access_case(actor, number, for_update=True)
    if target.status in FINAL:
        raise InvalidTransition(f"主案件 {number} 已{target.get_status_display()}，不能并入")
    moved = Report.objects.filter(case=case).update(case=target)
    before = target.status
    target.report_count += moved
    target.version += 1
    target.updated_at = now
    target.save()
    record(
        target,
        actor,
        "merge_in",
        before,
        before,
        now,
        note,
        {"from": case.number, "reports": moved},
    )
    case.merged_into = target
    MergeCandidate.objects.filter(case=case, candidate=target).update(state="merged")
    return {"into": number, "reports": moved}


def _on_site(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
    case.mode = Mode.ON_SITE
    if actor.role == Role.GRID_WORKER and actor.person_id:
        case.assignee_id = actor.person_id
    return {}


def _units(p: Params, case: Case, now: datetime) -> tuple[Unit, list[Unit], dict[str, Any]]:
    """Lead and assisting units from the parameters, else from the responsibility list
    (explicit rules, then the catalogue's units); the third value says which rule."""
    lead_code, assist_codes = p.get("lead"), list(p.get("assist") or [])
    routed: dict[str, Any] = {}
    if not lead_code:
        decision = route(routing_rules(), routing_facts(case, now))
        if decision.rule is not None:
            lead_code = decision.lead
            assist_codes = assist_codes or list(decision.assist)
            routed = {"rule": decision.rule.name, "rule_key": decision.rule.key}
    if not lead_code:
        raise InvalidInput(
            "须指定主办单位", field="lead", hint="lead=单位编码；类别未设默认主办单位"
        )
    found = {
        u.code: u for u in Unit.objects.filter(code__in=[lead_code, *assist_codes], active=True)
    }
    missing = [c for c in [lead_code, *assist_codes] if c not in found]
    if missing:
        raise InvalidInput(
            f"未知或停用的单位：{', '.join(missing)}", field="lead", hint="见管理后台「参勤单位」"
        )
    assists = [found[c] for c in dict.fromkeys(assist_codes) if c != lead_code]
    return found[lead_code], assists, routed


def routing_facts(case: Case, now: datetime) -> Facts:
    return Facts(category=case.category.code if case.category else "", area=case.area_code,
                 text=f"{case.title} {case.description}", channel=case.channel, at=now)  # fmt: skip


def _dispatch(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
    lead, assists, routed = _units(p, case, now)
    case.mode = Mode.DISPATCHED
    case.lead_unit = lead  # the unit the case is counted for (indicators, cost ledger)
    case.acknowledge_due = deadlines.due(case, Stage.ACKNOWLEDGE, now)
    case.resolve_due = case.resolve_due or deadlines.due(case, Stage.RESOLVE, now)
    busy = set(case.work_orders.filter(state__in=ACTIVE).values_list("unit_id", flat=True))
    for unit, role in [(lead, WorkOrderRole.LEAD), *[(u, WorkOrderRole.ASSIST) for u in assists]]:
        if unit.pk in busy:
            continue
        WorkOrder.objects.create(
            case=case,
            unit=unit,
            role=role,
            dispatched_at=now,
            acknowledge_due=case.acknowledge_due,
            due_at=case.resolve_due,
            dispatched_by_id=actor.person_id,
        )
    return {"lead": lead.code, "assist": [u.code for u in assists], **routed}


def _lead_order(case: Case, actor: Actor) -> WorkOrder:
    return case.work_orders.filter(
        unit_id=actor.unit, role=WorkOrderRole.LEAD, state__in=ACTIVE
    ).latest("id")


def _move(order: WorkOrder, event: str, now: datetime, **fields: Any) -> None:
    order.state = work_order_next(WorkOrderState(order.state), event)
    for name, value in fields.items():
        setattr(order, name, value)
    order.save()


def _acknowledge(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
    _move(_lead_order(case, actor), "acknowledge", now, acknowledged_at=now)
    return {}


def _return(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
    order = _lead_order(case, actor)
    _move(order, "return", now, return_reason=note)
    case.return_count += 1
    return {"unit": order.unit.code}


def _resolve(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
    data: dict[str, Any] = {"evidence": list(p.get("evidence") or [])}
    if case.mode == Mode.DISPATCHED:
        lead = _lead_order(case, actor)
        _move(lead, "reply", now, replied_at=now, reply=note)
        data["assist_replies"] = [
            {"unit": o.unit.code, "state": o.state, "reply": o.reply}
            for o in case.work_orders.filter(role=WorkOrderRole.ASSIST).select_related("unit")
        ]
        data["reply_check"] = _check_reply(case, lead, note, now)
    case.resolved_at = now
    case.verify_due = deadlines.due(case, Stage.VERIFY, now)
    return data


def _not_the_handler(case: Case, actor: Actor) -> None:
    """Verification is by someone other than the person who resolved the case."""
    handler = (
        case.events.filter(action="resolve")
        .order_by("-seq")
        .values_list("actor_id", flat=True)
        .first()
    )
    if handler is not None and handler == actor.person_id:
        raise Forbidden("核查须由处置人以外的人员进行", hint="请其他网格员、监督员或值班员核查")


def _check_reply(case: Case, lead: WorkOrder, reply: str, now: datetime) -> dict[str, Any]:
    """Before closure, the lead unit's reply is checked for the verifier: does it address
    the case, say what was done and what came of it, or is it boilerplate / a template of
    the unit's recent replies (``triage/reply_check.py``)? The verifier decides."""
    recent = list(
        WorkOrder.objects.filter(
            unit_id=lead.unit_id, role=WorkOrderRole.LEAD, replied_at__gte=now - timedelta(days=90)
        )
        .exclude(case=case)
        .exclude(case__merged_into=case)
        .exclude(reply="")
        .order_by("-replied_at")
        .values_list("reply", flat=True)[:200]
    )
    result = check_reply(f"{case.title}\n{case.address}\n{case.description}", reply,
                         asked_at=case.created_at, replied_at=now, similar_replies=recent)  # fmt: skip
    return {"ok": result.ok, "score": round(result.score, 3), "parts": result.parts,
            "findings": [{"code": f.code, "message": f.message} for f in result.findings]}  # fmt: skip


def _verify(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
    _not_the_handler(case, actor)
    case.closed_at = now
    case.callback_due = deadlines.due(case, Stage.CALLBACK, now)
    return {}


def _rework(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
    _not_the_handler(case, actor)
    case.rework_count += 1
    case.resolved_at = None
    if case.mode == Mode.DISPATCHED:
        order = case.work_orders.filter(
            role=WorkOrderRole.LEAD, state=WorkOrderState.REPLIED
        ).latest("id")
        _move(order, "rework", now)
    return {"rework_count": case.rework_count}


def _callback(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
    """One callback attempt: not reached (counted; after ``CALLBACK_ATTEMPTS`` recorded as
    unreachable), or the reporter's satisfaction and whether the problem was solved. An
    unsatisfied reporter whose problem is not solved gets the case reopened (policy
    ``REOPEN_ON_UNSOLVED``)."""
    if case.satisfaction:
        raise InvalidTransition(
            f"案件已回访（{case.get_satisfaction_display()}）", hint="回访结果只记录一次"
        )
    case.callback_attempts += 1
    if p.get("reached") is False or p.get("satisfaction") == Satisfaction.UNREACHABLE:
        if case.callback_attempts >= CALLBACK_ATTEMPTS:
            case.satisfaction = Satisfaction.UNREACHABLE
        return {"reached": False, "attempt": case.callback_attempts,
                "satisfaction": case.satisfaction}  # fmt: skip
    result = str(p.get("satisfaction") or "")
    if result not in SATISFACTION_LABELS:
        raise InvalidInput(
            f"未知满意度 {result!r}",
            field="satisfaction",
            hint="可用：" + ", ".join(SATISFACTION_LABELS) + "；未接通用 reached=false",
        )
    solved = p.get("solved")
    if solved is not None and not isinstance(solved, bool):
        raise InvalidInput("solved 须为 true 或 false", field="solved")
    case.satisfaction, case.solved = result, solved
    data: dict[str, Any] = {"satisfaction": result, "solved": solved,
                            "attempt": case.callback_attempts}  # fmt: skip
    if REOPEN_ON_UNSOLVED and result == Satisfaction.UNSATISFIED and solved is False:
        data["then"] = "reopen"
    return data


def _reopen(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
    case.reopen_count += 1
    case.satisfaction, case.solved, case.callback_attempts = "", None, 0
    case.mode, case.closed_at, case.resolved_at = Mode.NONE, None, None
    case.accept_due = deadlines.due(case, Stage.ACCEPT, now)
    case.resolve_due = None
    return {}


def _suspend(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
    case.suspended_from, case.suspended_at = case.status, now
    return {}


def _resume(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
    paused_from = case.suspended_at or now
    cal = deadlines.calendar()
    for stage in (Stage.ACKNOWLEDGE, Stage.RESOLVE):
        due = getattr(case, f"{stage.value}_due")
        if due is not None:
            shifted = shift_for_pause(
                due, paused_from, now, cal, working=deadlines.is_working(case, stage)
            )
            setattr(case, f"{stage.value}_due", shifted)
    case.suspended_from, case.suspended_at = "", None
    return {"paused_minutes": int((now - paused_from).total_seconds() // 60)}


def _escalate(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
    up = next_level(Level(case.level))
    if up is None:
        raise InvalidTransition("案件已在区级，无法再升级", hint="由区联勤指挥中心处置")
    before = case.level
    case.level = up
    case.holder = center_for(case, up)
    case.escalation_count += 1
    # the level above gets a full deadline for the stage the level below missed
    stage = Stage(case.stage) if case.stage in (Stage.ACCEPT, Stage.RESOLVE) else None
    if stage == Stage.ACCEPT:
        case.accept_due = deadlines.due(case, Stage.ACCEPT, now)
    elif stage == Stage.RESOLVE:
        case.resolve_due = deadlines.due(case, Stage.RESOLVE, now)
    if stage is not None:
        case.stage_started_at = now
    data: dict[str, Any] = {"from_level": before, "to_level": up.value}
    if p.get("automatic"):
        data["automatic"] = True
    return data


def _count(name: str) -> Effect:
    def effect(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
        setattr(case, name, getattr(case, name) + 1)
        return {"automatic": True} if p.get("automatic") else {}

    return effect


def _extend(case: Case, actor: Actor, now: datetime, note: str, p: Params) -> dict[str, Any]:
    try:
        extra = parse_duration(str(p.get("by") or ""))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="by", hint="如 by=3wd（3个工作日）或 by=48h") from None
    current = case.resolve_due or now
    case.resolve_due = add_duration(current, extra, deadlines.calendar())
    case.extension_count += 1
    return {"by": str(extra), "resolve_due": case.resolve_due.isoformat()}


EFFECTS: dict[Action, Effect] = {
    Action.ACCEPT: _accept,
    Action.MERGE: _merge,
    Action.HANDLE_ON_SITE: _on_site,
    Action.DISPATCH: _dispatch,
    Action.REASSIGN: _dispatch,
    Action.ACKNOWLEDGE: _acknowledge,
    Action.RETURN: _return,
    Action.RESOLVE: _resolve,
    Action.VERIFY: _verify,
    Action.REWORK: _rework,
    Action.CALLBACK: _callback,
    Action.REOPEN: _reopen,
    Action.SUSPEND: _suspend,
    Action.RESUME: _resume,
    Action.ESCALATE: _escalate,
    Action.URGE: _count("urge_count"),
    Action.SUPERVISE: _count("supervise_count"),
    Action.EXTEND: _extend,
}
