"""The grid worker's phone page in a real (phone-sized) browser: a check-in with GPS, and
a report made while offline that arrives exactly once when the network returns."""

from __future__ import annotations

import io

from PIL import Image
from shapely.geometry import shape

from tests.e2e.conftest import shot


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 90, 200)).save(out, "PNG")
    return out.getvalue()


def _my_grid_point(page_as) -> tuple[float, float]:
    probe = page_as("grid_worker")
    grids = probe.request.get("/console/map/grids.geojson").json()["features"]
    point = shape(grids[0]["geometry"]).representative_point()
    probe.context.close()
    return point.x, point.y


def _reports_with(page_as, text: str) -> int:
    dispatcher = page_as("dispatcher")
    found = dispatcher.request.get("/api/v1/cases", params={"q": text[:8], "page_size": 50}).json()
    return sum(1 for c in found["items"] if c["title"].startswith(text[:8]))


def test_offline_report_arrives_once_and_check_in_uses_the_gps(page_as):
    lon, lat = _my_grid_point(page_as)
    phone = page_as("grid_worker", mobile=True, geolocation={"latitude": lat, "longitude": lon},
                    permissions=["geolocation"])  # fmt: skip
    phone.goto("/field/")
    shot(phone, "field-tasks")
    phone.click('a[href="#checkin"]')
    phone.wait_for_selector("#position:has-text('当前位置')")
    phone.click("#checkin-button")
    phone.wait_for_selector("#checkins li >> nth=0")
    phone.click('a[href="#map"]')
    phone.wait_for_selector("#my-map[data-grids]")
    shot(phone, "field-map")

    text = "巡查发现消防通道被杂物堵塞需要清理"
    phone.context.set_offline(True)
    phone.evaluate("window.dispatchEvent(new Event('offline'))")
    phone.click('a[href="#report"]')
    phone.fill('#report-form textarea[name="description"]', text)
    phone.set_input_files('#report-form input[name="photos"]',
                          files=[{"name": "堵塞.png", "mimeType": "image/png", "buffer": _png()}])  # fmt: skip
    phone.click("#report-form button")
    phone.wait_for_selector("#pending-count:has-text('1')")
    phone.wait_for_selector(".net.offline")
    shot(phone, "field-offline")
    assert _reports_with(page_as, text) == 0

    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    phone.wait_for_selector("#pending-count:has-text('0')", timeout=15000)
    assert _reports_with(page_as, text) == 1
    # the page reloaded and the queue sent again: still one
    phone.reload()
    phone.evaluate("window.LianqinField.send()")
    phone.wait_for_timeout(1000)
    assert _reports_with(page_as, text) == 1


def test_a_resend_of_the_same_item_never_doubles(page_as):
    """The answer to the first send is lost (the phone thinks it failed) and the item goes
    again with the same key: the server recognises it."""
    lon, lat = _my_grid_point(page_as)
    phone = page_as("grid_worker", mobile=True)
    phone.goto("/field/")
    key = phone.evaluate("crypto.randomUUID()")
    text = "路面塌陷形成深坑车辆无法通行"
    for _ in range(3):
        answer = phone.evaluate(
            """async ([key, text, lon, lat]) => {
                 const body = new FormData();
                 body.append("description", text); body.append("lon", lon); body.append("lat", lat);
                 const res = await fetch("/field/api/reports", {method: "POST", body,
                   headers: {"Idempotency-Key": key, "X-CSRFToken": Lianqin.csrf()}});
                 return await res.json(); }""",
            [key, text, lon, lat],
        )
        assert answer["case_number"]
    assert _reports_with(page_as, text) == 1
