"""Realistic grid tilings for the grid-index benchmark (and its tests): pure numpy + shapely.

Real grid boundaries follow streets, walls and rivers: tens to hundreds of vertices per
polygon, not the five to eight of a Voronoi cell. Both generators here keep what the
index relies on and what a real register has: the polygons tile their area exactly —
every edge shared by two grids is the same polyline, vertex for vertex, in both.

- :func:`voronoi_tiling` — ``cols × rows`` Voronoi cells of a jittered lattice of
  seeds, warped so the centre is denser (small urban grids, large rural ones). Only the
  inner seeds' cells are kept; a two-seed margin keeps them unclipped, so neighbours
  share GEOS's own vertices and no clipping arithmetic can split them.
- :func:`jitter_tiling` — densifies every edge of an exact tiling and bends it with a
  smooth random perpendicular offset. Each distinct edge is bent ONCE and both
  neighbours use that polyline (one reversed), so the tiling stays exact. The offset
  vanishes at the edge's ends and is a function of the position along the edge, so an
  edge never crosses itself; where two bent edges meeting at a sharp corner would cross,
  the polygon comes out invalid and those edges are left straight.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import Polygon

_MAX_POINTS_PER_EDGE = 400
_REPAIR_ROUNDS = 6


def voronoi_tiling(
    cols: int,
    rows: int,
    *,
    origin: tuple[float, float] = (118.0, 31.5),
    cell: float = 0.005,
    seed: int = 0,
) -> list[Polygon]:
    """``cols × rows`` convex cells tiling a ragged rectangle around ``origin`` (lon, lat).

    ``cell`` is the lattice step in degrees before the warp; the warp makes central
    cells ~0.45× and outer cells up to ~1.5× that size.
    """
    rng = np.random.default_rng(seed)
    gx, gy = (a.ravel() for a in np.meshgrid(np.arange(-2, cols + 2), np.arange(-2, rows + 2)))
    x = gx + 0.5 + rng.uniform(-0.42, 0.42, gx.size)
    y = gy + 0.5 + rng.uniform(-0.42, 0.42, gy.size)
    x, y = _warp(x, y, cols, rows)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(np.c_[x, y]), ordered=True)
    )
    inner = (gx >= 0) & (gx < cols) & (gy >= 0) & (gy < rows)
    shift = np.array(origin)
    return list(shapely.transform(cells[inner], lambda xy: shift + xy * cell))


def _warp(x: np.ndarray, y: np.ndarray, cols: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Radial, monotone: r → r·(0.45 + 0.55·r/R), so density falls from the centre out."""
    cx, cy = cols / 2, rows / 2
    dx, dy = x - cx, y - cy
    r = np.hypot(dx, dy)
    scale = 0.45 + 0.55 * r / math.hypot(cx, cy)
    return cx + dx * scale, cy + dy * scale


def jitter_tiling(
    polygons: Sequence[Polygon],
    *,
    spacing: float,
    amplitude: float = 0.07,
    seed: int = 0,
) -> list[Polygon]:
    """The same tiling with every edge densified to ~``spacing`` and bent consistently.

    ``amplitude`` is the largest offset as a share of the edge's length. Polygons with
    holes are not supported (grids in a register have none; Voronoi cells cannot).
    """
    polys = np.asarray(polygons, dtype=object)
    if shapely.get_num_interior_rings(polys).any():
        raise ValueError("jitter_tiling supports polygons without holes only")
    edges = _Edges(polys)
    rng = np.random.default_rng(seed)
    spectrum = rng.normal(size=(len(edges.lo), 4)) / np.array([1.0, 2.0, 3.0, 4.0])
    phases = rng.uniform(0, 2 * math.pi, size=(len(edges.lo), 4))
    straight = np.zeros(len(edges.lo), dtype=bool)
    for _ in range(_REPAIR_ROUNDS):
        out = edges.rebuild(spacing, amplitude, spectrum, phases, straight)
        bad = ~shapely.is_valid(out)
        if not bad.any():
            return list(out)
        straight[edges.unique_of[np.isin(edges.ring, np.flatnonzero(bad))]] = True
    raise RuntimeError("could not jitter the tiling into valid polygons")


class _Edges:
    """Every polygon edge, in ring order, and the distinct edges they are copies of."""

    def __init__(self, polys: np.ndarray):
        coords, ring = shapely.get_coordinates(shapely.get_exterior_ring(polys), return_index=True)
        same = ring[:-1] == ring[1:]
        a, b = coords[:-1][same], coords[1:][same]
        self.ring = ring[:-1][same]
        self.start = a
        swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
        lo = np.where(swap[:, None], b, a)
        hi = np.where(swap[:, None], a, b)
        keys, self.unique_of = np.unique(np.c_[lo, hi], axis=0, return_inverse=True)
        self.unique_of = self.unique_of.ravel()
        self.reversed = swap
        self.lo, self.hi = keys[:, :2], keys[:, 2:]
        self.count = len(polys)

    def rebuild(
        self,
        spacing: float,
        amplitude: float,
        spectrum: np.ndarray,
        phases: np.ndarray,
        straight: np.ndarray,
    ) -> np.ndarray:
        inner, offsets, m = self._bend(spacing, amplitude, spectrum, phases, straight)
        u = self.unique_of
        per_edge = 1 + m[u]
        slot = np.cumsum(per_edge) - per_edge
        out = np.empty((int(per_edge.sum()), 2))
        out[slot] = self.start
        which = np.repeat(np.arange(len(u)), m[u])
        j = np.arange(len(which)) - np.repeat(np.cumsum(m[u]) - m[u], m[u])
        mw = m[u][which]
        src = offsets[u][which] + np.where(self.reversed[which], mw - 1 - j, j)
        out[slot[which] + 1 + j] = inner[src]
        rings = shapely.linearrings(out, indices=np.repeat(self.ring, per_edge))
        return shapely.polygons(rings)

    def _bend(
        self,
        spacing: float,
        amplitude: float,
        spectrum: np.ndarray,
        phases: np.ndarray,
        straight: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Interior points of every distinct edge, lo → hi, and where each edge's start."""
        d = self.hi - self.lo
        length = np.hypot(d[:, 0], d[:, 1])
        m = np.clip(np.ceil(length / spacing).astype(np.int64) - 1, 0, _MAX_POINTS_PER_EDGE)
        offsets = np.cumsum(m) - m
        edge = np.repeat(np.arange(len(m)), m)
        k = np.arange(len(edge)) - offsets[edge] + 1
        t = k / (m[edge] + 1)
        harmonics = np.arange(1, 5)
        wave = (spectrum[edge] * np.sin(np.pi * t[:, None] * harmonics + phases[edge])).sum(1)
        offset = amplitude * length[edge] * np.sin(np.pi * t) * np.clip(wave, -1.0, 1.0)
        offset[straight[edge]] = 0.0
        normal = np.c_[-d[:, 1], d[:, 0]] / np.maximum(length, 1e-300)[:, None]
        points = self.lo[edge] + t[:, None] * d[edge] + offset[:, None] * normal[edge]
        return points, offsets, m
