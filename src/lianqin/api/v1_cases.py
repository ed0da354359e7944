"""API v1: cases — create, list, read, act, history. Thin: parse, call one action, map."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from lianqin.api.auth import request_actor
from lianqin.api.schemas import (
    ActionIn,
    CaseDetail,
    CaseIn,
    CasePage,
    Error,
    EventOut,
    WorkOrderEventIn,
    WorkOrderOut,
)
from lianqin.api.serialize import case_detail, case_out
from lianqin.cases import actions
from lianqin.cases.access import access_case, scope_cases
from lianqin.cases.search import text_filter

router = Router()
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error}
RELATED = ("category", "grid", "community", "street")


class CaseFilter(Schema):
    status: str | None = None
    level: str | None = None
    grid: str | None = None
    category: str | None = None
    channel: str | None = None
    warning: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    page: int = 1
    page_size: int = 50


@router.post("", response={201: CaseDetail, 200: CaseDetail, **ERRORS}, summary="登记案件")
def create_case(request: HttpRequest, body: CaseIn):
    actor = request_actor(request)
    reporter = body.reporter
    report = actions.NewReport(
        channel=body.channel,
        external_id=body.external_id,
        title=body.title,
        description=body.description,
        raw=request.body.decode("utf-8", "replace"),
        content_type=request.content_type or "application/json",
        category_code=body.category,
        priority=body.priority,
        lon=body.lon,
        lat=body.lat,
        address=body.address,
        grid_code=body.grid,
        crs=body.crs,
        reported_at=body.reported_at,
        reporter_name=reporter.name if reporter else "",
        reporter_phone=reporter.phone if reporter else "",
        reporter_id_number=reporter.id_number if reporter else "",
    )
    case, created = actions.create_case(actor, report)
    return Status(201 if created else 200, case_detail(case, actor))


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@router.get("", response={200: CasePage, **ERRORS}, summary="案件列表（按辖区）")
def list_cases(request: HttpRequest, f: Query[CaseFilter]):
    actor = request_actor(request)
    qs = scope_cases(actor).select_related(*RELATED).order_by("-created_at", "-id")
    exact = {
        "status": f.status,
        "level": f.level,
        "grid__code": f.grid,
        "category__code": f.category,
        "channel": f.channel,
        "warning": f.warning,
    }
    qs = qs.filter(**{k: v for k, v in exact.items() if v})
    if f.date_from:
        qs = qs.filter(created_at__gte=_local_start(f.date_from))
    if f.date_to:
        qs = qs.filter(created_at__lt=_local_start(f.date_to) + timedelta(days=1))
    if f.q:
        qs = qs.filter(text_filter(f.q))
    size = max(1, min(f.page_size, 200))
    # capped: a huge page number overflowed the database's OFFSET integer (a 500)
    page = max(1, min(f.page, 10**9))
    items = list(qs[(page - 1) * size : page * size])
    return {
        "count": qs.count(),
        "page": page,
        "page_size": size,
        "items": [case_out(c) for c in items],
    }


@router.get("/{number}", response={200: CaseDetail, **ERRORS}, summary="案件详情")
def get_case(request: HttpRequest, number: str):
    actor = request_actor(request)
    return case_detail(access_case(actor, number), actor)


@router.post(
    "/{number}/actions/{action}", response={200: CaseDetail, **ERRORS}, summary="执行流转动作"
)
def act(request: HttpRequest, number: str, action: str, body: ActionIn):
    actor = request_actor(request)
    case = actions.perform(
        actor,
        number,
        action,
        note=body.note,
        expected_version=body.expected_version,
        **body.params(),
    )
    return case_detail(case, actor)


@router.post(
    "/{number}/work-orders/{order_id}/{event}",
    response={200: WorkOrderOut, **ERRORS},
    summary="协办/主办单位处理本单位工单",
)
def work_order(
    request: HttpRequest, number: str, order_id: int, event: str, body: WorkOrderEventIn
):
    actor = request_actor(request)
    order = actions.work_order_event(actor, number, order_id, event, note=body.note)
    return {
        "id": order.pk,
        "unit": order.unit.code,
        "unit_name": order.unit.name,
        "role": order.role,
        "state": order.state,
        "dispatched_at": order.dispatched_at,
        "acknowledge_due": order.acknowledge_due,
        "due_at": order.due_at,
        "reply": order.reply,
        "return_reason": order.return_reason,
    }


@router.get("/{number}/history", response={200: list[EventOut], **ERRORS}, summary="案件历史")
def history(request: HttpRequest, number: str):
    actor = request_actor(request)
    case = access_case(actor, number)
    return [
        {
            "seq": e.seq,
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "at": e.at,
            "actor": e.actor_name,
            "actor_role": e.actor_role,
            "actor_level": e.actor_level,
            "note": e.note,
            "data": e.data,
        }
        for e in case.events.order_by("seq")
    ]
