"""The map (``/console/map/``): the grids are the map — their polygons drawn with no tile
layer — coloured by load (open cases) or by the worst warning in each, with the open
cases as clustered markers. The data come from two JSON views here, scoped by the gate."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from lianqin.cases.access import actor_for, scope_cases
from lianqin.cases.workflow import OPEN
from lianqin.choices import WARNING_ORDER
from lianqin.org.models import Grid

MAX_MARKERS = 5000


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    return render(request, "console/map.html")


def _grids_in_scope(request: HttpRequest) -> Any:
    actor = actor_for(request.user)  # type: ignore[arg-type]
    grids = Grid.objects.select_related("community__street").exclude(boundary=None)
    if actor.role == "grid_worker":
        grids = grids.filter(code__in=actor.grid_codes)
    elif actor.scope_code and not actor.is_unit:
        grids = grids.filter(code__startswith=actor.scope_code)
    return actor, grids


@login_required
def grids_geojson(request: HttpRequest) -> JsonResponse:
    """Grid polygons with their open-case count and worst warning (``?grid=CODE``: one)."""
    actor, grids = _grids_in_scope(request)
    if request.GET.get("grid"):
        grids = grids.filter(code=request.GET["grid"])
    open_cases = scope_cases(actor).filter(status__in=list(OPEN))
    load = dict(open_cases.values_list("area_code").annotate(n=Count("id")))
    worst: dict[str, int] = {}
    for code, level in open_cases.values_list("area_code", "warning").distinct():
        rank = WARNING_ORDER.index(level) if level in WARNING_ORDER else 0
        worst[code] = max(worst.get(code, 0), rank)
    features = [
        {"type": "Feature", "geometry": g.boundary,
         "properties": {"code": g.code, "name": g.name, "community": g.community.name,
                        "street": g.community.street.name, "open": load.get(g.code, 0),
                        "warning": WARNING_ORDER[worst.get(g.code, 0)].value}}
        for g in grids.order_by("code")
    ]  # fmt: skip
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
def cases_json(request: HttpRequest) -> JsonResponse:
    """The open located cases of the viewer's jurisdiction, for the markers."""
    actor = actor_for(request.user)  # type: ignore[arg-type]
    rows = (
        scope_cases(actor).filter(status__in=list(OPEN), lat__isnull=False)
        .order_by("-created_at")
        .values("number", "title", "status", "warning", "lon", "lat")[:MAX_MARKERS]
    )  # fmt: skip
    return JsonResponse({"cases": list(rows)})
