"""The transition table, walked exhaustively without a database."""

from __future__ import annotations

from collections import deque

import pytest

from lianqin.cases.workflow import (
    FINAL,
    INITIAL,
    OPEN,
    PREVIOUS,
    SAME,
    TRANSITIONS,
    WORKING,
    Action,
    Mode,
    State,
    WorkflowError,
    WorkOrderState,
    allowed_actions,
    plan,
    targets,
    work_order_next,
)
from lianqin.choices import Level, Role


def reachable_from(start: State) -> set[State]:
    seen, todo = {start}, deque([start])
    while todo:
        for nxt in targets(todo.popleft()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_one_initial_state_and_every_state_reachable():
    assert reachable_from(INITIAL) == set(State)
    entered = {State(t.target) for t in TRANSITIONS if t.target not in (SAME, PREVIOUS)}
    assert INITIAL not in entered  # nothing re-enters the initial state


def test_every_state_reaches_a_final_state():
    for state in State:
        assert reachable_from(state) & FINAL, state


def test_nothing_leaves_a_final_state():
    for t in TRANSITIONS:
        assert not (t.sources & FINAL), t
    for state in FINAL:
        assert allowed_actions(state) == set()


def test_every_edge_has_reason_roles_and_levels():
    for t in TRANSITIONS:
        assert t.reason and t.roles and t.levels, t


def test_every_action_is_an_edge():
    assert {t.action for t in TRANSITIONS} == set(Action)


def test_open_and_working_states_are_not_final():
    assert not (OPEN & FINAL) and WORKING <= OPEN


def _actor_for(t) -> tuple[Role, Level]:
    role = sorted(t.roles)[0]
    level = sorted(t.levels)[0]
    return role, level


EDGES = [(t, s) for t in TRANSITIONS for s in sorted(t.sources)]


@pytest.mark.parametrize(("edge", "source"), EDGES, ids=[f"{t.action}:{s}" for t, s in EDGES])
def test_every_allowed_transition(edge, source):
    role, level = _actor_for(edge)
    mode = edge.mode or Mode.NONE
    previous = State.IN_PROGRESS if edge.target == PREVIOUS else None
    taken, target = plan(edge.action, source, role=role, level=level, mode=mode, previous=previous)
    assert taken == edge
    if edge.target == SAME:
        assert target == source
    elif edge.target == PREVIOUS:
        assert target == State.IN_PROGRESS
    else:
        assert target == State(edge.target)


FORBIDDEN_STATES = [
    (action, state)
    for action in Action
    for state in State
    if not any(t.action == action and state in t.sources for t in TRANSITIONS)
]


@pytest.mark.parametrize(
    ("action", "state"), FORBIDDEN_STATES, ids=[f"{a}:{s}" for a, s in FORBIDDEN_STATES]
)
def test_every_forbidden_transition_is_refused(action, state):
    with pytest.raises(WorkflowError) as info:
        plan(
            action,
            state,
            role=Role.ADMIN,
            level=Level.DISTRICT,
            mode=Mode.DISPATCHED,
            previous=State.ACCEPTED,
        )
    assert info.value.code == "invalid_transition"
    assert state.value in info.value.message


WRONG_ROLES = [(t, role) for t in TRANSITIONS for role in Role if role not in t.roles]


@pytest.mark.parametrize(
    ("edge", "role"), WRONG_ROLES, ids=[f"{t.action}:{r}" for t, r in WRONG_ROLES]
)
def test_roles_outside_an_edge_are_refused(edge, role):
    source = sorted(edge.sources)[0]
    with pytest.raises(WorkflowError) as info:
        plan(
            edge.action,
            source,
            role=role,
            level=sorted(edge.levels)[0],
            mode=edge.mode or Mode.NONE,
            previous=State.ACCEPTED,
        )
    assert info.value.code == "forbidden_role"


def test_level_outside_an_edge_is_refused():
    with pytest.raises(WorkflowError) as info:
        plan(Action.DISPATCH, State.ACCEPTED, role=Role.DISPATCHER, level=Level.COMMUNITY)
    assert info.value.code == "forbidden_role"


def test_rework_goes_back_to_how_the_case_was_handled():
    _, on_site = plan(
        Action.REWORK, State.RESOLVED, role=Role.INSPECTOR, level=Level.STREET, mode=Mode.ON_SITE
    )
    _, unit = plan(
        Action.REWORK, State.RESOLVED, role=Role.INSPECTOR, level=Level.STREET, mode=Mode.DISPATCHED
    )
    assert (on_site, unit) == (State.ON_SITE, State.IN_PROGRESS)


def test_resume_needs_a_known_previous_state():
    with pytest.raises(WorkflowError):
        plan(
            Action.RESUME, State.SUSPENDED, role=Role.DUTY_LEADER, level=Level.STREET, previous=None
        )


def test_unit_cannot_dispatch_and_grid_worker_cannot_accept():
    with pytest.raises(WorkflowError):
        plan(Action.DISPATCH, State.ACCEPTED, role=Role.UNIT_HANDLER, level=Level.UNIT)
    with pytest.raises(WorkflowError):
        plan(Action.ACCEPT, State.REPORTED, role=Role.GRID_WORKER, level=Level.GRID)


def test_leader_is_read_only_except_urging_and_supervising():
    leader = {t.action for t in TRANSITIONS if Role.LEADER in t.roles}
    assert leader == {Action.URGE, Action.SUPERVISE}


@pytest.mark.parametrize(
    ("state", "event", "expected"),
    [
        (WorkOrderState.PENDING, "acknowledge", WorkOrderState.ACKNOWLEDGED),
        (WorkOrderState.PENDING, "return", WorkOrderState.RETURNED),
        (WorkOrderState.ACKNOWLEDGED, "reply", WorkOrderState.REPLIED),
        (WorkOrderState.REPLIED, "rework", WorkOrderState.ACKNOWLEDGED),
    ],
)
def test_work_order_edges(state, event, expected):
    assert work_order_next(state, event) == expected


@pytest.mark.parametrize("state", [WorkOrderState.RETURNED, WorkOrderState.CANCELLED])
def test_work_order_final_states(state):
    for event in ("acknowledge", "reply", "return", "rework", "cancel"):
        with pytest.raises(WorkflowError):
            work_order_next(state, event)
