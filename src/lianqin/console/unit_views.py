"""The unit page (``/unit/``): a participating unit's work orders — to acknowledge, to
return with a reason, to answer — with their deadlines and the case's warning, most
urgent first. Acting happens on the case page, which offers the unit exactly what the
workflow allows it (the lead unit: acknowledge/return/resolve; an assisting unit: its
own work order)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lianqin.cases.access import actor_for
from lianqin.cases.models import WorkOrder
from lianqin.errors import Forbidden


@login_required
def unit_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)  # type: ignore[arg-type]
    if not actor.is_unit:
        exc = Forbidden("本页供参勤单位使用", hint="指挥中心人员请用案件队列 /console/")
        return render(request, "console/error.html", {"error": exc}, status=403)
    orders = WorkOrder.objects.filter(unit_id=actor.unit).select_related("case", "unit")
    open_orders = orders.filter(state__in=["pending", "acknowledged"]).order_by(
        F("due_at").asc(nulls_last=True))  # fmt: skip
    done = orders.exclude(state__in=["pending", "acknowledged"]).order_by("-dispatched_at")[:30]
    unit = getattr(request.user, "unit", None)
    context = {"open_orders": open_orders, "done": done, "unit": unit}
    return render(request, "console/unit.html", context)
