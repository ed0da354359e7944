"""Closing the loop: verification by someone other than the handler, callbacks that count
unanswered calls, and an unsatisfied, unsolved reporter reopening the case."""

from __future__ import annotations

import pytest

from lianqin.cases import actions
from lianqin.errors import Forbidden, InvalidTransition
from tests.factories import new_case


def act(world, who, case, action, **kw):
    return actions.perform(world.actor(who), case.number, action, **kw)


def resolved_on_site(world):
    case = new_case(world)
    case = act(world, "community_a1", case, "accept")
    case = act(world, "grid_worker_a1", case, "handle_on_site")
    return act(world, "grid_worker_a1", case, "resolve", note="已清理", evidence=["photo://1"])


def closed(world):
    return act(world, "inspector", resolved_on_site(world), "verify")


def test_the_handler_cannot_verify_their_own_work(world):
    case = resolved_on_site(world)
    with pytest.raises(Forbidden, match="处置人以外"):
        act(world, "grid_worker_a1", case, "verify")
    with pytest.raises(Forbidden, match="处置人以外"):
        act(world, "grid_worker_a1", case, "rework", note="自己退自己")
    case = act(world, "inspector", case, "rework", note="现场仍有垃圾")
    assert case.status == "on_site" and case.rework_count == 1


def test_an_unreachable_reporter_is_recorded_after_three_calls(world):
    case = closed(world)
    for attempt in (1, 2):
        case = act(world, "callback", case, "callback", reached=False)
        assert case.callback_attempts == attempt and case.satisfaction == ""
    case = act(world, "callback", case, "callback", reached=False)
    assert case.satisfaction == "unreachable" and case.status == "closed"
    with pytest.raises(InvalidTransition, match="已回访"):
        act(world, "callback", case, "callback", satisfaction="satisfied")
    assert act(world, "callback", case, "archive").status == "archived"


def test_unsatisfied_and_unsolved_reopens_by_policy(world):
    case = closed(world)
    case = act(world, "callback", case, "callback", satisfaction="unsatisfied", solved=False)
    assert case.status == "reopened" and case.reopen_count == 1
    assert case.satisfaction == "" and case.callback_attempts == 0  # a fresh loop
    actions_seen = list(case.events.order_by("seq").values_list("action", flat=True))
    assert actions_seen[-2:] == ["callback", "reopen"]
    reopen = case.events.get(action="reopen")
    assert reopen.note.startswith("回访不满意") and reopen.actor_role == "callback_staff"
    callback = case.events.get(action="callback")
    assert callback.data == {"satisfaction": "unsatisfied", "solved": False, "attempt": 1}


@pytest.mark.parametrize(("satisfaction", "solved"), [("unsatisfied", True), ("satisfied", None),
                                                       ("basically_satisfied", False)])  # fmt: skip
def test_other_results_close_the_loop(world, satisfaction, solved):
    case = closed(world)
    kw = {"satisfaction": satisfaction} | ({"solved": solved} if solved is not None else {})
    case = act(world, "callback", case, "callback", **kw)
    assert case.status == "closed" and case.satisfaction == satisfaction and case.solved is solved


def test_callback_over_the_api(client, world):
    case = closed(world)
    client.force_login(world.people["callback"])
    res = client.post(f"/api/v1/cases/{case.number}/actions/callback",
                      {"satisfaction": "unsatisfied", "solved": False},
                      content_type="application/json")  # fmt: skip
    assert res.status_code == 200, res.content
    assert res.json()["status"] == "reopened"
