"""Point → grid: the raster fast path must give exactly what a brute-force loop gives.

The reference is the definition: every polygon that ``covers`` the point, smallest code
wins; none → the nearest within ``max_distance``, smallest code on a tie; else None. The
tiling is realistic where it matters — Voronoi cells with densified, jittered edges that
neighbours share vertex for vertex — and the hard points are the ones ON those shared
edges and vertices, where two, three or more grids cover the point at once. No Django:
``lianqin.geo.gridindex`` is pure.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon, box, mapping

from lianqin.geo import gridindex
from lianqin.geo.gridindex import GridIndex

SEED = 20261128
ORIGIN = (118.60, 32.00)
STEP = 0.004  # degrees between Voronoi seeds (~400 m)
LATTICE = 1e-7  # densified vertices are snapped here, so both neighbours agree exactly
#: raster settings: the default, everything mixed (coarse), and a fine raster
RASTERS: list[dict[str, Any]] = [
    {},
    {"cells_per_grid": 0.5},
    {"cells_per_grid": 40.0, "max_cells": 1 << 22},
]


def _voronoi(cols: int, rows: int, rng: np.random.Generator) -> list[Polygon]:
    """Cells of the inner seeds of a jittered lattice (a margin keeps them unclipped)."""
    gx, gy = (a.ravel() for a in np.meshgrid(np.arange(-2, cols + 2), np.arange(-2, rows + 2)))
    x = ORIGIN[0] + STEP * (gx + rng.uniform(-0.4, 0.4, gx.size))
    y = ORIGIN[1] + STEP * (gy + rng.uniform(-0.4, 0.4, gy.size))
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(np.c_[x, y]), ordered=True)
    )
    return list(cells[(gx >= 0) & (gx < cols) & (gy >= 0) & (gy < rows)])


def _jittered(polygons: list[Polygon], rng: np.random.Generator) -> list[Polygon]:
    """Densify every edge, snap to the lattice, then move each vertex by a function of
    where it is: a vertex two neighbours share moves the same way in both."""
    dense = shapely.segmentize(np.asarray(polygons, dtype=object), STEP / 12)
    phase = rng.uniform(0, 2 * np.pi, 4)

    def move(xy: np.ndarray) -> np.ndarray:
        snapped = np.round(xy / LATTICE) * LATTICE
        u, v = snapped[:, 0] * 9137.0, snapped[:, 1] * 7411.0
        dx = np.sin(u + phase[0]) * np.cos(v * 1.7 + phase[1])
        dy = np.sin(v + phase[2]) * np.cos(u * 1.3 + phase[3])
        return np.round((snapped + 0.15 * STEP / 12 * np.c_[dx, dy]) / LATTICE) * LATTICE

    return list(shapely.transform(dense, move))


@pytest.fixture(scope="module")
def tiling() -> tuple[list[str], list[Polygon]]:
    """~300 grids, 20–60 vertices each, codes shuffled against the spatial order."""
    rng = np.random.default_rng(SEED)
    polygons = _jittered(_voronoi(20, 15, rng), rng)
    codes = [f"320111001{n:03d}{k:03d}" for n, k in enumerate(rng.permutation(len(polygons)))]
    return codes, polygons


@pytest.fixture(scope="module")
def index(tiling) -> GridIndex:
    codes, polygons = tiling
    return GridIndex(zip(codes, polygons, strict=True))


def test_tiling_is_realistic_and_exact(tiling):
    _, polygons = tiling
    vertices = shapely.get_num_coordinates(polygons)
    assert all(shapely.is_valid(polygons))
    assert vertices.min() >= 15 and vertices.mean() > 25
    union = shapely.union_all(polygons)
    assert union.geom_type == "Polygon"  # no gap
    assert shapely.area(polygons).sum() == pytest.approx(union.area, rel=1e-12)  # no overlap


def brute(codes, geoms, lons, lats, max_distance=0.0):
    """The definition, by looking at every polygon (bounds only to skip hopeless ones)."""
    order = sorted(range(len(codes)), key=codes.__getitem__)
    geoms = np.asarray([geoms[i] for i in order], dtype=object)
    names = [codes[i] for i in order]
    bounds = shapely.bounds(geoms)
    out: list[str | None] = []
    for lon, lat in zip(lons, lats, strict=True):
        point = Point(lon, lat)
        near = (
            (bounds[:, 0] <= lon)
            & (lon <= bounds[:, 2])
            & (bounds[:, 1] <= lat)
            & (lat <= bounds[:, 3])
        )
        covering = [i for i in np.flatnonzero(near) if geoms[i].covers(point)]
        if covering:
            out.append(names[min(covering)])
            continue
        distance = shapely.distance(geoms, point) if max_distance > 0 else np.array([np.inf])
        best = float(distance.min())
        out.append(
            names[int(np.flatnonzero(distance == best)[0])] if best <= max_distance else None
        )
    return out


def check(index, codes, geoms, lons, lats, max_distance=0.0):
    expected = brute(codes, geoms, lons, lats, max_distance)
    assert index.locate_many(lons, lats, max_distance=max_distance) == expected
    assert [
        index.locate(x, y, max_distance=max_distance) for x, y in zip(lons, lats, strict=True)
    ] == expected
    found = index.locate_indices(np.asarray(lons), np.asarray(lats), max_distance=max_distance)
    assert [index.codes[i] if i >= 0 else None for i in found] == expected
    return expected


def _edge_points(polygons, rng, per_edge=2):
    """Every vertex, and points interpolated on every edge (on it, or an ulp off it)."""
    coords, ring = shapely.get_coordinates(shapely.get_exterior_ring(polygons), return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    t = rng.uniform(0, 1, (len(a), per_edge, 1))
    on_edges = (a[:, None, :] + t * (b - a)[:, None, :]).reshape(-1, 2)
    return np.unique(np.r_[coords, on_edges, (a + b) / 2], axis=0)


@pytest.mark.parametrize("raster", RASTERS)
def test_random_points_match_brute_force(tiling, raster):
    codes, polygons = tiling
    index = GridIndex(zip(codes, polygons, strict=True), **raster)
    rng = np.random.default_rng(1)
    x0, y0, x1, y1 = shapely.total_bounds(polygons)
    lons, lats = rng.uniform(x0 - 0.01, x1 + 0.01, 3000), rng.uniform(y0 - 0.01, y1 + 0.01, 3000)
    expected = check(index, codes, polygons, lons.tolist(), lats.tolist())
    assert 0.5 < np.mean([e is not None for e in expected]) < 1.0  # inside and outside


@pytest.mark.parametrize("raster", RASTERS)
def test_points_on_shared_edges_and_vertices(tiling, raster):
    codes, polygons = tiling
    index = GridIndex(zip(codes, polygons, strict=True), **raster)
    rng = np.random.default_rng(2)
    points = _edge_points(polygons, rng)
    points = points[rng.choice(len(points), 4000, replace=False)]
    expected = check(index, codes, polygons, points[:, 0].tolist(), points[:, 1].tolist())
    covering = shapely.covers(
        np.asarray(polygons)[None, :], shapely.points(points[:200])[:, None]
    ).sum(1)
    assert (covering >= 2).any() and (covering >= 3).any()  # ties really are exercised
    # only a point an ulp off the district's outer edge can miss every grid
    assert expected.count(None) < 0.05 * len(expected)


def test_vertex_shared_by_four_grids_and_their_borders():
    squares = {
        "g3": box(0, 0, 1, 1),
        "g1": box(1, 0, 2, 1),
        "g4": box(0, 1, 1, 2),
        "g2": box(1, 1, 2, 2),
    }
    for seed in range(5):
        items = list(squares.items())
        random.Random(seed).shuffle(items)
        index = GridIndex((code, mapping(geom)) for code, geom in items)
        assert index.codes == ["g1", "g2", "g3", "g4"]
        assert index.locate(1, 1) == "g1"  # all four
        assert index.locate(1, 0.5) == "g1"  # g3 | g1
        assert index.locate(0.5, 1) == "g3"  # g3 | g4
        assert index.locate(1.5, 1) == "g1"  # g1 | g2
        assert index.locate(0, 0) == "g3" and index.locate(2, 2) == "g2"  # outer corners
        assert index.locate_many([1, 1, 0.5, 0.25], [1, 0.5, 1, 0.25]) == ["g1", "g1", "g3", "g3"]


def test_outside_points_with_and_without_max_distance(tiling, index):
    codes, polygons = tiling
    rng = np.random.default_rng(3)
    x0, y0, x1, y1 = shapely.total_bounds(polygons)
    lons, lats = rng.uniform(x0 - 0.02, x1 + 0.02, 2500), rng.uniform(y0 - 0.02, y1 + 0.02, 2500)
    union = shapely.union_all(polygons)
    outside = ~shapely.intersects_xy(union, lons, lats)
    lons, lats = lons[outside][:300].tolist(), lats[outside][:300].tolist()
    assert index.locate_many(lons, lats) == [None] * len(lons)
    near = check(index, codes, polygons, lons, lats, max_distance=0.006)
    assert 0 < sum(n is not None for n in near) < len(near)
    everywhere = check(index, codes, polygons, lons[:40], lats[:40], max_distance=float("inf"))
    assert None not in everywhere


def test_nearest_tie_goes_to_the_smallest_code():
    index = GridIndex([("b", box(1, 0, 2, 1)), ("a", box(0, 0, 1, 1))])
    assert index.locate(1, -0.5) is None
    assert index.locate(1, -0.5, max_distance=0.4) is None
    assert index.locate(1, -0.5, max_distance=0.6) == "a"  # 0.5 from both
    assert index.locate_many([1, 2.3], [-0.5, 0.5], max_distance=0.6) == ["a", "b"]


def test_overlaps_holes_and_multipolygons_follow_the_same_rule():
    """Sloppy registers overlap; a grid can surround another or come in pieces."""
    ring = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    grids = {
        "c-ring": ring,
        "d-hole": box(1, 1, 3, 3),
        "a-overlap": box(2.5, 2.5, 3.5, 3.5),
        "b-parts": MultiPolygon([box(5, 0, 6, 1), box(7, 0, 8, 1)]),
        "e-round": Point(6.5, 3).buffer(1, quad_segs=200),  # > 256 vertices: prepared
    }
    rng = np.random.default_rng(4)
    for raster in RASTERS:
        index = GridIndex(grids.items(), **raster)
        corners = [0, 1, 3, 2.5, 3.5, 5, 6, 7, 8, 6.5]
        lons = [*rng.uniform(-0.5, 8.5, 2000).tolist(), *corners, 1, 3, 2.5, 3]
        lats = [*rng.uniform(-0.5, 4.5, 2000).tolist(), *([1] * 9), 2, 2, 2.5, 3, 3.5]
        check(index, list(grids), list(grids.values()), lons, lats, max_distance=0.3)
    assert index.locate(3, 3) == "a-overlap" and index.locate(2, 2) == "d-hole"
    assert index.locate(6.5, 0.5) is None and index.locate(6.5, 0.5, max_distance=0.6) == "b-parts"
    assert index.locate(6.5, 2) == "e-round"  # its southernmost vertex


def test_a_build_in_many_small_steps_gives_the_same_index(tiling, index, monkeypatch):
    """The build cuts rings and rows into chunks to bound memory; the cuts change nothing."""
    codes, polygons = tiling
    monkeypatch.setattr(gridindex, "_CHUNK", 1000)
    chunked = GridIndex(zip(codes, polygons, strict=True))
    assert chunked._raster is not None and index._raster is not None
    assert np.array_equal(chunked._raster.values, index._raster.values)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_hypothesis_points_near_vertices(tiling, index, data):
    """Vertices nudged by a few ulps to a few metres: where rounding could mislead a raster."""
    codes, polygons = tiling
    coords = shapely.get_coordinates(polygons)
    picks = data.draw(st.lists(st.integers(0, len(coords) - 1), min_size=1, max_size=20))
    scale = data.draw(st.sampled_from([0.0, 1e-13, 1e-9, 1e-6, 1e-4]))
    signs = data.draw(
        st.lists(
            st.sampled_from([-1.0, 0.0, 1.0]), min_size=2 * len(picks), max_size=2 * len(picks)
        )
    )
    nudge = np.asarray(signs).reshape(-1, 2) * scale
    points = coords[picks] + nudge
    check(index, codes, polygons, points[:, 0].tolist(), points[:, 1].tolist())


def test_geojson_and_shapely_input_agree(tiling, index):
    codes, polygons = tiling
    from_json = GridIndex((c, mapping(p)) for c, p in zip(codes, polygons, strict=True))
    from_shapely = index
    assert len(from_json) == len(polygons) and from_json.codes == sorted(codes)
    assert all(g.equals(h) for g, h in zip(from_json.geoms, from_shapely.geoms, strict=True))
    points = _edge_points(polygons[:30], np.random.default_rng(5), per_edge=1)
    assert from_json.locate_many(points[:, 0], points[:, 1]) == from_shapely.locate_many(
        points[:, 0].tolist(), points[:, 1].tolist()
    )


def test_empty_index_answers_none():
    for grids in ([], [("a", None), ("b", {}), ("c", Polygon())]):
        index = GridIndex(grids)
        assert len(index) == 0 and index.codes == []
        assert index.locate(118.6, 32.0) is None
        assert index.locate(118.6, 32.0, max_distance=1.0) is None
        assert index.locate_many([118.6, 0.0], [32.0, 0.0], max_distance=1.0) == [None, None]
        assert index.locate_indices(np.array([118.6]), np.array([32.0])).tolist() == [-1]
        assert index.locate_many([], []) == []


def test_invalid_input_is_refused(index):
    with pytest.raises(ValueError, match="one-dimensional"):
        index.locate_indices(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="one-dimensional"):
        index.locate_many(1.0, 2.0)
    with pytest.raises(ValueError, match="lons but"):
        index.locate_many([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        index.locate_many(["east"], [32.0])
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="max_distance"):
            index.locate(118.6, 32.0, max_distance=bad)
        with pytest.raises(ValueError, match="max_distance"):
            index.locate_many([118.6], [32.0], max_distance=bad)
    with pytest.raises(ValueError, match="unique"):
        GridIndex([("a", box(0, 0, 1, 1)), ("a", box(1, 0, 2, 1))])
    with pytest.raises(ValueError, match="Polygon"):
        GridIndex([("a", Point(0, 0).buffer(1).exterior)])


def test_non_finite_coordinates_are_outside(tiling, index):
    _, polygons = tiling
    x, y = polygons[0].representative_point().coords[0]
    lons, lats = [np.nan, np.inf, x, -np.inf, x], [y, y, np.nan, 0.0, y]
    assert index.locate_many(lons, lats, max_distance=1.0) == [
        None,
        None,
        None,
        None,
        index.locate(x, y),
    ]
    assert index.locate(np.nan, y, max_distance=1.0) is None
    assert index.locate(x, np.inf) is None
