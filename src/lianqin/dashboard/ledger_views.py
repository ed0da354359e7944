"""费随事转 ledger (``/dashboard/ledger/``) and its export: thin — the gate, the
parameters, ``evaluation.cost_service.ledger``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianqin.cases.access import actor_for
from lianqin.dashboard.downloads import attachment, check_format
from lianqin.errors import LianqinError
from lianqin.evaluation import cost, cost_service, export, queries

TASK_LABELS = {"led": _("主办"), "taken_over": _("接手"), "assisted": _("协办"),
               "hours": _("办理工时"), "on_site": _("现场处置")}  # fmt: skip


def _run(request: HttpRequest) -> dict[str, Any]:
    actor = actor_for(request.user)  # type: ignore[arg-type]
    queries.check_may_view(actor)
    _, kind, day = queries.parse(None, request.GET.get("period"), request.GET.get("date"),
                                 timezone.localdate())  # fmt: skip
    return cost_service.ledger(actor, kind, day)


@login_required
def page(request: HttpRequest) -> HttpResponse:
    try:
        result = _run(request)
    except LianqinError as exc:
        return render(request, "console/error.html", {"error": exc}, status=exc.http_status)
    return render(request, "dashboard/ledger.html", {
        "result": result, "tasks": TASK_LABELS, "query": request.GET.urlencode(),
        "periods": {"month": _("月"), "quarter": _("季度"), "year": _("年")},
    })  # fmt: skip


@login_required
def download(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        check_format(fmt)
        result = _run(request)
    except LianqinError as exc:
        return render(request, "console/error.html", {"error": exc}, status=exc.http_status)
    stem = f"ledger-{result['period'].start.isoformat()}"
    return attachment(build_report(result), fmt, stem, request)


def build_report(result: dict[str, Any]) -> export.Report:
    rates: cost.Rates = result["rates"]
    columns = [export.Column("name", "单位/工作站"), export.Column("kind", "类型")]
    for task, label in cost.TASKS.items():
        columns.append(export.Column(f"n_{task}", label, "float" if task == "hours" else "int"))
    columns += [
        export.Column(f"y_{t}", f"{label}金额（元）", "float") for t, label in cost.TASKS.items()
    ]
    columns.append(export.Column("total", "合计（元）", "float"))
    rows = []
    for line in result["lines"]:
        row: dict[str, object] = {"name": line.name, "kind": "参勤单位" if line.kind == "unit" else "社区工作站",
                                  "total": line.total}  # fmt: skip
        for t in cost.TASKS:
            row[f"n_{t}"] = line.counts.get(t)
            row[f"y_{t}"] = line.amounts.get(t)
        rows.append(row)
    top = result["lines"][:20]
    chart = None
    if top:
        chart = export.Chart("应随事转经费（元）", "hbar", [x.name for x in top],
                             [("合计", [x.total for x in top])])  # fmt: skip
    definitions = [(f"{label}单价", f"{getattr(rates, t):g} 元") for t, label in cost.TASKS.items()]
    definitions += [
        ("主办", "期间上报、派单后由本单位主办（最终主办单位）的案件数"),
        ("接手", "其中曾被其他单位退回、改派给本单位的案件数"),
        ("协办", "期间派给本单位的协办工单数"),
        ("办理工时", "本单位主办案件从受理到办结的小时数之和"),
        ("现场处置", "社区网格员现场处置的案件数（经费随事转到工作站）"),
        ("金额", "件数（或工时）× 单价；合计为各项之和"),
    ]  # fmt: skip
    return export.Report(
        title=f"费随事转结算 · {result['period'].label}",
        subtitle=f"合计 {result['total']:,.2f} 元",
        generated_at=timezone.localtime().replace(microsecond=0),
        sections=[
            export.Section("各单位", table=export.Table("工作量与经费", columns, rows), chart=chart)
        ],
        definitions=definitions,
        footer="联勤指挥平台 · 单价可在管理后台「费随事转单价」中调整",
    )
