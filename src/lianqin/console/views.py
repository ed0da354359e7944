"""The landing page: the district at a glance, and where to go next. The full console
(queue, map, live updates) is built on the same gate in a later issue."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lianqin.cases.models import Case
from lianqin.cases.workflow import OPEN, STATE_LABELS, State
from lianqin.org.models import Community, District, Grid, Person, Street, Unit


def home(request: HttpRequest) -> HttpResponse:
    district = District.objects.first()
    streets = Street.objects.annotate(
        n_communities=Count("communities", distinct=True),
        open_cases=Count("case", filter=Q(case__status__in=list(OPEN)), distinct=True),
    ).order_by("code")
    by_state = dict(
        Case.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    context = {
        "district": district,
        "counts": {
            "streets": Street.objects.count(),
            "communities": Community.objects.count(),
            "grids": Grid.objects.count(),
            "grid_workers": Person.objects.filter(role="grid_worker").count(),
            "units": Unit.objects.count(),
            "cases": Case.objects.count(),
        },
        "states": [
            (STATE_LABELS[s].zh, STATE_LABELS[s].color, by_state.get(s.value, 0)) for s in State
        ],
        "streets": streets,
    }
    return render(request, "console/home.html", context)
