"""Group commit over real HTTP: deliveries that arrive together are filed in one
transaction, each answered with its own outcome, and a payload sent twice at the same
moment still makes one case."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from lianqin.cases.models import Case, Report
from lianqin.intake import batcher
from lianqin.intake.accounts import issue_channel_key


@pytest.fixture
def group_commit(settings):
    settings.LIANQIN_GROUP_COMMIT = True
    batcher.stop()  # a writer whose caches know this test's rows only
    yield
    batcher.stop()  # and whose database connection is closed before the teardown


def post(url: str, key: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body, ensure_ascii=False).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-API-Key": key},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_concurrent_deliveries_are_committed_together(live_server, world, group_commit):
    key = issue_channel_key("hotline_12345")[1]
    url = f"{live_server.url}/api/intake/hotline_12345"
    bodies = []
    for n in range(24):
        lon, lat = world.grid_point(n % len(world.grids))
        bodies.append({"工单编号": f"GC-{n}", "来电时间": "2026-11-28 10:00:00",
                       "联系电话": f"1380000{n:04d}", "诉求内容": f"第{n}号楼电梯故障{n}次，困人",
                       "经度": lon, "纬度": lat})  # fmt: skip
    bodies.append({"工单编号": "GC-bad", "来电时间": "昨天"})
    sent = bodies + bodies[:6]  # six of them twice, at the same time
    results: list[tuple[int, dict]] = [(0, {})] * len(sent)

    def send(i: int) -> None:
        results[i] = post(url, key, sent[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(sent))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    by_id: dict[str, set[str]] = {}
    for body, (status, answer) in zip(sent, results, strict=True):
        if body["工单编号"] == "GC-bad":
            assert status == 422 and answer["error"]["field"] == "来电时间"
            continue
        assert status in (200, 201), answer
        by_id.setdefault(body["工单编号"], set()).add(answer["case_number"])
    assert all(len(numbers) == 1 for numbers in by_id.values())
    assert Report.objects.filter(channel="hotline_12345").count() == 24
    statuses = sorted(s for s, _ in results)
    assert statuses.count(200) == 6 and statuses.count(201) == 24
    assert Case.objects.count() >= 1


def lane_post(channel: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    """One request through the ASGI application (the fast lane in front of Django)."""
    from asgiref.sync import async_to_sync
    from asgiref.testing import ApplicationCommunicator

    from lianqin.asgi import application

    scope = {"type": "http", "method": "POST", "path": f"/api/intake/{channel}",
             "query_string": b"", "headers": [(k.lower().encode(), v.encode())
                                              for k, v in headers.items()]}  # fmt: skip

    async def run() -> tuple[int, dict]:
        app = ApplicationCommunicator(application, scope)
        await app.send_input({"type": "http.request", "body": body})
        start = await app.receive_output(30)
        done = await app.receive_output(30)
        return start["status"], json.loads(done["body"])

    return async_to_sync(run)()


@pytest.mark.django_db(transaction=True)
def test_the_fast_lane_answers_like_the_django_view(client, world, group_commit):
    key = issue_channel_key("hotline_12345")[1]
    other = issue_channel_key("alarm_110")[1]
    lon, lat = world.grid_point(1)
    body = {"工单编号": "LANE-1", "来电时间": "2026-11-28 10:00:00", "诉求内容": "路灯不亮",
            "经度": lon, "纬度": lat}  # fmt: skip
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "X-API-Key": key}
    status, first = lane_post("hotline_12345", raw, headers)
    assert status == 201 and first["status"] == "new"
    again = client.post("/api/intake/hotline_12345", data=raw, content_type="application/json",
                        HTTP_X_API_KEY=key)  # fmt: skip
    assert again.status_code == 200 and again.json()["case_number"] == first["case_number"]
    assert lane_post("hotline_12345", raw, headers) == (200, again.json())
    assert lane_post("hotline_12345", raw, {**headers, "X-API-Key": "lq_x_y"})[0] == 401
    assert lane_post("hotline_12345", raw, {**headers, "X-API-Key": other})[0] == 403
    bad_type = lane_post("hotline_12345", raw, {**headers, "Content-Type": "text/plain"})
    assert bad_type[0] == 400 and bad_type[1]["field"] == "Content-Type"
    broken = lane_post("hotline_12345", b"{", headers)
    assert broken[0] == 422 and broken[1]["status"] == "quarantined"
    assert lane_post("nonsense", raw, headers)[0] == 400
