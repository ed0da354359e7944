"""API v1 through HTTP: sessions and API keys, filters, transitions, errors, OpenAPI."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from lianqin.org.models import ApiKey
from tests.factories import new_case


@pytest.fixture
def key(world):
    return ApiKey.issue("12345 对接", world.people["system"], channel="hotline_12345")[1]


def post(client: Client, url: str, body: dict, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def login(client: Client, world, name: str) -> Client:
    client.force_login(world.people[name])
    return client


def test_openapi_and_docs_are_served(client):
    spec = client.get("/api/openapi.json").json()
    assert (
        "/api/v1/cases" in spec["paths"]
        and "/api/v1/cases/{number}/actions/{action}" in spec["paths"]
    )
    assert client.get("/api/docs").status_code == 200


def test_anonymous_is_refused_with_a_hint(client, world):
    res = client.get("/api/v1/cases")
    assert res.status_code == 401 and res.json()["code"] == "unauthenticated" and res.json()["hint"]


def test_create_with_api_key_is_idempotent_and_masks_reporter(client, world, key):
    body = {
        "channel": "hotline_12345",
        "external_id": "GD20261128001",
        "title": "噪音扰民",
        "lon": world.grid_point(0)[0],
        "lat": world.grid_point(0)[1],
        "reporter": {"name": "李四", "phone": "13912345678"},
    }
    first = post(client, "/api/v1/cases", body, HTTP_X_API_KEY=key)
    assert first.status_code == 201, first.content
    again = post(client, "/api/v1/cases", body, HTTP_X_API_KEY=key)
    assert again.status_code == 200 and again.json()["number"] == first.json()["number"]
    text = first.content.decode()
    assert "13912345678" not in text and "139****5678" in text and "李四" not in text
    assert first.json()["grid"] == world.grids[0].code


def test_wrong_key_is_refused(client, world, key):
    res = post(client, "/api/v1/cases", {"title": "x"}, HTTP_X_API_KEY=key[:-2] + "zz")
    assert res.status_code == 401


def test_validation_error_names_the_field(client, world, key):
    res = post(client, "/api/v1/cases", {"title": "x", "lat": 200}, HTTP_X_API_KEY=key)
    assert res.status_code == 422 and res.json()["code"] == "invalid_input"
    assert any("lat" in e["field"] for e in res.json()["errors"])
    res = post(client, "/api/v1/cases", {"title": "x", "channel": "fax"}, HTTP_X_API_KEY=key)
    assert res.status_code == 400 and res.json()["field"] == "channel"


def test_list_is_scoped_filtered_and_paginated(client, world):
    for grid in (0, 0, 1, 4):
        new_case(world, grid=grid)
    login(client, world, "street_a")
    page = client.get("/api/v1/cases?page_size=2").json()
    assert page["count"] == 3 and len(page["items"]) == 2
    by_grid = client.get(f"/api/v1/cases?grid={world.grids[1].code}").json()
    assert by_grid["count"] == 1
    assert client.get("/api/v1/cases?status=closed").json()["count"] == 0
    assert client.get("/api/v1/cases?channel=hotline_12345&warning=normal").json()["count"] == 3
    login(client, world, "street_b")
    assert client.get("/api/v1/cases").json()["count"] == 1


def test_transition_history_and_errors(client, world):
    case = new_case(world)
    login(client, world, "community_a1")
    url = f"/api/v1/cases/{case.number}/actions/accept"
    res = post(client, url, {"expected_version": 1})
    assert res.status_code == 200 and res.json()["status"] == "accepted"
    assert "handle_on_site" in res.json()["allowed_actions"] or res.json()["allowed_actions"]
    again = post(client, url, {})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    stale = post(client, f"/api/v1/cases/{case.number}/actions/escalate", {"expected_version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    history = client.get(f"/api/v1/cases/{case.number}/history").json()
    assert [e["action"] for e in history] == ["create", "accept"]
    assert post(client, f"/api/v1/cases/{case.number}/actions/fly", {}).status_code == 404


def test_other_street_cannot_see_or_touch(client, world):
    case = new_case(world)
    login(client, world, "street_b")
    assert client.get(f"/api/v1/cases/{case.number}").status_code == 404
    res = post(client, f"/api/v1/cases/{case.number}/actions/accept", {})
    assert res.status_code == 404
    login(client, world, "leader")
    res = post(client, f"/api/v1/cases/{case.number}/actions/accept", {})
    assert res.status_code == 403 and res.json()["code"] == "forbidden"


def test_unit_works_its_order_through_the_api(client, world):
    case = new_case(world)
    login(client, world, "community_a1")
    post(client, f"/api/v1/cases/{case.number}/actions/accept", {})
    login(client, world, "street_a")
    res = post(
        client, f"/api/v1/cases/{case.number}/actions/dispatch", {"lead": "cg", "assist": ["hb"]}
    )
    assert res.status_code == 200, res.content
    orders = {o["unit"]: o for o in res.json()["work_orders"]}
    login(client, world, "hb_handler")
    assert client.get("/api/v1/cases").json()["count"] == 1
    url = f"/api/v1/cases/{case.number}/work-orders/{orders['hb']['id']}/acknowledge"
    assert post(client, url, {}).json()["state"] == "acknowledged"
    login(client, world, "cg_handler")
    assert (
        post(client, f"/api/v1/cases/{case.number}/actions/acknowledge", {}).json()["status"]
        == "in_progress"
    )


def test_reference_endpoints(client, world):
    login(client, world, "dispatcher")
    flow = client.get("/api/v1/workflow").json()
    assert {s["code"] for s in flow["states"]} >= {"reported", "closed", "archived"}
    assert any(t["action"] == "dispatch" for t in flow["transitions"])
    cats = client.get("/api/v1/categories").json()
    assert len(cats) > 100 and {c["depth"] for c in cats} == {1, 2, 3}
    assert client.get("/api/v1/me").json()["role"] == "dispatcher"


def test_docs_load_nothing_from_outside_the_server(client):
    html = client.get("/api/docs").content.decode()
    assert "cdn" not in html.lower() and "/static/" in html
