"""The district's spatial services, per process: the grid index and the gazetteer, built
from the database on first use and dropped when grids or gazetteer rows change.

:func:`place_report` decides where a new report is: an explicit grid, coordinates (in
the channel's declared coordinate system, converted to WGS-84), or an address resolved
through the gazetteer — and says how sure it is. A report that cannot be placed is
flagged for manual location, never dropped.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from lianqin.errors import InvalidInput
from lianqin.geo.coords import Crs, check_point, parse_crs
from lianqin.geo.gazetteer import Gazetteer, Match
from lianqin.geo.gridindex import GridIndex
from lianqin.geo.models import Place, Revision, RoadSegment
from lianqin.org.models import District, Grid

_index: GridIndex | None = None
#: grid rows by code (with community and street), filled on demand, dropped with _index
_grid_rows: dict[str, Grid | None] = {}
_gazetteer: Gazetteer | None = None
_seen: dict[str, int] = {}
_checked_at = 0.0
#: How often (seconds) a process asks whether another process changed grids or gazetteer.
REVISION_CHECK_SECONDS = 10.0

#: Points up to this far outside every grid still go to the nearest one
#: (``LIANQIN_NEAREST_GRID_METRES``, default 200 m; 0 turns it off).
NEAREST_GRID_METRES = float(os.environ.get("LIANQIN_NEAREST_GRID_METRES", "200"))
NEAREST_GRID_DEGREES = NEAREST_GRID_METRES / 111_320.0
#: Up to this many grid rows are read in one query on first use (else one by one).
PRELOAD_GRIDS = 20_000
#: Below this confidence an address match places the case but flags it for a person.
ADDRESS_CONFIDENCE_FLOOR = 0.6


def bump(*names: str) -> None:
    """Tell every process that these layers changed (call inside the writing transaction)."""
    for name in names:
        Revision.objects.get_or_create(name=name)
        Revision.objects.filter(name=name).update(number=F("number") + 1)
    forget()


def _check_revisions() -> None:
    """Drop caches that another process has made stale; asks the database at most every
    ``REVISION_CHECK_SECONDS``."""
    global _checked_at, _index, _gazetteer
    now = time.monotonic()
    if now - _checked_at < REVISION_CHECK_SECONDS:
        return
    _checked_at = now
    current = dict(Revision.objects.values_list("name", "number"))
    if current.get("grids", 0) != _seen.get("grids", 0):
        _index = None
        _grid_rows.clear()
    if current.get("gazetteer", 0) != _seen.get("gazetteer", 0):
        _gazetteer = None
    _seen.update(current)


def grid_index() -> GridIndex:
    global _index
    _check_revisions()
    if _index is None:
        rows = Grid.objects.exclude(boundary=None).values_list("code", "boundary")
        _index = GridIndex((code, boundary) for code, boundary in rows.iterator() if boundary)
    return _index


def gazetteer() -> Gazetteer:
    global _gazetteer
    _check_revisions()
    if _gazetteer is None:
        district = District.objects.order_by("id").first()
        from lianqin.geo.gazetteer_store import dump_gazetteer  # it imports this module

        places, segments = dump_gazetteer()
        _gazetteer = Gazetteer(
            places,
            segments,
            district_name=district.name if district else "",
            district_adcode=district.code if district else "",
        )
    return _gazetteer


@receiver([post_save, post_delete], sender=Grid)
def _forget_grids(**_kwargs: object) -> None:
    global _index
    _index = None
    _grid_rows.clear()


@receiver([post_save, post_delete], sender=Place)
@receiver([post_save, post_delete], sender=RoadSegment)
def _forget_gazetteer(**_kwargs: object) -> None:
    global _gazetteer
    _gazetteer = None


def forget() -> None:
    """Drop both caches in this process (after a bulk import, which sends no signals)."""
    global _index, _gazetteer, _checked_at
    _index, _gazetteer, _checked_at = None, None, 0.0
    _seen.clear()
    _grid_rows.clear()


@dataclass(frozen=True)
class Location:
    """Where a report is, how we know, and how sure we are."""

    grid: Grid | None
    lon: float | None
    lat: float | None
    source: str  # "grid", "gps", "address", "none"
    confidence: float
    matched: str = ""
    nearest: bool = False

    @property
    def needs_person(self) -> bool:
        return self.grid is None or self.confidence < ADDRESS_CONFIDENCE_FLOOR

    def as_dict(self) -> dict[str, Any]:
        """What the API and ``lianqin locate --json`` show."""
        g = self.grid
        return {
            "grid": g.code if g else None,
            "grid_name": g.name if g else None,
            "community": g.community.name if g else None,
            "street": g.community.street.name if g else None,
            "lon": self.lon,
            "lat": self.lat,
            "source": self.source,
            "confidence": round(self.confidence, 3),
            "matched": self.matched,
            "nearest": self.nearest,
        }


def locate_point(lon: float, lat: float, crs: str | Crs = Crs.WGS84) -> Location:
    """A point in any declared system → WGS-84 and its grid (or the nearest within reach)."""
    wgs_lon, wgs_lat = check_point(lon, lat, crs=parse_crs(str(crs)))
    index = grid_index()
    code = index.locate(wgs_lon, wgs_lat)
    nearest = False
    if code is None:
        code = index.locate(wgs_lon, wgs_lat, max_distance=NEAREST_GRID_DEGREES)
        nearest = code is not None
    grid = _grid(code)
    confidence = 0.0 if grid is None else (0.8 if nearest else 1.0)
    return Location(grid, wgs_lon, wgs_lat, "gps", confidence, nearest=nearest)


def locate_address(address: str) -> Location:
    """An address → the gazetteer's best match (with its confidence), or nothing."""
    match: Match | None = gazetteer().match(address) if address.strip() else None
    if match is None:
        return Location(None, None, None, "none", 0.0)
    grid = _grid(match.grid_code)
    return Location(grid, match.lon, match.lat, "address", match.confidence, match.matched)


def place_report(*, grid_code: str, lon: float | None, lat: float | None, crs: str,
                 address: str) -> Location:  # fmt: skip
    if grid_code:
        grid = _grid(grid_code)
        if grid is None:
            raise InvalidInput(
                f"未知网格编码 {grid_code!r}", field="grid", hint="网格编码为15位数字"
            )
        return Location(grid, lon, lat, "grid", 1.0)
    if lon is not None and lat is not None:
        return locate_point(lon, lat, crs)
    return locate_address(address)


def _grid(code: str | None) -> Grid | None:
    """The grid row for a code, cached per process like the index it belongs to."""
    if not code:
        return None
    _check_revisions()
    if not _grid_rows:
        # one query for a district's grids (hundreds to a few thousand rows)
        rows = Grid.objects.select_related("community__street")[:PRELOAD_GRIDS]
        _grid_rows.update((g.code, g) for g in rows)
    if code not in _grid_rows:
        _grid_rows[code] = (
            Grid.objects.select_related("community__street").filter(code=code).first()
        )
    return _grid_rows[code]
