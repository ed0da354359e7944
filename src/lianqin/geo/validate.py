"""Checking a set of streets, communities and grids before they are imported.

Pure (shapely, numpy). Two steps, both used by the importer (``lianqin.geo.regions``):

- :func:`repair` makes one invalid polygon valid (``shapely.make_valid``, keeping the
  polygonal part) and says why it was invalid, or, with ``policy="reject"``, turns it
  into an error. A grid that repair splits into pieces (a bow-tie becomes two triangles)
  is kept as a MultiPolygon: dropping a piece would silently leave territory without a
  grid, so the operator is warned instead ("分为 2 块") and can re-run with ``reject``.
- :func:`check` looks at the whole layout: parents exist, siblings do not overlap,
  children cover their parent (gaps) and stay inside it.

What must hold: every grid belongs to exactly one community and a point falls in exactly
one grid, so overlaps, gaps and parts outside the parent are reported with their area in
m² and a place to look at (lon, lat). They are warnings, because real survey data is
never exact; ``strict=True`` makes them errors. Structural problems (duplicate code,
missing parent, another district) are always errors: the import cannot be written.

Areas use a local equirectangular projection at the centroid latitude (1° lat ≈
110,574 m, 1° lon ≈ 111,320·cos(lat) m), accurate to well under 1 % across a district.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from lianqin.geo.regions_io import LEVEL_ZH, RegionRecord, level_of

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0
MAX_PARTS = 10  # gap polygons reported per region; the rest are counted in the last one

#: Stable issue codes and their Chinese labels (for the CLI and the console).
ISSUE_LABELS: Mapping[str, str] = {
    "invalid_geometry": "几何无效",
    "self_intersection_repaired": "自相交已修复",
    "geometry_repaired": "几何已修复",
    "duplicate_code": "编码重复",
    "mixed_district": "跨区",
    "missing_parent": "缺少上级",
    "orphan": "无下级",
    "overlap": "重叠",
    "gap": "缝隙",
    "outside_parent": "超出上级",
}
_PLACE = re.compile(r"\[\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)")
_NO_PARENTS: Mapping[str, BaseGeometry | None] = MappingProxyType({})


@dataclass(frozen=True)
class Issue:
    """One finding about one region. ``code`` is stable (tests, API, CLI filter on it);
    ``message`` is Chinese and says what and where; ``other`` names the second region of
    an overlap or duplicate."""

    severity: str  # "error" | "warning"
    code: str
    region: str
    message: str
    area_m2: float | None = None
    place: tuple[float, float] | None = None  # lon, lat
    other: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def area_m2(geom: BaseGeometry) -> float:
    """Area in m², local equirectangular projection at the geometry's centroid latitude."""
    if geom.is_empty:
        return 0.0
    lat = math.radians(geom.centroid.y)
    return float(geom.area) * M_PER_DEG_LAT * M_PER_DEG_LON_EQUATOR * math.cos(lat)


def buffer_m(geom: BaseGeometry, metres: float) -> BaseGeometry:
    """``geom`` grown by ``metres`` in a local metric frame, back in lon/lat."""
    c = geom.centroid
    scale = np.array([M_PER_DEG_LON_EQUATOR * math.cos(math.radians(c.y)), M_PER_DEG_LAT])
    origin = np.array([c.x, c.y])
    local = shapely.transform(geom, lambda xy: (xy - origin) * scale)
    grown = shapely.buffer(local, metres, quad_segs=4)
    return shapely.transform(grown, lambda xy: xy / scale + origin)


# --- one region: repair ----------------------------------------------------------------


def repair(record: RegionRecord, *, policy: str = "repair") -> tuple[RegionRecord, Issue | None]:
    """The record with a valid geometry, and the issue that says what was wrong.

    ``policy="repair"``: ``make_valid``, keep the polygonal part; a warning
    ``self_intersection_repaired`` (or ``geometry_repaired`` for other reasons) carries
    ``explain_validity``'s reason and place. ``policy="reject"``: the record comes back
    unchanged with an ``invalid_geometry`` error. A repair that leaves no area is an
    error under either policy. A valid record comes back as is, with no issue.
    """
    if policy not in ("repair", "reject"):
        raise ValueError(f"policy must be 'repair' or 'reject', not {policy!r}")
    geom = record.geometry
    if geom.is_valid:
        return record, None
    reason = explain_validity(geom)
    place = _reason_place(reason)
    if policy == "reject":
        message = f"{record.label}的多边形无效：{reason}"
        return record, Issue("error", "invalid_geometry", record.code, message, None, place)
    fixed = polygonal(shapely.make_valid(geom))
    if fixed is None:
        message = f"{record.label}的多边形无效（{reason}），修复后没有面积"
        return record, Issue("error", "invalid_geometry", record.code, message, None, place)
    code = (
        "self_intersection_repaired"
        if "self-intersection" in reason.lower()
        else "geometry_repaired"
    )
    pieces = len(fixed.geoms) if isinstance(fixed, MultiPolygon) else 1
    split = f"，修复后分为 {pieces} 块（已保留为多部分面，请核对）" if pieces > 1 else ""
    area = area_m2(fixed)
    message = f"{record.label}的多边形无效（{reason}），已自动修复{split}，修复后面积约 {area:,.0f} 平方米"
    return replace(record, geometry=fixed), Issue(
        "warning", code, record.code, message, area, place
    )


def polygonal(geom: BaseGeometry) -> Polygon | MultiPolygon | None:
    """The polygons with area inside any geometry (collections included), as one shape."""
    parts = [p for p in shapely.get_parts(geom) if not p.is_empty]
    polygons: list[Polygon] = []
    for part in parts:
        if isinstance(part, Polygon) and part.area > 0:
            polygons.append(part)
        elif isinstance(part, MultiPolygon | shapely.GeometryCollection):
            inner = polygonal(part)
            polygons.extend(shapely.get_parts(inner) if inner is not None else [])
    if not polygons:
        return None
    merged = polygons[0] if len(polygons) == 1 else shapely.union_all(polygons)
    return merged if isinstance(merged, Polygon | MultiPolygon) else None


def _reason_place(reason: str) -> tuple[float, float] | None:
    match = _PLACE.search(reason)
    return (float(match.group(1)), float(match.group(2))) if match else None


# --- the whole layout: check -----------------------------------------------------------


def check(
    records: Sequence[RegionRecord],
    *,
    existing_parents: Mapping[str, BaseGeometry | None] = _NO_PARENTS,
    overlap_tolerance_m2: float = 1.0,
    gap_tolerance_m2: float = 1.0,
    outside_tolerance_m: float = 5.0,
    strict: bool = False,
) -> list[Issue]:
    """Every issue of the layout: structure first (errors), then geometry.

    ``existing_parents`` maps a parent's code to its boundary as already stored (``None``:
    the parent exists but has no boundary, so only its existence is checked). Overlaps
    are checked between all regions of one level, not only siblings: two grids of
    different communities that overlap break point → grid lookup just as much. Gaps are
    computed only for a parent with a known boundary and children in ``records`` — the
    children already stored are not seen, so a partial file shows its missing part as
    gaps. ``orphan`` (a street or community with no children in a file that brings that
    level) stays a warning even when ``strict``.
    """
    layout = "error" if strict else "warning"
    issues = _duplicates(records) + _districts(records)
    codes = {r.code for r in records}
    issues += _missing_parents(records, codes, existing_parents)
    issues += _orphans(records)
    for level in ("street", "community", "grid"):
        same = [r for r in records if r.level == level]
        issues += _overlaps(same, overlap_tolerance_m2, layout)
    parents: dict[str, BaseGeometry] = {
        code: geom for code, geom in existing_parents.items() if geom is not None
    }
    parents.update({r.code: r.geometry for r in records if r.level != "grid"})
    children: dict[str, list[RegionRecord]] = defaultdict(list)
    for r in records:
        if r.level != "street":
            children[r.parent_code].append(r)
    names = {r.code: r for r in records}
    for parent_code in sorted(children):
        if parent_code in parents:
            label = names[parent_code].label if parent_code in names else _code_label(parent_code)
            geom, kids = parents[parent_code], children[parent_code]
            issues += _gaps(parent_code, label, geom, kids, gap_tolerance_m2, layout)
            issues += _outside(label, geom, kids, outside_tolerance_m, layout)
    return issues


def _code_label(code: str) -> str:
    return f"{LEVEL_ZH.get(level_of(code) or '', '区域')} {code}"


def _duplicates(records: Sequence[RegionRecord]) -> list[Issue]:
    first: dict[str, RegionRecord] = {}
    issues = []
    for r in records:
        if r.code in first:
            other = first[r.code]
            message = (
                f"{r.label}编码重复：{r.source_ref or '本记录'} 与 {other.source_ref or '另一记录'}"
            )
            issues.append(Issue("error", "duplicate_code", r.code, message, other=other.code))
        else:
            first[r.code] = r
    return issues


def _districts(records: Sequence[RegionRecord]) -> list[Issue]:
    """All regions of one import belong to one district (the importer attaches every
    street to the first record's district, so a stray one would land in the wrong place)."""
    if not records:
        return []
    district = Counter(r.code[:6] for r in records).most_common(1)[0][0]
    return [
        Issue(
            "error",
            "mixed_district",
            r.code,
            f"{r.label}属于区 {r.code[:6]}，本文件其余区域属于区 {district}",
        )
        for r in records
        if r.code[:6] != district
    ]


def _missing_parents(
    records: Sequence[RegionRecord], codes: set[str], existing: Mapping[str, Any]
) -> list[Issue]:
    issues = []
    for r in records:
        parent = r.parent_code
        if r.level != "street" and parent not in codes and parent not in existing:
            up = "街道" if r.level == "community" else "社区/村"
            message = (
                f"{r.label}的上级{up} {parent} 既不在本文件中，也不在系统中；请在同一文件中加入它"
            )
            issues.append(Issue("error", "missing_parent", r.code, message, other=parent))
    return issues


def _orphans(records: Sequence[RegionRecord]) -> list[Issue]:
    """A street or community with no children, in a file that does bring that child level."""
    levels = {r.level for r in records}
    with_children = {r.parent_code for r in records}
    below = {"street": "community", "community": "grid"}
    issues = []
    for r in records:
        child = below.get(r.level)
        if child in levels and r.code not in with_children:
            message = f"{r.label}在本文件中没有任何{LEVEL_ZH[child]}（导入后该区域无人负责）"
            issues.append(Issue("warning", "orphan", r.code, message))
    return issues


def _overlaps(same: Sequence[RegionRecord], tolerance: float, severity: str) -> list[Issue]:
    """Pairs of one level whose interiors share more than ``tolerance`` m² (STRtree)."""
    if len(same) < 2:
        return []
    geoms = np.array([r.geometry for r in same], dtype=object)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.intersection(geoms[left], geoms[right])
    issues = []
    for i, j, part in zip(left, right, shared, strict=True):
        area = area_m2(part)
        if area > tolerance:
            a, b = same[int(i)], same[int(j)]
            a, b = (a, b) if a.code < b.code else (b, a)
            where = _place(part)
            kin = "（同一上级）" if a.parent_code == b.parent_code else ""
            message = f"{a.label}与{b.label}重叠{kin}约 {area:,.1f} 平方米，位于 {_fmt(where)}"
            issues.append(Issue(severity, "overlap", a.code, message, area, where, b.code))
    return sorted(issues, key=lambda i: (i.region, i.other or ""))


def _gaps(
    code: str,
    label: str,
    parent: BaseGeometry,
    kids: Sequence[RegionRecord],
    tolerance: float,
    severity: str,
) -> list[Issue]:
    """Parts of ``parent`` not covered by ``kids``, one issue per part above tolerance."""
    uncovered = shapely.difference(parent, shapely.union_all([k.geometry for k in kids]))
    parts = [(area_m2(p), p) for p in shapely.get_parts(uncovered) if isinstance(p, Polygon)]
    parts = sorted((ap for ap in parts if ap[0] > tolerance), key=lambda ap: -ap[0])
    child = LEVEL_ZH[kids[0].level]
    issues = []
    for n, (area, part) in enumerate(parts[:MAX_PARTS], start=1):
        where = _place(part)
        more = len(parts) - MAX_PARTS if n == MAX_PARTS else 0
        tail = f"（另有 {more} 处较小缝隙未列出）" if more > 0 else ""
        message = f"{label}有约 {area:,.1f} 平方米不属于任何{child}，位于 {_fmt(where)}{tail}"
        issues.append(Issue(severity, "gap", code, message, area, where))
    return issues


def _outside(
    label: str, parent: BaseGeometry, kids: Sequence[RegionRecord], metres: float, severity: str
) -> list[Issue]:
    """Children reaching more than ``metres`` beyond ``parent``; the area reported is the
    whole part outside the parent, the place a point beyond the tolerance."""
    zone = buffer_m(parent, metres)
    shapely.prepare(zone)
    geoms = np.array([k.geometry for k in kids], dtype=object)
    inside = shapely.covers(zone, geoms)
    issues = []
    for kid, ok in zip(kids, inside, strict=True):
        if ok:
            continue
        beyond = shapely.difference(kid.geometry, zone)
        if area_m2(beyond) <= 0:
            continue
        area = area_m2(shapely.difference(kid.geometry, parent))
        largest = max(shapely.get_parts(beyond), key=lambda p: p.area)
        where = _place(largest)
        message = f"{kid.label}有约 {area:,.1f} 平方米超出{label}，位于 {_fmt(where)}"
        issues.append(
            Issue(severity, "outside_parent", kid.code, message, area, where, kid.parent_code)
        )
    return issues


def _place(geom: BaseGeometry) -> tuple[float, float]:
    point = geom.representative_point()
    return round(point.x, 7), round(point.y, 7)


def _fmt(place: tuple[float, float] | None) -> str:
    return f"经度 {place[0]:.6f}、纬度 {place[1]:.6f}" if place else "未知位置"


# --- for people ------------------------------------------------------------------------


def summarise(issues: Iterable[Issue], *, limit: int = 100) -> str:
    """A plain-text report for the CLI: counts by kind, then errors before warnings."""
    issues = list(issues)
    if not issues:
        return "校验通过：没有发现问题"
    errors = [i for i in issues if i.severity == "error"]
    warnings = [i for i in issues if i.severity != "error"]
    counts = Counter((i.severity, i.code) for i in issues)
    lines = [f"校验结果：错误 {len(errors)} 个，警告 {len(warnings)} 个"]
    for (severity, code), n in sorted(counts.items()):
        tag = "错误" if severity == "error" else "警告"
        lines.append(f"  {tag} · {ISSUE_LABELS.get(code, code)}（{code}）：{n}")
    for issue in (errors + warnings)[:limit]:
        tag = "错误" if issue.severity == "error" else "警告"
        lines.append(f"[{tag}] {issue.message}")
    if len(issues) > limit:
        lines.append(f"……另有 {len(issues) - limit} 条未列出")
    return "\n".join(lines)
