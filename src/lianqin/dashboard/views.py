"""The leaders' dashboard: the page (``/dashboard/``) and its figures
(``/dashboard/data.json?days=30``). Thin: the gate, then ``queries.dashboard_data``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from lianqin.cases.access import actor_for
from lianqin.dashboard.figures import PERIODS
from lianqin.dashboard.queries import check_may_view, dashboard_data, parse_days
from lianqin.errors import LianqinError, Unauthenticated


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    try:
        actor = actor_for(request.user)  # type: ignore[arg-type]
        check_may_view(actor)
        days = parse_days(request.GET.get("days"))
    except LianqinError as exc:
        return render(request, "console/error.html", {"error": exc}, status=exc.http_status)
    return render(request, "dashboard/dashboard.html", {"days": days, "periods": PERIODS})


def data(request: HttpRequest) -> JsonResponse:
    """The figures as JSON; errors as ``{code, message, hint, field}`` with their status."""
    try:
        if not request.user.is_authenticated:
            raise Unauthenticated("请先登录", hint="登录后再打开领导看板")
        actor = actor_for(request.user)
        check_may_view(actor)
        days = parse_days(request.GET.get("days"))
    except LianqinError as exc:
        return JsonResponse(exc.as_dict(), status=exc.http_status)
    return JsonResponse(dashboard_data(actor, days))
