"""The landing page: the district at a glance, within the viewer's jurisdiction, and
where to go next. The full console (queue, map, live updates) comes in a later issue and
stands on the same gate."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lianqin.cases.access import actor_for, scope_cases
from lianqin.cases.workflow import OPEN, STATE_LABELS, State
from lianqin.errors import Forbidden
from lianqin.org.models import Community, District, Grid, Person, Street, Unit


def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"district": District.objects.first()}
    if request.user.is_authenticated:
        try:
            context.update(_overview(actor_for(request.user)))
        except Forbidden as exc:
            context["refusal"] = exc.message
    return render(request, "console/home.html", context)


def _overview(actor: Any) -> dict[str, Any]:
    cases = scope_cases(actor)
    by_state = dict(cases.values_list("status").annotate(n=Count("id")))
    open_by_street = dict(
        cases.filter(status__in=list(OPEN)).values_list("street").annotate(n=Count("id"))
    )
    streets = Street.objects.annotate(n_communities=Count("communities")).order_by("code")
    if actor.scope_code:
        streets = streets.filter(Q(code__startswith=actor.scope_code[:9]))
    return {
        "counts": {
            "streets": Street.objects.count(),
            "communities": Community.objects.count(),
            "grids": Grid.objects.count(),
            "grid_workers": Person.objects.filter(role="grid_worker").count(),
            "units": Unit.objects.count(),
            "cases": cases.count(),
        },
        "states": [
            (STATE_LABELS[s].zh, STATE_LABELS[s].color, by_state.get(s.value, 0)) for s in State
        ],
        "streets": [(s, open_by_street.get(s.pk, 0)) for s in streets],
    }
