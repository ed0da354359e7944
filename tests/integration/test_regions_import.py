"""Importing a district's own GIS grids: repaired, checked, all or nothing, and back out."""

from __future__ import annotations

import json

import pytest

from lianqin.errors import InvalidInput
from lianqin.geo import service
from lianqin.geo.regions import export_regions, import_regions
from lianqin.geo.regions_io import write_csv_wkt, write_geojson
from lianqin.org.models import Center, Grid

BOX = [[118.60, 32.00], [118.62, 32.00], [118.62, 32.01], [118.60, 32.01], [118.60, 32.00]]
LEFT = [[118.60, 32.00], [118.61, 32.00], [118.61, 32.01], [118.60, 32.01], [118.60, 32.00]]
RIGHT = [[118.61, 32.00], [118.62, 32.00], [118.62, 32.01], [118.61, 32.01], [118.61, 32.00]]
BOWTIE = [[118.61, 32.00], [118.62, 32.01], [118.62, 32.00], [118.61, 32.01], [118.61, 32.00]]


def fc(*features):
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": c, "name": n, "households": h},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}
        for c, n, ring, h in features]}, ensure_ascii=False)  # fmt: skip


def district(right=RIGHT):
    return fc(("320111001", "江浦街道", BOX, 0), ("320111001001", "文德社区", BOX, 0),
              ("320111001001001", "文德社区第1网格", LEFT, 480),
              ("320111001001002", "文德社区第2网格", right, 520))  # fmt: skip


@pytest.mark.django_db
def test_import_then_locate_and_export_round_trip():
    result = import_regions(district(), source="grids.geojson", district_name="浦口区")
    assert result.written and result.counts == {"street": 1, "community": 1, "grid": 2}
    assert not result.errors and Center.objects.count() == 3
    assert service.locate_point(118.605, 32.005).grid.code == "320111001001001"
    on_border = service.locate_point(118.61, 32.005).grid.code
    assert on_border == "320111001001001"  # the smaller code wins a shared border
    records = export_regions()
    again = import_regions(write_geojson(records), source="again.geojson", dry_run=True)
    assert not again.errors and again.counts["grid"] == 2
    csv_again = import_regions(write_csv_wkt(records), source="again.csv", dry_run=True)
    assert not csv_again.errors and csv_again.counts["grid"] == 2


@pytest.mark.django_db
def test_dry_run_writes_nothing():
    result = import_regions(district(), source="grids.geojson", dry_run=True)
    assert not result.written and result.counts["grid"] == 2 and Grid.objects.count() == 0


@pytest.mark.django_db
def test_self_intersection_is_repaired_or_rejected_with_the_reason():
    repaired = import_regions(district(BOWTIE), source="g.geojson", dry_run=True)
    codes = {i.code for i in repaired.issues}
    assert "self_intersection_repaired" in codes or "geometry_repaired" in codes
    assert any("320111001001002" in i.region for i in repaired.issues)
    rejected = import_regions(district(BOWTIE), source="g.geojson", reject_invalid=True)
    assert rejected.errors and not rejected.written and Grid.objects.count() == 0


@pytest.mark.django_db
def test_overlap_and_gap_are_reported_with_area_and_place():
    overlapping = [
        [118.605, 32.00],
        [118.62, 32.00],
        [118.62, 32.01],
        [118.605, 32.01],
        [118.605, 32.00],
    ]
    result = import_regions(district(overlapping), source="g.geojson", dry_run=True)
    overlap = next(i for i in result.issues if i.code == "overlap")
    assert overlap.area_m2 and overlap.area_m2 > 100_000 and overlap.place
    short = [[118.61, 32.00], [118.615, 32.00], [118.615, 32.01], [118.61, 32.01], [118.61, 32.00]]
    gap = import_regions(district(short), source="g.geojson", dry_run=True)
    assert any(i.code == "gap" and i.area_m2 > 100_000 for i in gap.issues)
    strict = import_regions(district(short), source="g.geojson", strict=True)
    assert strict.errors and not strict.written


@pytest.mark.django_db
def test_missing_parent_is_an_error_and_nothing_is_written():
    text = fc(("320111001001001", "孤立网格", LEFT, 500))
    result = import_regions(text, source="g.geojson")
    assert any(i.code == "missing_parent" for i in result.errors) and Grid.objects.count() == 0


@pytest.mark.django_db
def test_unreadable_file_is_a_clear_error():
    with pytest.raises(InvalidInput) as info:
        import_regions("{not json", source="broken.geojson")
    assert "broken.geojson" in info.value.message and info.value.hint
