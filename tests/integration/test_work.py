"""A person's work: the task inbox, notices, and sample inspections end to end."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from lianqin.cases import actions
from lianqin.cases.models import CaseEvent
from lianqin.org.people import create_person
from tests.factories import new_case


def act(world, who, case, action, **kw):
    return actions.perform(world.actor(who), case.number, action, **kw)


def closed_case(world, grid=0):
    """Grid 0 is street A's (community A1), grid 4 street B's (community B1)."""
    community, worker = ("community_a1", "grid_worker_a1") if grid == 0 else (
        "community_b1", "grid_worker_b1")  # fmt: skip
    case = new_case(world, grid=grid)
    case = act(world, community, case, "accept")
    case = act(world, worker, case, "handle_on_site")
    case = act(world, worker, case, "resolve", note="已处理")
    return act(world, "inspector", case, "verify")


def test_the_inbox_follows_the_case_through_the_loop(client, world):
    case = new_case(world)

    def inbox(who: str) -> list[str]:
        client.force_login(world.people[who])
        body = client.get("/api/v1/me/tasks").json()
        return [c["number"] for c in body["cases"]]

    assert case.number in inbox("community_a1")  # to accept
    assert case.number not in inbox("street_b")  # another street never sees it
    act(world, "community_a1", case, "accept")
    act(world, "grid_worker_a1", case, "handle_on_site")
    assert case.number in inbox("grid_worker_a1")  # to resolve
    act(world, "grid_worker_a1", case, "resolve", note="已处理")
    assert case.number not in inbox("grid_worker_a1")  # not to verify their own work
    assert case.number in inbox("inspector")
    act(world, "inspector", case, "verify")
    assert case.number in inbox("callback")
    act(world, "callback", case, "callback", satisfaction="satisfied", solved=True)
    assert case.number not in inbox("callback")


def test_a_unit_sees_its_work_orders_and_notices(client, world):
    case = new_case(world)
    act(world, "community_a1", case, "accept")
    case = act(world, "street_a", case, "dispatch", lead="cg", assist=["hb"])
    act(world, "street_leader_a", case, "urge", note="请加快")
    client.force_login(world.people["cg_handler"])
    body = client.get("/api/v1/me/tasks").json()
    assert [c["number"] for c in body["cases"]] == [case.number]
    assert [o["role"] for o in body["work_orders"]] == ["lead"]
    client.force_login(world.people["hb_handler"])
    assisting = client.get("/api/v1/me/tasks").json()
    assert assisting["cases"] == [] and [o["role"] for o in assisting["work_orders"]] == ["assist"]
    client.force_login(world.people["cg_handler"])
    notices = client.get("/api/v1/me/notices").json()
    assert any(n["topic"] == "case.urge" and n["number"] == case.number for n in notices)
    client.force_login(world.people["scjg_handler"])
    assert client.get("/api/v1/me/notices").json() == []


def test_a_sample_inspection_from_draw_to_finding(client, world):
    create_person("inspector2", "Test-passw0rd!", role="inspector", scope=world.district.code,
                  validate=False)  # fmt: skip
    numbers = {closed_case(world, grid=g).number for g in (0, 0, 0, 4, 4)}
    client.force_login(world.people["duty_leader"])
    today = timezone.localdate()
    body = {"period_start": str(today - timedelta(days=1)), "period_end": str(today),
            "strata": ["street"], "per_stratum": 2, "seed": 42}  # fmt: skip
    res = client.post("/api/v1/inspections", body, content_type="application/json")
    assert res.status_code == 201, res.content
    made = res.json()
    assert made["population"] == 5 and made["sample"] == 4  # 2 per street
    assert {i["case"] for i in made["items"]} <= numbers
    again = client.post("/api/v1/inspections", body, content_type="application/json").json()
    assert [i["case"] for i in again["items"]] == [i["case"] for i in made["items"]]
    item = made["items"][0]
    assert item["inspector"] in {"inspector", "inspector2"}
    client.force_login(world.people["grid_worker_a1"])
    refused = client.post(f"/api/v1/inspections/items/{item['id']}", {"passed": True},
                          content_type="application/json")  # fmt: skip
    assert refused.status_code == 403
    client.force_login(world.people[item["inspector"]])
    mine = client.get("/api/v1/me/tasks").json()["inspections"]
    assert item["id"] in [i["id"] for i in mine]
    empty = client.post(f"/api/v1/inspections/items/{item['id']}", {"passed": False},
                        content_type="application/json")  # fmt: skip
    assert empty.status_code == 400 and empty.json()["field"] == "finding"
    done = client.post(f"/api/v1/inspections/items/{item['id']}",
                       {"passed": False, "finding": "现场仍有垃圾未清"},
                       content_type="application/json")  # fmt: skip
    assert done.status_code == 200
    event = CaseEvent.objects.get(case__number=item["case"], action="inspection")
    assert event.data["passed"] is False and event.note == "现场仍有垃圾未清"
    client.force_login(world.people["duty_leader"])
    shown = client.get(f"/api/v1/inspections/{made['id']}").json()
    assert shown["checked"] == 1 and shown["passed"] == 0
    client.force_login(world.people["grid_worker_b1"])
    assert (
        client.post("/api/v1/inspections", body, content_type="application/json").status_code == 403
    )


def test_the_dispatchers_category_choice_is_kept_with_the_suggestion(client, world):
    case = new_case(world, title="小区垃圾桶满溢", description="垃圾桶满溢三天没人清运")
    client.force_login(world.people["community_a1"])
    res = client.post(f"/api/v1/cases/{case.number}/category", {"category": "010102"},
                      content_type="application/json")  # fmt: skip
    assert res.status_code == 200, res.content
    event = CaseEvent.objects.get(case=case, action="categorize")
    assert event.data["to"] == "010102" and event.data["source"] == "dispatcher"
    bad = client.post(f"/api/v1/cases/{case.number}/category", {"category": "99"},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "category"
    client.force_login(world.people["street_b"])
    hidden = client.post(f"/api/v1/cases/{case.number}/category", {"category": "0101"},
                         content_type="application/json")  # fmt: skip
    assert hidden.status_code == 404
