"""Point → grid with an in-process STRtree. Pure (shapely only).

What must hold: a point inside exactly one grid gets that grid; a point on a border
shared by several grids gets the one with the smallest code, deterministically; a point
outside every grid gets ``None`` unless a grid lies within ``max_distance`` degrees,
then the nearest one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.strtree import STRtree


class GridIndex:
    def __init__(self, grids: Iterable[tuple[str, Mapping[str, Any]]]):
        pairs = sorted((code, shape(geojson)) for code, geojson in grids if geojson)
        self.codes = [code for code, _ in pairs]
        self.geoms = [geom for _, geom in pairs]
        for geom in self.geoms:
            shapely.prepare(geom)
        self.tree = STRtree(self.geoms)

    def __len__(self) -> int:
        return len(self.codes)

    def locate(self, lon: float, lat: float, *, max_distance: float = 0.0) -> str | None:
        """The grid code at (lon, lat) in WGS-84, or None."""
        if not self.codes:
            return None
        point = shapely.Point(lon, lat)
        hits = self.tree.query(point, predicate="intersects")
        if len(hits):
            return self.codes[int(min(hits))]
        if max_distance > 0:
            nearest = self.tree.query_nearest(point, max_distance=max_distance)
            if len(nearest):
                return self.codes[int(min(nearest))]
        return None
