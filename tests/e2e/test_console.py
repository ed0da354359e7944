"""The console in a real browser: a 12345 case arrives live, a dispatcher takes it to
dispatch, the unit acknowledges and replies, the map shows every grid."""

from __future__ import annotations

import json
import time
import urllib.request

from shapely.geometry import shape

from tests.e2e.conftest import lianqin_cli, shot


def post_hotline(server: str, key: str, order: str, text: str, lon: float, lat: float) -> str:
    body = {"工单编号": order, "来电时间": time.strftime("%Y-%m-%d %H:%M:%S"), "诉求内容": text,
            "联系电话": "13900001111", "经度": lon, "纬度": lat}  # fmt: skip
    request = urllib.request.Request(
        f"{server}/api/intake/hotline_12345", json.dumps(body, ensure_ascii=False).encode(),
        {"Content-Type": "application/json", "X-API-Key": key}, method="POST",
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as res:
        return json.load(res)["case_number"]


def test_a_12345_case_arrives_live_and_goes_from_the_queue_to_the_unit(page_as, server):
    key = lianqin_cli("apikey", "hotline_12345").strip().splitlines()[-1]
    console = page_as("street_dispatcher")
    grids = console.request.get("/console/map/grids.geojson").json()["features"]
    point = shape(grids[0]["geometry"]).representative_point()
    console.goto("/console/?view=open")
    console.wait_for_selector("#live-status.on")
    sent = time.monotonic()
    number = post_hotline(server, key, "E2E-1", "小区门口垃圾堆积三天没人清运，气味很大",
                          point.x, point.y)  # fmt: skip
    console.wait_for_selector(f'.toast:has-text("{number}")', timeout=5000)
    assert time.monotonic() - sent < 2.0  # the event reached the open console
    console.wait_for_selector(f'#rows tr[data-number="{number}"]', timeout=5000)
    assert time.monotonic() - sent < 2.0  # and the rows refreshed
    shot(console, "console-queue")

    console.click(f'#rows tr[data-number="{number}"] a')
    console.wait_for_url(f"**/console/cases/{number}/")
    html = console.content()
    assert "139****1111" in html and "13900001111" not in html  # the reporter, masked
    console.select_option('select[name="category"] >> nth=-1', "0101")
    console.click("text=设定")
    console.wait_for_selector("text=类别已设为 0101")
    console.click('form[data-action="accept"] button')
    console.wait_for_selector("text=已受理")
    dispatch = console.locator('form[data-action="dispatch"]')
    dispatch.locator('select[name="lead"]').select_option("cg")
    dispatch.locator("button").click()
    console.wait_for_selector(".case-head >> text=已派单")
    shot(console, "console-case")

    unit = page_as("unit_handler")
    unit.goto("/unit/")
    unit.wait_for_selector(f'#orders tr[data-number="{number}"]')
    shot(unit, "unit-orders")
    unit.click(f'#orders tr[data-number="{number}"] a >> nth=0')
    unit.click('form[data-action="acknowledge"] button')
    unit.wait_for_selector(".case-head >> text=办理中")
    form = unit.locator('form[data-action="resolve"]')
    form.locator("textarea").fill(
        "经现场核实，小区门口堆积的垃圾已于今日全部清运，并安排保洁每日巡查。"
    )
    form.locator("button").click()
    unit.wait_for_selector(".case-head >> text=已办结待核查")
    shot(unit, "unit-case-replied")
    history = console.request.get(f"/api/v1/cases/{number}/history").json()
    assert [e["action"] for e in history][-3:] == ["dispatch", "acknowledge", "resolve"]


def test_the_map_shows_every_grid_and_the_open_cases(page_as):
    page = page_as("dispatcher")
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(page.url.split("/console")[0])
            or r.url.startswith("data:") else outside.append(r.url))  # fmt: skip
    everything = page.request.get("/console/map/grids.geojson").json()["features"]
    page.goto("/console/map/")
    page.wait_for_selector("#big-map[data-grids][data-cases]")
    assert int(page.get_attribute("#big-map", "data-grids")) == len(everything) > 100
    assert page.locator(".leaflet-tile").count() == 0  # no tile layer: the grids are the map
    page.wait_for_timeout(500)
    shot(page, "console-map")
    page.goto("/console/?view=open")
    page.click("#rows tr[data-number] a >> nth=0")
    page.wait_for_selector("#case-map path")
    assert outside == []  # nothing from another server: no CDN, no tiles, no web fonts


READ_STREAM = """async ([after, needle]) => {
  const headers = after === null ? {} : {"Last-Event-ID": String(after)};
  const controller = new AbortController();
  const res = await fetch("/events/", {headers, signal: controller.signal});
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const until = Date.now() + 5000;
  while (Date.now() < until && !text.includes(needle)) {
    const {value, done} = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  controller.abort();
  return text;
}"""


def test_the_stream_replays_what_a_reconnecting_page_missed(page_as, server):
    key = lianqin_cli("apikey", "hotline_12345").strip().splitlines()[-1]
    page = page_as("dispatcher")
    page.goto("/console/")
    hello = page.evaluate(READ_STREAM, [None, "event: hello"])
    last = int(hello.split("id: ")[1].split("\n")[0])
    grids = page.request.get("/console/map/grids.geojson").json()["features"]
    point = shape(grids[-1]["geometry"]).representative_point()
    number = post_hotline(server, key, "E2E-2", "路灯不亮已经一周了", point.x, point.y)
    # the page was away when the case arrived: on reconnect with Last-Event-ID it gets it
    replay = page.evaluate(READ_STREAM, [last, number])
    assert f'"number": "{number}"' in replay and '"action": "create"' in replay
    # a unit that has no work order on the case never receives it
    unit = page_as("unit_handler")
    unit.goto("/unit/")
    assert number not in unit.evaluate(READ_STREAM, [last, number])
