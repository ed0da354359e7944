"""One round trip over a real socket: the live server, an API key, the admin login page."""

from __future__ import annotations

import json
import urllib.request

from lianqin.org.models import ApiKey


def test_real_http_round_trip(live_server, world):
    raw = ApiKey.issue("portal", world.people["system"])[1]
    lon, lat = world.grid_point(2)
    body = json.dumps(
        {"channel": "portal", "external_id": "WEB-1", "title": "路灯不亮", "lon": lon, "lat": lat}
    ).encode()
    req = urllib.request.Request(
        f"{live_server.url}/api/v1/cases",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-API-Key": raw},
    )
    with urllib.request.urlopen(req, timeout=10) as res:
        assert res.status == 201
        assert json.loads(res.read())["grid"] == world.grids[2].code
    with urllib.request.urlopen(f"{live_server.url}/admin/login/", timeout=10) as res:
        assert "登录" in res.read().decode()
