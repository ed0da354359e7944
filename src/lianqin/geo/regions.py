"""Importing and exporting streets, communities and grids; the grid-planning report.

The pure modules read and check (``regions_io``, ``validate``, ``planning``); this one
talks to the database. An import is all or nothing: any error rolls the whole file back,
and ``dry_run`` always rolls back, so an operator can see every issue first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count
from shapely.geometry import mapping, shape

from lianqin.errors import InvalidInput
from lianqin.geo import service
from lianqin.geo.planning import (
    GridInfo,
    PlanReport,
    WorkerInfo,
    neighbours_from_polygons,
    plan_grids,
)
from lianqin.geo.regions_io import RegionRecord, read_csv_wkt, read_geojson
from lianqin.geo.validate import Issue, check, repair
from lianqin.org.models import Community, District, Grid, Person, Street
from lianqin.org.reference import ensure_centers

#: A degree of latitude, in km; a degree of longitude is this × cos(latitude).
KM_PER_DEGREE = 111.32


@dataclass
class ImportResult:
    counts: dict[str, int] = field(default_factory=lambda: {"street": 0, "community": 0, "grid": 0})
    issues: list[Issue] = field(default_factory=list)
    written: bool = False

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]


class _Rollback(Exception):
    pass


def read_regions(text: str, *, source: str) -> list[RegionRecord]:
    """GeoJSON or CSV-with-WKT, told apart by the file name (``.csv``) or the content."""
    if source.lower().endswith(".csv") or not text.lstrip().startswith("{"):
        return read_csv_wkt(text, source=source)
    return read_geojson(text, source=source)


def _existing_parents(records: list[RegionRecord]) -> dict[str, Any]:
    """Boundaries already in the database for parents the file does not bring."""
    in_file = {r.code for r in records}
    wanted = {r.code[: len(r.code) - 3] for r in records if len(r.code) > 9} - in_file
    found: dict[str, Any] = {}
    for model in (Street, Community):
        for code, boundary in model.objects.filter(code__in=wanted).values_list("code", "boundary"):
            found[code] = shape(boundary) if boundary else None
    return found


def import_regions(text: str, *, source: str, district_name: str = "", dry_run: bool = False,
                   reject_invalid: bool = False, strict: bool = False) -> ImportResult:  # fmt: skip
    """Read, repair (or reject) invalid polygons, check the layout, then write it all."""
    records = read_regions(text, source=source)
    if not records:
        raise InvalidInput(f"{source} 中没有街道、社区或网格", hint="至少包含一个要素/一行")
    result = ImportResult()
    fixed = []
    for record in records:
        record, issue = repair(record, policy="reject" if reject_invalid else "repair")
        fixed.append(record)
        if issue is not None:
            result.issues.append(issue)
    if result.errors:  # invalid polygons cannot be checked against each other
        return result
    result.issues += check(fixed, existing_parents=_existing_parents(fixed), strict=strict)
    if result.errors:
        return result
    try:
        with transaction.atomic():
            _write(sorted(fixed, key=lambda r: len(r.code)), district_name, result.counts)
            service.bump("grids")
            if dry_run:
                raise _Rollback
            result.written = True
    except _Rollback:
        pass
    service.forget()
    return result


def _write(records: list[RegionRecord], district_name: str, counts: dict[str, int]) -> None:
    code6 = records[0].code[:6]
    district, _ = District.objects.get_or_create(
        code=code6, defaults={"name": district_name or code6}
    )
    if district_name and district.name != district_name:
        district.name = district_name
        district.save(update_fields=["name"])
    for r in records:
        common = {"name": r.name, "boundary": mapping(r.geometry)}
        if r.level == "street":
            Street.objects.update_or_create(code=r.code, defaults={**common, "district": district})
        elif r.level == "community":
            Community.objects.update_or_create(code=r.code, defaults={
                **common, "street": Street.objects.get(code=r.code[:9]), "rural": r.rural,
                "households": r.households, "population": r.population})  # fmt: skip
        else:
            point = r.geometry.representative_point()
            Grid.objects.update_or_create(code=r.code, defaults={
                **common, "community": Community.objects.get(code=r.code[:12]),
                "households": r.households, "centroid_lon": round(point.x, 7),
                "centroid_lat": round(point.y, 7)})  # fmt: skip
        counts[r.level] += 1
    ensure_centers(district)


def export_regions(levels: Iterable[str] = ("street", "community", "grid")) -> list[RegionRecord]:
    """The regions as records, streets first, for GeoJSON or CSV export."""
    out: list[RegionRecord] = []
    levels = set(levels)
    if "street" in levels:
        out += [RegionRecord(s.code, s.name, "street", shape(s.boundary), source_ref="database")
                for s in Street.objects.exclude(boundary=None).order_by("code")]  # fmt: skip
    if "community" in levels:
        out += [RegionRecord(c.code, c.name, "community", shape(c.boundary), c.households,
                             c.population, c.rural, "database")
                for c in Community.objects.exclude(boundary=None).order_by("code")]  # fmt: skip
    if "grid" in levels:
        out += [RegionRecord(g.code, g.name, "grid", shape(g.boundary), g.households, 0,
                             g.community.rural, "database")
                for g in Grid.objects.exclude(boundary=None).select_related("community")
                .order_by("code")]  # fmt: skip
    return out


def _area_km2(geom: Any) -> float:
    from math import cos, radians

    lat = geom.centroid.y
    return geom.area * KM_PER_DEGREE * KM_PER_DEGREE * cos(radians(lat))


def planning_report(*, urban_target: int = 500, rural_target: int = 300, tolerance: float = 0.2,
                    community: str = "") -> PlanReport:  # fmt: skip
    """The grid-planning report over the whole district (or one community's code prefix)."""
    grids = Grid.objects.select_related("community").exclude(boundary=None)
    if community:
        grids = grids.filter(code__startswith=community)
    rows = list(grids.annotate(n_workers=Count("workers")).order_by("code"))
    geoms = {g.code: shape(g.boundary) for g in rows}
    neighbours = neighbours_from_polygons(list(geoms.items()))
    infos = [
        GridInfo(g.code, g.name, g.community.code, g.community.rural, g.households,
                 round(_area_km2(geoms[g.code]), 4), tuple(neighbours.get(g.code, ())), g.n_workers)
        for g in rows
    ]  # fmt: skip
    codes = set(geoms)
    workers: dict[int, WorkerInfo] = {}
    through = Grid.workers.through.objects.filter(grid__code__in=codes).select_related(
        "grid", "person"
    )
    for link in through:
        person: Person = link.person
        prev = workers.get(person.pk)
        grids_of = (*prev.grids, link.grid.code) if prev else (link.grid.code,)
        workers[person.pk] = WorkerInfo(person.pk, str(person), grids_of)
    return plan_grids(infos, list(workers.values()), urban_target=urban_target,
                      rural_target=rural_target, tolerance=tolerance)  # fmt: skip
