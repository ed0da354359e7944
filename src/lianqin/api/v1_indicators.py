"""API v1: indicators, the dashboard's figures, appraisal rankings, early warnings and the
cost ledger — what another system (a city platform, a report generator) reads. Thin: the
same services as the pages, the same gate."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from lianqin.api.auth import request_actor
from lianqin.dashboard.figures import PERIODS
from lianqin.dashboard.queries import check_may_view as check_board
from lianqin.dashboard.queries import dashboard_data, parse_days
from lianqin.errors import InvalidInput
from lianqin.evaluation import appraisal_service, cost_service, early_warning_service, queries
from lianqin.evaluation.appraisal_service import as_rows

router = Router(tags=["indicators"])


@router.get("/indicators", summary="指标表（按维度、周期，含同比环比）")
def indicators(
    request: HttpRequest, dim: str = "street", period: str = "month", date: str = ""
) -> dict[str, Any]:
    actor = request_actor(request)
    queries.check_may_view(actor)
    d, kind, day = queries.parse(dim, period, date, timezone.localdate())
    return queries.indicator_table(actor, dim=d, kind=kind, day=day)


@router.get("/dashboard", summary="领导看板数据（近 7/30/90 天）")
def dashboard(request: HttpRequest, days: str = "30") -> dict[str, Any]:
    actor = request_actor(request)
    check_board(actor)
    if not (days.isascii() and len(days) <= 3):
        # parse_days reads str.isdigit() text with int(), which fails on "²" (a digit to
        # isdigit, not to int) and on thousands of digits: refuse both here, clearly
        raise InvalidInput(
            f"统计天数 {days[:20]!r} 不支持",
            field="days",
            hint="days 取 " + "、".join(str(p) for p in PERIODS),
        )
    return dashboard_data(actor, parse_days(days))


@router.get("/appraisal", summary="考核排名")
def appraisal(
    request: HttpRequest,
    target: str = "region",
    dim: str = "street",
    period: str = "month",
    date: str = "",
) -> dict[str, Any]:
    actor = request_actor(request)
    d, kind, day = queries.parse(dim, period, date, timezone.localdate())
    result = appraisal_service.run(actor, target, d, kind, day)
    scheme = result["scheme"]
    return {
        "target": target,
        "title": scheme.title,
        "weights": dict(scheme.weights),
        "period": {
            "kind": kind,
            "label": result["period"].label,
            "start": result["period"].start.isoformat(),
        },
        "rows": [
            r | {"key": s.key}
            for r, s in zip(as_rows(result["rows"], scheme), result["rows"], strict=True)
        ],
    }


@router.get("/warnings", summary="预警（待处理）")
def warnings(request: HttpRequest, state: str = "open") -> list[dict[str, Any]]:
    actor = request_actor(request)
    early_warning_service.check_may_view(actor)
    rows = early_warning_service.visible(actor).filter(state=state)[:200]
    return [
        {"id": w.pk, "kind": w.kind, "title": w.title, "detail": w.detail,
         "area_code": w.area_code, "count": w.count, "cases": w.cases,
         "case": w.case.number if w.case else None, "last_seen": w.last_seen.isoformat()}
        for w in rows.select_related("case")
    ]  # fmt: skip


@router.post("/warnings/{warning_id}/case", summary="由预警主动立案（重复提交返回同一案件）")
def warning_case(request: HttpRequest, warning_id: int) -> dict[str, Any]:
    actor = request_actor(request)
    early_warning_service.check_may_view(actor)
    case = early_warning_service.open_case(actor, warning_id)
    return {"number": case.number, "status": case.status}


@router.get("/ledger", summary="费随事转结算")
def ledger(request: HttpRequest, period: str = "month", date: str = "") -> dict[str, Any]:
    actor = request_actor(request)
    _, kind, day = queries.parse(None, period, date, timezone.localdate())
    result = cost_service.ledger(actor, kind, day)
    return {
        "period": {"kind": kind, "label": result["period"].label},
        "rates": result["rates"].__dict__,
        "total": result["total"],
        "lines": [
            {
                "key": x.key,
                "name": x.name,
                "kind": x.kind,
                "counts": x.counts,
                "amounts": x.amounts,
                "total": x.total,
            }
            for x in result["lines"]
        ],
    }
