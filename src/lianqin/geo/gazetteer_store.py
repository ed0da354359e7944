"""The gazetteer in the database: bulk load (from CSV or the demo) and dump."""

from __future__ import annotations

from django.db import transaction

from lianqin.geo import service
from lianqin.geo.gazetteer import Place as PlaceInfo
from lianqin.geo.gazetteer import RoadSegment as SegmentInfo
from lianqin.geo.models import Place, RoadSegment


@transaction.atomic
def load_gazetteer(
    places: list[PlaceInfo], segments: list[SegmentInfo], *, replace: bool = False
) -> None:
    if replace:
        Place.objects.all().delete()
        RoadSegment.objects.all().delete()
    Place.objects.bulk_create(
        [Place(kind=p.kind, name=p.name, aliases=list(p.aliases), street_code=p.street_code or "",
               community_code=p.community_code or "", grid_code=p.grid_code or "", lon=p.lon,
               lat=p.lat) for p in places],
        batch_size=1000,
    )  # fmt: skip
    RoadSegment.objects.bulk_create(
        [RoadSegment(road=s.road, street_code=s.street_code or "", from_no=s.from_no,
                     to_no=s.to_no, parity=s.parity, grid_code=s.grid_code, lon=s.lon, lat=s.lat)
         for s in segments],
        batch_size=1000,
    )  # fmt: skip
    service.bump("gazetteer")


def dump_gazetteer() -> tuple[list[PlaceInfo], list[SegmentInfo]]:
    places = [
        PlaceInfo(p.kind, p.name, tuple(p.aliases), p.grid_code or None, p.community_code or None,
                  p.street_code or None, p.lon, p.lat)
        for p in Place.objects.order_by("kind", "name", "id")
    ]  # fmt: skip
    segments = [
        SegmentInfo(s.road, s.street_code or None, s.from_no, s.to_no, s.parity, s.grid_code,
                    s.lon, s.lat)
        for s in RoadSegment.objects.order_by("road", "from_no", "id")
    ]  # fmt: skip
    return places, segments
