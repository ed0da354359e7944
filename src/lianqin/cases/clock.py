"""Which stage's clock runs in each state, and when a case's warning will next change.

Pure: the sweeper visits a case only at the moments computed here (yellow, red, due), so
an idle district costs nothing and a busy one costs one visit per threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lianqin.cases.sla import warning_level
from lianqin.cases.workcalendar import WorkCalendar
from lianqin.cases.workflow import State
from lianqin.choices import Stage, Warning

#: The stage whose deadline is running in each state (no entry: no clock).
STAGE_FOR_STATE: dict[State, Stage] = {
    State.REPORTED: Stage.ACCEPT,
    State.REOPENED: Stage.ACCEPT,
    State.ACCEPTED: Stage.RESOLVE,
    State.ON_SITE: Stage.RESOLVE,
    State.DISPATCHED: Stage.ACKNOWLEDGE,
    State.IN_PROGRESS: Stage.RESOLVE,
    State.RETURNED: Stage.RESOLVE,
    State.RESOLVED: Stage.VERIFY,
    State.CLOSED: Stage.CALLBACK,
}

YELLOW = 0.6
RED = 0.85


@dataclass(frozen=True)
class Clock:
    """A running stage: when it started, when it is due, and in which time."""

    stage: Stage
    started: datetime
    due: datetime
    working: bool


def threshold_times(clock: Clock, calendar: WorkCalendar) -> tuple[datetime, datetime, datetime]:
    """The moments the warning turns yellow, red and overdue."""
    if clock.due <= clock.started:
        return clock.due, clock.due, clock.due
    if clock.working:
        total = calendar.working_minutes_between(clock.started, clock.due)
        return (
            calendar.add_working_minutes(clock.started, int(total * YELLOW)),
            calendar.add_working_minutes(clock.started, int(total * RED)),
            clock.due,
        )
    span = clock.due - clock.started
    return clock.started + span * YELLOW, clock.started + span * RED, clock.due


def evaluate(
    clock: Clock | None, now: datetime, calendar: WorkCalendar
) -> tuple[Warning, datetime | None]:
    """The warning now and the next moment it can change (None: it cannot)."""
    if clock is None:
        return Warning.NORMAL, None
    level = warning_level(
        clock.started, clock.due, now, calendar, working=clock.working, yellow=YELLOW, red=RED
    )
    for moment in threshold_times(clock, calendar):
        if moment > now:
            return level, moment
    return level, None


def worse(a: Warning, b: Warning) -> bool:
    """Whether ``a`` is a more serious warning than ``b``."""
    order = list(Warning)
    return order.index(a) > order.index(b)
