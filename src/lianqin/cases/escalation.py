"""What the system does by itself when a deadline passes. Pure: no Django.

The ladder of the pilot: a level that misses its deadline loses the case to the level
above (grid → community → street → district), which gets a fresh deadline for the same
stage; a participating unit that misses its deadline is urged (催办) — it keeps the case,
and the centers see the urging in its record. A case at the district, or waiting for
verification or a callback, is only marked overdue (people decide what follows).

What must hold: one overdue transition fires at most one automatic action (the sweeper
calls this only when the warning *becomes* overdue, under the case's row lock).
"""

from __future__ import annotations

from lianqin.cases.workflow import Action, Mode, State
from lianqin.choices import Level, Stage

#: states in which the holding level itself still owes the next step
OWN_WORK = frozenset({State.REPORTED, State.ACCEPTED, State.ON_SITE})
UNIT_WORK = frozenset({State.DISPATCHED, State.IN_PROGRESS, State.RETURNED})


def on_overdue(status: State, mode: Mode, level: Level, stage: Stage | None) -> Action | None:
    """The automatic action for a case that just became overdue, or None."""
    if status in UNIT_WORK or (mode == Mode.DISPATCHED and stage == Stage.ACKNOWLEDGE):
        return Action.URGE
    if status in OWN_WORK and level != Level.DISTRICT and stage in (Stage.ACCEPT, Stage.RESOLVE):
        return Action.ESCALATE
    return None
