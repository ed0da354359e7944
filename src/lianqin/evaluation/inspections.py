"""Drawing a sample inspection from the database and recording its findings.

Who may draw: duty leaders, leaders and administrators, over the closed cases of their
jurisdiction (the one gate: ``scope_cases``). Who may record a finding: the inspector it
was assigned to (or a duty leader / administrator). A finding also goes into the case's
history (``inspection``), so it is seen where the case is read.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from lianqin.cases.access import Actor, scope_cases
from lianqin.cases.actions.notes import append_event
from lianqin.cases.models import CaseEvent, WorkOrder
from lianqin.cases.workflow import State
from lianqin.choices import Role
from lianqin.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from lianqin.evaluation.models import Inspection, InspectionItem
from lianqin.evaluation.sampling import Closed, Plan, assign, draw
from lianqin.org.models import Person

DRAWERS = {Role.DUTY_LEADER, Role.LEADER, Role.ADMIN}
FINAL_CHECKERS = {Role.DUTY_LEADER, Role.ADMIN}


def draw_inspection(
    actor: Actor, *, start: date, end: date, plan: Plan, name: str = "",
    now: datetime | None = None,
) -> Inspection:  # fmt: skip
    if actor.role not in DRAWERS:
        raise Forbidden("只有值班长、领导和管理员可以组织抽查")
    if end < start:
        raise InvalidInput("结束日期早于开始日期", field="period_end")
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    lo = datetime.combine(start, time.min, tz)
    hi = datetime.combine(end + timedelta(days=1), time.min, tz)
    cases = scope_cases(actor).filter(
        closed_at__gte=lo, closed_at__lt=hi, status__in=[State.CLOSED, State.ARCHIVED]
    )
    rows = list(cases.values_list("id", "mode", "street__code", "community__code", "channel",
                                  "category__code", "assignee_id"))  # fmt: skip
    ids = [r[0] for r in rows]
    leads = dict(WorkOrder.objects.filter(case_id__in=ids, role="lead")
                 .order_by("id").values_list("case_id", "unit__code"))  # fmt: skip
    handlers: dict[int, set[int]] = {}
    for case_id, person in CaseEvent.objects.filter(
        case_id__in=ids, action__in=["handle_on_site", "resolve"]
    ).values_list("case_id", "actor_id"):
        if person is not None:
            handlers.setdefault(case_id, set()).add(person)
    population = [
        Closed(key=r[0], unit=leads.get(r[0], "on_site" if r[1] == "on_site" else ""),
               street=r[2] or "", community=r[3] or "", channel=r[4], category=(r[5] or "")[:2],
               handlers=frozenset(handlers.get(r[0], set()) | ({r[6]} if r[6] else set())))
        for r in rows
    ]  # fmt: skip
    sample = draw(population, plan)
    inspectors = list(inspectors_for(actor).values_list("id", flat=True))
    who = assign(sample, inspectors)
    with transaction.atomic():
        inspection = Inspection.objects.create(
            name=name or f"{start:%Y-%m-%d}至{end:%Y-%m-%d}抽查", period_start=start,
            period_end=end, scope_code=actor.scope_code, strata=list(plan.strata),
            per_stratum=plan.per_stratum, fraction=plan.fraction, seed=plan.seed,
            population=len(population), created_at=now, created_by_id=actor.person_id,
        )  # fmt: skip
        InspectionItem.objects.bulk_create(
            InspectionItem(
                inspection=inspection, case_id=case.key, stratum=stratum, inspector_id=person
            )
            for (case, stratum), person in zip(sample, who, strict=True)
        )
    return inspection


def inspectors_for(actor: Actor) -> QuerySet[Person]:
    """Active inspectors whose jurisdiction lies within the actor's (or covers it)."""
    qs = Person.objects.filter(role=Role.INSPECTOR, is_active=True).order_by("id")
    if not actor.scope_code:
        return qs
    within = qs.filter(scope_code__startswith=actor.scope_code)
    return within if within.exists() else qs.filter(scope_code__in=_prefixes(actor.scope_code))


def _prefixes(code: str) -> list[str]:
    return [code[:n] for n in (6, 9, 12, 15) if n <= len(code)]


def my_items(actor: Actor) -> QuerySet[InspectionItem]:
    return InspectionItem.objects.filter(inspector_id=actor.person_id).select_related(
        "case", "inspection"
    )


def record_finding(
    actor: Actor, item_id: int, *, passed: bool, finding: str, now: datetime | None = None
) -> InspectionItem:
    now = now or timezone.now()
    if not passed and not finding.strip():
        raise InvalidInput("不合格须写明抽查意见", field="finding", hint="写明发现的问题")
    with transaction.atomic():
        item = InspectionItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None:
            raise NotFound(f"没有抽查项 #{item_id}")
        if item.inspector_id != actor.person_id and actor.role not in FINAL_CHECKERS:
            raise Forbidden("这件抽查不是分派给您的", hint="由被分派的核查员填写")
        if item.passed is not None:
            raise InvalidTransition("该抽查项已有结论", hint="结论只记录一次")
        item.passed, item.finding, item.checked_at = passed, finding.strip(), now
        item.save(update_fields=["passed", "finding", "checked_at"])
        append_event(actor, item.case_id, "inspection", item.finding,
                     {"inspection": item.inspection_id, "passed": passed}, now)  # fmt: skip
    return item
