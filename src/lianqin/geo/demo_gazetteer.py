"""The demo district's gazetteer, built from the pure demo plan. Pure: stdlib and shapely.

Roads are geometric, so an address on a road lands where the road really runs: each road
is a straight line across its street (the street's own 大道 along the street's long axis,
the others at random angles), clipped to every grid it crosses. House numbers grow along
the road (about one house every 25 m on each side): odd on the left and even on the
right, or on a village road often one sequence for both sides ('all'). Each segment's
point lies on the road inside its grid (a few metres to its side of the road).

What must hold: every road name given gets at least one segment; the segments of a road
never share a number (so a number names one grid); every point lies inside its grid
(after rounding to 6 decimals); names are unique across the district; the same seed gives
the same gazetteer.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence

import shapely
from shapely.geometry import LineString, Point, Polygon

from lianqin.geo.gazetteer import Place, RoadSegment
from lianqin.org.demo_geometry import (
    KM_PER_DEG_LAT,
    KM_PER_DEG_LON_EQUATOR,
    CommunityPlan,
    DistrictPlan,
    GridPlan,
    StreetPlan,
)
from lianqin.org.demo_names import stem

HOUSES_PER_KM = 40  # per side of the road
SIDE_OFFSET_DEG = 0.00008  # ≈ 8 m from the centre line to a side's point
_MIN_PIECE_DEG = 0.0001  # pieces shorter than ≈ 10 m (a grid's corner) get no numbers
_ALIAS_FROM = ("花园", "家园", "新村", "雅居", "华庭", "名邸")


def build_demo_gazetteer(
    plan: DistrictPlan,
    roads: dict[str, list[str]],
    compounds: dict[str, list[str]],
    seed: int = 20261128,
) -> tuple[list[Place], list[RoadSegment]]:
    """Streets, communities, roads (with their segments), compounds and landmarks.

    ``roads`` maps a street code to its road names (a name may recur in another street),
    ``compounds`` a community code to its compound names; both as ``demo_geometry``'s
    ``road_names`` and ``compound_names`` give them.
    """
    rng = random.Random(f"demo-gazetteer:{seed}")  # noqa: S311 - synthetic data
    places: list[Place] = []
    segments: list[RoadSegment] = []
    used = {s.name for s in plan.streets} | {c.name for c in plan.communities}
    for street in plan.streets:
        places.append(_area("street", street.name, street.polygon, street.code, None))
        places += [
            _area("community", c.name, c.polygon, street.code, c.code) for c in street.communities
        ]
        for index, name in enumerate(roads.get(street.code, [])):
            parts = _road(street, name, index, rng)
            segments += parts
            middle = parts[len(parts) // 2]
            places.append(
                Place("road", name, (), middle.grid_code, None, street.code, middle.lon, middle.lat)
            )
            used.add(name)
    communities = {c.code: (s, c) for s in plan.streets for c in s.communities}
    used.update(name for names in compounds.values() for name in names)
    for code, names in compounds.items():
        street, community = communities[code]
        for name in names:  # 瑞景花园 is also called 瑞景小区, unless that is another's name
            alias = next((name[: -len(s)] + "小区" for s in _ALIAS_FROM if name.endswith(s)), "")
            aliases = (alias,) if alias and alias not in used else ()
            used.update(aliases)
            places.append(_at("compound", name, aliases, street, community, rng))
    for street in plan.streets:
        places += _landmarks(street, rng, used)
    return places, segments


def house_numbers(segment: RoadSegment) -> list[int]:
    """Every house number the segment holds."""
    step = 1 if segment.parity == "all" else 2
    return list(range(segment.from_no, segment.to_no + 1, step))


def demo_address(
    segment: RoadSegment, number: int | None = None, *, street: str = "", prefix: str = ""
) -> str:
    """An address on the segment, as a caller would say it: prefix + street + road + 号."""
    number = segment.from_no if number is None else number
    return f"{prefix}{street}{segment.road}{number}号"


def _area(kind: str, name: str, polygon: Polygon, street: str, community: str | None) -> Place:
    """A street or a community: its representative point, and no single grid."""
    point = polygon.representative_point()
    return Place(kind, name, (), None, community, street, round(point.x, 6), round(point.y, 6))


def _road(street: StreetPlan, name: str, index: int, rng: random.Random) -> list[RoadSegment]:
    """The road's segments, in house-number order."""
    line = _crossing_line(street.polygon, index, rng)
    if rng.random() < 0.5:
        line = LineString(line.coords[::-1])
    grids = street.grids
    pieces = []
    for grid, clipped in zip(
        grids, shapely.intersection(line, [g.polygon for g in grids]), strict=True
    ):
        for piece in shapely.get_parts(clipped):
            if isinstance(piece, LineString) and piece.length > 0:
                ends = sorted(line.project(Point(xy)) for xy in (piece.coords[0], piece.coords[-1]))
                pieces.append((ends[0], ends[1], grid, piece))
    pieces.sort(key=lambda p: p[0])
    longest = max(p[1] - p[0] for p in pieces)
    shared = rng.random() < 0.3 + 0.6 * street.rural_share  # one sequence for both sides
    km_per_deg = _km(line) / line.length
    segments: list[RoadSegment] = []
    last = 0  # houses per side numbered so far
    for start, end, grid, piece in pieces:
        if end - start < min(_MIN_PIECE_DEG, longest):
            continue
        first, last = last, max(last + 1, round(end * km_per_deg * HOUSES_PER_KM))
        if shared:
            where = _point_in(grid.polygon, piece, 0.0)
            segments.append(
                RoadSegment(name, street.code, first + 1, last, "all", grid.code, *where)
            )
            continue
        for side, parity, low, high in (
            (1, "odd", 2 * first + 1, 2 * last - 1),
            (-1, "even", 2 * first + 2, 2 * last),
        ):
            where = _point_in(grid.polygon, piece, side * SIDE_OFFSET_DEG)
            segments.append(RoadSegment(name, street.code, low, high, parity, grid.code, *where))
    return segments


def _crossing_line(polygon: Polygon, index: int, rng: random.Random) -> LineString:
    """A straight road across the polygon through a random inner point: the first along
    the polygon's long axis, the others at random angles; the part holding that point."""
    anchor = _random_point(polygon, rng)
    if index == 0:
        ring = list(polygon.minimum_rotated_rectangle.exterior.coords)
        edges = [(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(ring)]
        dx, dy = max(edges, key=lambda e: math.hypot(e[0] * _cos_lat(polygon), e[1]))
        angle = math.atan2(dy, dx * _cos_lat(polygon))
    else:
        angle = rng.uniform(0, math.pi)
    minx, miny, maxx, maxy = polygon.bounds
    reach = 2 * math.hypot(maxx - minx, maxy - miny)
    dx, dy = reach * math.cos(angle) / _cos_lat(polygon), reach * math.sin(angle)
    full = LineString([(anchor.x - dx, anchor.y - dy), (anchor.x + dx, anchor.y + dy)])
    parts = [p for p in shapely.get_parts(full.intersection(polygon)) if isinstance(p, LineString)]
    return min(parts, key=lambda p: p.distance(anchor))


def _point_in(polygon: Polygon, piece: LineString, offset: float) -> tuple[float, float]:
    """The piece's middle, ``offset`` degrees to its left, rounded and inside the polygon;
    nearer the road, then the polygon's representative point, when that falls outside."""
    middle = piece.interpolate(0.5, normalized=True)
    (x0, y0), (x1, y1) = piece.coords[0], piece.coords[-1]
    norm = math.hypot(x1 - x0, y1 - y0) or 1.0
    nx, ny = -(y1 - y0) / norm, (x1 - x0) / norm
    for k in (1.0, 0.5, 0.25, 0.0):
        x, y = round(middle.x + nx * offset * k, 6), round(middle.y + ny * offset * k, 6)
        if polygon.contains(Point(x, y)):
            return x, y
    inner = polygon.representative_point()
    return round(inner.x, 6), round(inner.y, 6)


def _random_point(polygon: Polygon, rng: random.Random) -> Point:
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(1000):
        point = Point(round(rng.uniform(minx, maxx), 6), round(rng.uniform(miny, maxy), 6))
        if polygon.contains(point):
            return point
    return polygon.representative_point()


def _at(
    kind: str,
    name: str,
    aliases: tuple[str, ...],
    street: StreetPlan,
    community: CommunityPlan,
    rng: random.Random,
    grid: GridPlan | None = None,
) -> Place:
    """A compound or landmark at a random point of one of the community's grids."""
    grid = grid or rng.choice(community.grids)
    point = _random_point(grid.polygon, rng)
    return Place(kind, name, aliases, grid.code, community.code, street.code, point.x, point.y)


def _landmarks(street: StreetPlan, rng: random.Random, used: set[str]) -> list[Place]:
    """The street office, each community's service centre or village committee, a
    hospital, a park, one or two schools and (in town) metro stations."""
    seat, town = street.communities[0], street.rural_share < 0.5
    locals_ = [stem(c.name) for c in street.communities]
    picks = rng.sample(locals_, k=min(5, len(locals_)))
    wanted: list[tuple[str, tuple[str, ...], CommunityPlan]] = [
        (street.name + "办事处", (stem(street.name) + "街道办",), seat),
        (stem(street.name) + ("医院" if town else "卫生院"), (), seat),
        (picks[0] + "公园", (), _by_stem(street, picks[0])),
        (picks[1 % len(picks)] + "小学", (), _by_stem(street, picks[1 % len(picks)])),
        (
            picks[2 % len(picks)] + ("中学" if town else "实验学校"),
            (),
            _by_stem(street, picks[2 % len(picks)]),
        ),
    ]
    wanted += [
        (p + "地铁站", (p + "站",), _by_stem(street, p)) for p in picks[3 : 5 if town else 3]
    ]
    for community in street.communities:
        centre = (
            community.name + "服务中心" if not community.rural else stem(community.name) + "村委会"
        )
        wanted.append((centre, (), community))
    found = []
    for name, aliases, community in wanted:
        kept = tuple(a for a in aliases if a not in used)
        if name not in used:
            used.update((name, *kept))
            found.append(_at("landmark", name, kept, street, community, rng))
    return found


def _by_stem(street: StreetPlan, stem_: str) -> CommunityPlan:
    return next(c for c in street.communities if stem(c.name) == stem_)


def _cos_lat(polygon: Polygon) -> float:
    """A degree of longitude is this many degrees of latitude long, here."""
    return math.cos(math.radians(polygon.centroid.y))


def _km(line: LineString) -> float:
    kx = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(line.centroid.y))
    coords: Sequence[tuple[float, ...]] = list(line.coords)
    return sum(
        math.hypot((b[0] - a[0]) * kx, (b[1] - a[1]) * KM_PER_DEG_LAT)
        for a, b in itertools.pairwise(coords)
    )
