"""The demo district has the pilot's shape: counts, people, every state, ~90 % on site."""

from __future__ import annotations

import io

from django.db.models import Count
from rich.console import Console

from lianqin.cases.models import ApprovalRequest, Case, Report
from lianqin.cases.workflow import State
from lianqin.choices import Role
from lianqin.demo.builder import build_demo, demo_exists
from lianqin.evaluation.models import InspectionItem
from lianqin.geo.models import Place, RoadSegment
from lianqin.intake.models import QuarantinedPayload
from lianqin.org.models import Center, Community, Grid, Person, Street, Unit


def test_demo_district_has_the_pilot_shape(db):
    assert not demo_exists()
    build_demo(seed=7, days=6, per_day=60, console=Console(file=io.StringIO()))
    assert demo_exists()
    assert Street.objects.count() == 10
    assert Community.objects.count() == 120 and Community.objects.filter(rural=True).exists()
    assert Grid.objects.count() == 719 and not Grid.objects.filter(boundary=None).exists()
    assert Center.objects.count() == 1 + 10 + 120
    assert Person.objects.filter(role=Role.GRID_WORKER).count() == 3038
    assert Grid.objects.annotate(n=Count("workers")).filter(n=0).count() == 0
    assert Unit.objects.count() >= 20
    assert {r.value for r in Role} - {"system"} <= set(
        Person.objects.values_list("role", flat=True)
    )
    urban = Grid.objects.filter(community__rural=False).values_list("households", flat=True)
    rural = Grid.objects.filter(community__rural=True).values_list("households", flat=True)
    assert 450 <= sum(urban) / len(urban) <= 550 and 270 <= sum(rural) / len(rural) <= 330
    states = set(Case.objects.values_list("status", flat=True))
    assert states >= set(State) - {State.MERGED}, set(State) - states
    channels = set(Case.objects.values_list("channel", flat=True))
    assert len(channels) >= 8
    on_site = Case.objects.filter(mode="on_site").count()
    dispatched = Case.objects.filter(mode="dispatched").count()
    assert 0.8 <= on_site / (on_site + dispatched) <= 0.97
    assert Case.objects.exclude(grid=None).count() == Case.objects.count()
    # the demo ships a gazetteer; 12345 and online petitions are placed by their address
    assert Place.objects.filter(kind="compound").exists() and RoadSegment.objects.count() > 500
    by_address = Case.objects.filter(location_source="address")
    assert by_address.exists() and not by_address.filter(location_confidence__lt=0.9).exists()
    assert Case.objects.filter(location_source="gps").count() > by_address.count()
    # the intake ran on real channel payloads: one problem from three channels is one case,
    # camera alarms wait for a person, malformed payloads wait in the quarantine
    joined = Report.objects.filter(joined="merged").values_list("case", flat=True)
    trio = Case.objects.filter(pk__in=joined, report_count=3).first()
    assert trio is not None
    assert set(trio.reports.values_list("channel", flat=True)) == {
        "hotline_12345", "alarm_110", "patrol"}  # fmt: skip
    assert Report.objects.filter(state="awaiting", channel="video").count() == 2
    assert QuarantinedPayload.objects.filter(state="open").count() == 3
    # every path of the loop has something to open: a sample inspection, an approval
    assert InspectionItem.objects.filter(inspector__role="inspector").count() >= 5
    assert ApprovalRequest.objects.filter(state="pending").count() == 1
    # the district's first classifier, trained on the history's closed cases, is active
    from lianqin.triage.models import ClassifierModel

    model = ClassifierModel.objects.get(active=True)
    assert model.n_train > 50 and len(model.labels) >= 5
    assert Case.objects.filter(triage__category__0__source="classifier").exists()
    # the centers have a roster, someone is on duty now at the district center
    from lianqin.duty.models import DutyShift, Handover

    assert DutyShift.objects.filter(center__level="district").exists() and Handover.objects.exists()
