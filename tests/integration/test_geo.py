"""Geography through the API and the use cases: the map layer, point → grid in three
coordinate systems, address → grid through the gazetteer, planning."""

from __future__ import annotations

import json

import pytest

from lianqin.geo.coords import from_wgs84
from lianqin.geo.gazetteer import Place as PlaceInfo
from lianqin.geo.gazetteer import RoadSegment as SegmentInfo
from lianqin.geo.gazetteer_store import load_gazetteer
from tests.factories import new_case


@pytest.fixture
def gazetteer(world):
    a = world.streets[0]
    lon, lat = world.grid_point(1)
    load_gazetteer(
        [PlaceInfo("compound", "桥北花园", ("桥北小区",), world.grids[2].code,
                   world.communities[1].code, a.code, *world.grid_point(2))],
        [SegmentInfo("文德路", a.code, 1, 99, "all", world.grids[1].code, lon, lat)],
    )  # fmt: skip
    return world


def login(client, world, who="dispatcher"):
    client.force_login(world.people[who])
    return client


def test_grid_layer_carries_load_and_warnings(client, world):
    new_case(world, grid=0)
    new_case(world, grid=0)
    layer = login(client, world).get("/api/v1/geo/grids").json()
    assert layer["type"] == "FeatureCollection" and len(layer["features"]) == 8
    first = next(f for f in layer["features"] if f["id"] == world.grids[0].code)
    assert first["properties"]["open_cases"] == 2 and first["geometry"]["type"] == "Polygon"
    other = login(client, world, "street_b").get("/api/v1/geo/grids").json()
    assert all(f["properties"]["open_cases"] == 0 for f in other["features"])


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
def test_locate_in_each_coordinate_system(client, world, crs):
    lon, lat = world.grid_point(3)
    x, y = from_wgs84(lon, lat, crs)
    res = login(client, world).get(f"/api/v1/geo/locate?lon={x}&lat={y}&crs={crs}")
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["grid"] == world.grids[3].code
    assert abs(body["lon"] - lon) < 1e-6 and abs(body["lat"] - lat) < 1e-6


def test_locate_outside_and_bad_coordinates(client, world):
    c = login(client, world)
    res = c.get("/api/v1/geo/locate?lon=116.4&lat=39.9")
    assert res.status_code == 404 and res.json()["hint"]
    swapped = c.get("/api/v1/geo/locate?lon=32.05&lat=118.6")
    assert (
        swapped.status_code == 400 and "经度" in swapped.json()["hint"] + swapped.json()["message"]
    )
    zero = c.get("/api/v1/geo/locate?lon=0&lat=0")
    assert zero.status_code == 400


def test_batch_locate(client, world):
    pts = [list(world.grid_point(i)) for i in range(8)] + [[0, 0], [116.4, 39.9]]
    res = login(client, world).post("/api/v1/geo/locate/batch",
                                    json.dumps({"points": pts}), content_type="application/json")  # fmt: skip
    out = res.json()["results"]
    assert [r["grid"] for r in out[:8]] == [g.code for g in world.grids]
    assert out[8]["grid"] is None and out[8]["error"] and out[9]["grid"] is None


def test_case_in_gcj02_is_stored_in_wgs84(world):
    lon, lat = world.grid_point(5)
    x, y = from_wgs84(lon, lat, "gcj02")
    case = new_case(world, lon=x, lat=y, crs="gcj02")
    assert case.grid == world.grids[5] and abs(case.lon - lon) < 1e-6
    assert case.location_source == "gps" and case.location_confidence == 1.0


def test_case_with_only_an_address_is_placed_by_the_gazetteer(gazetteer):
    world = gazetteer
    case = new_case(world, lon=None, lat=None, address="南京市浦口区街道A文德路12号")
    assert case.grid == world.grids[1] and case.location_source == "address"
    assert case.location_confidence >= 0.9 and not case.needs_location
    assert "文德路" in case.location_match


def test_unresolvable_address_is_kept_and_flagged(gazetteer):
    case = new_case(gazetteer, lon=None, lat=None, address="火星基地1号")
    assert case.grid is None and case.needs_location and case.level == "district"
    assert case.reports.get().address == "火星基地1号"


def test_address_api(client, gazetteer):
    c = login(client, gazetteer)
    body = c.get("/api/v1/geo/address", {"q": "桥北小区3栋"}).json()
    assert body["grid"] == gazetteer.grids[2].code and body["source"] == "address"
    assert c.get("/api/v1/geo/address", {"q": "火星基地"}).status_code == 404


def test_grid_plan(client, world):
    from lianqin.org.models import Grid

    Grid.objects.filter(pk=world.grids[0].pk).update(households=1200)
    report = login(client, world).get("/api/v1/geo/grid-plan").json()
    text = json.dumps(report, ensure_ascii=False)
    assert world.grids[0].code in text


def test_another_process_changing_grids_is_noticed(world):
    from django.db.models import F

    from lianqin.geo import service
    from lianqin.geo.models import Revision
    from lianqin.org.models import Grid

    first = service.grid_index()
    assert service.grid_index() is first  # cached
    Grid.objects.filter(pk=world.grids[0].pk).update(households=1)  # no signal, like bulk SQL
    Revision.objects.get_or_create(name="grids")
    Revision.objects.filter(name="grids").update(number=F("number") + 1)  # the other process
    service._checked_at = 0.0  # as if REVISION_CHECK_SECONDS had passed
    assert service.grid_index() is not first
