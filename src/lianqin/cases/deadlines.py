"""Deadlines for a concrete case: the category's policy, the district's working calendar.

Reads the catalogue and the calendar table; computes, never saves (``actions.py`` does).
The calendar is cached per process and dropped whenever a ``CalendarDay`` changes.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from lianqin.cases.clock import STAGE_FOR_STATE, Clock
from lianqin.cases.models import Case
from lianqin.cases.sla import DEFAULT_POLICIES, DeadlinePolicy, stage_deadline
from lianqin.cases.workcalendar import WorkCalendar
from lianqin.cases.workflow import State
from lianqin.choices import Priority, Stage
from lianqin.org.models import CalendarDay, Category
from lianqin.org.models import DeadlinePolicy as PolicyRow

DEFAULT_POLICY = "standard"


@lru_cache(maxsize=1)
def calendar() -> WorkCalendar:
    overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
    return WorkCalendar(overrides=overrides)


@lru_cache(maxsize=256)
def _policy(code: str) -> DeadlinePolicy:
    row = PolicyRow.objects.filter(code=code).first()
    if row is not None:
        return DeadlinePolicy.from_spec(row.code, row.name, row.spec)
    return DEFAULT_POLICIES.get(code) or DEFAULT_POLICIES[DEFAULT_POLICY]


@lru_cache(maxsize=4096)
def _policy_code(category_id: int) -> str:
    """The category's policy code, inherited from its ancestors, else the default one."""
    node: Category | None = Category.objects.select_related("deadline_policy", "parent").get(
        pk=category_id
    )
    while node is not None:
        if node.deadline_policy is not None:
            return node.deadline_policy.code
        node = node.parent
    return DEFAULT_POLICY


@receiver([post_save, post_delete], sender=CalendarDay)
@receiver([post_save, post_delete], sender=PolicyRow)
@receiver([post_save, post_delete], sender=Category)
def forget(**_kwargs: object) -> None:
    """Drop the cached calendar and policies (signals do it for single-row changes)."""
    calendar.cache_clear()
    _policy.cache_clear()
    _policy_code.cache_clear()


def policy_for(category: Category | None) -> DeadlinePolicy:
    """The category's deadline policy (cached per process; dropped when the catalogue,
    the policies or the calendar change)."""
    if category is None or category.pk is None:
        return _policy(DEFAULT_POLICY)
    return _policy(_policy_code(category.pk))


def due(case: Case, stage: Stage, start: datetime) -> datetime:
    return stage_deadline(
        policy_for(case.category), Priority(case.priority), stage, start, calendar()
    )


def is_working(case: Case, stage: Stage) -> bool:
    return policy_for(case.category).duration(Priority(case.priority), stage).is_working


def running_clock(case: Case) -> Clock | None:
    """The clock running for the case's state, from the deadlines stored on it."""
    stage = STAGE_FOR_STATE.get(State(case.status))
    if stage is None or case.stage_started_at is None:
        return None
    due_at = getattr(case, f"{stage.value}_due")
    if stage == Stage.ACKNOWLEDGE and case.resolve_due and case.resolve_due < due_at:
        due_at = case.resolve_due
    if due_at is None:
        return None
    return Clock(stage, case.stage_started_at, due_at, is_working(case, stage))
