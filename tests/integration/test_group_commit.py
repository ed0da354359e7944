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
    batcher._writer = None  # a writer whose caches know this test's rows only
    yield
    batcher._writer = None


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
