"""The indicator tables (``/dashboard/indicators/``) and their JSON: thin — the gate, the
parameters, then ``evaluation.queries.indicator_table``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from lianqin.cases.access import actor_for
from lianqin.errors import LianqinError, Unauthenticated
from lianqin.evaluation import indicators as ind
from lianqin.evaluation import queries

DIM_LABELS = {"district": _("区"), "street": _("街道"), "community": _("社区"), "grid": _("网格"),
              "channel": _("渠道"), "category": _("类别"), "unit": _("参勤单位"),
              "worker": _("网格员")}  # fmt: skip
PERIOD_LABELS = {"day": _("日"), "week": _("周"), "month": _("月"), "quarter": _("季度"),
                 "year": _("年")}  # fmt: skip


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
    english = (get_language() or "").startswith("en")
    shown = [{"code": i.code, "kind": i.kind, "definition": i.definition,
              "zh": i.en if english else i.zh} for i in ind.INDICATORS]  # fmt: skip
    return render(request, "dashboard/indicators.html", {
        "table": table, "shown": shown, "dims": DIM_LABELS, "periods": PERIOD_LABELS,
        "date": table["period"]["start"],
    })  # fmt: skip


def data(request: HttpRequest) -> JsonResponse:
    try:
        return JsonResponse(_table(request))
    except LianqinError as exc:
        return JsonResponse(exc.as_dict(), status=exc.http_status)
