"""The one intake, through the webhook, the service and the bulk import: replays create
nothing, malformed payloads are quarantined and can be replayed, the same problem from
three channels becomes one case, and camera alarms below the threshold wait for a person."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lianqin.audit.models import AuditEntry
from lianqin.cases.actions import perform
from lianqin.cases.models import Case, CaseEvent, MergeCandidate, Report
from lianqin.geo.coords import wgs84_to_gcj02
from lianqin.intake import quarantine, service
from lianqin.intake.accounts import channel_actor, issue_channel_key
from lianqin.intake.bulk import BulkIntake
from lianqin.intake.contract import Payload
from lianqin.intake.models import QuarantinedPayload
from lianqin.intake.tabular import iter_payloads
from lianqin.jobs.models import OutboxMessage

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
pytestmark = pytest.mark.django_db


def fixture(channel: str, name: str) -> str:
    return (FIXTURES / channel / name).read_text(encoding="utf-8")


def hotline(world, n: int = 1, grid: int = 0, text: str = "") -> str:
    return json.dumps(
        {
            "工单编号": f"GD3201112026112800{n:02d}",
            "来电时间": "2026-11-28 09:10:00",
            "来电人": "王女士",
            "联系电话": "13912345678",
            "诉求类型": "市容环境/暴露垃圾",
            "诉求内容": text or "文德路菜场东门垃圾桶满溢三天没人清运，臭味很大，苍蝇成群。",
            "事发地址": "文德路菜场东门",
            "经度": world.grid_point(grid)[0],
            "纬度": world.grid_point(grid)[1],
        },
        ensure_ascii=False,
    )


def post(client, channel: str, body: str, key: str, content_type: str = "application/json"):
    return client.post(
        f"/api/intake/{channel}", data=body, content_type=content_type, HTTP_X_API_KEY=key
    )


@pytest.fixture
def keys(world):
    return {c: issue_channel_key(c)[1] for c in ("hotline_12345", "alarm_110", "patrol", "video")}


def test_webhook_files_a_case_and_a_replay_creates_nothing(client, world, keys):
    first = post(client, "hotline_12345", hotline(world), keys["hotline_12345"])
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "new" and body["case_number"]
    again = post(client, "hotline_12345", hotline(world), keys["hotline_12345"])
    assert again.status_code == 200
    assert again.json() == {**body, "status": "replay"}
    assert Report.objects.filter(channel="hotline_12345").count() == 1
    report = Report.objects.get()
    assert report.raw == hotline(world)  # verbatim
    assert report.reporter.phone_key and "13912345678" not in report.reporter.phone_key
    case = Case.objects.get(number=body["case_number"])
    assert case.grid == world.grids[0]
    assert case.triage["category"][0]["code"].startswith("01")  # 市容环境, from keywords


def test_keys_open_one_channel_only(client, world, keys):
    assert post(client, "hotline_12345", hotline(world), "").status_code == 401
    assert post(client, "hotline_12345", hotline(world), "lq_bad_key").status_code == 401
    wrong = post(client, "hotline_12345", hotline(world), keys["alarm_110"])
    assert wrong.status_code == 403
    assert "alarm_110" in wrong.json()["message"]
    xml = post(client, "hotline_12345", "<a/>", keys["hotline_12345"], "application/xml")
    assert xml.status_code == 400 and xml.json()["field"] == "Content-Type"
    unknown = post(client, "nonsense", "{}", keys["hotline_12345"])
    assert unknown.status_code in (400, 404)


def test_malformed_payload_is_quarantined_once_and_replayed_after_correction(client, world, keys):
    bad = fixture("hotline_12345", "bad_time.json")
    first = post(client, "hotline_12345", bad, keys["hotline_12345"])
    assert first.status_code == 422
    error = first.json()["error"]
    assert error["field"] == "来电时间" and error["message"] and error["hint"]
    post(client, "hotline_12345", bad, keys["hotline_12345"])
    row = QuarantinedPayload.objects.get()
    assert row.times_seen == 2 and row.raw == bad and row.state == "open"
    operator = world.actor("dispatcher")
    with pytest.raises(Exception, match="仍无法解析"):
        quarantine.replay(operator, row.pk)
    fixed = bad.replace("2024-02-30", "2024-02-28")
    outcome = quarantine.replay(operator, row.pk, fixed)
    assert outcome.status == "new"
    row.refresh_from_db()
    assert row.state == "replayed" and row.case_number == outcome.case_number
    assert row.raw == bad and row.corrected_raw == fixed  # what arrived is kept
    with pytest.raises(Exception, match="已重放"):
        quarantine.replay(operator, row.pk, fixed)
    # the source sends the corrected payload itself: still one case
    assert post(client, "hotline_12345", fixed, keys["hotline_12345"]).status_code == 200
    assert Case.objects.count() == 1


def test_only_district_duty_staff_handle_the_quarantine(client, world, keys):
    post(client, "hotline_12345", fixture("hotline_12345", "broken.json"), keys["hotline_12345"])
    qid = QuarantinedPayload.objects.get().pk
    client.force_login(world.people["street_a"])
    assert client.get("/api/v1/quarantine").status_code == 403
    client.force_login(world.people["dispatcher"])
    listed = client.get("/api/v1/quarantine").json()
    assert [r["id"] for r in listed] == [qid]
    shown = client.get(f"/api/v1/quarantine/{qid}").json()
    assert shown["raw"] == fixture("hotline_12345", "broken.json")
    # the raw text carries the caller's number: reading it is an audit line
    line = AuditEntry.objects.get(kind="reveal", target=f"intake.QuarantinedPayload:{qid}")
    assert line.actor_id == world.people["dispatcher"].pk
    refused = client.post(f"/api/v1/quarantine/{qid}/discard", {}, content_type="application/json")
    assert refused.status_code == 400
    done = client.post(
        f"/api/v1/quarantine/{qid}/discard",
        {"note": "对方测试报文"},
        content_type="application/json",
    )
    assert done.status_code == 200
    assert QuarantinedPayload.objects.get().state == "discarded"


def test_same_problem_from_12345_110_and_patrol_becomes_one_case(client, world, keys):
    lon, lat = world.grid_point(2)
    first = post(client, "hotline_12345", hotline(world, grid=2), keys["hotline_12345"]).json()
    alarm = {
        "警情编号": "J320111202611280001",
        "报警时间": "2026-11-28 09:40:00",
        "报警人": "李先生",
        "报警电话": "13800001111",
        "事发地址": "文德路菜场东门",
        "经度": str(lon + 0.0002),
        "纬度": str(lat),
        "警情类型": "环境卫生",
        "简要警情": "文德路菜场东门垃圾桶满溢，三天无人清运，气味很大",
    }
    second = post(client, "alarm_110", json.dumps(alarm, ensure_ascii=False), keys["alarm_110"])
    assert second.status_code == 201, second.content
    glon, glat = wgs84_to_gcj02(lon - 0.0001, lat + 0.0001)
    patrol = {
        "client_id": "3f9d2c1e-8a4b-4c6d-9e2f-1a7b5c3d9e81",
        "worker": "WG001",
        "title": "菜场东门垃圾桶满溢",
        "text": "文德路菜场东门垃圾桶满溢，垃圾三天未清运，已拍照",
        "location": {"lon": glon, "lat": glat, "accuracy": 8},
        "photos": ["att_1"],
        "reported_at": "2026-11-28T10:05:00+08:00",
    }
    third = post(client, "patrol", json.dumps(patrol, ensure_ascii=False), keys["patrol"])
    assert third.status_code == 201, third.content
    numbers = {first["case_number"], second.json()["case_number"], third.json()["case_number"]}
    assert len(numbers) == 1, (second.json(), third.json())
    assert {second.json()["status"], third.json()["status"]} == {"merged"}
    case = Case.objects.get(number=first["case_number"])
    assert case.report_count == 3 and case.version == 3
    assert list(case.events.values_list("seq", "action")) == [
        (1, "create"),
        (2, "report_joined"),
        (3, "report_joined"),
    ]
    client.force_login(world.people["dispatcher"])
    reports = client.get(f"/api/v1/cases/{case.number}/reports").json()
    assert [r["channel"] for r in reports] == ["hotline_12345", "alarm_110", "patrol"]
    assert all("1380000" not in r["reporter_phone"] for r in reports)


def test_a_different_problem_nearby_is_not_merged(client, world, keys):
    post(client, "hotline_12345", hotline(world, grid=2), keys["hotline_12345"])
    other = hotline(world, n=2, grid=2, text="文德路小学门口放学时段车辆违停，接送孩子很不安全。")
    out = post(client, "hotline_12345", other, keys["hotline_12345"]).json()
    assert out["status"] in ("new", "suggested")
    assert Case.objects.count() == 2


def test_grey_zone_lists_candidates_for_the_dispatcher(world):
    actor = channel_actor("hotline_12345")
    first = service.receive(actor, Payload("hotline_12345", hotline(world, grid=1)))
    similar = hotline(world, n=3, grid=1, text="文德路菜场附近垃圾有点多，希望加强保洁。")
    second = service.receive(actor, Payload("hotline_12345", similar))
    if second.status == "suggested":
        cand = MergeCandidate.objects.get()
        assert cand.candidate.number == first.case_number and 0 < cand.score < 1
        assert set(cand.parts) >= {"text"}
        dispatcher = world.actor("dispatcher")
        perform(dispatcher, second.case_number, "merge", note="同一问题", into=first.case_number)
        assert MergeCandidate.objects.get().state == "merged"
    else:
        assert second.status in ("new", "merged")


def test_camera_alarm_below_threshold_waits_for_a_person(client, world, keys):
    lon, lat = world.grid_point(3)
    alarm = json.loads(fixture("video", "crowd_low_confidence.json"))
    alarm["position"] = {"lon": lon, "lat": lat}
    body = json.dumps(alarm, ensure_ascii=False)
    held = post(client, "video", body, keys["video"])
    assert held.status_code == 202 and held.json()["status"] == "awaiting"
    assert post(client, "video", body, keys["video"]).json()["status"] == "replay"
    assert Case.objects.count() == 0
    client.force_login(world.people["dispatcher"])
    waiting = client.get("/api/v1/reports/awaiting").json()
    assert len(waiting) == 1 and waiting[0]["extra"]["confidence"] == 0.62
    confirmed = client.post(
        f"/api/v1/reports/{waiting[0]['id']}/confirm",
        {"note": "现场确有聚集"},
        content_type="application/json",
    )
    assert confirmed.status_code == 200, confirmed.content
    case = Case.objects.get(number=confirmed.json()["case_number"])
    assert case.grid == world.grids[3] and case.reports.get().state == "filed"
    assert client.get("/api/v1/reports/awaiting").json() == []
    assert post(client, "video", body, keys["video"]).json()["case_number"] == case.number


def test_wrong_coordinates_lose_nothing(client, world, keys):
    body = json.loads(hotline(world, n=4))
    body["经度"], body["纬度"] = 0, 0
    out = post(client, "hotline_12345", json.dumps(body, ensure_ascii=False), keys["hotline_12345"])
    assert out.status_code == 201, out.content
    assert out.json()["warnings"]
    case = Case.objects.get(number=out.json()["case_number"])
    assert case.needs_location and case.grid is None
    assert case.reports.get().extra["location_error"]["lon"] == 0


def test_bulk_import_of_an_export_is_idempotent(world):
    data = (FIXTURES / "hotline_12345" / "export.xlsx").read_bytes()
    payloads = list(iter_payloads("hotline_12345", data, "export.xlsx"))
    actor = channel_actor("hotline_12345")
    first = BulkIntake(actor).run(payloads)
    assert first.rows == len(payloads)
    assert first.quarantined >= 1  # the export has a bad row
    filed = first.new + first.merged + first.suggested
    assert filed + first.quarantined + first.replays == len(payloads)
    assert Report.objects.count() == filed
    cases = Case.objects.count()
    again = BulkIntake(actor).run(payloads)
    assert again.replays == filed and again.new == again.merged == 0
    assert Report.objects.count() == filed and Case.objects.count() == cases
    assert QuarantinedPayload.objects.count() == first.quarantined
    assert QuarantinedPayload.objects.get(pk=first.quarantine_ids[0]).times_seen == 2
    # history and outbox are complete for every case
    for case in Case.objects.all():
        seqs = list(case.events.values_list("seq", flat=True))
        assert seqs == list(range(1, case.version + 1))
    assert OutboxMessage.objects.filter(topic="case.create").count() == cases


def test_bulk_merges_rows_of_the_same_file(world):
    lon, lat = world.grid_point(5)
    rows = []
    for n, text in enumerate(
        [
            "建宁路88号小区门口下水道堵塞，污水漫到人行道上，气味难闻。",
            "建宁路88号小区门口下水道堵了，污水漫到人行道，味道很难闻。",
            "建宁路88号门口下水道堵塞污水外溢到人行道上，气味难闻，请尽快疏通。",
        ]
    ):
        rows.append(
            Payload(
                "hotline_12345",
                json.dumps(
                    {
                        "工单编号": f"GD-B-{n}",
                        "来电时间": "2026-11-28 11:00:00",
                        "联系电话": f"1390000000{n}",
                        "诉求内容": text,
                        "经度": lon,
                        "纬度": lat,
                    },
                    ensure_ascii=False,
                ),
            )
        )
    summary = BulkIntake(channel_actor("hotline_12345")).run(rows)
    assert summary.new == 1 and summary.merged == 2, summary
    case = Case.objects.get()
    assert case.report_count == 3 and case.version == 3
    assert list(CaseEvent.objects.values_list("seq", flat=True)) == [1, 2, 3]


def test_zongzhi_xml_in_gbk_and_xml_attacks(client, world):
    key = issue_channel_key("zongzhi")[1]
    text = fixture("zongzhi", "dispute.xml").replace('encoding="UTF-8"', 'encoding="GBK"')
    res = client.post(
        "/api/intake/zongzhi",
        data=text.encode("gbk"),
        content_type="application/xml",
        HTTP_X_API_KEY=key,
    )
    assert res.status_code == 201, res.content
    assert Report.objects.get(channel="zongzhi").raw == text
    for attack in ("xxe.xml", "billion_laughs.xml"):
        res = post(client, "zongzhi", fixture("zongzhi", attack), key, "application/xml")
        assert res.status_code == 422 and res.json()["status"] == "quarantined"
    garbage = client.post("/api/intake/zongzhi", data=b"\xff\xfe<a>", content_type="application/xml",
                          HTTP_X_API_KEY=key)  # fmt: skip
    assert garbage.status_code == 400 and garbage.json()["field"] == "body"


def test_polling_a_source_api_twice_files_once(world, tmp_path):
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    record = json.loads(fixture("petition_online", "api_message.json"))
    second = {**record, "留言编号": "900302", "留言主题": "A5区某小区停车收费问题"}
    answer = json.dumps({"code": 0, "data": {"records": [record, second, {"留言编号": ""}]}},
                        ensure_ascii=False).encode()  # fmt: skip

    class Source(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Source)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    from lianqin.intake.poll import fetch, records_of

    url = f"http://127.0.0.1:{server.server_port}/api/messages?since=2019-09-01"
    try:
        run = BulkIntake(channel_actor("petition_online"))
        first = run.run(fetch("petition_online", url))
        again = run.run(fetch("petition_online", url))
    finally:
        server.shutdown()
    assert (first.new + first.merged + first.suggested, first.quarantined) == (2, 1)
    assert (again.replays, again.quarantined, again.new) == (2, 1, 0)
    assert Report.objects.filter(channel="petition_online").count() == 2
    assert Report.objects.get(external_id="900301").source.startswith("poll:http://127.0.0.1")
    assert records_of([1, 2]) == [1, 2]
    with pytest.raises(Exception, match="记录列表"):
        records_of({"total": 3})
