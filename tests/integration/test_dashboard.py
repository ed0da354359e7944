"""The dashboard's figures on a few known cases at fixed times: today's counts, the
trends by local (Asia/Shanghai) day, the streets, the channels, satisfaction; who may
see them, and only within their jurisdiction."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lianqin.cases import actions
from lianqin.cases.actions import create_case
from lianqin.cases.models import Case, CaseEvent
from lianqin.dashboard.queries import dashboard_data
from tests.factories import report

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=SH)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SH)


def make(world, when, grid=0, **fields):
    case, _ = create_case(world.actor("system"), report(world, grid, **fields), now=when)
    return case


def act(world, who, case, action, when, **kw):
    return actions.perform(world.actor(who), case.number, action, now=when, **kw)


def closed_on_site(world, grid, when, satisfaction, callback_at=None):
    community = "community_a1" if grid < 4 else "community_b1"
    worker = community  # the workstation handles on site in any of its grids
    case = make(world, when, grid)
    act(world, community, case, "accept", when + timedelta(minutes=5))
    act(world, worker, case, "handle_on_site", when + timedelta(minutes=10))
    act(world, worker, case, "resolve", when + timedelta(minutes=40), note="已处置",
        evidence=["photo://1"])  # fmt: skip
    act(world, "inspector", case, "verify", when + timedelta(minutes=50))
    if satisfaction:
        act(world, "callback", case, "callback", callback_at or when + timedelta(hours=1),
            satisfaction=satisfaction, solved=True)  # fmt: skip
    return case


@pytest.fixture
def known(world):
    """Street A: two closed on site today (satisfied; basically satisfied), one dispatched
    today; street B: one at 23:30 yesterday (a local day, not UTC's), one closed on the
    4th (unsatisfied but solved), one that went overdue; one 110 alarm."""
    cases = {
        "a1": closed_on_site(world, 0, at(10, 9), "satisfied"),
        "a2": closed_on_site(world, 1, at(10, 10), "basically_satisfied"),
        "b_old": closed_on_site(world, 4, at(4, 9), "unsatisfied"),
    }
    a3 = make(world, at(10, 11), 0, channel="alarm_110")
    act(world, "community_a1", a3, "accept", at(10, 11, 5))
    cases["a3"] = act(world, "street_a", a3, "dispatch", at(10, 11, 10), lead="cg")
    cases["b_late"] = make(world, at(9, 23, 30), 4)
    late = make(world, at(8, 9), 5)
    moment = at(8, 9)
    while Case.objects.get(pk=late.pk).warning != "overdue" and moment < at(10, 12):
        moment = Case.objects.get(pk=late.pk).stage_due + timedelta(minutes=1)
        actions.refresh_warning(late.pk, moment)
    cases["late"] = Case.objects.get(pk=late.pk)
    return cases


def test_today_counts_rates_and_satisfaction(world, known):
    data = dashboard_data(world.actor("leader"), 7, NOW)
    assert data["today"] == {
        "new": 3, "on_site": 2, "dispatched": 1, "on_site_rate": 0.6667, "closed": 2,
        "open_now": 3, "overdue_now": 1 if known["late"].warning == "overdue" else 0,
    }  # fmt: skip
    assert known["late"].warning == "overdue"
    # callbacks of cases closed in the period: satisfied, basically, unsatisfied
    assert data["period"]["callbacks"] == {
        "satisfied": 1, "basically_satisfied": 1, "unsatisfied": 1}  # fmt: skip
    assert data["period"]["satisfaction"] == round((1 + 0.9) / 3, 4)
    assert data["period"]["new"] == 6 and data["period"]["closed"] == 3


def test_trends_use_the_districts_days_and_fill_missing_days(world, known):
    data = dashboard_data(world.actor("leader"), 7, NOW)
    trend = data["trend"]
    assert trend["dates"][0] == "2026-03-04" and trend["dates"][-1] == "2026-03-10"
    new = dict(zip(trend["dates"], trend["new"], strict=True))
    assert new == {"2026-03-04": 1, "2026-03-05": 0, "2026-03-06": 0, "2026-03-07": 0,
                   "2026-03-08": 1, "2026-03-09": 1, "2026-03-10": 3}  # fmt: skip
    closed = dict(zip(trend["dates"], trend["closed"], strict=True))
    assert closed["2026-03-04"] == 1 and closed["2026-03-10"] == 2 and sum(closed.values()) == 3
    overdue_days = CaseEvent.objects.filter(action="warning", data__warning="overdue")
    assert sum(trend["overdue"]) == overdue_days.count() >= 1
    assert len(dashboard_data(world.actor("leader"), 30, NOW)["trend"]["new"]) == 30


def test_streets_and_channels(world, known):
    data = dashboard_data(world.actor("duty_leader"), 7, NOW)
    streets = {s["name"]: s for s in data["streets"]}
    a, b = streets["街道A"], streets["街道B"]
    assert (a["new"], a["closed"], a["on_site_rate"]) == (3, 2, 0.6667)
    assert a["satisfaction"] == 0.95 and a["rank"] == 1
    assert (b["new"], b["closed"], b["satisfaction"]) == (3, 1, 0.0)
    assert b["overdue"] == 1 and b["rank"] == 2
    channels = {c["channel"]: c["n"] for c in data["channels"]}
    assert channels == {"hotline_12345": 5, "alarm_110": 1}


def test_a_street_duty_leader_sees_only_their_street(world, known):
    data = dashboard_data(world.actor("street_leader_a"), 7, NOW)
    assert [s["name"] for s in data["streets"]] == ["街道A"]
    assert data["today"]["new"] == 3 and data["period"]["new"] == 3
    assert data["today"]["overdue_now"] == 0 and data["scope"]["name"] == "街道A"
    assert sum(data["trend"]["new"]) == 3


def test_the_endpoint_validates_the_period_and_refuses_other_roles(client, world):
    assert client.get("/dashboard/data.json").status_code == 401
    client.force_login(world.people["leader"])
    response = client.get("/dashboard/data.json?days=30")
    assert response.status_code == 200 and len(response.json()["trend"]["dates"]) == 30
    bad = client.get("/dashboard/data.json?days=45")
    assert bad.status_code == 400
    assert bad.json() == {"code": "invalid_input", "message": "统计天数 '45' 不支持",
                          "hint": "days 取 7、30、90", "field": "days"}  # fmt: skip
    page = client.get("/dashboard/?days=90").content.decode()
    assert "echarts.min.js" in page and 'data-days="90"' in page and "data-live" in page
    assert "http://" not in page and "https://" not in page
    for who in ("dispatcher", "grid_worker_a1", "cg_handler", "callback"):
        client.force_login(world.people[who])
        assert client.get("/dashboard/").status_code == 403
        refused = client.get("/dashboard/data.json")
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    client.force_login(world.people["street_leader_a"])
    assert client.get("/dashboard/").status_code == 200
