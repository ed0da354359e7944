import pytest

from lianqin.cases.escalation import on_overdue
from lianqin.cases.workflow import Action, Mode, State
from lianqin.choices import Level, Stage


@pytest.mark.parametrize(
    ("status", "mode", "level", "stage", "action"),
    [
        (State.REPORTED, Mode.NONE, Level.GRID, Stage.ACCEPT, Action.ESCALATE),
        (State.ACCEPTED, Mode.NONE, Level.COMMUNITY, Stage.RESOLVE, Action.ESCALATE),
        (State.ON_SITE, Mode.ON_SITE, Level.STREET, Stage.RESOLVE, Action.ESCALATE),
        (State.ON_SITE, Mode.ON_SITE, Level.DISTRICT, Stage.RESOLVE, None),
        (State.DISPATCHED, Mode.DISPATCHED, Level.STREET, Stage.ACKNOWLEDGE, Action.URGE),
        (State.IN_PROGRESS, Mode.DISPATCHED, Level.DISTRICT, Stage.RESOLVE, Action.URGE),
        (State.RETURNED, Mode.DISPATCHED, Level.STREET, Stage.RESOLVE, Action.URGE),
        (State.RESOLVED, Mode.ON_SITE, Level.GRID, Stage.VERIFY, None),
        (State.CLOSED, Mode.ON_SITE, Level.GRID, Stage.CALLBACK, None),
        (State.REOPENED, Mode.ON_SITE, Level.GRID, Stage.ACCEPT, None),
    ],
)
def test_the_ladder(status, mode, level, stage, action):
    assert on_overdue(status, mode, level, stage) is action
