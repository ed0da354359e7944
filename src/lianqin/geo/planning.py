"""Grid planning: which grids are too full or too empty, what to split or merge, and
which grids or grid workers are not covered properly.

Pure (stdlib, shapely, numpy): the Django side (``lianqin.geo.regions.planning_report``)
builds :class:`GridInfo` and :class:`WorkerInfo` from the database and renders the
report. The norm is the Pukou one: a grid holds about 500 urban or 300 rural (村)
households, give or take ``tolerance``.

The rules, each deterministic (same input, same report, whatever the input order):

- status: ``ok`` when target × (1 − tolerance) ≤ households ≤ target × (1 + tolerance),
  ``over`` above, ``under`` below; a community's ``rural`` flag picks the target.
- split (``over``): into k ≥ 2 grids, k the whole number (⌊h/target⌋ or ⌈h/target⌉)
  whose average h/k is nearest the target, fewer grids on a tie. Plain ⌈h/target⌉
  would cut 1,010 urban households into 3 × 337, all of them under-filled.
- merge (``under``): pairs of adjacent under-filled grids of one community whose sum
  stays ≤ target × (1 + tolerance); candidate pairs are taken greedily, the sum closest
  to the target first (then by codes), each grid in at most one pair. Adjacency is
  symmetric: either grid naming the other is enough.
- coverage: a grid has no worker when its ``workers`` count is 0 and no
  :class:`WorkerInfo` names it. A worker is overloaded above ``max_grids_per_worker``
  grids (2) or ``max_households_per_worker`` households (1,000 = two standard urban
  grids, the most one person can visit in a monthly round). A worker's load is the
  whole households of each grid they patrol, not a share: each worker answers for the
  whole grid, however many colleagues it has.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0


@dataclass(frozen=True)
class GridInfo:
    code: str
    name: str
    community_code: str
    rural: bool
    households: int
    area_km2: float
    neighbours: tuple[str, ...] = ()  # codes of grids sharing an edge
    workers: int = 0  # grid workers assigned


@dataclass(frozen=True)
class WorkerInfo:
    id: int | str
    name: str
    grids: tuple[str, ...] = ()


@dataclass(frozen=True)
class GridAdvice:
    """One grid's verdict; ``split_into`` / ``merge_with`` only when suggested."""

    code: str
    name: str
    community_code: str
    street_code: str
    rural: bool
    households: int
    area_km2: float
    target: int
    status: str  # "ok" | "over" | "under"
    reason: str
    split_into: int | None = None
    merge_with: str | None = None
    workers: int = 0


@dataclass(frozen=True)
class Merge:
    grids: tuple[str, str]
    households: int
    reason: str


@dataclass(frozen=True)
class WorkerLoad:
    id: int | str
    name: str
    grids: tuple[str, ...]
    households: int
    reason: str


@dataclass(frozen=True)
class Tally:
    """Counts for one community or street."""

    code: str
    grids: int = 0
    households: int = 0
    ok: int = 0
    over: int = 0
    under: int = 0
    without_worker: int = 0


@dataclass
class PlanReport:
    grids: list[GridAdvice]
    merges: list[Merge]
    without_worker: list[GridAdvice]
    overloaded: list[WorkerLoad]
    communities: list[Tally]
    streets: list[Tally]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        count = {s: sum(g.status == s for g in self.grids) for s in ("ok", "over", "under")}
        extra = sum((g.split_into or 1) - 1 for g in self.grids)
        return {
            "grids": len(self.grids),
            "households": sum(g.households for g in self.grids),
            **count,
            "splits": sum(g.split_into is not None for g in self.grids),
            "merges": len(self.merges),
            "suggested_grids": len(self.grids) + extra - len(self.merges),
            "without_worker": len(self.without_worker),
            "overloaded_workers": len(self.overloaded),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: only str, int, float, bool, None, lists and dicts."""
        return {
            "params": dict(self.params),
            "totals": self.totals,
            "grids": [asdict(g) for g in self.grids],
            "merges": [{**asdict(m), "grids": list(m.grids)} for m in self.merges],
            "coverage": {
                "without_worker": [
                    {
                        "code": g.code,
                        "name": g.name,
                        "reason": f"网格 {g.code}（{g.name}）没有网格员",
                    }
                    for g in self.without_worker
                ],
                "overloaded_workers": [
                    {**asdict(w), "grids": list(w.grids)} for w in self.overloaded
                ],
            },
            "communities": [asdict(t) for t in self.communities],
            "streets": [asdict(t) for t in self.streets],
        }


def plan_grids(
    grids: Iterable[GridInfo],
    workers: Iterable[WorkerInfo],
    *,
    urban_target: int = 500,
    rural_target: int = 300,
    tolerance: float = 0.2,
    max_grids_per_worker: int = 2,
    max_households_per_worker: int = 1000,
) -> PlanReport:
    """The planning report (see the module docstring for the rules)."""
    if urban_target <= 0 or rural_target <= 0 or not 0 <= tolerance < 1:
        raise ValueError("targets must be positive and tolerance in [0, 1)")
    grids = sorted(grids, key=lambda g: g.code)
    workers = sorted(workers, key=lambda w: str(w.id))
    band = _Band(urban_target, rural_target, tolerance)
    merges, partner = _merges(grids, band)
    named = {code for w in workers for code in w.grids}
    advice = [_advise(g, band, partner, merges, named) for g in grids]
    without = [a for a in advice if a.workers == 0 and a.code not in named]
    by_code = {g.code: g for g in grids}
    overloaded = [
        load
        for w in workers
        if (load := _load(w, by_code, max_grids_per_worker, max_households_per_worker))
    ]
    params = {
        "urban_target": urban_target,
        "rural_target": rural_target,
        "tolerance": tolerance,
        "max_grids_per_worker": max_grids_per_worker,
        "max_households_per_worker": max_households_per_worker,
    }
    communities = _tally(advice, without, lambda a: a.community_code)
    streets = _tally(advice, without, lambda a: a.street_code)
    return PlanReport(
        advice, list(merges.values()), without, overloaded, communities, streets, params
    )


@dataclass(frozen=True)
class _Band:
    urban: int
    rural: int
    tolerance: float

    def target(self, rural: bool) -> int:
        return self.rural if rural else self.urban

    def low(self, rural: bool) -> float:
        return self.target(rural) * (1 - self.tolerance)

    def high(self, rural: bool) -> float:
        return self.target(rural) * (1 + self.tolerance)

    def status(self, g: GridInfo) -> str:
        if g.households > self.high(g.rural):
            return "over"
        return "under" if g.households < self.low(g.rural) else "ok"

    def kind(self, rural: bool) -> str:
        return f"{'农村' if rural else '城市'}网格标准 {self.target(rural)} 户"


def split_count(households: int, target: int) -> int:
    """Pieces (≥ 2) whose average is nearest ``target``; fewer pieces on a tie."""
    floor = max(2, households // target)
    ceil = max(2, -(-households // target))
    return min((floor, ceil), key=lambda k: (abs(households / k - target), k))


def _merges(grids: Sequence[GridInfo], band: _Band) -> tuple[dict[str, Merge], dict[str, str]]:
    """Greedy pairing of adjacent under-filled grids of one community."""
    under = {g.code: g for g in grids if band.status(g) == "under"}
    adjacent: dict[str, set[str]] = defaultdict(set)
    for g in under.values():
        for n in g.neighbours:
            if n in under and n != g.code:
                adjacent[g.code].add(n)
                adjacent[n].add(g.code)
    candidates = []
    for a_code, near in adjacent.items():
        for b_code in near:
            a, b = under[a_code], under[b_code]
            total = a.households + b.households
            fits = total <= min(band.high(a.rural), band.high(b.rural))
            if a_code < b_code and a.community_code == b.community_code and fits:
                candidates.append((abs(total - band.target(a.rural)), a_code, b_code))
    merges: dict[str, Merge] = {}
    partner: dict[str, str] = {}
    for _, a_code, b_code in sorted(candidates):
        if a_code in partner or b_code in partner:
            continue
        a, b = under[a_code], under[b_code]
        total = a.households + b.households
        reason = (
            f"网格 {a_code}（{a.name}，{a.households} 户）与相邻网格 {b_code}（{b.name}，"
            f"{b.households} 户）同属社区 {a.community_code}，合并后约 {total} 户，"
            f"不超过{band.kind(a.rural)}的上限 {band.high(a.rural):.0f} 户"
        )
        merges[a_code] = Merge((a_code, b_code), total, reason)
        partner[a_code], partner[b_code] = b_code, a_code
    return merges, partner


def _advise(
    g: GridInfo, band: _Band, partner: dict[str, str], merges: dict[str, Merge], named: set[str]
) -> GridAdvice:
    status = band.status(g)
    target, kind = band.target(g.rural), band.kind(g.rural)
    split = merge = None
    if status == "ok":
        reason = f"户数 {g.households}，在{kind}的允许范围（{band.low(g.rural):.0f}–{band.high(g.rural):.0f} 户）内"
    elif status == "over":
        split = split_count(g.households, target)
        each = g.households / split
        reason = (
            f"户数 {g.households}，高于{kind}的上限 {band.high(g.rural):.0f} 户；"
            f"建议拆分为 {split} 个网格，每格约 {each:.0f} 户"
        )
    else:
        merge = partner.get(g.code)
        head = f"户数 {g.households}，低于{kind}的下限 {band.low(g.rural):.0f} 户；"
        if merge is not None:
            pair = merges.get(g.code) or merges[merge]
            reason = head + f"建议与相邻网格 {merge} 合并，合并后约 {pair.households} 户"
        else:
            reason = head + (
                "同一社区内没有可合并的相邻偏少网格（合并后须不超过上限），建议与相邻网格调整边界"
            )
    if g.workers == 0 and g.code not in named:
        reason += "；该网格没有网格员"
    return GridAdvice(
        g.code, g.name, g.community_code, g.community_code[:9], g.rural, g.households,
        g.area_km2, target, status, reason, split, merge, g.workers,
    )  # fmt: skip


def _load(
    w: WorkerInfo, by_code: dict[str, GridInfo], max_grids: int, max_households: int
) -> WorkerLoad | None:
    """The worker's load when it exceeds a limit; grids unknown to the report count as
    grids but add no households."""
    codes = tuple(sorted(set(w.grids)))
    households = sum(by_code[c].households for c in codes if c in by_code)
    problems = []
    if len(codes) > max_grids:
        problems.append(f"负责 {len(codes)} 个网格，超过上限 {max_grids} 个")
    if households > max_households:
        problems.append(f"所负责网格共 {households} 户，超过上限 {max_households} 户")
    if not problems:
        return None
    reason = f"网格员 {w.name}（{w.id}）" + "；".join(problems)
    return WorkerLoad(w.id, w.name, codes, households, reason)


def _tally(advice: Sequence[GridAdvice], without: Sequence[GridAdvice], key: Any) -> list[Tally]:
    uncovered = {a.code for a in without}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in advice:
        c = counts[key(a)]
        c["grids"] += 1
        c["households"] += a.households
        c[a.status] += 1
        c["without_worker"] += a.code in uncovered
    return [Tally(code, **dict(c)) for code, c in sorted(counts.items())]


def neighbours_from_polygons(
    codes_and_geoms: Iterable[tuple[str, BaseGeometry]],
    *,
    snap_m: float = 0.5,
    min_shared_m: float = 5.0,
) -> dict[str, tuple[str, ...]]:
    """Each code → the codes of the polygons sharing an edge with it, sorted.

    Two polygons share an edge when at least ``min_shared_m`` of one's boundary lies
    within ``snap_m`` of the other's: touching at a corner is not sharing an edge, and a
    surveyed boundary digitised twice a few centimetres apart still is (in the demo
    district, 4 pairs of grids meet over 0.2–2.4 m only, at near four-way corners).
    ``snap_m=0, min_shared_m=0`` gives the strict definition: any shared edge of positive
    length, exact coordinates only. Computed in a local metric frame at the mean latitude
    (exact enough across a district); candidate pairs come from an STRtree.
    """
    items = list(codes_and_geoms)
    result: dict[str, tuple[str, ...]] = {code: () for code, _ in items}
    if len(items) < 2:
        return result
    geoms = _to_metres(np.array([g for _, g in items], dtype=object))
    left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=snap_m)
    keep = left < right
    left, right = left[keep], right[keep]
    rims = shapely.boundary(geoms)
    near = shapely.buffer(rims, snap_m, quad_segs=1) if snap_m > 0 else rims
    shared = shapely.length(shapely.intersection(rims[left], near[right]))
    found: dict[str, set[str]] = defaultdict(set)
    for i, j, length in zip(left, right, shared, strict=True):
        if length > 0 and length >= min_shared_m:
            a, b = items[int(i)][0], items[int(j)][0]
            found[a].add(b)
            found[b].add(a)
    result.update({code: tuple(sorted(codes)) for code, codes in found.items()})
    return result


def _to_metres(geoms: Any) -> Any:
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    lat = (ymin + ymax) / 2
    scale = np.array([M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat)), M_PER_DEG_LAT])
    origin = np.array([(xmin + xmax) / 2, lat])
    return shapely.transform(geoms, lambda xy: (xy - origin) * scale)
