"""Reading and writing regions (GeoJSON, CSV with WKT): what the importer trusts.

Every problem in a file must come back as an ``InvalidInput`` that names the file, the
feature or line, and the field, with a hint; and whatever we write must read back equal.
No Django here: the module is pure.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from lianqin.errors import InvalidInput
from lianqin.geo.regions_io import (
    RegionRecord,
    read_csv_wkt,
    read_geojson,
    write_csv_wkt,
    write_geojson,
)
from lianqin.org.demo_geometry import build_district

STREET, COMMUNITY, GRID = "320111001", "320111001001", "320111001001001"
SQUARE = [[118.6, 32.0], [118.61, 32.0], [118.61, 32.01], [118.6, 32.01], [118.6, 32.0]]
SQUARE_WKT = "POLYGON ((118.6 32, 118.61 32, 118.61 32.01, 118.6 32.01, 118.6 32))"


def feature(code: Any = GRID, name: Any = "第1网格", geometry: Any = None, **props: Any) -> dict:
    if geometry is None:
        geometry = {"type": "Polygon", "coordinates": [SQUARE]}
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, **props},
        "geometry": geometry,
    }


def collection(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False)


def records() -> list[RegionRecord]:
    """A street, a village with a hole, and a two-part grid, with awkward decimals."""
    outer = box(118.60000001234, 32.0, 118.62, 32.02)
    holed = Polygon(outer.exterior.coords, [box(118.605, 32.005, 118.606, 32.006).exterior.coords])
    two = MultiPolygon([box(118.6, 32.0, 118.605, 32.005), box(118.61, 32.01, 118.615, 32.015)])
    return [
        RegionRecord(STREET, "江浦街道", "street", outer),
        RegionRecord(COMMUNITY, "林蒲村", "community", holed, 1200, 3300, True),
        RegionRecord(GRID, "林蒲村第1网格", "grid", two, 312, 0, True),
    ]


# --- reading GeoJSON --------------------------------------------------------------------


def test_read_geojson_levels_counts_and_provenance():
    text = collection(
        feature(STREET, "江浦街道"),
        feature(COMMUNITY, "林蒲村", households=1200, population="3300", rural="村"),
        feature(GRID, "第1网格", households=312.0, rural=False),
    )
    street, community, grid = read_geojson(text, source="pukou.geojson")
    assert [r.level for r in (street, community, grid)] == ["street", "community", "grid"]
    assert (community.households, community.population, community.rural) == (1200, 3300, True)
    assert (grid.households, grid.rural) == (312, False)
    assert grid.source_ref == "pukou.geojson feature 3"
    assert grid.geometry.equals(Polygon(SQUARE))


def test_read_geojson_chinese_property_names_and_integer_code():
    text = collection(
        {
            "type": "Feature",
            "properties": {
                "编码": 320111001001,
                "名称": "林蒲村",
                "户数": "1200",
                "人口": 3300,
                "是否农村": "是",
            },
            "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
        }
    )
    (r,) = read_geojson(text, source="村.geojson")
    assert (r.code, r.name, r.households, r.population, r.rural) == (
        COMMUNITY,
        "林蒲村",
        1200,
        3300,
        True,
    )


@pytest.mark.parametrize(
    ("value", "rural"),
    [(True, True), ("村", True), ("是", True), ("1", True), (1, True), ("true", True),
     (False, False), ("否", False), ("0", False), ("", False), (None, False), ("社区", False)],
)  # fmt: skip
def test_rural_flag_spellings(value, rural):
    (r,) = read_geojson(collection(feature(COMMUNITY, rural=value)), source="f.geojson")
    assert r.rural is rural


def test_a_third_coordinate_is_dropped_and_multipolygons_are_kept():
    cube = [[x, y, 12.5] for x, y in SQUARE]
    multi = {"type": "MultiPolygon", "coordinates": [[cube], [[[x + 0.02, y] for x, y in SQUARE]]]}
    (r,) = read_geojson(collection(feature(geometry=multi)), source="f.geojson")
    assert isinstance(r.geometry, MultiPolygon) and not r.geometry.has_z
    assert len(r.geometry.geoms) == 2


def test_empty_collection_reads_as_nothing():
    assert read_geojson(collection(), source="f.geojson") == []


def _error(text: str, source: str = "grids.geojson") -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        read_geojson(text, source=source)
    error = caught.value
    assert source in error.message and error.hint, error.message
    return error


def test_invalid_json_names_line_and_column():
    error = _error('{"type": "FeatureCollection",\n "features": [,]}')
    assert "第 2 行第 15 列" in error.message


@pytest.mark.parametrize(
    "doc", [[], {"type": "Feature", "properties": {}, "geometry": None}, {"type": "Polygon"}]
)
def test_not_a_feature_collection(doc):
    error = _error(json.dumps(doc))
    assert "FeatureCollection" in error.message and error.field == "type"


def test_crs_other_than_wgs84_is_refused():
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
    }
    error = _error(json.dumps({**doc, "features": []}))
    assert "EPSG:3857" in error.message and error.field == "crs"


BAD_FEATURES = [
    # (feature, field, words in the message)
    (feature(code=None), "code", "缺少编码"),
    (feature(code="32011100100100"), "code", "14 位"),
    (feature(code="32011100100100X"), "code", "非数字"),
    (feature(code=3.20111001e8), "code", "字符串"),
    (feature(name="  "), "name", "缺少名称"),
    (feature(households=-3), "households", "非负整数"),
    (feature(households="很多"), "households", "非负整数"),
    (feature(population=12.5), "population", "非负整数"),
    (feature(rural="maybe"), "rural", "无法识别"),
    (feature(geometry={"type": "Point", "coordinates": [118.6, 32.0]}), "geometry", "Point"),
    (feature(geometry={"type": "Polygon", "coordinates": []}), "geometry", "为空"),
    (feature(geometry={"type": "Polygon", "coordinates": [[[118.6, 32.0], [118.7, 32.1]]]}), "geometry", "无法解析"),
    (feature(geometry={"type": "Polygon"}), "geometry", "coordinates"),
    ({**feature(), "geometry": None}, "geometry", "缺少几何"),
]  # fmt: skip


@pytest.mark.parametrize(("bad", "field", "words"), BAD_FEATURES)
def test_each_bad_feature_names_file_feature_and_field(bad, field, words):
    error = _error(collection(feature(STREET, "街道"), bad))
    assert "第 2 个要素" in error.message
    assert error.field == field and f"字段 {field}" in error.message
    assert words in error.message


def test_feature_of_wrong_type():
    error = _error(collection({"type": "Polygon", "coordinates": []}))
    assert "第 1 个要素" in error.message and error.field == "type"


def test_duplicate_code_names_both_features():
    error = _error(collection(feature(), feature(STREET), feature()))
    assert "第 3 个要素" in error.message and "第 1 个要素" in error.message
    assert error.field == "code" and GRID in error.message


def _square_at(x: float, y: float, size: float = 0.01) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.mark.parametrize(
    ("geometry", "words"),
    [
        (_square_at(664000.0, 3548000.0, 100.0), "投影坐标（米）"),  # UTM 50N metres
        (_square_at(32.0, 118.6), "颠倒"),  # lat, lon
        (_square_at(2.35, 48.85), "不在中国境内"),  # Paris
        (_square_at(118.6, 60.0), "不在中国境内"),
    ],
)
def test_coordinates_in_the_wrong_system_are_named(geometry, words):
    error = _error(collection(feature(GRID, "第1网格", geometry)))
    assert words in error.message and error.field == "geometry" and GRID in error.message


def test_nan_coordinates_are_refused():
    ring = [[118.6, 32.0], [float("nan"), 32.0], [118.61, 32.01], [118.6, 32.0]]
    text = collection(feature(geometry={"type": "Polygon", "coordinates": [ring]}))
    assert "NaN" in _error(text).message


# --- reading CSV ------------------------------------------------------------------------


def test_read_csv_english_header_and_line_numbers():
    text = (
        "code,name,households,population,rural,wkt\n"
        f'{STREET},江浦街道,,,,"{SQUARE_WKT}"\n'
        "\n"
        f'{GRID},第1网格,480,1300,0,"{SQUARE_WKT}"\n'
    )
    street, grid = read_csv_wkt(text, source="grids.csv")
    assert (street.level, street.households, street.source_ref) == ("street", 0, "grids.csv line 2")
    assert (grid.households, grid.population, grid.source_ref) == (480, 1300, "grids.csv line 4")


def test_read_csv_chinese_header_bom_tabs_srid_and_z():
    wkt = "SRID=4326;POLYGON Z ((118.6 32 5, 118.61 32 5, 118.61 32.01 5, 118.6 32 5))"
    text = f"\ufeff编码\t名称\t户数\t人口\t是否农村\t几何\n{COMMUNITY}\t林蒲村\t1200\t3300\t村\t{wkt}\n"
    (r,) = read_csv_wkt(text, source="村.csv")
    assert (r.code, r.name, r.households, r.rural, r.level) == (
        COMMUNITY,
        "林蒲村",
        1200,
        True,
        "community",
    )
    assert not r.geometry.has_z


def test_a_multi_line_field_keeps_physical_line_numbers():
    text = f'code,name,wkt\n{STREET},"江浦\n街道","{SQUARE_WKT}"\n{GRID},网格,"POLYGON ((1 2"\n'
    with pytest.raises(InvalidInput) as caught:
        read_csv_wkt(text, source="g.csv")
    assert "g.csv 第 4 行" in caught.value.message and caught.value.field == "wkt"


def _csv_error(
    body: str, header: str = "code,name,households,population,rural,wkt"
) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        read_csv_wkt(f"{header}\n{body}\n", source="grids.csv")
    assert "grids.csv" in caught.value.message and caught.value.hint
    return caught.value


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (f'{GRID},第1网格,1,1,0,"POLYGON ((118.6 32, 118.61"', "wkt", "WKT 无法解析"),
        (f"{GRID},第1网格,1,1,0,", "wkt", "缺少几何"),
        (f'{GRID},第1网格,1,1,0,"POINT (118.6 32)"', "wkt", "Point"),
        (f'{GRID},第1网格,1,1,0,"POLYGON EMPTY"', "wkt", "为空"),
        (f'{GRID},第1网格,1,1,0,"SRID=3857;{SQUARE_WKT}"', "wkt", "SRID=3857"),
        (f'{GRID},第1网格,1,1,0,"POLYGON ((32 118.6, 32.01 118.6, 32.01 118.61, 32 118.6))"', "wkt", "颠倒"),
        (f"{GRID},第1网格,1,1,0,{SQUARE_WKT}", "row", "列"),
        (f'320111,浦口区,1,1,0,"{SQUARE_WKT}"', "code", "6 位"),
        (f'{GRID},第1网格,1,1,2,"{SQUARE_WKT}"', "rural", "无法识别"),
    ],
)  # fmt: skip
def test_each_bad_csv_line_names_file_line_and_field(body, field, words):
    error = _csv_error(body)
    assert "第 2 行" in error.message and error.field == field and words in error.message


def test_csv_missing_columns_and_duplicates():
    error = _csv_error(f"{GRID},第1网格", header="code,name")
    assert "第 1 行" in error.message and "wkt" in error.message and error.field == "wkt"
    row = f'{GRID},第1网格,1,1,0,"{SQUARE_WKT}"'
    error = _csv_error(f"{row}\n{row}")
    assert "第 3 行" in error.message and "第 2 行" in error.message and error.field == "code"


def test_csv_without_rows():
    assert read_csv_wkt("", source="empty.csv") == []
    assert read_csv_wkt("code,name,wkt\n", source="header.csv") == []


# --- writing and round trips ------------------------------------------------------------


def test_geojson_round_trip_equal_within_1e7():
    original = records()
    text = write_geojson(original)
    back = read_geojson(text, source="out.geojson")
    assert back == original
    assert back[2].source_ref == "out.geojson feature 3"
    doc = json.loads(text)
    props = doc["features"][1]["properties"]
    assert props == {"code": COMMUNITY, "name": "林蒲村", "level": "community",
                     "households": 1200, "population": 3300, "rural": True}  # fmt: skip
    assert doc["features"][0]["geometry"]["coordinates"][0][0][0] in (118.6, 118.62)
    assert "118.6000000123" not in text and "118.6000000" not in text


def test_geojson_is_rfc7946_counter_clockwise():
    clockwise = Polygon([(118.6, 32.0), (118.6, 32.01), (118.61, 32.01), (118.61, 32.0)])
    text = write_geojson([RegionRecord(GRID, "网格", "grid", clockwise)])
    ring = json.loads(text)["features"][0]["geometry"]["coordinates"][0]
    assert Polygon(ring).exterior.is_ccw


def test_csv_round_trip_equal_within_1e7():
    original = records()
    text = write_csv_wkt(original)
    assert text.splitlines()[0] == "code,name,households,population,rural,wkt"
    back = read_csv_wkt(text, source="out.csv")
    assert back == original
    assert [r.source_ref for r in back] == ["out.csv line 2", "out.csv line 3", "out.csv line 4"]


def test_records_differ_when_content_differs():
    a = records()[2]
    moved = RegionRecord(a.code, a.name, a.level, shapely.affinity.translate(a.geometry, 2e-7))
    assert RegionRecord(a.code, a.name, a.level, a.geometry, a.households, 0, True, "x") == a
    assert moved != RegionRecord(a.code, a.name, a.level, a.geometry)
    assert RegionRecord(a.code, "别的名字", a.level, a.geometry, 312, 0, True) != a


def demo_records() -> list[RegionRecord]:
    plan = build_district()
    out = [RegionRecord(s.code, s.name, "street", s.polygon) for s in plan.streets]
    out += [RegionRecord(c.code, c.name, "community", c.polygon, c.households, c.population, c.rural)
            for c in plan.communities]  # fmt: skip
    out += [
        RegionRecord(g.code, g.name, "grid", g.polygon, g.households, 0, g.rural)
        for g in plan.grids
    ]
    return out


def test_demo_district_round_trips_quickly_in_both_formats():
    original = demo_records()
    assert len(original) == 10 + 120 + 719
    start = time.perf_counter()
    assert read_geojson(write_geojson(original), source="demo.geojson") == original
    assert read_csv_wkt(write_csv_wkt(original), source="demo.csv") == original
    assert time.perf_counter() - start < 3.0


def test_the_module_is_pure():
    code = "import sys, lianqin.geo.regions_io, lianqin.geo.validate, lianqin.geo.planning; "
    code += "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'ninja')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
