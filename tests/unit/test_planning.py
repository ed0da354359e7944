"""Grid planning: over- and under-filled grids, split and merge suggestions, coverage.

A hand-made district: one urban community with every case, a second urban community
next to it, and a rural village with its own (smaller) target. No Django here.
"""

from __future__ import annotations

import json
import math
import random
import time

import pytest
import shapely
from shapely.geometry import box

from lianqin.geo.planning import (
    GridInfo,
    WorkerInfo,
    neighbours_from_polygons,
    plan_grids,
    split_count,
)
from lianqin.org.demo_geometry import area_km2, build_district

C1, C2, VILLAGE = "320111001001", "320111001002", "320111002001"


def g(code: str, households: int, neighbours: tuple[str, ...] = (), workers: int = 1) -> GridInfo:
    community = code[:12]
    rural = community == VILLAGE
    full = tuple(n if len(n) == 15 else community + n for n in neighbours)
    return GridInfo(community + code[12:], f"网格{code[-3:]}", community, rural, households, 0.5,
                    full, workers)  # fmt: skip


GRIDS = [
    g(C1 + "001", 1100),  # over: 2 × 550
    g(C1 + "002", 1010),  # over: 2 × 505 (⌈1010/500⌉ = 3 would give 3 × 337, all under)
    g(C1 + "003", 500, workers=0),  # ok, but nobody patrols it
    g(C1 + "004", 300, ("005",)),  # under; its only under-filled neighbour pairs elsewhere
    g(C1 + "005", 250, ("004", "006")),  # under: 005 + 006 = 530 beats 004 + 005 = 550
    g(C1 + "006", 280, ("005",)),
    g(C1 + "007", 390, ("008",)),  # under, but 390 + 390 > 600
    g(C1 + "008", 390, ("007",)),
    g(C1 + "009", 100, (C2 + "001",)),  # under; its neighbour is in another community
    g(C2 + "001", 100, (C1 + "009",), workers=0),  # named by a worker below: covered
    g(VILLAGE + "001", 200, ("002",)),  # rural target 300: 200 + 150 = 350 ≤ 360
    g(VILLAGE + "002", 150),  # does not name 001 back: adjacency is symmetric anyway
    g(VILLAGE + "003", 300),
    g(VILLAGE + "004", 361),  # over the rural cap 360
]
WORKERS = [
    WorkerInfo(1, "张三", (C1 + "004", C1 + "001", C1 + "002")),  # 3 grids, 2,410 households
    WorkerInfo(2, "李四", (C1 + "001",)),  # one grid, but 1,100 households
    WorkerInfo(3, "王五", (VILLAGE + "001", VILLAGE + "002")),  # fine
    WorkerInfo("x9", "赵六", (C2 + "001", "320111009009009")),  # unknown grid adds nothing
]


@pytest.fixture(scope="module")
def report():
    return plan_grids(GRIDS, WORKERS)


def by_code(report):
    return {a.code: a for a in report.grids}


def test_status_of_every_grid(report):
    grids = by_code(report)
    assert [grids[C1 + f"{k:03d}"].status for k in range(1, 10)] == [
        "over", "over", "ok", "under", "under", "under", "under", "under", "under"]  # fmt: skip
    assert grids[C2 + "001"].status == "under"
    assert [grids[VILLAGE + f"{k:03d}"].status for k in range(1, 5)] == [
        "under",
        "under",
        "ok",
        "over",
    ]
    assert grids[VILLAGE + "003"].target == 300 and grids[C1 + "003"].target == 500


def test_band_edges_are_inclusive():
    edges = [g(C1 + "001", 399), g(C1 + "002", 400), g(C1 + "003", 600), g(C1 + "004", 601)]
    assert [a.status for a in plan_grids(edges, []).grids] == ["under", "ok", "ok", "over"]
    assert [a.status for a in plan_grids(edges, [], tolerance=0.0).grids] == [
        "under", "under", "over", "over"]  # fmt: skip


def test_over_filled_grids_get_a_split(report):
    grids = by_code(report)
    assert (
        grids[C1 + "001"].split_into == 2
        and "拆分为 2 个网格，每格约 550 户" in grids[C1 + "001"].reason
    )
    assert grids[C1 + "002"].split_into == 2 and "每格约 505 户" in grids[C1 + "002"].reason
    assert (
        grids[VILLAGE + "004"].split_into == 2
        and "农村网格标准 300 户" in grids[VILLAGE + "004"].reason
    )
    assert all(a.split_into is None for a in report.grids if a.status != "over")


@pytest.mark.parametrize(
    ("households", "target", "pieces"),
    [(610, 500, 2), (1010, 500, 2), (1100, 500, 2), (1200, 500, 2), (1250, 500, 3),
     (1400, 500, 3), (1600, 500, 3), (2600, 500, 5), (361, 300, 2), (1000, 300, 3)],
)  # fmt: skip
def test_split_count_is_nearest_the_target(households, target, pieces):
    assert split_count(households, target) == pieces


def test_under_filled_neighbours_merge_greedily(report):
    pairs = [m.grids for m in report.merges]
    assert pairs == [(C1 + "005", C1 + "006"), (VILLAGE + "001", VILLAGE + "002")]
    assert [m.households for m in report.merges] == [530, 350]
    grids = by_code(report)
    assert grids[C1 + "005"].merge_with == C1 + "006" and grids[C1 + "006"].merge_with == C1 + "005"
    assert "建议与相邻网格 320111001001006 合并，合并后约 530 户" in grids[C1 + "005"].reason
    assert C1 + "005" in report.merges[0].reason and C1 + "006" in report.merges[0].reason


@pytest.mark.parametrize("code", [C1 + "004", C1 + "007", C1 + "008", C1 + "009", C2 + "001"])
def test_under_filled_without_a_partner_says_why(report, code):
    advice = by_code(report)[code]
    assert advice.merge_with is None and "没有可合并的相邻偏少网格" in advice.reason


def test_the_report_does_not_depend_on_input_order(report):
    rng = random.Random(7)
    shuffled = []
    for grid in rng.sample(GRIDS, len(GRIDS)):
        neighbours = tuple(rng.sample(grid.neighbours, len(grid.neighbours)))
        shuffled.append(GridInfo(**{**grid.__dict__, "neighbours": neighbours}))
    again = plan_grids(shuffled, list(reversed(WORKERS)))
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(
        report.to_dict(), sort_keys=True
    )


def test_coverage(report):
    assert [a.code for a in report.without_worker] == [C1 + "003"]
    assert "没有网格员" in by_code(report)[C1 + "003"].reason
    loads = {w.id: w for w in report.overloaded}
    assert sorted(loads, key=str) == [1, 2]
    assert loads[1].households == 2410 and loads[1].grids == (C1 + "001", C1 + "002", C1 + "004")
    assert "负责 3 个网格，超过上限 2 个" in loads[1].reason and "2410 户" in loads[1].reason
    assert "1100 户，超过上限 1000 户" in loads[2].reason and "个网格" not in loads[2].reason
    assert "张三" in loads[1].reason
    looser = plan_grids(GRIDS, WORKERS, max_grids_per_worker=3, max_households_per_worker=3000)
    assert looser.overloaded == []


def test_totals_per_community_and_street(report):
    communities = {t.code: t for t in report.communities}
    assert (
        communities[C1].grids,
        communities[C1].over,
        communities[C1].ok,
        communities[C1].under,
    ) == (9, 2, 1, 6)
    assert communities[C1].without_worker == 1 and communities[C1].households == 4320
    assert (communities[VILLAGE].over, communities[VILLAGE].under, communities[VILLAGE].ok) == (
        1,
        2,
        1,
    )
    streets = {t.code: t for t in report.streets}
    assert list(streets) == ["320111001", "320111002"]
    assert (streets["320111001"].grids, streets["320111001"].under) == (10, 7)
    assert report.totals == {
        "grids": 14, "households": 5431, "ok": 2, "over": 3, "under": 9, "splits": 3,
        "merges": 2, "suggested_grids": 14 + 3 - 2, "without_worker": 1, "overloaded_workers": 2,
    }  # fmt: skip


def test_to_dict_is_json_ready(report):
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert set(data) == {
        "params",
        "totals",
        "grids",
        "merges",
        "coverage",
        "communities",
        "streets",
    }
    row = next(r for r in data["grids"] if r["code"] == C1 + "001")
    assert (row["status"], row["households"], row["split_into"]) == ("over", 1100, 2)
    assert row["reason"].startswith("户数 1100，高于城市网格标准 500 户的上限 600 户")
    assert data["merges"][0]["grids"] == [C1 + "005", C1 + "006"]
    assert data["coverage"]["without_worker"][0]["code"] == C1 + "003"
    assert data["coverage"]["overloaded_workers"][0]["id"] == 1
    assert data["params"]["max_households_per_worker"] == 1000


@pytest.mark.parametrize("kwargs", [{"urban_target": 0}, {"rural_target": -1}, {"tolerance": 1.0}])
def test_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        plan_grids(GRIDS, [], **kwargs)


# --- neighbours ------------------------------------------------------------------------

STEP = 0.001  # ≈ 94 m × 111 m at 32°N


def squares(n: int = 3) -> list[tuple[str, object]]:
    """n × n unit squares; code …RC (row, column)."""
    return [(f"{C1}{r}{c}0", box(118.6 + c * STEP, 32 + r * STEP, 118.6 + (c + 1) * STEP,
                                 32 + (r + 1) * STEP)) for r in range(n) for c in range(n)]  # fmt: skip


def test_neighbours_share_an_edge_not_a_corner():
    found = neighbours_from_polygons(squares())
    assert found[f"{C1}110"] == (f"{C1}010", f"{C1}100", f"{C1}120", f"{C1}210")
    assert found[f"{C1}000"] == (f"{C1}010", f"{C1}100")
    assert all(code not in found[other] for code in found for other in found[code] if code == other)
    assert all(a in found[b] for a in found for b in found[a])


def test_a_boundary_digitised_twice_still_makes_neighbours():
    left = box(118.6, 32.0, 118.601, 32.001)
    right = box(118.601 + 5e-7, 32.0, 118.602, 32.001)  # ≈ 5 cm apart
    assert neighbours_from_polygons([("a", left), ("b", right)]) == {"a": ("b",), "b": ("a",)}
    strict = neighbours_from_polygons([("a", left), ("b", right)], snap_m=0, min_shared_m=0)
    assert strict == {"a": (), "b": ()}


def test_single_and_isolated_polygons_have_no_neighbours():
    assert neighbours_from_polygons([("a", box(118.6, 32, 118.601, 32.001))]) == {"a": ()}
    far = [("a", box(118.6, 32, 118.601, 32.001)), ("b", box(118.7, 32, 118.701, 32.001))]
    assert neighbours_from_polygons(far) == {"a": (), "b": ()}


@pytest.fixture(scope="module")
def demo():
    return build_district()


def test_demo_neighbours_strict_mode_is_the_exact_shared_edge_relation(demo):
    polys = {gp.code: gp.polygon for gp in demo.grids}
    start = time.perf_counter()
    strict = neighbours_from_polygons(list(polys.items()), snap_m=0, min_shared_m=0)
    default = neighbours_from_polygons(list(polys.items()))
    assert time.perf_counter() - start < 2.0
    tree = shapely.STRtree(list(polys.values()))
    codes = list(polys)
    for code, geom in polys.items():
        touching = {codes[j] for j in tree.query(geom, predicate="intersects") if codes[j] != code}
        exact = {o for o in touching if geom.boundary.intersection(polys[o].boundary).length > 0}
        assert set(strict[code]) == exact
        assert set(default[code]) <= exact  # the default drops corner-like contacts < 5 m


def test_demo_district_shows_its_drifted_grids(demo):
    geoms = [(gp.code, gp.polygon) for gp in demo.grids]
    neighbours = neighbours_from_polygons(geoms)
    infos = [GridInfo(gp.code, gp.name, gp.code[:12], gp.rural, gp.households, area_km2(gp.polygon),
                      neighbours[gp.code], 1) for gp in demo.grids]  # fmt: skip
    plan = plan_grids(infos, [])
    drifted = {g.code for g in demo.grids
               if not (0.8 <= g.households / (300 if g.rural else 500) <= 1.2)}  # fmt: skip
    assert drifted and plan.totals["grids"] == 719
    assert plan.totals["ok"] == 719 - len(drifted)
    assert plan.totals["over"] + plan.totals["under"] == len(drifted)
    assert len(plan.communities) == 120 and len(plan.streets) == 10
    assert math.isclose(sum(t.households for t in plan.streets), demo.total_households)
