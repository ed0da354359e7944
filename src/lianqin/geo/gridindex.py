"""Point → grid, one point or a million at a time. Pure (shapely 2 + numpy, no Django).

What must hold, in :meth:`GridIndex.locate` and in the batch path alike:

- a point covered by exactly one grid (inside it or on its border) gets that grid;
- a point covered by several grids — on a border they share, on a vertex shared by many,
  or where sloppy polygons overlap — gets the one with the smallest code;
- a point covered by no grid gets the nearest grid if one lies within ``max_distance``
  degrees (equally near grids: the smallest code), else ``None`` (index ``-1``);
- an empty index answers ``None`` everywhere.

"Covered" is shapely's ``covers(polygon, point)``; the batch results equal a brute-force
loop over every polygon, exactly, including points on edges and vertices.

Why a raster: a raw ``STRtree.query(points, predicate="intersects")`` walks the tree and
tests every candidate polygon's whole ring for every point (0.2–0.9 M points/s on these
machines over 100,000 grids). Nearly every point is deep inside one grid, where that
work proves what a lookup table already knows. So the index keeps a uniform raster over
the grids' bounding box — a few cells across a median grid — and stores per cell:

- ``OUTSIDE`` (-1) or a polygon index ≥ 0 when the cell is *pure*, or
- ``MIXED`` (-2) when some polygon boundary passes within ``pad`` of the cell.

Invariant: no polygon boundary comes within ``pad`` of a pure cell's closed box, so the
set of polygons covering a point is the same all over the box (and ``pad`` more), and
the stored value — its smallest index, or ``OUTSIDE`` — is the exact answer for every
point that maps to the cell. ``pad`` (1e-9 of the coordinates' magnitude, ~1 cm in
degrees) dwarfs the few-ulp error of mapping a coordinate to its cell, so a point that
lands in a neighbouring cell by rounding is still inside the padded box.

A lookup maps points to cells with vectorised arithmetic and answers pure cells by one
gather. Points in mixed cells (a share that falls as cells shrink) are sorted by cell —
neighbouring points hit the same polygons, which keeps the exact test in cache — and
answered exactly: bounding-box candidates from the STRtree, ``intersects_xy`` against
each (polygons over 256 vertices with GEOS's prepared point locator, smaller ones
directly: ~3 KB of locator per 100 vertices buys little there), smallest index kept. Points still outside go to ``STRtree.query_nearest`` when a
``max_distance`` is given.

The build marks mixed cells by cutting every ring segment into pieces at most half a
cell long and marking the (≤ 4) cells each padded piece's box touches — conservative,
never missing a cell; then it answers each row's runs of consecutive pure cells with
one exact query at the run's first cell (a run has no boundary, so one value holds).
Polygons are sorted by code, so "smallest index" is "smallest code".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

OUTSIDE = -1
MIXED = -2

_PAD = 1e-9  # of the largest coordinate magnitude: see the module docstring
_CHUNK = 1 << 18  # segments or cells per step: bounds the build's temporary memory
_PREPARE_ABOVE = 256  # vertices: see the module docstring
_NONE = np.iinfo(np.int64).max

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
GeometryInput: TypeAlias = Mapping[str, Any] | BaseGeometry


class GridIndex:
    """Grid polygons by code; ``locate`` one point, ``locate_many`` / ``locate_indices`` many.

    ``grids`` yields ``(code, geometry)``, the geometry a GeoJSON mapping or a shapely
    (Multi)Polygon; empty geometries are skipped, duplicate codes refused.
    ``cells_per_grid`` is the raster cells across a median grid, ``max_cells`` caps the
    raster (4 bytes a cell); both trade memory for the share of points needing an exact test.
    Read-only once built, so threads may share one index.
    """

    def __init__(
        self,
        grids: Iterable[tuple[str, GeometryInput]],
        *,
        cells_per_grid: float = 12.0,
        max_cells: int = 1 << 24,
    ):
        pairs = sorted(((code, _geometry(g)) for code, g in grids if g), key=lambda p: p[0])
        pairs = [(code, geom) for code, geom in pairs if not geom.is_empty]
        self.codes: list[str] = [code for code, _ in pairs]
        self.geoms: list[BaseGeometry] = [geom for _, geom in pairs]
        if len(set(self.codes)) != len(self.codes):
            raise ValueError("grid codes must be unique")
        self._geoms = np.empty(len(self.geoms), dtype=object)
        self._geoms[:] = self.geoms
        if not np.isin(shapely.get_type_id(self._geoms), (3, 6)).all():
            raise ValueError("grid geometries must be Polygon or MultiPolygon")
        _prepare_big(self._geoms)
        self.tree = STRtree(self._geoms)
        self._names = np.array([*self.codes, None], dtype=object)
        self._raster = (
            _Raster(self._geoms, self._covering, cells_per_grid, max_cells) if pairs else None
        )

    def __len__(self) -> int:
        return len(self.codes)

    def locate(self, lon: float, lat: float, *, max_distance: float = 0.0) -> str | None:
        """The grid code at (lon, lat) in WGS-84, or None."""
        _check_distance(max_distance)
        if self._raster is None:
            return None
        lon, lat = float(lon), float(lat)
        found = self._raster.value_at(lon, lat)
        if found == MIXED:
            found = self._covering_one(lon, lat)
        if found == OUTSIDE and max_distance > 0 and math.isfinite(lon) and math.isfinite(lat):
            point = shapely.Point(lon, lat)
            near = self.tree.query_nearest(point, max_distance=_reach(max_distance))
            found = int(near.min()) if len(near) else OUTSIDE
        return None if found < 0 else self.codes[found]

    def locate_many(
        self, lons: Sequence[float] | Floats, lats: Sequence[float] | Floats, *,
        max_distance: float = 0.0,
    ) -> list[str | None]:  # fmt: skip
        """``locate`` for each (lons[i], lats[i]), in order; same answers, batch speed."""
        found = self.locate_indices(lons, lats, max_distance=max_distance)
        return self._names[found].tolist()  # -1 → the trailing None

    def locate_indices(
        self, lons: Sequence[float] | Floats, lats: Sequence[float] | Floats, *,
        max_distance: float = 0.0,
    ) -> Ints:  # fmt: skip
        """Index into ``codes`` for each point, ``-1`` where ``locate`` says None.

        ``lons`` and ``lats`` are one-dimensional and equally long; NaN or infinite
        coordinates are outside everything.
        """
        _check_distance(max_distance)
        x, y = _coordinates(lons, lats)
        if self._raster is None:
            return np.full(len(x), OUTSIDE, dtype=np.int64)
        cells = self._raster.cells(x, y)
        found = self._raster.values[cells].astype(np.int64)
        mixed = np.flatnonzero(found == MIXED)
        if len(mixed):
            mixed = mixed[np.argsort(cells[mixed], kind="stable")]  # locality, see above
            found[mixed] = self._covering(x[mixed], y[mixed])
        if max_distance > 0:
            far = np.flatnonzero((found == OUTSIDE) & np.isfinite(x) & np.isfinite(y))
            if len(far):
                found[far] = self._nearest(x[far], y[far], max_distance)
        return found

    def describe(self) -> dict[str, float]:
        """The raster's shape: cell size (degrees), cells, mixed share, bytes."""
        if self._raster is None:
            return {"cells": 0, "cell_size": 0.0, "mixed_share": 0.0, "raster_bytes": 0}
        raster = self._raster
        return {
            "cells": raster.ncols * raster.nrows,
            "cell_size": raster.side,
            "mixed_share": float(np.mean(raster.values[:-1] == MIXED)),
            "raster_bytes": raster.values.nbytes,
        }

    def _covering(self, x: Floats, y: Floats) -> Ints:
        """Smallest index of a polygon covering each point, or -1: the exact path."""
        best = np.full(len(x), _NONE, dtype=np.int64)
        if len(x):
            point, geom = self.tree.query(shapely.points(x, y))
            hit = shapely.intersects_xy(self._geoms[geom], x[point], y[point])
            np.minimum.at(best, point[hit], geom[hit])
        best[best == _NONE] = OUTSIDE
        return best

    def _covering_one(self, lon: float, lat: float) -> int:
        candidates = self.tree.query(shapely.Point(lon, lat))
        hits = candidates[shapely.intersects_xy(self._geoms[candidates], lon, lat)]
        return int(hits.min()) if len(hits) else OUTSIDE

    def _nearest(self, x: Floats, y: Floats, max_distance: float) -> Ints:
        best = np.full(len(x), _NONE, dtype=np.int64)
        point, geom = self.tree.query_nearest(
            shapely.points(x, y), max_distance=_reach(max_distance), all_matches=True
        )
        np.minimum.at(best, point, geom)
        best[best == _NONE] = OUTSIDE
        return best


class _Raster:
    """The uniform raster of pure/mixed cells (see the module docstring).

    ``values`` is flat, row-major (``row * ncols + col``), plus one trailing
    ``OUTSIDE`` slot that every point off the raster maps to.
    """

    def __init__(
        self,
        geoms: npt.NDArray[np.object_],
        covering: Callable[[Floats, Floats], Ints],
        cells_per_grid: float,
        max_cells: int,
    ):
        if not (cells_per_grid > 0 and max_cells >= 1):
            raise ValueError("cells_per_grid must be > 0 and max_cells >= 1")
        xmin, ymin, xmax, ymax = (float(v) for v in shapely.total_bounds(geoms))
        self.pad = _PAD * max(1.0, abs(xmin), abs(xmax), abs(ymin), abs(ymax))
        width, height = xmax - xmin + 4 * self.pad, ymax - ymin + 4 * self.pad
        self.side = _cell_side(geoms, width, height, cells_per_grid, max_cells, self.pad)
        self.inv = 1.0 / self.side
        self.x0, self.y0 = xmin - 2 * self.pad, ymin - 2 * self.pad
        self.ncols = math.floor(width * self.inv) + 1
        self.nrows = math.floor(height * self.inv) + 1
        mixed = self._mark_boundaries(geoms)
        self.values = self._fill_runs(mixed, covering)

    def cells(self, x: Floats, y: Floats) -> Ints:
        """Flat cell of each point; the trailing OUTSIDE slot when off the raster or NaN."""
        with np.errstate(invalid="ignore"):
            col = np.floor((x - self.x0) * self.inv)
            row = np.floor((y - self.y0) * self.inv)
            on = (col >= 0) & (col < self.ncols) & (row >= 0) & (row < self.nrows)
        flat = np.full(len(x), self.ncols * self.nrows, dtype=np.int64)
        flat[on] = row[on].astype(np.int64) * self.ncols + col[on].astype(np.int64)
        return flat

    def value_at(self, lon: float, lat: float) -> int:
        """``cells`` for one point, in plain Python (same arithmetic, same cell)."""
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return OUTSIDE
        col = math.floor((lon - self.x0) * self.inv)
        row = math.floor((lat - self.y0) * self.inv)
        if 0 <= col < self.ncols and 0 <= row < self.nrows:
            return int(self.values[row * self.ncols + col])
        return OUTSIDE

    def _mark_boundaries(self, geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
        """Every cell some ring passes within ``pad`` of (conservatively: maybe a few more)."""
        mixed = np.zeros(self.ncols * self.nrows, dtype=bool)
        rings = shapely.get_rings(shapely.get_parts(geoms))
        ends = np.cumsum(shapely.get_num_coordinates(rings))
        cuts = np.searchsorted(ends, np.arange(_CHUNK, ends[-1], _CHUNK))
        for chunk in np.split(rings, np.unique(cuts)):
            coords, ring = shapely.get_coordinates(chunk, return_index=True)
            same = ring[1:] == ring[:-1]
            self._mark_segments(mixed, coords[:-1][same], coords[1:][same])
        return mixed

    def _mark_segments(self, mixed: npt.NDArray[np.bool_], a: Floats, b: Floats) -> None:
        """Cut segments into pieces ≤ half a cell per axis; a padded piece spans ≤ 2×2 cells."""
        d = b - a
        span = np.maximum(np.abs(d[:, 0]), np.abs(d[:, 1])) * self.inv
        pieces = np.maximum(1, np.ceil(2 * span)).astype(np.int64)
        seg = np.repeat(np.arange(len(a)), pieces)
        step = np.arange(len(seg)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        t0 = (step / pieces[seg])[:, None]
        t1 = ((step + 1) / pieces[seg])[:, None]
        p0, p1 = a[seg] + t0 * d[seg], a[seg] + t1 * d[seg]
        lo, hi = np.minimum(p0, p1) - self.pad, np.maximum(p0, p1) + self.pad
        col0, col1 = (
            self._index(lo[:, 0], self.x0, self.ncols),
            self._index(hi[:, 0], self.x0, self.ncols),
        )
        row0, row1 = (
            self._index(lo[:, 1], self.y0, self.nrows),
            self._index(hi[:, 1], self.y0, self.nrows),
        )
        for row in (row0, row1):
            for col in (col0, col1):
                mixed[row * self.ncols + col] = True

    def _index(self, v: Floats, origin: float, count: int) -> Ints:
        return np.clip(np.floor((v - origin) * self.inv), 0, count - 1).astype(np.int64)

    def _fill_runs(
        self, mixed: npt.NDArray[np.bool_], covering: Callable[[Floats, Floats], Ints]
    ) -> npt.NDArray[np.int32]:
        """Pure cells get the exact answer at the first cell of their row run."""
        values = np.full(mixed.size + 1, MIXED, dtype=np.int32)
        values[-1] = OUTSIDE
        rows_per_block = max(1, _CHUNK // self.ncols)
        for top in range(0, self.nrows, rows_per_block):
            block = mixed[top * self.ncols : (top + rows_per_block) * self.ncols]
            grid = block.reshape(-1, self.ncols)
            begins = ~grid
            begins[:, 1:] &= grid[:, :-1]
            starts = begins.ravel()
            first = np.flatnonzero(starts)
            col = (first % self.ncols).astype(np.float64)
            row = (first // self.ncols + top).astype(np.float64)
            answer = covering(self.x0 + (col + 0.5) * self.side, self.y0 + (row + 0.5) * self.side)
            pure = ~block
            run = np.cumsum(starts) - 1
            offset = top * self.ncols
            target = values[offset : offset + block.size]
            target[pure] = answer[run[pure]]
        return values


def _cell_side(
    geoms: npt.NDArray[np.object_],
    width: float,
    height: float,
    cells_per_grid: float,
    max_cells: int,
    pad: float,
) -> float:
    """A few cells across a median grid, grown until the raster fits ``max_cells``."""
    areas = shapely.area(geoms)
    areas = areas[areas > 0]
    if len(areas):
        side = math.sqrt(float(np.median(areas))) / cells_per_grid
    else:
        side = max(width, height) / cells_per_grid
    side = max(side, 16 * pad)  # a padded half-cell piece must stay under one cell
    while (math.floor(width / side) + 1) * (math.floor(height / side) + 1) > max_cells:
        cells = (math.floor(width / side) + 1) * (math.floor(height / side) + 1)
        side *= max(1.001, math.sqrt(cells / max_cells))
    return side


def _prepare_big(geoms: npt.NDArray[np.object_]) -> None:
    """Give big polygons GEOS's point locator now, while one thread owns the index.

    GEOS builds a prepared polygon's locator lazily on its first query, and that is not
    thread-safe (libgeos/geos#825); web workers share the index, so no query may be first.
    """
    big = geoms[shapely.get_num_coordinates(geoms) > _PREPARE_ABOVE]
    if len(big):
        shapely.prepare(big)
        corner = shapely.bounds(big)
        shapely.intersects_xy(big, corner[:, 0], corner[:, 1])


def _geometry(value: GeometryInput) -> BaseGeometry:
    return value if isinstance(value, BaseGeometry) else shape(value)


def _coordinates(
    lons: Sequence[float] | Floats, lats: Sequence[float] | Floats
) -> tuple[Floats, Floats]:
    x = np.asarray(lons, dtype=np.float64)
    y = np.asarray(lats, dtype=np.float64)
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError("lons and lats must be one-dimensional")
    if x.shape != y.shape:
        raise ValueError(f"{len(x)} lons but {len(y)} lats")
    return x, y


def _check_distance(max_distance: float) -> None:
    if not max_distance >= 0:  # also refuses NaN
        raise ValueError("max_distance must be >= 0")


def _reach(max_distance: float) -> float | None:
    """``query_nearest`` wants None, not infinity, for "no limit"."""
    return None if math.isinf(max_distance) else max_distance
