"""The dispatcher's queue (``/console/``): the cases of the viewer's jurisdiction by
view, state, warning, level, channel and street, most urgent first, refreshed live.

Views: ``tasks`` (what I move forward now: ``cases.tasks.my_tasks``), ``open`` (every
open case), ``warn`` (open with a yellow or red warning or overdue), ``closed``, ``all``.
What must hold: the rows come only from the gate (``scope_cases``/``my_tasks``); a filter
value that is not a known code is ignored rather than failing the page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Case as When_
from django.db.models import IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lianqin.cases.access import Actor, actor_for, scope_cases
from lianqin.cases.models import Case
from lianqin.cases.search import text_filter
from lianqin.cases.tasks import my_tasks
from lianqin.cases.workflow import OPEN, STATE_LABELS, State
from lianqin.choices import CHANNEL_LABELS, LEVEL_LABELS, WARNING_LABELS, Warning
from lianqin.org.models import Street

PAGE = 50
VIEWS = ("tasks", "open", "warn", "closed", "all")
ALERT = [Warning.YELLOW, Warning.RED, Warning.OVERDUE]
FILTERS = {
    "status": {s.value for s in STATE_LABELS},
    "warning": {w.value for w in WARNING_LABELS},
    "channel": {c.value for c in CHANNEL_LABELS},
    "level": {lv.value for lv in LEVEL_LABELS},
}


def _view_qs(actor: Actor, view: str) -> QuerySet[Case]:
    if view == "tasks":
        return my_tasks(actor)
    qs = scope_cases(actor)
    if view == "open":
        return qs.filter(status__in=list(OPEN))
    if view == "warn":
        return qs.filter(status__in=list(OPEN), warning__in=ALERT)
    if view == "closed":
        return qs.filter(status__in=[State.CLOSED, State.ARCHIVED])
    return qs


def _urgent_first(qs: QuerySet[Case]) -> QuerySet[Case]:
    severity = When_(
        *[When(warning=w.value, then=Value(i)) for i, w in enumerate(reversed(ALERT))],
        default=Value(9),
        output_field=IntegerField(),
    )
    return qs.annotate(severity=severity).order_by("severity", "stage_due", "-created_at")


def queue_query(actor: Actor, params: dict[str, str]) -> tuple[QuerySet[Case], dict[str, str]]:
    """The filtered, ordered cases and the filters actually applied."""
    asked = params.get("view", "")
    view = asked if asked in VIEWS else "tasks"
    applied = {"view": view}
    qs = _view_qs(actor, view)
    for name, known in FILTERS.items():
        value = params.get(name, "")
        if value in known:
            qs = qs.filter(**{name: value})
            applied[name] = value
    street = params.get("street", "")
    if street.isdigit():
        qs = qs.filter(area_code__startswith=street)
        applied["street"] = street
    text = params.get("q", "").strip()[:60]
    if text:
        qs = qs.filter(text_filter(text))
        applied["q"] = text
    qs = qs.select_related("category", "street", "community", "grid")
    ordered = qs.order_by("-created_at") if view in ("closed", "all") else _urgent_first(qs)
    return ordered, applied


def _page(request: HttpRequest, default: str = "tasks") -> dict[str, Any]:
    actor = actor_for(request.user)  # type: ignore[arg-type]
    qs, applied = queue_query(actor, {"view": default} | request.GET.dict())
    page = max(1, int(request.GET.get("page", "1") or 1) if request.GET.get("page", "1").isdigit()
               else 1)  # fmt: skip
    total = qs.count()
    rows = list(qs[(page - 1) * PAGE : page * PAGE])
    return {"rows": rows, "total": total, "page": page, "pages": max(1, -(-total // PAGE)),
            "applied": applied, "query": urlencode(applied), "actor": actor}  # fmt: skip


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Opens on "my tasks", or on every open case when the viewer has no tasks of their own
    (a district dispatcher's center holds few cases; the streets hold the rest)."""
    actor = actor_for(request.user)  # type: ignore[arg-type]
    counts = {v: _view_qs(actor, v).count() for v in ("tasks", "open", "warn")}
    context = _page(request, "tasks" if counts["tasks"] else "open")
    context["counts"] = counts
    context["views"] = VIEWS
    context["states"] = [(s.value, s) for s in STATE_LABELS]
    context["warnings"] = [w.value for w in WARNING_LABELS]
    context["channels"] = [c.value for c in CHANNEL_LABELS]
    context["levels"] = [lv.value for lv in LEVEL_LABELS if lv.value != "unit"]
    streets = Street.objects.order_by("code")
    if actor.scope_code:
        streets = streets.filter(code__startswith=actor.scope_code[:9])
    context["streets"] = streets
    return render(request, "console/queue.html", context)


@login_required
def queue_rows(request: HttpRequest) -> HttpResponse:
    """The table body alone, for htmx refreshes."""
    return render(request, "console/_queue_rows.html", _page(request))
