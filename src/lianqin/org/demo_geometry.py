"""A synthetic district shaped like the Pukou pilot (浦口区, 320111), for ``lianqin demo``.

Pure and deterministic: stdlib and shapely only, every draw from one
``random.Random(seed)``, so one seed gives byte-identical GeoJSON and another seed another
district. Nothing here is the real register; it only has the shape of the problem: 10
streets, 120 communities, 719 grids of ~500 urban or ~300 rural households, urban streets
small and dense near the centre and the Yangtze (south-east), rural streets large, with
村 and bigger grids.

The partition is nested Voronoi: street seats clipped to an irregular outline, community
cells inside each street, grid cells inside each community. A clip that splits a cell
gives the stray pieces to the neighbour sharing most border with them, so every cell is
one ``Polygon``. Finally all grid boundaries are noded together on a 1e-6° lattice and
polygonized: neighbours then share their edges vertex for vertex (no T-junction slivers),
grids tile the district exactly, communities and streets are unions of their grids, and
rounding to 6 decimals in :func:`to_geojson` moves nothing.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import MultiPoint, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from lianqin.org import demo_names as names
from lianqin.org.demo_names import compound_names as compound_names
from lianqin.org.demo_names import road_names as road_names

DISTRICT_CODE = "320111"
DISTRICT_NAME = "浦口区"
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320
GRID_SIZE = 1e-6  # degrees (~0.1 m): the lattice every final vertex sits on
GRID_MIN, GRID_MAX = 2, 12  # grids per community

_URBAN_DENSITY = 2.2  # communities per km² in an urban street, relative to a rural one
_URBAN_GRID_WEIGHT = 2.6  # grids per community, urban relative to rural
_ASPECT = 1.7  # the outline is an ellipse stretched along the river …
_AXIS = math.radians(35.0)  # … running south-west → north-east
_OUTLINE_VERTICES = 96
_CANDIDATES = 12  # best-candidate sampling: tries per seed
_RELAX = 2  # Lloyd iterations for community and grid seeds
_ATTEMPTS = 20
_SLIVER = 1e-12  # deg²: clip debris below the lattice, healed by the final noding


_Draft = tuple[Polygon, bool]  # a community's cell, rural


@dataclass(frozen=True)
class GridPlan:
    code: str  # community code + 3 digits
    name: str
    polygon: Polygon  # lon/lat, WGS-84
    households: int
    rural: bool


@dataclass(frozen=True)
class CommunityPlan:
    code: str  # street code + 3 digits
    name: str
    rural: bool  # 村 rather than 社区
    polygon: Polygon  # the union of its grids
    households: int
    population: int
    grids: tuple[GridPlan, ...]


@dataclass(frozen=True)
class StreetPlan:
    code: str  # "320111" + 3 digits
    name: str
    polygon: Polygon  # the union of its communities
    communities: tuple[CommunityPlan, ...]

    @property
    def grids(self) -> tuple[GridPlan, ...]:
        return tuple(g for c in self.communities for g in c.grids)

    @property
    def rural_share(self) -> float:
        """Share of the street's communities that are villages (村)."""
        return sum(c.rural for c in self.communities) / len(self.communities)


@dataclass(frozen=True, kw_only=True)
class DistrictPlan:
    code: str = DISTRICT_CODE
    name: str = DISTRICT_NAME
    polygon: Polygon  # the union of its streets
    streets: tuple[StreetPlan, ...]

    @property
    def communities(self) -> tuple[CommunityPlan, ...]:
        return tuple(c for s in self.streets for c in s.communities)

    @property
    def grids(self) -> tuple[GridPlan, ...]:
        return tuple(g for s in self.streets for g in s.grids)

    @property
    def total_households(self) -> int:
        return sum(c.households for c in self.communities)


def area_km2(polygon: BaseGeometry) -> float:
    """Area in km², local equirectangular projection at the polygon's centroid latitude."""
    lon_km = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(polygon.centroid.y))
    return float(polygon.area) * KM_PER_DEG_LAT * lon_km


_km2 = area_km2  # for build_district, whose ``area_km2`` parameter hides the function


def to_geojson(polygon: BaseGeometry) -> dict[str, Any]:
    """GeoJSON geometry (RFC 7946 winding), coordinates rounded to 6 decimals.

    Plan polygons sit on the 1e-6° lattice, so the rounding moves no vertex and the
    output is valid and tiles exactly like the plan.
    """
    if polygon.geom_type == "MultiPolygon":
        parts = [_rings(p) for p in shapely.get_parts(polygon)]
        return {"type": "MultiPolygon", "coordinates": parts}
    if not isinstance(polygon, Polygon):
        raise TypeError(f"expected a Polygon, got {polygon.geom_type}")
    return {"type": "Polygon", "coordinates": _rings(polygon)}


def _rings(polygon: Polygon) -> list[list[list[float]]]:
    shaped = orient(polygon, sign=1.0)
    rings = [shaped.exterior, *shaped.interiors]
    return [[[round(x, 6), round(y, 6)] for x, y in ring.coords] for ring in rings]


def build_district(
    seed: int = 20261128,
    *,
    streets: int = 10,
    communities: int = 120,
    grids: int = 719,
    center: tuple[float, float] = (118.63, 32.06),
    area_km2: float = 900.0,
    urban_households: int = 500,
    rural_households: int = 300,
) -> DistrictPlan:
    """The synthetic district: exact counts, hierarchical codes, an exact tiling.

    Urban streets get ``_URBAN_DENSITY`` times more communities per km² and their 社区
    ``_URBAN_GRID_WEIGHT`` times more grids, so urban grids are small and rural ones large.
    """
    if not 1 <= streets <= len(names.STREETS):
        raise ValueError(f"streets must be between 1 and {len(names.STREETS)}")
    if not (streets <= communities and GRID_MIN * communities <= grids <= GRID_MAX * communities):
        raise ValueError(f"need streets <= communities and {GRID_MIN}..{GRID_MAX} grids each")
    rng = random.Random(seed)
    frame = _Frame(*center)
    outline = _outline(rng, frame, area_km2)
    layout = _pick_layout(streets)
    seats = [_seat(outline, frame, area_km2, street.seat) for street in layout]
    drafts = _community_drafts(outline, layout, seats, communities, rng, frame)
    flat = [draft for street in drafts for draft in street]
    weights = [(1.0 if rural else _URBAN_GRID_WEIGHT) * _km2(p) ** 0.25 for p, rural in flat]
    counts = _apportion(weights, grids, low=GRID_MIN, high=GRID_MAX)
    cells = [_partition(p, n, rng, frame) for (p, _), n in zip(flat, counts, strict=True)]
    tiles = _snap_tiling(cells)
    return _assemble(seed, rng, layout, drafts, tiles, (urban_households, rural_households))


def _assemble(
    seed: int,
    rng: random.Random,
    layout: list[names.StreetSpec],
    drafts: list[list[_Draft]],
    tiles: list[list[Polygon]],
    households: tuple[int, int],
) -> DistrictPlan:
    """Codes, names and households on top of the final grid polygons, in a fixed order."""
    namer = names.NameSource(random.Random(f"demo-names:{seed}"))
    next_tiles = iter(tiles)
    built = []
    for i, (street, street_drafts) in enumerate(zip(layout, drafts, strict=True), start=1):
        code = f"{DISTRICT_CODE}{i:03d}"
        flags = [rural for _, rural in street_drafts]
        plans = tuple(
            _community(f"{code}{j:03d}", name, rural, next(next_tiles), households, rng)
            for j, (name, rural) in enumerate(
                zip(namer.communities(street.name, flags), flags, strict=True), start=1
            )
        )
        built.append(StreetPlan(code, street.name, _union([c.polygon for c in plans]), plans))
    return DistrictPlan(polygon=_union([s.polygon for s in built]), streets=tuple(built))


def _community(
    code: str,
    name: str,
    rural: bool,
    cells: list[Polygon],
    households: tuple[int, int],
    rng: random.Random,
) -> CommunityPlan:
    """Grids numbered in reading order (north to south, then west to east).

    Households per grid are Gaussian around the norm (σ 5%), clamped to ±10%, except
    about one grid in twenty-five that drifted since the layout was drawn: a new estate
    (1.4–2.2×) or an emptied village (0.4–0.7×), as the planning report must find.
    """
    cells = sorted(cells, key=lambda p: (-p.centroid.y, p.centroid.x))
    norm = households[1] if rural else households[0]
    draws = [round(norm * _drift(rng)) for _ in cells]
    grids = tuple(
        GridPlan(f"{code}{k:03d}", names.grid_name(name, k), cell, draws[k - 1], rural)
        for k, cell in enumerate(cells, start=1)
    )
    total = sum(g.households for g in grids)
    population = round(total * rng.uniform(2.6, 2.9))
    return CommunityPlan(code, name, rural, _union(cells), total, population, grids)


def _drift(rng: random.Random) -> float:
    """A grid's households as a multiple of the norm."""
    roll = rng.random()
    if roll < 0.025:
        return rng.uniform(1.4, 2.2)
    if roll < 0.04:
        return rng.uniform(0.4, 0.7)
    return min(1.1, max(0.9, rng.gauss(1.0, 0.05)))


@dataclass(frozen=True)
class _Frame:
    """Local equirectangular frame: km east/north of the centre, where Voronoi is isotropic."""

    lon0: float
    lat0: float

    @property
    def scale(self) -> tuple[float, float]:
        return KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(self.lat0)), KM_PER_DEG_LAT

    def to_km(self, geom: Any) -> Any:
        return shapely.transform(geom, lambda c: (c - (self.lon0, self.lat0)) * self.scale)

    def to_deg(self, geom: Any) -> Any:
        return shapely.transform(geom, lambda c: c / self.scale + (self.lon0, self.lat0))

    def dist2(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        kx, ky = self.scale
        return ((a[0] - b[0]) * kx) ** 2 + ((a[1] - b[1]) * ky) ** 2


def _pick_layout(streets: int) -> list[names.StreetSpec]:
    """The first streets of the layout: half urban (rounded up), half rural."""
    urban_n = (streets + 1) // 2
    urban = [s for s in names.STREETS if s.urban][:urban_n]
    return urban + [s for s in names.STREETS if not s.urban][: streets - urban_n]


def _ellipse(u: float, v: float, a: float, b: float) -> tuple[float, float]:
    """Ellipse coordinates (radii a along the river axis, b across) → km east/north."""
    x, y = u * a, v * b
    return x * math.cos(_AXIS) - y * math.sin(_AXIS), x * math.sin(_AXIS) + y * math.cos(_AXIS)


def _outline(rng: random.Random, frame: _Frame, target_km2: float) -> Polygon:
    """An irregular simple polygon of ``target_km2`` around the centre, on the lattice.

    An ellipse along the river with its radius modulated by random harmonics: each vertex
    keeps its own direction from the centre, so the ring is star-shaped, hence simple.
    """
    harmonics = [(k, rng.uniform(0.02, 0.07), rng.uniform(0, math.tau)) for k in range(2, 7)]
    points = []
    for i in range(_OUTLINE_VERTICES):
        t = math.tau * i / _OUTLINE_VERTICES
        r = 1 + sum(a * math.cos(k * t + p) for k, a, p in harmonics) + rng.uniform(-0.02, 0.02)
        points.append(_ellipse(r * math.cos(t), r * math.sin(t), _ASPECT**0.5, _ASPECT**-0.5))
    k = math.sqrt(target_km2 / Polygon(points).area)
    km = Polygon([(x * k, y * k) for x, y in points])
    return shapely.set_precision(frame.to_deg(km), GRID_SIZE)


def _seat(
    outline: Polygon, frame: _Frame, target_km2: float, uv: tuple[float, float]
) -> tuple[float, float]:
    """A street's seat: its layout position, pulled towards the centre until inside."""
    a = math.sqrt(target_km2 * _ASPECT / math.pi)
    b = math.sqrt(target_km2 / _ASPECT / math.pi)
    x, y = _ellipse(*uv, a, b)
    for step in range(10, -1, -1):
        point = frame.to_deg(Point(x * step / 10, y * step / 10))
        if outline.contains(point):
            return point.x, point.y
    raise RuntimeError("the outline does not contain its centre")


def _community_drafts(
    outline: Polygon,
    layout: list[names.StreetSpec],
    seats: list[tuple[float, float]],
    total: int,
    rng: random.Random,
    frame: _Frame,
) -> list[list[_Draft]]:
    """Per street, its community cells, seat first, each flagged rural (村) or not.

    An urban street's villages are its communities farthest from the urban core; a
    rural street's 社区 are those nearest its seat (its town), the rest are villages.
    """
    streets = _cells(outline, seats, frame)
    if streets is None:
        raise RuntimeError("the street seats do not partition the outline")
    weights = [
        area_km2(p) * (_URBAN_DENSITY if s.urban else 1.0)
        for p, s in zip(streets, layout, strict=True)
    ]
    counts = _apportion(weights, total, low=min(3, total // len(layout)), high=total)
    core = _mean([seat for seat, s in zip(seats, layout, strict=True) if s.urban])
    drafts = []
    for polygon, n, seat, street in zip(streets, counts, seats, layout, strict=True):
        cells = _partition(polygon, n, rng, frame)
        cells.sort(key=lambda p: frame.dist2((p.centroid.x, p.centroid.y), seat))
        centres = [(p.centroid.x, p.centroid.y) for p in cells]
        villages = round(n * street.village_share)
        if street.urban:
            by_core = sorted(range(n), key=lambda i: frame.dist2(centres[i], core))
            rural = set(by_core[n - villages :])
        else:
            rural = set(range(n - min(n - 1, villages), n))
        drafts.append([(cell, i in rural) for i, cell in enumerate(cells)])
    return drafts


def _partition(container: Polygon, count: int, rng: random.Random, frame: _Frame) -> list[Polygon]:
    """``count`` single-polygon cells tiling ``container``: spread seeds, Voronoi, Lloyd.

    When a clip cannot be repaired into single polygons, the seeds are drawn again.
    """
    for _ in range(_ATTEMPTS):
        cells = _cells(container, _spread(container, count, rng, frame), frame)
        for _ in range(_RELAX):
            if cells is None:
                break
            cells = _cells(container, [_inside(cell) for cell in cells], frame) or cells
        if cells is not None:
            return cells
    raise RuntimeError(f"could not split a polygon into {count} single-polygon cells")


def _cells(
    container: Polygon, seeds: Sequence[tuple[float, float]], frame: _Frame
) -> list[Polygon] | None:
    """Voronoi cells of ``seeds`` (isotropic, in km) clipped to ``container``, in seed
    order; None when they cannot all be made single polygons."""
    if len(seeds) == 1:
        return [container]
    minx, miny, maxx, maxy = frame.to_km(container).bounds
    diagram = shapely.voronoi_polygons(
        frame.to_km(MultiPoint(seeds)), extend_to=box(minx, miny, maxx, maxy), ordered=True
    )
    raw = shapely.intersection(shapely.get_parts(frame.to_deg(diagram)), container)
    if len(raw) != len(seeds):
        return None
    return _repair(list(raw), seeds)


def _repair(raw: list[Any], seeds: Sequence[tuple[float, float]]) -> list[Polygon] | None:
    """Keep each cell's piece around its seed; give stray pieces to the neighbour sharing
    the longest border with them, so the cells still tile and each is one Polygon."""
    kept: list[Polygon] = []
    strays: list[Polygon] = []
    for geom, seed in zip(raw, seeds, strict=True):
        parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and p.area > _SLIVER]
        if not parts:
            return None
        main = next((p for p in parts if p.contains(Point(seed))), max(parts, key=lambda p: p.area))
        kept.append(main)
        strays.extend(p for p in parts if p is not main)
    for stray in strays:
        shared = [_shared_border(stray, cell) for cell in kept]
        best = max(range(len(kept)), key=shared.__getitem__)
        merged = shapely.union(kept[best], stray)
        if shared[best] <= 0 or not isinstance(merged, Polygon):
            return None
        kept[best] = merged
    return kept if all(cell.is_valid for cell in kept) else None


def _shared_border(a: Polygon, b: Polygon) -> float:
    if not a.intersects(b):
        return 0.0
    return float(shapely.intersection(a.boundary, b.boundary).length)


def _snap_tiling(cells: list[list[Polygon]]) -> list[list[Polygon]]:
    """The same cells on the 1e-6° lattice, noded together so neighbours share every vertex.

    All boundaries are snap-rounded in one overlay and polygonized; each face goes to the
    cell that holds it (so the grouping and order of ``cells`` are kept).
    """
    flat = [cell for group in cells for cell in group]
    lines = shapely.union_all(shapely.boundary(flat), grid_size=GRID_SIZE)
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(lines))))
    tree = shapely.STRtree(flat)
    owners: list[list[Polygon]] = [[] for _ in flat]
    for face in faces:
        hits = tree.query(face.representative_point(), predicate="within")
        if len(hits) != 1:
            near = tree.query(face, predicate="intersects")
            hits = [max(near, key=lambda i: face.intersection(flat[i]).area)]
        owners[int(hits[0])].append(face)
    snapped = iter(_union(parts) for parts in owners)
    return [[next(snapped) for _ in group] for group in cells]


def _union(parts: Sequence[Polygon]) -> Polygon:
    """The union of lattice polygons that share edges exactly; must be one polygon."""
    if len(parts) == 1:
        return parts[0]
    merged = shapely.union_all(parts, grid_size=GRID_SIZE)
    if not isinstance(merged, Polygon):
        raise RuntimeError(f"expected one polygon, got {merged.geom_type}")
    return merged


def _spread(
    container: Polygon, count: int, rng: random.Random, frame: _Frame
) -> list[tuple[float, float]]:
    """Well-spaced random points inside ``container`` (Mitchell's best candidate)."""
    minx, miny, maxx, maxy = container.bounds
    seeds: list[tuple[float, float]] = []
    while len(seeds) < count:
        candidates: list[tuple[float, float]] = []
        while len(candidates) < _CANDIDATES:
            xs = [rng.uniform(minx, maxx) for _ in range(2 * _CANDIDATES)]
            ys = [rng.uniform(miny, maxy) for _ in range(2 * _CANDIDATES)]
            inside = shapely.contains_xy(container, xs, ys)
            candidates += [(x, y) for x, y, ok in zip(xs, ys, inside, strict=True) if ok]
        candidates = candidates[:_CANDIDATES]
        gaps = [min((frame.dist2(c, s) for s in seeds), default=0.0) for c in candidates]
        seeds.append(candidates[gaps.index(max(gaps))])
    return seeds


def _apportion(weights: Sequence[float], total: int, *, low: int, high: int) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (D'Hondt), each share in low..high."""
    counts = [low] * len(weights)
    heap = [(-w / (low + 1), i) for i, w in enumerate(weights) if low < high]
    heapq.heapify(heap)
    for _ in range(total - low * len(weights)):
        _, i = heapq.heappop(heap)
        counts[i] += 1
        if counts[i] < high:
            heapq.heappush(heap, (-weights[i] / (counts[i] + 1), i))
    return counts


def _inside(cell: Polygon) -> tuple[float, float]:
    """The cell's centroid, or a point surely inside it when the centroid is not."""
    point = cell.centroid
    point = point if cell.contains(point) else cell.representative_point()
    return point.x, point.y


def _mean(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
