"""The indicator tables (``/dashboard/indicators/``) and their JSON: thin — the gate, the
parameters, then ``evaluation.queries.indicator_table``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from lianqin.cases.access import actor_for
from lianqin.errors import LianqinError, Unauthenticated
from lianqin.evaluation import indicators as ind
from lianqin.evaluation import queries

DIM_LABELS = {"district": "区", "street": "街道", "community": "社区", "grid": "网格",
              "channel": "渠道", "category": "类别", "unit": "参勤单位", "worker": "网格员"}  # fmt: skip
PERIOD_LABELS = {"day": "日", "week": "周", "month": "月", "quarter": "季度", "year": "年"}


def _table(request: HttpRequest) -> dict:
    if not request.user.is_authenticated:
        raise Unauthenticated("请先登录", hint="登录后再查看指标")
    actor = actor_for(request.user)
    queries.check_may_view(actor)
    today = timezone.localdate()
    dim, kind, day = queries.parse(
        request.GET.get("dim"), request.GET.get("period"), request.GET.get("date"), today
    )
    return queries.indicator_table(actor, dim=dim, kind=kind, day=day)


@login_required
def page(request: HttpRequest) -> HttpResponse:
    try:
        table = _table(request)
    except LianqinError as exc:
        return render(request, "console/error.html", {"error": exc}, status=exc.http_status)
    shown = [i for i in ind.INDICATORS]
    return render(request, "dashboard/indicators.html", {
        "table": table, "shown": shown, "dims": DIM_LABELS, "periods": PERIOD_LABELS,
        "date": table["period"]["start"],
    })  # fmt: skip


def data(request: HttpRequest) -> JsonResponse:
    try:
        return JsonResponse(_table(request))
    except LianqinError as exc:
        return JsonResponse(exc.as_dict(), status=exc.http_status)
