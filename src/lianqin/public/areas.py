"""The map of the citizens' page: the district's community outlines, names only.

There is no tile layer (nothing may load from outside the server), so the outlines are
the map: a citizen finds the place by its community and drops the pin. A community
without its own boundary is drawn as the union of its grids. Outlines are simplified
(about 10 m) and coordinates rounded to 5 decimals (about 1 m), so the whole district
stays a small download; the result is cached for ten minutes per process.

What must hold: only outlines and names leave the server — no codes of people, no cases.
"""

from __future__ import annotations

from typing import Any

import shapely
from django.core.cache import cache
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from lianqin.org.models import Community, Grid

CACHE_KEY = "lianqin:public:areas"
CACHE_SECONDS = 600
TOLERANCE = 0.0001


def areas() -> dict[str, Any]:
    found = cache.get(CACHE_KEY)
    if found is None:
        found = build()
        cache.set(CACHE_KEY, found, CACHE_SECONDS)
    return dict(found)


def build() -> dict[str, Any]:
    grids: dict[int, list[BaseGeometry]] = {}
    for community_id, boundary in Grid.objects.exclude(boundary=None).values_list(
        "community_id", "boundary"
    ):
        geometry = _shape(boundary)
        if geometry is not None:
            grids.setdefault(community_id, []).append(geometry)
    features: list[dict[str, Any]] = []
    bounds: list[tuple[float, float, float, float]] = []
    for pk, name, boundary in Community.objects.order_by("code").values_list(
        "pk", "name", "boundary"
    ):
        geometry = _shape(boundary) if boundary else None
        if geometry is None and grids.get(pk):
            geometry = shapely.union_all(grids[pk])
        if geometry is None or geometry.is_empty:
            continue
        geometry = geometry.simplify(TOLERANCE, preserve_topology=True)
        bounds.append(geometry.bounds)
        features.append(
            {
                "type": "Feature",
                "geometry": _rounded(mapping(geometry)),
                "properties": {"name": name},
            }
        )
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if bounds:
        collection["bbox"] = [
            round(min(b[0] for b in bounds), 5),
            round(min(b[1] for b in bounds), 5),
            round(max(b[2] for b in bounds), 5),
            round(max(b[3] for b in bounds), 5),
        ]
    return collection


def _shape(boundary: Any) -> BaseGeometry | None:
    try:
        geometry = shape(boundary)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError):
        return None
    if not geometry.is_valid:
        geometry = geometry.buffer(0)
    return None if geometry.is_empty else geometry


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value
