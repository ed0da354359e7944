"""The district's grid index, built from the database once per process and rebuilt when
a grid changes."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from lianqin.geo.gridindex import GridIndex
from lianqin.org.models import Grid

_index: GridIndex | None = None

#: Points this far (degrees, ≈ 200 m) outside every grid still go to the nearest one.
NEAREST_GRID_DEGREES = 0.002


def grid_index() -> GridIndex:
    global _index
    if _index is None:
        rows = Grid.objects.exclude(boundary=None).values_list("code", "boundary")
        _index = GridIndex((code, boundary) for code, boundary in rows.iterator() if boundary)
    return _index


@receiver([post_save, post_delete], sender=Grid)
def _forget(**_kwargs: object) -> None:
    global _index
    _index = None


def locate(lon: float, lat: float) -> Grid | None:
    code = grid_index().locate(lon, lat, max_distance=NEAREST_GRID_DEGREES)
    if code is None:
        return None
    return Grid.objects.select_related("community__street").get(code=code)
