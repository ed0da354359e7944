"""Checking regions before import: repair, overlaps, gaps, parts outside the parent.

Fixtures are drawn in metres east/north of (118.6, 32.0) and converted with the same
local projection that :func:`lianqin.geo.validate.area_m2` uses, so the expected areas
are exact up to the change of cos(latitude) across a few hundred metres (< 1e-4).
No Django here: the module is pure.
"""

from __future__ import annotations

import math
import time

import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from lianqin.geo.regions_io import RegionRecord
from lianqin.geo.validate import (
    ISSUE_LABELS,
    Issue,
    area_m2,
    check,
    repair,
    summarise,
)
from lianqin.org.demo_geometry import build_district

LON0, LAT0 = 118.6, 32.0
KX = 111_320.0 * math.cos(math.radians(LAT0))  # metres per degree of longitude
KY = 110_574.0  # metres per degree of latitude
STREET, COMMUNITY = "320111001", "320111001001"
G1, G2, G3 = (f"{COMMUNITY}{k:03d}" for k in (1, 2, 3))


def deg(x: float, y: float) -> tuple[float, float]:
    return LON0 + x / KX, LAT0 + y / KY


def rect(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """A rectangle given in metres east/north of the origin."""
    return box(*deg(x0, y0), *deg(x1, y1))


def poly(*points: tuple[float, float]) -> Polygon:
    return Polygon([deg(x, y) for x, y in points])


def rec(code: str, geometry, name: str = "") -> RegionRecord:
    level = {9: "street", 12: "community", 15: "grid"}[len(code)]
    return RegionRecord(
        code, name or f"区域{code[-3:]}", level, geometry, source_ref=f"f.geojson {code}"
    )


def layout(*grids: Polygon) -> list[RegionRecord]:
    """A 400 m × 200 m street = one community, and the given grids in it."""
    frame = rect(0, 0, 400, 200)
    out = [rec(STREET, frame, "江浦街道"), rec(COMMUNITY, frame, "江浦社区")]
    return out + [rec(f"{COMMUNITY}{k:03d}", g) for k, g in enumerate(grids, start=1)]


def codes(issues: list[Issue]) -> list[str]:
    return [i.code for i in issues]


def inside(place, geom) -> bool:
    return place is not None and geom.buffer(1e-9).contains(shapely.Point(place))


# --- area ------------------------------------------------------------------------------


def test_area_m2_of_a_metre_rectangle():
    assert area_m2(rect(0, 0, 100, 50)) == pytest.approx(5000, rel=1e-4)
    assert area_m2(Polygon()) == 0.0


# --- repair ----------------------------------------------------------------------------


def test_a_valid_record_is_returned_untouched():
    record = rec(G1, rect(0, 0, 100, 100))
    assert repair(record) == (record, None)
    assert repair(record, policy="reject") == (record, None)


def test_bow_tie_is_repaired_into_two_triangles_with_reason_and_place():
    bow_tie = poly((0, 0), (100, 100), (100, 0), (0, 100))
    fixed, issue = repair(rec(G1, bow_tie, "第1网格"))
    assert isinstance(fixed.geometry, MultiPolygon) and len(fixed.geometry.geoms) == 2
    assert fixed.geometry.is_valid and fixed.code == G1
    assert issue is not None and (issue.severity, issue.code, issue.region) == (
        "warning", "self_intersection_repaired", G1)  # fmt: skip
    assert "Self-intersection[" in issue.message and G1 in issue.message and "2 块" in issue.message
    assert issue.area_m2 == pytest.approx(5000, rel=1e-4)  # two triangles of 2,500 m²
    assert issue.place == pytest.approx(deg(50, 50))


def test_reject_policy_turns_an_invalid_polygon_into_an_error():
    bow_tie = poly((0, 0), (100, 100), (100, 0), (0, 100))
    record = rec(G1, bow_tie)
    same, issue = repair(record, policy="reject")
    assert same is record
    assert issue is not None and (issue.severity, issue.code) == ("error", "invalid_geometry")
    assert "Self-intersection" in issue.message and G1 in issue.message


def test_ring_self_touch_is_repaired():
    # the exterior ring touches itself at (100, 50): a "pinched" ring
    pinched = poly((0, 0), (100, 50), (200, 0), (200, 100), (100, 50), (0, 100))
    fixed, issue = repair(rec(G1, pinched))
    assert issue is not None and issue.code == "self_intersection_repaired"
    assert fixed.geometry.is_valid
    assert area_m2(fixed.geometry) == pytest.approx(10_000, rel=1e-4)


def test_other_invalidity_is_reported_with_its_own_code():
    hole_outside = Polygon(
        rect(0, 0, 100, 100).exterior.coords, [rect(200, 0, 250, 50).exterior.coords]
    )
    fixed, issue = repair(rec(G1, hole_outside))
    assert issue is not None and issue.code == "geometry_repaired" and "Hole" in issue.message
    assert fixed.geometry.is_valid


def test_a_polygon_without_area_cannot_be_repaired():
    flat = poly((0, 0), (100, 0), (200, 0), (0, 0))
    _, issue = repair(rec(G1, flat))
    assert issue is not None and (issue.severity, issue.code) == ("error", "invalid_geometry")


def test_unknown_policy():
    with pytest.raises(ValueError, match="policy"):
        repair(rec(G1, rect(0, 0, 1, 1)), policy="ignore")


# --- check: a clean layout, then one problem at a time ----------------------------------


def test_an_exact_tiling_has_no_issue():
    assert check(layout(rect(0, 0, 200, 200), rect(200, 0, 400, 200))) == []


@pytest.mark.parametrize("strict", [False, True])
def test_overlapping_grids(strict):
    issues = check(layout(rect(0, 0, 200, 200), rect(150, 0, 400, 200)), strict=strict)
    (overlap,) = issues
    assert (overlap.code, overlap.region, overlap.other) == ("overlap", G1, G2)
    assert overlap.severity == ("error" if strict else "warning")
    assert overlap.area_m2 == pytest.approx(50 * 200, rel=1e-4)
    assert inside(overlap.place, rect(150, 0, 200, 200))
    assert G1 in overlap.message and G2 in overlap.message and "重叠" in overlap.message


def test_overlap_below_tolerance_is_ignored():
    sliver = layout(rect(0, 0, 200, 200), rect(199.99, 0, 400, 200))  # 0.01 m × 200 m = 2 m²
    assert codes(check(sliver)) == ["overlap"]
    assert check(sliver, overlap_tolerance_m2=5.0) == []


def test_overlapping_communities_of_one_street():
    street = rec(STREET, rect(0, 0, 400, 200))
    c1, c2 = rec(f"{STREET}001", rect(0, 0, 250, 200)), rec(f"{STREET}002", rect(200, 0, 400, 200))
    (overlap,) = check([street, c1, c2])
    assert (overlap.code, overlap.region, overlap.other) == ("overlap", c1.code, c2.code)
    assert overlap.area_m2 == pytest.approx(50 * 200, rel=1e-4)
    assert "同一上级" in overlap.message


@pytest.mark.parametrize("strict", [False, True])
def test_gap_inside_a_community(strict):
    issues = check(layout(rect(0, 0, 200, 200), rect(220, 0, 400, 200)), strict=strict)
    (gap,) = issues
    assert (gap.code, gap.region, gap.severity) == (
        "gap",
        COMMUNITY,
        "error" if strict else "warning",
    )
    assert gap.area_m2 == pytest.approx(20 * 200, rel=1e-4)
    assert inside(gap.place, rect(200, 0, 220, 200))
    assert COMMUNITY in gap.message and "不属于任何网格" in gap.message


def test_several_gaps_are_reported_one_each_largest_first():
    grids = (rect(0, 0, 100, 200), rect(110, 0, 300, 200), rect(330, 0, 400, 200))
    gaps = check(layout(*grids))
    assert codes(gaps) == ["gap", "gap"]
    assert [g.area_m2 for g in gaps] == pytest.approx([30 * 200, 10 * 200], rel=1e-4)
    assert check(layout(*grids), gap_tolerance_m2=3000) == gaps[:1]


def test_gaps_need_a_known_parent_boundary():
    grids = layout(rect(0, 0, 200, 200), rect(220, 0, 400, 200))[2:]
    assert check(grids, existing_parents={COMMUNITY: None}) == []
    (gap,) = check(grids, existing_parents={COMMUNITY: rect(0, 0, 400, 200)})
    assert gap.code == "gap" and gap.region == COMMUNITY


@pytest.mark.parametrize("strict", [False, True])
def test_grid_sticking_out_of_its_community(strict):
    issues = check(layout(rect(0, 0, 200, 200), rect(200, 0, 450, 200)), strict=strict)
    (out,) = [i for i in issues if i.code == "outside_parent"]
    assert (out.region, out.other, out.severity) == (
        G2,
        COMMUNITY,
        "error" if strict else "warning",
    )
    assert out.area_m2 == pytest.approx(50 * 200, rel=1e-4)
    assert inside(out.place, rect(400, 0, 450, 200))
    assert G2 in out.message and COMMUNITY in out.message and "超出" in out.message
    assert codes(issues) == ["outside_parent"]


def test_sticking_out_within_the_tolerance_is_ignored():
    nudged = layout(rect(0, 0, 200, 200), rect(200, 0, 403, 200))  # 3 m out
    assert check(nudged) == []
    assert codes(check(nudged, outside_tolerance_m=1.0)) == ["outside_parent"]


def test_community_sticking_out_of_its_street_uses_stored_street():
    community = rec(COMMUNITY, rect(0, 0, 300, 100))
    grid = rec(G1, rect(0, 0, 300, 100))
    (out,) = check([community, grid], existing_parents={STREET: rect(0, 0, 200, 100)})
    assert (out.code, out.region, out.other) == ("outside_parent", COMMUNITY, STREET)
    assert out.area_m2 == pytest.approx(100 * 100, rel=1e-4)


# --- check: structure -------------------------------------------------------------------


def test_missing_parents_are_errors_unless_stored():
    grid = rec(G1, rect(0, 0, 100, 100))
    community = rec("320111002001", rect(0, 0, 100, 100))
    issues = [i for i in check([grid, community]) if i.code != "orphan"]
    assert sorted((i.code, i.region, i.other, i.severity) for i in issues) == [
        ("missing_parent", G1, COMMUNITY, "error"),
        ("missing_parent", "320111002001", "320111002", "error"),
    ]
    assert all(i.region in i.message and i.other in i.message for i in issues if i.other)
    assert check([grid], existing_parents={COMMUNITY: None}) == []


def test_duplicate_codes_are_errors():
    a, b = rec(G1, rect(0, 0, 100, 100)), rec(G1, rect(100, 0, 200, 100))
    issues = check([a, b], existing_parents={COMMUNITY: None})
    (dup,) = [i for i in issues if i.code == "duplicate_code"]
    assert (dup.severity, dup.region, dup.other) == ("error", G1, G1) and G1 in dup.message


def test_another_district_in_the_same_file_is_an_error():
    ours = [rec(f"320111{k:03d}", rect(k * 100, 0, k * 100 + 100, 100)) for k in (1, 2)]
    stray = rec("320112001", rect(300, 0, 400, 100))
    (issue,) = check([*ours, stray])
    assert (issue.code, issue.region, issue.severity) == ("mixed_district", "320112001", "error")
    assert "320112" in issue.message and "320111" in issue.message


def test_community_without_grids_is_an_orphan_warning():
    records = [*layout(rect(0, 0, 400, 200)), rec(f"{STREET}002", rect(400, 0, 500, 200))]
    records[0] = rec(STREET, rect(0, 0, 500, 200))
    issues = check(records, strict=True)
    assert [(i.code, i.region, i.severity) for i in issues] == [(
        "orphan", f"{STREET}002", "warning")]  # fmt: skip
    assert f"{STREET}002" in issues[0].message
    no_grids = records[:2] + records[3:]  # no grids in the file: nobody is an orphan
    assert "orphan" not in codes(check(no_grids))


def test_every_issue_code_has_a_label():
    seen = {"invalid_geometry", "self_intersection_repaired", "geometry_repaired", "duplicate_code",
            "mixed_district", "missing_parent", "orphan", "overlap", "gap", "outside_parent"}  # fmt: skip
    assert set(ISSUE_LABELS) == seen


# --- summarise --------------------------------------------------------------------------


def test_summarise_counts_and_lists_errors_first():
    issues = check(layout(rect(0, 0, 200, 200), rect(150, 0, 380, 200)))
    issues.append(Issue("error", "missing_parent", G3, f"网格 {G3} 的上级不存在"))
    text = summarise(issues)
    lines = text.splitlines()
    assert lines[0] == "校验结果：错误 1 个，警告 2 个"
    assert "重叠（overlap）：1" in text and "缝隙（gap）：1" in text
    assert lines.index(f"[错误] 网格 {G3} 的上级不存在") < next(
        i for i, line in enumerate(lines) if line.startswith("[警告]"))  # fmt: skip
    assert summarise([]) == "校验通过：没有发现问题"
    assert summarise(issues, limit=1).endswith("……另有 2 条未列出")


# --- the demo district -----------------------------------------------------------------


def demo_records(plan) -> list[RegionRecord]:
    out = [RegionRecord(s.code, s.name, "street", s.polygon) for s in plan.streets]
    out += [
        RegionRecord(c.code, c.name, "community", c.polygon, c.households) for c in plan.communities
    ]
    return out + [RegionRecord(g.code, g.name, "grid", g.polygon, g.households) for g in plan.grids]


@pytest.fixture(scope="module")
def demo():
    plan = build_district()
    return plan, demo_records(plan)


def test_demo_district_is_clean_and_fast(demo):
    _, records = demo
    start = time.perf_counter()
    issues = check(records, strict=True)
    elapsed = time.perf_counter() - start
    assert issues == []
    assert elapsed < 3.0


def test_demo_grids_against_stored_communities(demo):
    plan, records = demo
    grids = [r for r in records if r.level == "grid"]
    stored = {c.code: c.polygon for c in plan.communities}
    assert check(grids, existing_parents=stored) == []


def test_a_missing_demo_grid_shows_as_one_gap_of_its_size(demo):
    _, records = demo
    dropped = next(r for r in records if r.level == "grid")
    (gap,) = check([r for r in records if r is not dropped])
    assert (gap.code, gap.region) == ("gap", dropped.parent_code)
    assert gap.area_m2 == pytest.approx(area_m2(dropped.geometry), rel=1e-3)
    assert inside(gap.place, dropped.geometry)
