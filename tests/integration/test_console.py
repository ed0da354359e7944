"""The dispatcher console over HTTP: the queue, the case page and its forms, the map data,
the unit page, the live stream's events — each scoped by the gate."""

from __future__ import annotations

import io

from django.utils import translation
from PIL import Image

from lianqin.cases import actions
from lianqin.cases.models import ApprovalRequest, Case, CaseEvent
from lianqin.console.events import fetch
from tests.factories import new_case


def login(client, world, name):
    client.force_login(world.people[name])
    return client


def test_the_queue_shows_the_jurisdictions_cases_most_urgent_first(client, world):
    mine = new_case(world, title="文德路占道经营")
    late = new_case(world, title="另一件事：井盖缺失", grid=1)
    Case.objects.filter(pk=late.pk).update(warning="red")
    other = new_case(world, grid=4, title="别的街道的事")
    page = login(client, world, "street_a").get("/console/?view=open").content.decode()
    assert mine.number in page and late.number in page and other.number not in page
    assert page.index(late.number) < page.index(mine.number)  # red before normal
    assert "案件队列" in page and "快捷键" in page
    warned = client.get("/console/rows/?view=warn").content.decode()
    assert late.number in warned and mine.number not in warned
    found = client.get("/console/rows/?view=all&q=井盖").content.decode()
    assert late.number in found and mine.number not in found
    # an unknown filter value is ignored, not an error
    assert client.get("/console/?view=nonsense&status=bogus&page=x").status_code == 200
    assert login(client, world, "street_b").get("/console/?view=all").content.decode().count(
        other.number) >= 1  # fmt: skip


def test_the_console_needs_a_login(client, world):
    res = client.get("/console/")
    assert res.status_code == 302 and res["Location"].startswith("/login/")


def test_the_case_page_shows_the_case_and_masks_the_reporter(client, world):
    case = new_case(world)
    page = login(client, world, "community_a1").get(f"/console/cases/{case.number}/")
    html = page.content.decode()
    assert page.status_code == 200 and case.title in html
    assert "13812345678" not in html and "138****5678" in html and "张三" not in html
    assert 'data-action="accept"' in html and 'data-action="dispatch"' not in html  # community
    hidden = login(client, world, "street_b").get(f"/console/cases/{case.number}/")
    assert hidden.status_code == 404 and case.title not in hidden.content.decode()


def test_a_dispatcher_walks_a_case_from_arrival_to_dispatch_with_the_forms(client, world):
    case = new_case(world, title="小区垃圾堆积", description="垃圾三天没人清运")
    login(client, world, "street_a")
    res = client.post(f"/console/cases/{case.number}/category", {"category": "0101"})
    assert res.status_code == 302
    res = client.post(f"/console/cases/{case.number}/act/accept", {"expected_version": "2"})
    assert res.status_code == 302, res.content.decode()
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert "已受理" in page and 'data-action="dispatch"' in page
    res = client.post(f"/console/cases/{case.number}/act/dispatch",
                      {"lead": "cg", "assist": ["hb"]})  # fmt: skip
    assert res.status_code == 302
    case.refresh_from_db()
    assert case.status == "dispatched"
    assert {o.unit.code for o in case.work_orders.all()} == {"cg", "hb"}


def test_a_refused_action_says_why_and_changes_nothing(client, world):
    case = new_case(world)
    login(client, world, "street_a")
    stale = client.post(f"/console/cases/{case.number}/act/accept", {"expected_version": "99"})
    assert stale.status_code == 409 and 'role="alert"' in stale.content.decode()
    empty = client.post(f"/console/cases/{case.number}/act/reject", {"note": ""})
    assert empty.status_code == 400 and 'role="alert"' in empty.content.decode()
    case.refresh_from_db()
    assert case.status == "reported" and case.version == 1


def test_evidence_photos_are_checked_and_kept(client, world):
    case = new_case(world)
    actions.perform(world.actor("community_a1"), case.number, "accept")
    actions.perform(world.actor("grid_worker_a1"), case.number, "handle_on_site")
    login(client, world, "grid_worker_a1")
    bad = io.BytesIO(b"not a picture")
    bad.name = "x.jpg"
    res = client.post(
        f"/console/cases/{case.number}/act/resolve", {"note": "已处理", "photos": bad}
    )
    assert res.status_code == 400 and "不是可以打开的照片" in res.content.decode()
    picture = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 128, 0)).save(picture, "PNG")
    picture.seek(0)
    picture.name = "after.png"
    res = client.post(f"/console/cases/{case.number}/act/resolve",
                      {"note": "已处理", "photos": picture})  # fmt: skip
    assert res.status_code == 302
    event = CaseEvent.objects.get(case=case, action="resolve")
    url = event.data["evidence"][0]
    assert url.startswith("/media/photos/")
    shown = client.get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert client.get("/media/photos/../../secret_key").status_code == 404
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert f'<img src="{url}"' in page


def test_a_channels_own_photo_reference_is_text_never_a_fetch(client, world):
    """A camera platform's snapshot address or a patrol app's file id names a picture on
    another system: the case page lists it, and no <img> makes the browser fetch it."""
    case = new_case(world)
    actions.perform(world.actor("community_a1"), case.number, "accept")
    actions.perform(world.actor("grid_worker_a1"), case.number, "handle_on_site")
    outside = ["http://camera.example/snap/1.jpg", "photo://app/after.jpg"]
    actions.perform(world.actor("grid_worker_a1"), case.number, "resolve", note="已处理",
                    evidence=outside)  # fmt: skip
    login(client, world, "grid_worker_a1")
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    for ref in outside:
        assert f"<code>{ref}</code>" in page
        assert f'src="{ref}"' not in page and f'href="{ref}"' not in page


def test_extension_is_asked_and_approved_on_the_case_page(client, world):
    case = new_case(world)
    actions.perform(world.actor("community_a1"), case.number, "accept")
    login(client, world, "community_a1")
    res = client.post(f"/console/cases/{case.number}/ask",
                      {"kind": "extend", "note": "等待材料", "by": "2wd"})  # fmt: skip
    assert res.status_code == 302
    asked = ApprovalRequest.objects.get(case=case)
    page = login(client, world, "duty_leader").get(f"/console/cases/{case.number}/")
    assert 'data-action="approve"' in page.content.decode()
    res = client.post(f"/console/cases/{case.number}/approvals/{asked.pk}/approve", {})
    assert res.status_code == 302
    assert CaseEvent.objects.filter(case=case, action="extend").exists()


def test_a_unit_sees_its_work_orders_and_answers_on_the_case_page(client, world):
    case = new_case(world)
    actions.perform(world.actor("community_a1"), case.number, "accept")
    actions.perform(world.actor("street_a"), case.number, "dispatch", lead="cg", assist=["hb"])
    page = login(client, world, "cg_handler").get("/unit/").content.decode()
    assert case.number in page
    assert login(client, world, "scjg_handler").get("/unit/").content.decode().count(
        case.number) == 0  # fmt: skip
    assert login(client, world, "street_a").get("/unit/").status_code == 403
    login(client, world, "hb_handler")
    html = client.get(f"/console/cases/{case.number}/").content.decode()
    assert 'data-action="wo-reply"' in html
    order = case.work_orders.get(unit__code="hb")
    early = client.post(f"/console/cases/{case.number}/work-orders/{order.pk}/reply",
                        {"note": "已协助排查"})  # fmt: skip
    assert early.status_code == 409 and 'role="alert"' in early.content.decode()
    res = client.post(f"/console/cases/{case.number}/work-orders/{order.pk}/acknowledge", {})
    assert res.status_code == 302
    res = client.post(f"/console/cases/{case.number}/work-orders/{order.pk}/reply",
                      {"note": "已协助排查"})  # fmt: skip
    assert res.status_code == 302
    login(client, world, "cg_handler")
    assert client.post(f"/console/cases/{case.number}/act/acknowledge", {}).status_code == 302
    res = client.post(f"/console/cases/{case.number}/act/resolve",
                      {"note": "经现场核实，占道摊点已清理，已告知经营者不得再占道。"})  # fmt: skip
    assert res.status_code == 302
    case.refresh_from_db()
    assert case.status == "resolved"


def test_the_map_data_is_scoped(client, world):
    new_case(world)
    new_case(world, grid=4)
    geo = login(client, world, "street_a").get("/console/map/grids.geojson").json()
    codes = {f["properties"]["code"] for f in geo["features"]}
    assert codes == {g.code for g in world.grids[:4]}
    loaded = {f["properties"]["code"]: f["properties"]["open"] for f in geo["features"]}
    assert loaded[world.grids[0].code] == 1
    assert len(client.get("/console/map/cases.json").json()["cases"]) == 1
    everything = login(client, world, "dispatcher").get("/console/map/grids.geojson").json()
    assert len(everything["features"]) == len(world.grids)
    assert client.get("/console/map/").status_code == 200


def test_live_events_are_filtered_by_the_gate(world):
    a = new_case(world)
    b = new_case(world, grid=4)
    actions.perform(world.actor("community_a1"), a.number, "accept")
    actions.perform(world.actor("street_a"), a.number, "dispatch", lead="cg")
    events = fetch(0)
    numbers = {e.data["number"] for e in events}
    assert {a.number, b.number} <= numbers
    street_a, cg, hb = world.actor("street_a"), world.actor("cg_handler"), world.actor("hb_handler")
    assert {e.data["number"] for e in events if e.visible_to(street_a)} == {a.number}
    assert {e.data["number"] for e in events if e.visible_to(cg)} == {a.number}
    assert not [e for e in events if e.visible_to(hb)]
    first = events[0]
    assert first.sse().startswith(f"id: {first.id}\nevent: case\ndata: {{")
    assert [e.id for e in fetch(first.id)] == [e.id for e in events[1:]]  # replay after an id


def test_chinese_first_english_when_chosen(client, world):
    new_case(world)
    login(client, world, "street_a")
    page = client.get("/console/?view=open", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "待受理" in page.content.decode()  # the browser's language is not followed
    client.cookies["django_language"] = "en"
    page = client.get("/console/?view=open")
    assert "Reported" in page.content.decode() and "Case queue" in page.content.decode()
    translation.activate("zh-hans")


def test_the_intake_desk_confirms_held_alarms_and_replays_the_quarantine(client, world):
    import json

    from lianqin.intake import service
    from lianqin.intake.accounts import channel_actor
    from lianqin.intake.contract import Payload
    from lianqin.intake.models import QuarantinedPayload

    bad = service.receive(channel_actor("hotline_12345"),
                          Payload("hotline_12345", '{"工单编号": "Q-1"}'))  # fmt: skip
    assert bad.status == "quarantined"
    row = QuarantinedPayload.objects.get()
    page = login(client, world, "dispatcher").get("/console/intake/").content.decode()
    assert row.reason[:20] in page
    shown = client.get(f"/console/intake/?show={row.pk}").content.decode()
    assert "Q-1" in shown
    lon, lat = world.grid_point(0)
    fixed = json.dumps({"工单编号": "Q-1", "来电时间": "2026-11-28 09:00:00",
                        "诉求内容": "路灯不亮", "经度": lon, "纬度": lat}, ensure_ascii=False)  # fmt: skip
    res = client.post(f"/console/intake/quarantine/{row.pk}/replay", {"corrected": fixed})
    assert res.status_code == 302
    row.refresh_from_db()
    assert row.state == "replayed" and row.case_number
    again = client.post(f"/console/intake/quarantine/{row.pk}/replay", {"corrected": fixed})
    assert again.status_code == 302 and Case.objects.filter(number=row.case_number).count() == 1
    refused = login(client, world, "street_a").get("/console/intake/")
    assert refused.status_code == 403
    assert "/console/intake/" not in client.get("/console/").content.decode()


def test_every_page_has_its_english(client, world):
    """The fixed texts of every app come in English when chosen (the .mo files compile)."""
    client.cookies["django_language"] = "en"
    assert "Report a problem" in client.get("/public/").content.decode()
    login(client, world, "duty_leader")
    assert "Roster" in client.get("/duty/").content.decode()
    assert "Big screen" in client.get("/dashboard/").content.decode()
    indicators = client.get("/dashboard/indicators/").content.decode()
    assert "Definitions" in indicators and "On-site rate" in indicators
    assert "Export Excel" in client.get("/dashboard/appraisal/").content.decode()
    assert "Funding that should follow" in client.get("/dashboard/ledger/").content.decode()
    assert "Early warnings" in client.get("/dashboard/warnings/").content.decode()
    translation.activate("zh-hans")
