"""The responsibility list at work: default rules loaded, dispatch follows the first rule
that matches and records it, the tester explains, a bad rules file names its line."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from lianqin.cases.actions import perform
from lianqin.errors import InvalidInput
from lianqin.org.models import RoutingRule
from lianqin.org.routing import load_rules_csv, rules
from tests.factories import new_case

CN = ZoneInfo("Asia/Shanghai")


def test_default_rules_are_loaded_before_the_catalogue(world):
    assert RoutingRule.objects.count() >= 5
    names = [r.name for r in rules()]
    assert names[0] == "夜间噪音扰民由公安先行处置"
    assert "派单目录 0206" in names and names.index("派单目录 0206") > 4


def test_dispatch_follows_the_responsibility_list_and_says_which_rule(world):
    case = new_case(world, title="商铺音响噪音扰民", description="深夜音响噪音很大",
                    category_code="0208")  # fmt: skip
    perform(world.actor("community_a1"), case.number, "accept")
    night = datetime(2026, 11, 30, 23, 30, tzinfo=CN)
    case = perform(world.actor("street_a"), case.number, "dispatch", now=night)
    orders = {o.unit.code: o.role for o in case.work_orders.select_related("unit")}
    assert orders == {"ga": "lead", "cg": "assist", "hb": "assist"}
    event = case.events.get(action="dispatch")
    assert event.data["rule"] == "夜间噪音扰民由公安先行处置"
    day = new_case(world, title="商铺音响噪音扰民", category_code="0208")
    perform(world.actor("community_a1"), day.number, "accept")
    noon = datetime(2026, 11, 30, 12, 0, tzinfo=CN)
    day = perform(world.actor("street_a"), day.number, "dispatch", now=noon)
    assert {o.unit.code for o in day.work_orders.all()} == {"cg", "hb"}
    assert day.events.get(action="dispatch").data["rule"] == "派单目录 0208"
    # an explicit choice wins over the list
    other = new_case(world, category_code="0208")
    perform(world.actor("community_a1"), other.number, "accept")
    other = perform(world.actor("street_a"), other.number, "dispatch", lead="scjg")
    assert "rule" not in other.events.get(action="dispatch").data


def test_the_rule_tester_explains(client, world):
    client.force_login(world.people["dispatcher"])
    body = {"category": "0206", "area": world.grids[0].code, "text": "小学门口家长违停",
            "channel": "hotline_12345", "at": "2026-11-30T07:40:00+08:00"}  # fmt: skip
    res = client.post("/api/v1/routing/test", body, content_type="application/json")
    assert res.status_code == 200, res.content
    out = res.json()
    assert out["lead"] == "jj" and out["assist"] == ["cg", "jy"]
    assert out["matched"]["name"] == "上下学高峰校门口违停由交警主办"
    assert out["trace"][0]["matched"] is False and "类别" in out["explain"][0]
    sunday = client.post("/api/v1/routing/test", {**body, "at": "2026-11-29T07:40:00+08:00"},
                         content_type="application/json").json()  # fmt: skip
    assert sunday["matched"]["name"] == "派单目录 0206"
    case = new_case(world, category_code="0501", channel="alarm_110")
    by_case = client.post("/api/v1/routing/test", {"case": case.number},
                          content_type="application/json").json()  # fmt: skip
    assert by_case["lead"] == "sf" and by_case["assist"] == ["ga"]
    listed = client.get("/api/v1/routing/rules").json()
    assert listed[0]["start"] == "22:00" and listed[0]["lead"] == "ga"
    client.logout()
    assert client.get("/api/v1/routing/rules").status_code == 401


def test_a_bad_rules_file_names_its_line(world):
    text = (
        "position,name,categories,lead,assist,start,end\n1,好规则,01,cg,,,\n2,坏规则,02,nobody,,,\n"
    )
    with pytest.raises(InvalidInput, match="第 3 行"):
        load_rules_csv(text)
    with pytest.raises(InvalidInput, match="时间"):
        load_rules_csv("position,name,lead,start,end\n1,x,cg,25:00,06:00\n")
    assert not RoutingRule.objects.filter(name="好规则").exists()  # all or nothing


def test_the_rule_tester_page(client, world):
    assert client.get("/routing/").status_code == 302  # log in first
    client.force_login(world.people["dispatcher"])
    page = client.get("/routing/", {"category": "0208", "text": "夜里噪音扰民",
                                    "at": "2026-11-30T23:10"}).content.decode()  # fmt: skip
    assert "命中：<b>夜间噪音扰民由公安先行处置</b>" in page and "23:10" in page
    bad = client.get("/routing/", {"category": "0208", "at": "昨晚"}).content.decode()
    assert "时间" in bad and "无效" in bad
    hidden = new_case(world, grid=4, category_code="0501")
    client.force_login(world.people["street_a"])
    other_street = client.get("/routing/", {"case": hidden.number}).content.decode()
    assert "不存在" in other_street  # the gate: another street's case is not found
