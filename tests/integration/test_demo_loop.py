"""Every path of the loop, walked over HTTP in the demo district as its own logins — what
docs/loop.md ("Walk the loop yourself") tells a new user to do. One test: building the
demo is the expensive part, and the paths run on it one after the other."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone
from rich.console import Console
from shapely.geometry import shape

from lianqin.demo.builder import DEMO_PASSWORD, build_demo
from lianqin.intake.accounts import issue_channel_key
from lianqin.jobs.sweeper import sweep_once
from lianqin.org.models import Grid
from lianqin.org.people import create_person

JSON = "application/json"


class Walker:
    """One browser-less user per login, each logged in through the login page."""

    def __init__(self) -> None:
        self.clients: dict[str, Client] = {}

    def as_(self, username: str) -> Client:
        if username not in self.clients:
            client = Client()
            res = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
            assert res.status_code == 302 and res["Location"] == "/", (username, res.content)
            self.clients[username] = client
        return self.clients[username]

    def act(self, who: str, number: str, action: str, **body: Any) -> dict[str, Any]:
        res = self.as_(who).post(
            f"/api/v1/cases/{number}/actions/{action}", body, content_type=JSON
        )
        assert res.status_code == 200, (who, action, res.content.decode())
        return res.json()

    def case(self, who: str, number: str) -> dict[str, Any]:
        res = self.as_(who).get(f"/api/v1/cases/{number}")
        assert res.status_code == 200, res.content
        return res.json()

    def history(self, who: str, number: str) -> list[dict[str, Any]]:
        return self.as_(who).get(f"/api/v1/cases/{number}/history").json()

    def tasks(self, who: str) -> list[str]:
        return [c["number"] for c in self.as_(who).get("/api/v1/me/tasks").json()["cases"]]


def point(grid: Grid) -> tuple[float, float]:
    p = shape(grid.boundary).representative_point()
    return p.x, p.y


def hotline(client: Client, key: str, order: str, text: str, at: tuple[float, float]) -> str:
    body = {"工单编号": order, "来电时间": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
            "诉求内容": text, "联系电话": "13812345678", "经度": at[0], "纬度": at[1]}  # fmt: skip
    res = client.post("/api/intake/hotline_12345", json.dumps(body, ensure_ascii=False),
                      content_type=JSON, HTTP_X_API_KEY=key)  # fmt: skip
    assert res.status_code == 201, res.content
    # each walk is about a new case: words no demo case uses, so none is joined to one
    assert res.json()["status"] == "new", (text, res.json())
    return res.json()["case_number"]


def test_every_path_of_the_loop_over_http_in_the_demo(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    build_demo(seed=11, days=2, per_day=30, console=Console(file=io.StringIO()))
    w = Walker()
    key = issue_channel_key("hotline_12345")[1]
    mine = Grid.objects.filter(workers__username="grid_worker").select_related("community").first()
    assert mine is not None
    others = list(Grid.objects.filter(community=mine.community).exclude(pk=mine.pk))
    create_person("hb_handler", DEMO_PASSWORD, role="unit_handler", unit="hb", validate=False)

    # 1. on site: a 12345 call → the workstation accepts → the grid worker handles it with
    #    photos → an inspector verifies → callback satisfied → archived
    one = hotline(
        Client(), key, "WALK-1", "7栋楼下那排分类箱装得冒尖，盖子合不上，一周才收一次", point(mine)
    )
    assert one in w.tasks("community_dispatcher")
    w.as_("community_dispatcher").post(f"/api/v1/cases/{one}/category", {"category": "010102"},
                                       content_type=JSON)  # fmt: skip
    w.act("community_dispatcher", one, "accept")
    w.act("grid_worker", one, "handle_on_site")
    assert one in w.tasks("grid_worker")
    w.act("grid_worker", one, "resolve", note="已联系环卫清运，垃圾桶已清空",
          evidence=["/media/demo/before.jpg", "/media/demo/after.jpg"])  # fmt: skip
    refused = w.as_("grid_worker").post(
        f"/api/v1/cases/{one}/actions/verify", {}, content_type=JSON
    )
    assert refused.status_code in (403, 409)  # never the handler's own verification
    assert one in w.tasks("inspector")
    w.act("inspector", one, "verify")
    assert one in w.tasks("callback")
    w.act("callback", one, "callback", satisfaction="satisfied", solved=True)
    assert w.act("callback", one, "archive")["status"] == "archived"

    # 2. dispatched: routing names the lead unit → it returns → reassigned with an assisting
    #    unit → acknowledged → extension asked and approved → the assisting unit answers →
    #    the lead replies → verification fails (rework) → replies again → verified →
    #    callback unsatisfied and unsolved → reopened by policy
    two = hotline(Client(), key, "WALK-2", "桥洞底下被人倒了十几袋生活废弃物，快挡住半条车道",
                  point(others[0]))  # fmt: skip
    w.act("street_dispatcher", two, "accept")
    chosen = w.as_("street_dispatcher").post(f"/api/v1/cases/{two}/category",
                                             {"category": "010101"}, content_type=JSON)  # fmt: skip
    assert chosen.status_code == 200, chosen.content
    routed = w.act("street_dispatcher", two, "dispatch")
    assert [o["unit"] for o in routed["work_orders"] if o["role"] == "lead"] == ["cg"]
    assert two in w.tasks("unit_handler")
    w.act("unit_handler", two, "return", note="该路段属公路部门养护范围")
    w.act("street_dispatcher", two, "reassign", lead="cg", assist=["hb"])
    w.act("unit_handler", two, "acknowledge")
    asked = w.as_("unit_handler").post(f"/api/v1/cases/{two}/requests",
                                       {"kind": "extend", "note": "需协调清运车辆", "by": "2wd"},
                                       content_type=JSON)  # fmt: skip
    assert asked.status_code == 201, asked.content
    before = w.case("dispatcher", two)["resolve_due"]
    pending = w.as_("duty_leader").get("/api/v1/approvals").json()
    request_id = next(a["id"] for a in pending if a["case"] == two)
    decided = w.as_("duty_leader").post(f"/api/v1/approvals/{request_id}/approve", {},
                                        content_type=JSON)  # fmt: skip
    assert decided.status_code == 200, decided.content
    assert w.case("dispatcher", two)["resolve_due"] > before  # the clock moved
    order = next(o for o in w.case("hb_handler", two)["work_orders"] if o["unit"] == "hb")
    for step, body in (("acknowledge", {}), ("reply", {"note": "已安排对周边排污情况检查"})):
        res = w.as_("hb_handler").post(f"/api/v1/cases/{two}/work-orders/{order['id']}/{step}",
                                       body, content_type=JSON)  # fmt: skip
        assert res.status_code == 200, res.content
    reply = "经现场核实，路边堆积的垃圾已于今日全部清运完毕，并安排保洁人员每日巡查，防止再次堆积。"
    w.act("unit_handler", two, "resolve", note=reply)
    w.act("inspector", two, "rework", note="现场仍有部分垃圾未清")
    assert w.case("dispatcher", two)["status"] == "in_progress"
    w.act("unit_handler", two, "resolve", note=reply + "剩余垃圾已补清。")
    w.act("inspector", two, "verify")
    after = w.act("callback", two, "callback", satisfaction="unsatisfied", solved=False)
    assert after["status"] == "reopened"
    actions = [e["action"] for e in w.history("dispatcher", two)]
    for expected in ("dispatch", "return", "reassign", "acknowledge", "extend", "resolve",
                     "rework", "verify", "callback", "reopen"):  # fmt: skip
        assert expected in actions, (expected, actions)
    resolved = [e for e in w.history("dispatcher", two) if e["action"] == "resolve"]
    assert "reply_check" in resolved[-1]["data"]

    # 3. suspension: asked by whoever holds the case, refused with a reason, asked again,
    #    approved, then resumed
    three = hotline(Client(), key, "WALK-3", "小区门口道路破损有个大坑", point(others[1]))
    w.act("community_dispatcher", three, "accept")
    for decision, note in (("refuse", "理由不充分"), ("approve", "")):
        asked = w.as_("community_dispatcher").post(
            f"/api/v1/cases/{three}/requests", {"kind": "suspend", "note": "等待施工许可"},
            content_type=JSON)  # fmt: skip
        assert asked.status_code == 201, asked.content
        res = w.as_("duty_leader").post(f"/api/v1/approvals/{asked.json()['id']}/{decision}",
                                        {"note": note}, content_type=JSON)  # fmt: skip
        assert res.status_code == 200, res.content
    assert w.case("dispatcher", three)["status"] == "suspended"
    assert w.act("dispatcher", three, "resume")["status"] == "accepted"

    # 4. a report the intake did not join (another grid, other words) that the dispatcher
    #    knows is case 3's pothole: merged; a prank is rejected with a reason; a matter for
    #    another district is transferred
    dup = hotline(Client(), key, "WALK-4", "路面塌陷，车辆经过很危险", point(others[-1]))
    assert dup != three
    w.act("dispatcher", dup, "merge", into=three)
    assert w.case("dispatcher", dup)["merged_into"] == three
    prank = hotline(Client(), key, "WALK-5", "测试测试", point(others[-1]))
    assert w.act("dispatcher", prank, "reject", note="无效来电")["status"] == "rejected"
    away = hotline(Client(), key, "WALK-6", "邻区某路口信号灯坏了", point(others[-1]))
    assert w.act("dispatcher", away, "transfer", note="属邻区")["status"] == "transferred"

    # 5. deadlines by themselves: a case dispatched and never acknowledged, and case 3 left
    #    with the workstation; ten days later the sweeper (what `lianqin worker` runs) has
    #    marked both overdue, urged the late unit (which got the notice) and moved case 3
    #    up the ladder
    late = hotline(
        Client(),
        key,
        "WALK-7",
        "公厕后面空地上被人扔了旧床垫和木板，堆了好几个月",
        point(others[0]),
    )
    w.act("street_dispatcher", late, "accept")
    w.as_("street_dispatcher").post(f"/api/v1/cases/{late}/category", {"category": "010101"},
                                    content_type=JSON)  # fmt: skip
    w.act("street_dispatcher", late, "dispatch", lead="cg")
    level_before = w.case("dispatcher", three)["level"]
    later = timezone.now() + timedelta(days=10)
    while sweep_once(later).warnings_checked:
        pass
    assert w.case("dispatcher", late)["warning"] == "overdue"
    urged = [e for e in w.history("dispatcher", late) if e["action"] == "urge"]
    assert urged and urged[0]["actor_role"] == "system"
    notices = w.as_("unit_handler").get("/api/v1/me/notices?days=30").json()
    assert any(n["number"] == late and n["topic"] == "case.urge" for n in notices)
    climbed = [e for e in w.history("dispatcher", three) if e["action"] == "escalate"]
    assert climbed and climbed[0]["actor_role"] == "system"
    assert w.case("dispatcher", three)["level"] != level_before

    # 6. sample inspection of today's closed cases: drawn by the duty leader, the finding
    #    recorded by the inspector it was given to
    today = str(timezone.localdate())
    drawn = w.as_("duty_leader").post("/api/v1/inspections",
                                      {"period_start": today, "period_end": today,
                                       "strata": ["street"], "per_stratum": 5, "seed": 1},
                                      content_type=JSON)  # fmt: skip
    assert drawn.status_code == 201, drawn.content
    item = next(i for i in drawn.json()["items"] if i["inspector"] == "inspector")
    found = w.as_("inspector").post(f"/api/v1/inspections/items/{item['id']}",
                                    {"passed": True, "finding": "现场已整改"},
                                    content_type=JSON)  # fmt: skip
    assert found.status_code == 200, found.content
