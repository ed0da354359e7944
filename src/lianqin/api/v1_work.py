"""API v1: a person's work — the task inbox, a unit's work orders, notices (urging,
supervision, warnings on their cases) and sample inspections."""

from __future__ import annotations

from datetime import date, timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from lianqin.api.auth import request_actor
from lianqin.api.schemas import Error
from lianqin.api.serialize import case_out
from lianqin.cases.access import scope_cases
from lianqin.cases.actions import approvals
from lianqin.cases.actions.categorize import set_category
from lianqin.cases.models import ApprovalRequest
from lianqin.cases.tasks import my_tasks, my_work_orders
from lianqin.errors import NotFound
from lianqin.evaluation import inspections
from lianqin.evaluation.models import Inspection
from lianqin.evaluation.sampling import Plan
from lianqin.jobs.models import OutboxMessage

router = Router(tags=["work"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error}
NOTICE_TOPICS = ["case.urge", "case.supervise", "case.warning", "case.escalate",
                 "case.dispatch", "case.rework", "case.reopen",
                 "notice.citizen_unsatisfied"]  # fmt: skip


@router.get("/me/tasks", response={200: dict, **ERRORS}, summary="我的待办")
def tasks(request: HttpRequest, limit: int = Query(100, ge=1, le=1000)):
    # bounded: a negative limit made ``queryset[:limit]`` raise (a 500)
    actor = request_actor(request)
    cases = list(my_tasks(actor).select_related("category", "grid", "community", "street")[:limit])
    body: dict[str, object] = {"cases": [case_out(c) for c in cases]}
    if actor.is_unit:
        body["work_orders"] = [
            {"id": o.pk, "case": o.case.number, "title": o.case.title, "role": o.role,
             "state": o.state, "acknowledge_due": o.acknowledge_due, "due_at": o.due_at}
            for o in my_work_orders(actor)[:limit]
        ]  # fmt: skip
    body["approvals"] = [_approval(a) for a in approvals.pending_for(actor)[:limit]]
    body["inspections"] = [
        {"id": i.pk, "case": i.case.number, "title": i.case.title, "stratum": i.stratum,
         "inspection": i.inspection.name}
        for i in inspections.my_items(actor).filter(passed=None)[:limit]
    ]  # fmt: skip
    return body


@router.get(
    "/me/notices", response={200: list[dict], **ERRORS}, summary="我的通知（催办、督办、预警…）"
)
def notices(
    request: HttpRequest,
    days: int = Query(7, ge=1, le=90),  # unbounded, -1e20 days overflowed timedelta (a 500)
    limit: int = Query(200, ge=1, le=1000),
):
    actor = request_actor(request)
    since = timezone.now() - timedelta(days=min(days, 90))
    visible = scope_cases(actor).values("id")
    rows = OutboxMessage.objects.filter(
        topic__in=NOTICE_TOPICS, case_id__in=visible, created_at__gte=since
    ).order_by("-id")[:limit]
    return [{"id": m.pk, "topic": m.topic, "at": m.created_at, **m.payload} for m in rows]


class InspectionIn(Schema):
    period_start: date
    period_end: date
    strata: list[str] = Field(default_factory=lambda: ["unit", "street"])
    per_stratum: int | None = 2
    fraction: float | None = None
    seed: int = Field(..., description="随机种子：同样的条件与种子抽出同样的样本")
    name: str = ""


class FindingIn(Schema):
    passed: bool
    finding: str = ""


def _inspection(i: Inspection) -> dict[str, object]:
    items = list(i.items.select_related("case", "inspector"))
    return {
        "id": i.pk, "name": i.name, "period_start": i.period_start, "period_end": i.period_end,
        "strata": i.strata, "per_stratum": i.per_stratum, "fraction": i.fraction, "seed": i.seed,
        "population": i.population, "sample": len(items),
        "checked": sum(1 for x in items if x.passed is not None),
        "passed": sum(1 for x in items if x.passed),
        "items": [{"id": x.pk, "case": x.case.number, "stratum": x.stratum,
                   "inspector": x.inspector.username if x.inspector else None,
                   "passed": x.passed, "finding": x.finding} for x in items],
    }  # fmt: skip


@router.post(
    "/inspections", response={201: dict, **ERRORS}, summary="抽查：分层随机抽取已结案件并分派"
)
def create_inspection(request: HttpRequest, body: InspectionIn):
    actor = request_actor(request)
    fraction = body.fraction
    plan = Plan(strata=tuple(body.strata), per_stratum=None if fraction else body.per_stratum,
                fraction=fraction, seed=body.seed)  # fmt: skip
    made = inspections.draw_inspection(actor, start=body.period_start, end=body.period_end,
                                       plan=plan, name=body.name)  # fmt: skip
    return Status(201, _inspection(made))


@router.get("/inspections/{inspection_id}", response={200: dict, **ERRORS}, summary="抽查批次")
def show_inspection(request: HttpRequest, inspection_id: int):
    actor = request_actor(request)
    found = Inspection.objects.filter(pk=inspection_id).first()
    assigned = found is not None and found.items.filter(inspector_id=actor.person_id).exists()
    # units and channels have no region scope (""), which is not "the whole district"
    in_scope = (
        found is not None
        and not (actor.is_unit or actor.channel)
        and found.scope_code.startswith(actor.scope_code)
    )
    if found is None or not (in_scope or assigned):
        raise NotFound(f"没有抽查批次 #{inspection_id}")
    return _inspection(found)


@router.post("/inspections/items/{item_id}", response={200: dict, **ERRORS}, summary="记录抽查结论")
def finding(request: HttpRequest, item_id: int, body: FindingIn):
    item = inspections.record_finding(request_actor(request), item_id, passed=body.passed,
                                      finding=body.finding)  # fmt: skip
    return {"id": item.pk, "passed": item.passed, "finding": item.finding}


class ApprovalIn(Schema):
    kind: str = Field(..., description="extend（延期）或 suspend（挂起）")
    note: str = Field(..., description="理由")
    by: str = Field("", description="延期多久：如 3wd（3个工作日）、48h")


class DecisionIn(Schema):
    note: str = ""


def _approval(a: ApprovalRequest) -> dict[str, object]:
    return {"id": a.pk, "case": a.case.number, "kind": a.kind, "params": a.params,
            "reason": a.reason, "state": a.state, "requested_at": a.requested_at,
            "requested_by": a.requested_by.username if a.requested_by else None,
            "decided_at": a.decided_at, "decision_note": a.decision_note}  # fmt: skip


@router.post("/cases/{number}/requests", response={201: dict, **ERRORS}, summary="申请延期或挂起")
def ask(request: HttpRequest, number: str, body: ApprovalIn):
    made = approvals.request_approval(request_actor(request), number, body.kind, body.note,
                                      by=body.by)  # fmt: skip
    return Status(201, _approval(made))


@router.get("/approvals", response={200: list[dict], **ERRORS}, summary="待我审批的延期/挂起申请")
def pending(request: HttpRequest):
    return [_approval(a) for a in approvals.pending_for(request_actor(request))[:200]]


@router.post(
    "/approvals/{request_id}/{decision}",
    response={200: dict, **ERRORS},
    summary="批准（approve）或驳回（refuse）",
)
def decide(request: HttpRequest, request_id: int, decision: str, body: DecisionIn):
    if decision not in ("approve", "refuse"):
        raise NotFound(f"未知审批动作 {decision!r}", hint="approve 或 refuse")
    done = approvals.decide(request_actor(request), request_id, approve=decision == "approve",
                            note=body.note)  # fmt: skip
    return _approval(done)


class CategoryIn(Schema):
    category: str = Field(..., description="派单目录编码；值班员的选择会成为分类模型的训练数据")


@router.post("/cases/{number}/category", response={200: dict, **ERRORS}, summary="设定案件类别")
def categorize(request: HttpRequest, number: str, body: CategoryIn):
    case = set_category(request_actor(request), number, body.category)
    return case_out(case)
