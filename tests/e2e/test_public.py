"""A citizen on a phone reports with a map pin and a photo, gets a number and a code,
follows the case while staff move it through the loop, and rates the result."""

from __future__ import annotations

import io
import re

from PIL import Image
from shapely.geometry import Point, shape

from tests.e2e.conftest import shot


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(out, "PNG")
    return out.getvalue()


def _act(page, number: str, action: str, body: dict | None = None) -> dict:
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(f"/api/v1/cases/{number}/actions/{action}", data=body or {},
                                 headers={"X-CSRFToken": token})  # fmt: skip
    assert response.ok, response.text()
    return response.json()


def test_a_citizen_reports_follows_and_rates(page_as, server):
    worker = page_as("grid_worker")
    # the demo's grid_worker patrols the first grid of the first community
    feature = worker.request.get("/api/v1/geo/grids").json()["features"][0]
    grid_code = feature["properties"]["code"]
    assert worker.request.get("/api/v1/me").json()["scope_code"] in ("", grid_code[:12], grid_code)
    point = shape(feature["geometry"]).representative_point()

    citizen = page_as(None, mobile=True)
    outside: list[str] = []
    citizen.on("request", lambda r: None if r.url.startswith(server) or r.url.startswith("data:")
               else outside.append(r.url))  # fmt: skip
    citizen.goto("/public/")
    citizen.wait_for_selector("#pick-map[data-ready='1']")
    citizen.fill("#id_description", "小区东门健身器材的单杠断了，孩子玩很危险")
    citizen.fill("#id_title", "健身器材损坏")
    citizen.select_option("#id_category", index=1)
    at = citizen.evaluate(
        """([lat, lon]) => { const m = document.getElementById('pick-map').lqMap;
             m.invalidateSize(); m.setView([lat, lon], 17, {animate: false});
             const p = m.latLngToContainerPoint([lat, lon]); return {x: p.x, y: p.y}; }""",
        [point.y, point.x],
    )
    citizen.locator("#pick-map").click(position=at)
    assert citizen.input_value("#id_lon") != ""
    pinned = Point(float(citizen.input_value("#id_lon")), float(citizen.input_value("#id_lat")))
    assert shape(feature["geometry"]).contains(pinned)
    citizen.set_input_files("#id_photos", files=[{"name": "器材.png", "mimeType": "image/png",
                                                  "buffer": _png()}])  # fmt: skip
    citizen.fill("#id_name", "李秀英")
    citizen.fill("#id_phone", "13912345678")
    shot(citizen, "public-report")
    citizen.click("#submit-report")
    citizen.wait_for_selector("#case-number")
    number = citizen.inner_text("#case-number").strip()
    code = citizen.inner_text("#query-code").strip()
    assert re.fullmatch(r"\d{6}-\d{8}-\d{6}", number) and len(code) == 9

    citizen.click('#receipt a.btn:has-text("查询办理进度")')
    assert citizen.input_value("#id_number") == number
    citizen.fill("#id_code", code.lower())
    citizen.click("#track-form button[type=submit]")
    assert "已收到，等待受理" in citizen.inner_text("#public-state")

    dispatcher = page_as("community_dispatcher")
    case = dispatcher.request.get(f"/api/v1/cases/{number}").json()
    assert case["grid"] == grid_code and case["channel"] == "portal"
    _act(dispatcher, number, "accept")
    _act(worker, number, "handle_on_site")
    _act(worker, number, "resolve", {"note": "已更换损坏的单杠并加固", "evidence": []})
    _act(page_as("inspector"), number, "verify")

    citizen.goto(f"/public/track/?number={number}")
    citizen.fill("#id_code", code)
    citizen.click("#track-form button[type=submit]")
    assert citizen.inner_text("#public-state") == "已办结"
    steps = citizen.inner_text("#steps")
    assert "网格员现场处置" in steps and "已更换损坏的单杠" in steps and "核查通过" in steps
    body = citizen.content()
    assert "李秀英" not in body and "13912345678" not in body
    citizen.check("#rating-form input[value=satisfied]")
    citizen.check("#rating-form input[value=yes]")
    citizen.fill("#id_comment", "处理很及时")
    citizen.click("#rating-form button[type=submit]")
    citizen.wait_for_selector("#thanks")
    assert "满意" in citizen.inner_text("#rated")
    shot(citizen, "public-track")
    history = dispatcher.request.get(f"/api/v1/cases/{number}/history").json()
    rating = next(r for r in history if r["action"] == "citizen_rating")
    assert rating["data"] == {"satisfaction": "satisfied", "solved": True}
    assert outside == []
