"""The synthetic Pukou-shaped district behind ``lianqin demo``.

The demo, the map and the address → grid lookup all trust this plan: the counts and
codes must be exact, the grids must tile the district with no gap and no overlap (a point
falls in exactly one grid), every shape must be one valid polygon, and the same seed must
give the same bytes on any machine. No Django here: the module is pure.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Polygon, box, shape

from lianqin.org import demo_geometry as dg
from lianqin.org.demo_geometry import (
    DistrictPlan,
    area_km2,
    build_district,
    compound_names,
    road_names,
    to_geojson,
)

URBAN_STREETS = ("江浦街道", "顶山街道", "泰山街道", "沿江街道", "盘城街道")
RURAL_STREETS = ("桥林街道", "汤泉街道", "星甸街道", "永宁街道", "石桥街道")
OVERLAP = 1e-10  # deg², floating error allowed between two grids
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="module")
def plan() -> DistrictPlan:
    return build_district()


def _max_overlap(polygons: Sequence[Polygon]) -> float:
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    pairs = left < right
    if not pairs.any():
        return 0.0
    overlaps = shapely.intersection(
        [polygons[i] for i in left[pairs]], [polygons[j] for j in right[pairs]]
    )
    return float(shapely.area(overlaps).max())


def _all_polygons(plan: DistrictPlan) -> list[Polygon]:
    return [
        *(g.polygon for g in plan.grids),
        *(c.polygon for c in plan.communities),
        *(s.polygon for s in plan.streets),
        plan.polygon,
    ]


def _digest(plan: DistrictPlan, seed: int) -> str:
    """Everything a demo stores, serialized; equal digests mean byte-identical output."""
    payload = {
        "district": to_geojson(plan.polygon),
        "streets": [[s.code, s.name, to_geojson(s.polygon)] for s in plan.streets],
        "communities": [
            [c.code, c.name, c.rural, c.households, c.population, to_geojson(c.polygon)]
            for c in plan.communities
        ],
        "grids": [[g.code, g.name, g.households, to_geojson(g.polygon)] for g in plan.grids],
        "roads": road_names(plan, seed),
        "compounds": compound_names(plan, seed),
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _km(plan: DistrictPlan, polygon: Polygon) -> tuple[float, float]:
    """The polygon's centroid in km east/north of the district's centroid."""
    centre, point = plan.polygon.centroid, polygon.centroid
    kx = dg.KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(centre.y))
    return (point.x - centre.x) * kx, (point.y - centre.y) * dg.KM_PER_DEG_LAT


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


# --- counts, hierarchy, codes -------------------------------------------------------------


def test_counts_are_exact(plan: DistrictPlan) -> None:
    """The pilot's figures: 10 streets, 120 communities, 719 grids, nothing more or less."""
    assert (plan.code, plan.name) == ("320111", "浦口区")
    assert len(plan.streets) == 10
    assert len(plan.communities) == 120
    assert len(plan.grids) == 719


def test_codes_are_hierarchical_sequential_and_unique(plan: DistrictPlan) -> None:
    """Street = district + 001…, community = street + 001…, grid = community + 001…."""
    codes: list[str] = []
    for i, street in enumerate(plan.streets, start=1):
        assert street.code == f"320111{i:03d}"
        for j, community in enumerate(street.communities, start=1):
            assert community.code == f"{street.code}{j:03d}"
            for k, grid in enumerate(community.grids, start=1):
                assert grid.code == f"{community.code}{k:03d}"
                assert len(grid.code) == 15 and grid.code.isdigit()
            codes.append(community.code)
        codes.append(street.code)
    codes += [g.code for g in plan.grids]
    assert len(codes) == len(set(codes)) == 10 + 120 + 719


def test_every_community_holds_2_to_12_grids(plan: DistrictPlan) -> None:
    sizes = [len(c.grids) for c in plan.communities]
    assert min(sizes) >= 2 and max(sizes) <= 12


# --- geometry -----------------------------------------------------------------------------


def test_every_shape_is_one_valid_polygon(plan: DistrictPlan) -> None:
    """A MultiPolygon grid would be two places under one code; invalid rings break lookups."""
    for polygon in _all_polygons(plan):
        assert isinstance(polygon, Polygon)
        assert polygon.is_valid and not polygon.is_empty


def test_grids_do_not_overlap(plan: DistrictPlan) -> None:
    """A point in the district belongs to one grid only."""
    assert _max_overlap([g.polygon for g in plan.grids]) < OVERLAP


def test_grids_cover_the_district(plan: DistrictPlan) -> None:
    """… and to at least one: the union of the grids is the district, no gaps."""
    union = shapely.union_all([g.polygon for g in plan.grids])
    assert shapely.symmetric_difference(union, plan.polygon).area < OVERLAP


def test_communities_are_the_union_of_their_grids_inside_their_street(
    plan: DistrictPlan,
) -> None:
    for street in plan.streets:
        for community in street.communities:
            union = shapely.union_all([g.polygon for g in community.grids])
            assert shapely.symmetric_difference(union, community.polygon).area < OVERLAP
            assert community.polygon.difference(street.polygon).area < OVERLAP


def test_communities_and_streets_tile_too(plan: DistrictPlan) -> None:
    assert _max_overlap([c.polygon for c in plan.communities]) < OVERLAP
    assert _max_overlap([s.polygon for s in plan.streets]) < OVERLAP
    union = shapely.union_all([s.polygon for s in plan.streets])
    assert shapely.symmetric_difference(union, plan.polygon).area < OVERLAP


def test_outline_is_irregular_simple_and_the_right_size(plan: DistrictPlan) -> None:
    """About 900 km² (±5%) around the given centre, not a circle or a box."""
    outline = plan.polygon
    assert outline.exterior.is_simple and not outline.interiors
    assert area_km2(outline) == pytest.approx(900.0, rel=0.05)
    assert outline.area / outline.convex_hull.area < 0.99  # has bays, not convex
    assert len(outline.exterior.coords) > 40
    centroid = outline.centroid
    dx = (centroid.x - 118.63) * dg.KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(32.06))
    dy = (centroid.y - 32.06) * dg.KM_PER_DEG_LAT
    assert math.hypot(dx, dy) < 3.0  # within 3 km of the requested centre


def test_area_and_centre_follow_the_arguments() -> None:
    small = build_district(
        7, streets=3, communities=12, grids=40, center=(116.4, 39.9), area_km2=150
    )
    assert area_km2(small.polygon) == pytest.approx(150.0, rel=0.05)
    assert small.polygon.centroid.distance(shapely.Point(116.4, 39.9)) < 0.05
    assert (len(small.streets), len(small.communities), len(small.grids)) == (3, 12, 40)
    assert _max_overlap([g.polygon for g in small.grids]) < OVERLAP
    union = shapely.union_all([g.polygon for g in small.grids])
    assert shapely.symmetric_difference(union, small.polygon).area < OVERLAP


def test_area_km2_uses_the_local_equirectangular_scale() -> None:
    """A 0.01° × 0.01° box at 32° N is 1.1132·cos(32°) × 1.10574 km²."""
    expected = 1.1132 * math.cos(math.radians(32.005)) * 1.10574
    assert area_km2(box(118.0, 32.0, 118.01, 32.01)) == pytest.approx(expected, rel=1e-6)


def test_a_clip_that_splits_a_cell_gives_the_stray_piece_to_a_neighbour() -> None:
    """In a U-shaped container one seed's Voronoi cell spans both arms; the far arm must
    go to the neighbour so each cell is still one polygon and they still tile the U."""
    u_shape = box(118.6, 32.0, 118.63, 32.03).difference(box(118.61, 32.01, 118.62, 32.03))
    seeds = [(118.625, 32.029), (118.605, 32.002)]
    raw = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=u_shape)
    assert any(g.intersection(u_shape).geom_type == "MultiPolygon" for g in raw.geoms)
    cells = dg._cells(u_shape, seeds, dg._Frame(118.6, 32.0))
    assert cells is not None
    assert all(isinstance(c, Polygon) and c.is_valid for c in cells)
    assert _max_overlap(cells) < OVERLAP
    assert shapely.symmetric_difference(shapely.union_all(cells), u_shape).area < OVERLAP


def test_apportion_is_proportional_and_bounded() -> None:
    counts = dg._apportion([1.0, 2.0, 4.0, 40.0], 30, low=2, high=12)
    assert sum(counts) == 30
    assert counts[0] <= counts[1] <= counts[2] <= counts[3] == 12
    assert min(counts) >= 2


# --- urban and rural ----------------------------------------------------------------------


def test_urban_streets_lie_near_the_centre_and_the_river(plan: DistrictPlan) -> None:
    """The first five streets (urban) sit nearer the centre and on the Yangtze (south-east)
    side of the rural ones."""
    south_east = (math.cos(math.radians(-55)), math.sin(math.radians(-55)))
    offsets = [_km(plan, s.polygon) for s in plan.streets]
    towards_river = [x * south_east[0] + y * south_east[1] for x, y in offsets]
    distance = [math.hypot(x, y) for x, y in offsets]
    assert _mean(towards_river[:5]) > _mean(towards_river[5:]) + 3.0
    assert _mean(distance[:5]) < _mean(distance[5:])


def test_urban_streets_are_denser(plan: DistrictPlan) -> None:
    """More communities per km² and more grids per community in every urban street than in
    any rural one; urban grids are smaller than rural grids."""
    per_km2 = [len(s.communities) / area_km2(s.polygon) for s in plan.streets]
    per_community = [len(s.grids) / len(s.communities) for s in plan.streets]
    assert min(per_km2[:5]) > max(per_km2[5:])
    assert min(per_community[:5]) > max(per_community[5:])
    urban = [area_km2(g.polygon) for g in plan.grids if not g.rural]
    rural = [area_km2(g.polygon) for g in plan.grids if g.rural]
    assert _mean(urban) * 2 < _mean(rural)


def test_urban_streets_are_mostly_社区_rural_streets_mostly_村(plan: DistrictPlan) -> None:
    """Rural streets keep at least one 社区, their seat, named after the street."""
    for street in plan.streets[:5]:
        assert street.rural_share <= 0.35
    for street in plan.streets[5:]:
        assert street.rural_share >= 0.6
        seat = street.communities[0]
        assert not seat.rural and seat.name == street.name.removesuffix("街道") + "社区"


# --- names and households -----------------------------------------------------------------


def test_names(plan: DistrictPlan) -> None:
    """Real Pukou street names; invented, unique 社区/村 names; grids named after them."""
    assert tuple(s.name for s in plan.streets) == URBAN_STREETS + RURAL_STREETS
    community_names = [c.name for c in plan.communities]
    assert len(set(community_names)) == 120
    stems = [re.sub("(社区|村)$", "", n) for n in community_names]
    assert len(set(stems)) == 120  # no 文德社区 next to a 文德村
    for community in plan.communities:
        suffix = "村" if community.rural else "社区"
        assert re.fullmatch(rf"[\u4e00-\u9fff]{{2,3}}{suffix}", community.name)
        for k, grid in enumerate(community.grids, start=1):
            assert grid.name == f"{community.name}第{k}网格"
            assert grid.rural == community.rural


def test_households_follow_the_urban_and_rural_norms(plan: DistrictPlan) -> None:
    """~500 households per urban grid, ~300 per rural grid (±10% for ~96% of them, a few
    drifted grids for the planning report); populations 2.6–2.9×."""
    urban = [g.households for g in plan.grids if not g.rural]
    rural = [g.households for g in plan.grids if g.rural]
    near = [450 <= h <= 550 for h in urban] + [270 <= h <= 330 for h in rural]
    assert 0.9 <= sum(near) / len(near) < 1.0
    assert _mean(urban) == pytest.approx(500, rel=0.05)
    assert _mean(rural) == pytest.approx(300, rel=0.05)
    for community in plan.communities:
        assert community.households == sum(g.households for g in community.grids)
        assert 2.6 <= community.population / community.households <= 2.9 + 1e-3
    assert plan.total_households == sum(urban) + sum(rural)


# --- GeoJSON, determinism, speed ----------------------------------------------------------


def test_geojson_is_valid_rounded_and_exactly_the_plan(plan: DistrictPlan) -> None:
    """Rounding to 6 decimals moves no vertex: stored grids tile exactly like the plan."""
    for polygon in _all_polygons(plan):
        geometry = to_geojson(polygon)
        assert geometry["type"] == "Polygon"
        coords = [xy for ring in geometry["coordinates"] for xy in ring]
        assert all(round(v, 6) == v for xy in coords for v in xy)
        back = shape(geometry)
        assert back.is_valid and back.exterior.is_ccw
        assert shapely.symmetric_difference(back, polygon).area == 0.0
        assert json.loads(json.dumps(geometry)) == geometry


def test_to_geojson_rejects_non_polygons() -> None:
    with pytest.raises(TypeError):
        to_geojson(shapely.Point(118.6, 32.0))


def test_same_seed_gives_identical_bytes_different_seeds_differ(plan: DistrictPlan) -> None:
    assert _digest(build_district(), 20261128) == _digest(plan, 20261128)
    other = build_district(1)
    assert _digest(other, 1) != _digest(plan, 20261128)
    assert to_geojson(other.grids[0].polygon) != to_geojson(plan.grids[0].polygon)


def test_output_does_not_depend_on_the_process_and_needs_no_django(plan: DistrictPlan) -> None:
    """Another interpreter with another hash seed builds the same bytes, without Django."""
    script = (
        "import sys\n"
        "from lianqin.org import demo_geometry as dg\n"
        "from test_demo_geometry import _digest\n"
        "print(_digest(dg.build_district(), 20261128))\n"
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))\n"
    )
    here = Path(__file__).resolve().parent
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": f"{SRC}{os.pathsep}{here}"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    digest, django_loaded = result.stdout.split()
    assert digest == _digest(plan, 20261128)
    assert django_loaded == "False"


def test_build_is_fast() -> None:
    started = time.perf_counter()
    build_district(3)
    assert time.perf_counter() - started < 5.0


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        build_district(streets=0)
    with pytest.raises(ValueError):
        build_district(streets=11)
    with pytest.raises(ValueError):
        build_district(communities=120, grids=239)
    with pytest.raises(ValueError):
        build_district(communities=120, grids=1441)


# --- roads and compounds ------------------------------------------------------------------


def test_road_names(plan: DistrictPlan) -> None:
    """6–15 per street, unique across the district (an address names one road), stable."""
    roads = road_names(plan, 20261128)
    assert list(roads) == [s.code for s in plan.streets]
    everything = [r for names in roads.values() for r in names]
    assert len(everything) == len(set(everything))
    for street in plan.streets:
        names = roads[street.code]
        assert 6 <= len(names) <= 15
        assert names[0] == street.name.removesuffix("街道") + "大道"
        assert all(
            re.fullmatch(r"[\u4e00-\u9fff]{2,4}(东|西|南|北)?(路|大道|街)", n) for n in names
        )
    assert road_names(plan, 20261128) == roads
    assert road_names(plan, 1) != roads


def test_compound_names(plan: DistrictPlan) -> None:
    """2–6 compounds per community, 组 for villages, unique across the district, stable."""
    compounds = compound_names(plan, 20261128)
    assert list(compounds) == [c.code for c in plan.communities]
    everything = [n for names in compounds.values() for n in names]
    assert len(everything) == len(set(everything))
    suffixes = ("花园", "苑", "小区", "新村", "家园", "雅居", "华庭", "名邸")
    for community in plan.communities:
        names = compounds[community.code]
        assert 2 <= len(names) <= 6
        if community.rural:
            assert all(n.endswith("组") for n in names)
        else:
            assert all(n.endswith(suffixes) for n in names)
    assert compound_names(plan, 20261128) == compounds
    assert compound_names(plan, 1) != compounds
