"""Address → grid through the district's own gazetteer. Pure: stdlib, plus ``cpca`` only
for an address that opens with a province, city or district this gazetteer does not know.

Most 12345 calls bring an address and no coordinates. The gazetteer holds the district's
streets, communities, roads (house-number segments, each in one grid), compounds and
landmarks; :meth:`Gazetteer.match` finds the most specific of them in free text and says
how sure it is. What must hold:

* nothing is invented: no match → ``None``, and so is an address whose prefix names
  another district; the caller flags it for manual location and never drops the report;
* exact before fuzzy: names are found by longest match over a dict of names and aliases;
  fuzzy matching runs only when no road, compound or landmark matched exactly, and only
  on names sharing characters with the text left unmatched;
* ``matched`` is a slice of the caller's own text (full-width digits and all);
* ``confidence`` says which evidence won; the caller treats < 0.6 as "a person checks".

Confidence levels (the constants below): a road and a house number inside a segment of
the right parity 0.95; compound 0.9; landmark 0.85; a road lying in one grid only 0.8;
two roads crossing in one grid 0.75; a number outside every segment → the nearest
segment 0.7; a road without a number → its centre 0.6; community 0.4; street 0.25.
Penalties: fuzzy name (missing 路/街/大道 suffix, or one edit in a name of ≥ 3
characters) −0.15; the address names a street the match is not in −0.1; a road name
shared by several streets and told apart only by the house number −0.1, not told apart
at all → at most 0.5.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from lianqin.geo.address_text import (
    COMPOUND_TAIL,
    house_number,
    may_name_region,
    normalize,
    read_regions,
    region_tokens,
    short_name,
    strip_prefixes,
)
from lianqin.geo.address_text import chinese_number as chinese_number  # re-exported
from lianqin.geo.gazetteer_fuzzy import FuzzyNames, gaps, lengths_by_first

KINDS = ("street", "community", "road", "compound", "landmark")
PARITIES = ("all", "odd", "even")

SEGMENT, COMPOUND, LANDMARK, ROAD_ONE_GRID, CROSSING = 0.95, 0.9, 0.85, 0.8, 0.75
NEAREST_SEGMENT, ROAD, COMMUNITY, STREET = 0.7, 0.6, 0.4, 0.25
FUZZY_PENALTY, CONFLICT_PENALTY, AMBIGUOUS_PENALTY, AMBIGUOUS_CAP = 0.15, 0.1, 0.1, 0.5
_LEVEL = {"compound": COMPOUND, "landmark": LANDMARK, "community": COMMUNITY, "street": STREET}
_PARITY_ZH = {"all": "", "odd": "单号", "even": "双号"}


@dataclass(frozen=True)
class Place:
    """A named place; streets and communities usually have no single grid."""

    kind: str  # one of KINDS
    name: str
    aliases: tuple[str, ...] = ()
    grid_code: str | None = None
    community_code: str | None = None
    street_code: str | None = None
    lon: float | None = None  # WGS-84
    lat: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS or not self.name:
            raise ValueError(f"bad place {self.kind!r} {self.name!r}")


@dataclass(frozen=True)
class RoadSegment:
    """House numbers ``from_no..to_no`` (of one parity, or all) on a road, in one grid,
    with a representative WGS-84 point inside that grid."""

    road: str
    street_code: str | None
    from_no: int
    to_no: int
    parity: str  # one of PARITIES
    grid_code: str
    lon: float
    lat: float

    def __post_init__(self) -> None:
        if self.parity not in PARITIES or not 0 <= self.from_no <= self.to_no:
            raise ValueError(f"bad segment {self.road} {self.from_no}-{self.to_no} {self.parity}")

    def contains(self, number: int) -> bool:
        in_range = self.from_no <= number <= self.to_no
        return in_range and (self.parity == "all" or (number % 2 == 1) == (self.parity == "odd"))

    def distance(self, number: int) -> int:
        return max(self.from_no - number, number - self.to_no, 0)


@dataclass(frozen=True)
class Match:
    lon: float | None
    lat: float | None
    grid_code: str | None
    community_code: str | None
    street_code: str | None
    confidence: float  # 0..1, see the module docstring
    matched: str  # the part of the caller's address that matched
    kind: str  # segment, road, crossing, compound, landmark, community, street
    detail: str  # for the operator, in Chinese


# --- index ----------------------------------------------------------------------------


class _Ref(NamedTuple):
    kind: str
    target: Place | str  # a Place, or a road's normalized name
    derived: bool  # a name we made (江浦 for 江浦街道), weaker than a given one


class _Hit(NamedTuple):
    start: int
    end: int
    refs: tuple[_Ref, ...]


@dataclass
class _Road:
    name: str
    street_code: str | None
    segments: list[RoadSegment] = field(default_factory=list)
    place: Place | None = None

    def centre(self) -> tuple[float | None, float | None, str | None]:
        if self.place is not None and (self.place.lon is not None or not self.segments):
            return self.place.lon, self.place.lat, self.place.grid_code
        middle = self.segments[len(self.segments) // 2]
        return middle.lon, middle.lat, middle.grid_code

    def grids(self) -> set[str]:
        place_grid = self.place.grid_code if self.place else None
        return {s.grid_code for s in self.segments} or ({place_grid} if place_grid else set())


@dataclass
class _Context:
    """What the address says besides its most specific part: streets (also implied by a
    community, or by a made-up short name), communities, and the streets named in full."""

    streets: set[str | None] = field(default_factory=set)
    communities: set[str | None] = field(default_factory=set)
    named_streets: set[str] = field(default_factory=set)

    def conflicts(self, street_code: str | None) -> bool:
        return bool(street_code and self.named_streets and street_code not in self.named_streets)


@dataclass
class _Text:
    original: str
    text: str
    origin: list[int]
    start: int  # after the province/city/district prefix
    foreign: bool = False
    ask_cpca: bool = False

    def cut(self, start: int, end: int) -> str:
        return self.original[self.origin[start] : self.origin[end - 1] + 1]


class Gazetteer:
    """The district's places and road segments, indexed by name for :meth:`match`.

    ``district_name`` and ``district_adcode`` give the prefixes stripped without cpca
    (江苏省南京市浦口区, 南京浦口…); with the adcode, an address whose prefix cpca reads
    as another district gets no match. ``use_cpca=False`` skips cpca altogether.
    """

    def __init__(
        self,
        places: Iterable[Place],
        segments: Iterable[RoadSegment],
        *,
        district_name: str = "",
        district_adcode: str = "",
        use_cpca: bool = True,
    ) -> None:
        self._names: dict[str, list[_Ref]] = defaultdict(list)
        self._stems: dict[str, list[_Ref]] = defaultdict(list)  # 文德 → 文德路, fuzzy only
        self._roads: dict[str, dict[str | None, _Road]] = defaultdict(dict)
        for segment in segments:
            self._road(segment.road, segment.street_code).segments.append(segment)
        for road in (r for by_street in self._roads.values() for r in by_street.values()):
            road.segments.sort(key=lambda s: (s.from_no, s.parity))
        for place in places:
            self._add_place(place)
        self._derive_names()
        self._first = lengths_by_first(self._names)
        given = ((n, rs) for n, rs in self._names.items() if not rs[0].derived)
        self._fuzzy_names = FuzzyNames(given, self._stems)
        self._adcode = district_adcode
        self._prefixes = region_tokens(district_adcode, district_name)
        self._use_cpca = use_cpca

    def _road(self, name: str, street_code: str | None) -> _Road:
        key = normalize(name)[0]
        by_street = self._roads[key]
        if street_code not in by_street:
            by_street[street_code] = _Road(name, street_code)
            if len(by_street) == 1:
                self._names[key].append(_Ref("road", key, False))
        return by_street[street_code]

    def _add_place(self, place: Place) -> None:
        if place.kind == "road":
            road = self._road(place.name, place.street_code)
            road.place = place
            for alias in place.aliases:
                self._names[normalize(alias)[0]].append(
                    _Ref("road", normalize(place.name)[0], False)
                )
            return
        for name in (place.name, *place.aliases):
            self._names[normalize(name)[0]].append(_Ref(place.kind, place, False))

    def _derive_names(self) -> None:
        """Short names people use: 江浦 for 江浦街道 (matched like a name, but weaker), and
        for the fuzzy pass only, 文德 for 文德路 and 桥北 for 桥北花园."""
        given = set(self._names)
        for name, refs in list(self._names.items()):
            for ref in refs:
                short = short_name(ref.kind, name)
                if len(short) < 2 or short in given:
                    continue
                if ref.kind in ("street", "community"):
                    self._names[short].append(ref._replace(derived=True))
                else:
                    self._stems[short].append(ref)

    # --- matching ---------------------------------------------------------------------

    def match(self, address: str) -> Match | None:
        """The best match for one address, or None (see the module docstring)."""
        return self.match_many([address])[0]

    def match_many(self, addresses: Iterable[str]) -> list[Match | None]:
        """:meth:`match` for many addresses, with one cpca call for all that need one."""
        texts = [self._prepare(a) for a in addresses]
        asking = [t for t in texts if t is not None and t.ask_cpca]
        if asking and self._use_cpca:
            self._read_regions(asking)
        return [None if t is None or t.foreign else self._resolve(t) for t in texts]

    def _prepare(self, address: str) -> _Text | None:
        """Normalize and strip the district's own prefixes; a name of ours wins over a
        prefix it starts with (浦口路 is a road, not 浦口 + 路)."""
        text, origin = normalize(address or "")
        at = strip_prefixes(text, self._prefixes, self._longest_at)
        if at >= len(text):
            return None
        ask = may_name_region(text, at) and self._longest_at(text, at) == 0
        return _Text(address, text, origin, at, ask_cpca=ask)

    def _longest_at(self, text: str, at: int) -> int:
        for n in self._first.get(text[at], ()) if at < len(text) else ():
            if at + n <= len(text) and text[at : at + n] in self._names:
                return n
        return 0

    def _read_regions(self, texts: list[_Text]) -> None:
        """cpca's reading of the prefixes: strip what it recognises (only a cut that ends
        in 省/市/区/县…, so 朝阳小区 stays whole) and mark another district foreign."""
        found = read_regions([t.text for t in texts], self._adcode)
        for t, read in zip(texts, found, strict=True):
            if read is not None:
                t.start, t.foreign = max(t.start, read[0]), read[1]

    def _resolve(self, t: _Text) -> Match | None:
        hits = self._scan(t.text, t.start)
        context = self._context(hits)
        found = self._exact(t, hits, context)
        if not found:  # fuzzy names, and the areas named exactly: the better wins
            found = self._fuzzy(t, hits, context)
            found += [
                self._on_place(t, h, k, context) for h in hits for k in ("community", "street")
            ]
        return max((m for m in found if m is not None), key=lambda m: m.confidence, default=None)

    def _scan(self, text: str, start: int) -> list[_Hit]:
        """Every name at every position (the longest there), then the longest first
        without overlap; a made-up short name loses a tie with a given one."""
        found = []
        for i in range(start, len(text)):
            for n in self._first.get(text[i], ()):
                refs = self._names.get(text[i : i + n]) if i + n <= len(text) else None
                if refs:
                    found.append(_Hit(i, i + n, tuple(refs)))
                    break
        found.sort(key=lambda h: (h.start - h.end + 0.5 * h.refs[0].derived, h.start))
        taken = [False] * len(text)
        chosen = []
        for hit in found:
            if not any(taken[hit.start : hit.end]):
                taken[hit.start : hit.end] = [True] * (hit.end - hit.start)
                chosen.append(hit)
        return sorted(chosen)

    @staticmethod
    def _context(hits: list[_Hit]) -> _Context:
        context = _Context()
        for ref in (r for h in hits for r in h.refs):
            if not isinstance(ref.target, Place):
                continue
            street, community = ref.target.street_code, ref.target.community_code
            if ref.kind in ("street", "community") and street:
                context.streets.add(street)
                if not ref.derived and ref.kind == "street":
                    context.named_streets.add(street)
            if ref.kind == "community" and community:
                context.communities.add(community)
        return context

    def _exact(self, t: _Text, hits: list[_Hit], context: _Context) -> list[Match | None]:
        found: list[Match | None] = []
        bare: list[tuple[_Hit, str]] = []
        for hit in hits:
            for ref in hit.refs:
                if ref.kind == "road" and isinstance(ref.target, str):
                    number, end = house_number(t.text, hit.end)
                    found.append(self._on_road(ref.target, number, context, t.cut(hit.start, end)))
                    bare += [(hit, ref.target)] if number is None else []
            found += [self._on_place(t, hit, kind, context) for kind in ("compound", "landmark")]
        if len(bare) >= 2 and bare[0][1] != bare[1][1]:
            found.append(self._crossing(t, bare[0], bare[1], context))
        return [m for m in found if m is not None]

    def _on_road(
        self, key: str, number: int | None, context: _Context, matched: str, note: str = ""
    ) -> Match:
        """Road (+ number) → the segment holding the number, else the nearest, else the
        road's centre; a street named in the address picks among same-named roads."""
        roads = list(self._roads[key].values())
        pool = [r for r in roads if r.street_code in context.streets] or roads
        several = len(pool) > 1
        where: tuple[float | None, float | None, str | None]
        exact = [
            (r, s) for r in pool for s in r.segments if number is not None and s.contains(number)
        ]
        near = [(s.distance(number), r, s) for r in pool for s in r.segments if number is not None]
        if exact:
            (road, seg), kind, level = exact[0], "segment", SEGMENT
            level -= AMBIGUOUS_PENALTY if several and len(exact) == 1 else 0.0
            several = len({r.street_code for r, _ in exact}) > 1
            where = (seg.lon, seg.lat, seg.grid_code)
            note += f"{road.name}{seg.from_no}–{seg.to_no}号{_PARITY_ZH[seg.parity]}"
        elif near:
            _, road, seg = min(near, key=lambda x: x[0])
            kind, level, where = "road", NEAREST_SEGMENT, (seg.lon, seg.lat, seg.grid_code)
            note += f"{road.name}无{number}号，取最近门牌段{seg.from_no}–{seg.to_no}号"
        else:
            road, kind, level, where = pool[0], "road", ROAD, pool[0].centre()
            note += f"{road.name}（未给门牌号，取道路中段）"
        if kind == "road" and len(set[str]().union(*(r.grids() for r in pool))) == 1:
            level = max(level, ROAD_ONE_GRID)
        if several:
            level, note = min(level, AMBIGUOUS_CAP), note + "；多个街道有同名道路，未能区分"
        level -= CONFLICT_PENALTY if context.conflicts(road.street_code) else 0.0
        lon, lat, grid = where
        return Match(lon, lat, grid, None, road.street_code, round(level, 2), matched, kind, note)

    def _on_place(
        self,
        t: _Text,
        hit: _Hit,
        kind: str,
        context: _Context,
        penalty: float = 0.0,
        note: str = "",
    ) -> Match | None:
        places = [r.target for r in hit.refs if r.kind == kind and isinstance(r.target, Place)]
        pool = [
            p
            for p in places
            if p.community_code in context.communities or p.street_code in context.streets
        ] or places
        if not pool:
            return None
        place, level = pool[0], _LEVEL[kind] - penalty
        if len(pool) > 1:
            level, note = min(level, AMBIGUOUS_CAP), note + "；同名地点不止一处，未能区分"
        level -= CONFLICT_PENALTY if context.conflicts(place.street_code) else 0.0
        return Match(place.lon, place.lat, place.grid_code, place.community_code, place.street_code,
                     round(max(level, 0.05), 2), t.cut(hit.start, hit.end), kind, place.name + note)  # fmt: skip

    def _crossing(
        self, t: _Text, first: tuple[_Hit, str], second: tuple[_Hit, str], context: _Context
    ) -> Match | None:
        """Two roads without numbers (文德路与浦珠路交叉口): the one grid both run through."""
        pools = [
            [r for r in self._roads[key].values() if r.street_code in context.streets]
            or list(self._roads[key].values())
            for _, key in (first, second)
        ]
        grids = [{s.grid_code for r in pool for s in r.segments} for pool in pools]
        common = grids[0] & grids[1]
        if len(common) != 1:
            return None
        seg = next(s for r in pools[0] for s in r.segments if s.grid_code in common)
        names = "与".join(pool[0].name for pool in pools)
        matched = t.cut(first[0].start, second[0].end)
        return Match(seg.lon, seg.lat, seg.grid_code, None, seg.street_code, CROSSING, matched,
                     "crossing", f"{names}交汇处所在网格")  # fmt: skip

    # --- fuzzy ------------------------------------------------------------------------

    def _fuzzy(self, t: _Text, hits: list[_Hit], context: _Context) -> list[Match | None]:
        """Names with their suffix left out (文德12号, 桥北3栋), then names one edit away,
        looked for only in the text no given name covers; each costs FUZZY_PENALTY."""
        covered = [c.isdigit() for c in t.text]  # a window never takes a house number
        for hit in (h for h in hits if not h.refs[0].derived):
            covered[hit.start : hit.end] = [True] * (hit.end - hit.start)
        found: list[Match | None] = []
        for i, j in gaps(t.text, covered, t.start):
            found += self._settle(
                t, self._fuzzy_names.unsuffixed(t.text, i, j), context, "省略后缀"
            ) or self._settle(t, self._fuzzy_names.one_edit(t.text, i, j), context, "近似")
        return [m for m in found if m is not None]

    def _settle(
        self, t: _Text, near: list[tuple[int, int, _Ref]], context: _Context, how: str
    ) -> list[Match]:
        """Fuzzy candidates → matches; when they name several places, the address's street
        picks one, or none is trusted (at most AMBIGUOUS_CAP)."""
        pairs = [
            (ref, m)
            for start, end, ref in near
            if (m := self._fuzzy_ref(t, _Hit(start, end, (ref,)), ref, context, how))
        ]
        if len({ref.target for ref, _ in pairs}) > 1:
            pairs = [(ref, m) for ref, m in pairs if self._in_context(ref, context)] or pairs
        if len({ref.target for ref, _ in pairs}) > 1:
            return [replace(m, confidence=min(m.confidence, AMBIGUOUS_CAP),
                            detail=m.detail + "；近似名称不止一个") for _, m in pairs]  # fmt: skip
        return [m for _, m in pairs]

    def _in_context(self, ref: _Ref, context: _Context) -> bool:
        place = ref.target
        if isinstance(place, str):
            return any(street in context.streets for street in self._roads[place])
        return place.street_code in context.streets or place.community_code in context.communities

    def _fuzzy_ref(
        self, t: _Text, hit: _Hit, ref: _Ref, context: _Context, how: str
    ) -> Match | None:
        said = t.text[hit.start : hit.end]
        if ref.kind == "road" and isinstance(ref.target, str):
            number, end = house_number(t.text, hit.end)
            if how == "省略后缀" and number is None:
                return None  # 文德 alone is more likely the community than the road
            note = f"{how}：{said}→{ref.target}；"
            m = self._on_road(ref.target, number, context, t.cut(hit.start, end), note)
            return replace(m, confidence=round(m.confidence - FUZZY_PENALTY, 2))
        if how == "省略后缀" and not COMPOUND_TAIL.match(t.text, hit.end):
            return None
        name = ref.target.name if isinstance(ref.target, Place) else ref.target
        note = f"（{how}：{said}→{name}）"
        return self._on_place(t, hit._replace(refs=(ref,)), ref.kind, context, FUZZY_PENALTY, note)
