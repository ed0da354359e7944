"""Appraisal rankings (``/dashboard/appraisal/``) and their export to XLSX and PDF: thin —
the gate, the parameters, ``evaluation.appraisal_service.run``, then the page or
``evaluation.export``."""

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
from lianqin.evaluation import appraisal_service as service
from lianqin.evaluation import export, queries
from lianqin.evaluation import indicators as ind
from lianqin.evaluation.appraisal import DEFAULT_SCHEMES, is_workload

TARGET_LABELS = {"region": _("区域"), "unit": _("参勤单位"), "worker": _("网格员（监督员）"),
                 "dispatcher": _("受理员"), "sender": _("派遣员"),
                 "duty_leader": _("值班长")}  # fmt: skip


def _run(request: HttpRequest) -> dict[str, Any]:
    actor = actor_for(request.user)  # type: ignore[arg-type]
    queries.check_may_view(actor)
    dim, kind, day = queries.parse(
        request.GET.get("dim"), request.GET.get("period"), request.GET.get("date"),
        timezone.localdate(),
    )  # fmt: skip
    return service.run(actor, request.GET.get("target") or "region", dim, kind, day)


def _label(code: str) -> str:
    if code.startswith("n:"):
        return f"{code[2:]} 件数"
    return ind.BY_CODE[code].zh


@login_required
def page(request: HttpRequest) -> HttpResponse:
    try:
        result = _run(request)
    except LianqinError as exc:
        return render(request, "console/error.html", {"error": exc}, status=exc.http_status)
    scheme = result["scheme"]
    columns = [(c, _label(c), w) for c, w in scheme.weights.items()]
    return render(request, "dashboard/appraisal.html", {
        "result": result, "columns": columns, "targets": TARGET_LABELS,
        "levels": {"district": _("区"), "street": _("街道"), "community": _("社区"),
                   "grid": _("网格")},
        "periods": {"month": _("月"), "quarter": _("季度"), "year": _("年")},
        "query": request.GET.urlencode(),
    })  # fmt: skip


@login_required
def download(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        check_format(fmt)
        result = _run(request)
    except LianqinError as exc:
        return render(request, "console/error.html", {"error": exc}, status=exc.http_status)
    stem = f"appraisal-{result['target']}-{result['period'].start.isoformat()}"
    return attachment(build_report(result), fmt, stem, request)


def build_report(result: dict[str, Any]) -> export.Report:
    """The ranking as a report: the table, a bar chart of the scores, the definitions."""
    scheme, period = result["scheme"], result["period"]
    columns = [
        export.Column("rank", "排名", "int"),
        export.Column("name", "名称"),
        export.Column("score", "得分", "score"),
        export.Column("grade", "等级", "grade"),
    ]
    columns += [export.Column(c, f"{_label(c)}（权重 {w:g}）", "score")
                for c, w in scheme.weights.items()]  # fmt: skip
    rows = service.as_rows(result["rows"], scheme)
    ranked = [r for r in rows if r["score"] is not None][:30]
    chart = None  # nobody graded (too few cases): the table says so, no empty chart
    if ranked:
        chart = export.Chart("得分", "hbar", [str(r["name"]) for r in ranked],
                             [("得分", [r["score"] for r in ranked])])  # fmt: skip
    definitions = [(i.zh, i.definition) for i in ind.INDICATORS if i.code in scheme.weights]
    definitions += [
        ("指标得分", "比率指标：越高越好者得分 = 100 × 比率，越低越好者 = 100 × (1 − 比率)；"
                     "件数指标：100 × 本对象件数 ÷ 同类对象最高件数"),
        ("总分", "有数据的指标按权重加权平均（无数据的指标不计入，权重按比例重算）"),
        ("等级", "A ≥ 90，B ≥ 80，C ≥ 70，D ≥ 60，其余 E；期内立案不足 5 件的不评级（样本不足）"),
        ("统计口径", "按案件上报时间统计；受理员、派遣员、值班长按其本人操作记录统计"),
    ]  # fmt: skip
    if any(is_workload(c) for c in scheme.weights):
        definitions.append(("件数", "n:动作 = 本人在期间内记录该动作的次数（受理、派单、督办…）"))
    return export.Report(
        title=f"{scheme.title} · {period.label}",
        subtitle=f"考核对象：{TARGET_LABELS.get(result['target'], result['target'])}",
        generated_at=timezone.localtime().replace(microsecond=0),
        sections=[
            export.Section("排名", table=export.Table("考核排名", columns, rows), chart=chart)
        ],
        definitions=definitions,
        footer="联勤指挥平台 · 数据截至生成时刻",
    )


__all__ = ["DEFAULT_SCHEMES", "build_report", "download", "page"]
