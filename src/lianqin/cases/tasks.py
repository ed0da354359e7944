"""The inbox: what a person must act on now, derived from the workflow table and the gate.

A task is a case in the person's jurisdiction, in a state from which their role moves it
forward (accept, handle, dispatch, acknowledge, resolve, verify, call back…) — not the
supervisory actions (urge, supervise, escalate) that anyone above may take at any time.
Grid workers see the cases of their grids assigned to them or waiting for verification
by someone else; units see their open work orders (the gate scopes them); the rest see
their center's queue (the cases it holds). Ordered by the running deadline, overdue first.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from lianqin.cases.access import Actor, scope_cases
from lianqin.cases.models import Case, WorkOrder
from lianqin.cases.workflow import TRANSITIONS, Action, State
from lianqin.choices import Level, Role, level_rank

SUPERVISORY = {Action.URGE, Action.SUPERVISE, Action.ESCALATE, Action.SUSPEND, Action.EXTEND,
               Action.MERGE, Action.TRANSFER, Action.REJECT, Action.REOPEN, Action.RESUME}  # fmt: skip


def task_states(role: Role, level: Level) -> frozenset[State]:
    """States from which this role at this level moves a case forward."""
    return frozenset(
        state
        for t in TRANSITIONS
        if t.action not in SUPERVISORY and role in t.roles and level in t.levels
        for state in t.sources
    )


def my_tasks(actor: Actor) -> QuerySet[Case]:
    states = task_states(actor.role, actor.level)
    qs = scope_cases(actor).filter(status__in=list(states))
    if actor.role == Role.GRID_WORKER:
        mine = Q(assignee_id=actor.person_id) & ~Q(status=State.RESOLVED)
        to_verify = Q(status=State.RESOLVED) & ~Q(events__action="resolve",
                                                   events__actor_id=actor.person_id)  # fmt: skip
        qs = qs.filter(mine | to_verify)
    elif actor.role == Role.CALLBACK_STAFF:
        qs = qs.filter(satisfaction="")
    elif actor.role in (Role.DISPATCHER, Role.DUTY_LEADER):
        # a center's queue: the cases it holds (a grid's cases are held by its community
        # workstation); the district also places what could not be placed
        held = Q(holder__region_code=actor.scope_code)
        qs = qs.filter(held | Q(needs_location=True) if actor.level == Level.DISTRICT else held)
    if actor.is_unit:
        qs = qs.filter(work_orders__unit_id=actor.unit, work_orders__role="lead").exclude(
            work_orders__unit_id=actor.unit, work_orders__state__in=["replied", "returned"]
        )
    return qs.distinct().order_by("stage_due", "created_at")


def my_work_orders(actor: Actor) -> QuerySet[WorkOrder]:
    """A unit's open work orders, lead and assisting, by deadline."""
    return (
        WorkOrder.objects.filter(unit_id=actor.unit, state__in=["pending", "acknowledged"])
        .select_related("case")
        .order_by("due_at")
    )


__all__ = ["level_rank", "my_tasks", "my_work_orders", "task_states"]
