"""The reads behind the Open311 endpoints, shaped into GeoReport v2 dictionaries.

Which cases Open311 shows (:func:`visible_cases`): those an Open311 client can know the
number of — opened by an Open311 report, holding one now (after a merge moved it), or
joined by one (``report_joined`` history line) — and no others: a 12345 call or a 110
alarm was not made in public and is not published here.

What a request shows of a case (:func:`request_dict`) is what the public may see:
the public text comes only from what was sent through Open311 (the case's own
description when Open311 opened it, else the earliest Open311 report's), scrubbed; the
reporter's name, phone, e-mail and account never appear; notes follow ``public.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from lianqin.api.open311 import public
from lianqin.api.open311.render import w3
from lianqin.cases.models import Case, CaseEvent, Report, WorkOrder
from lianqin.choices import WorkOrderRole
from lianqin.org.models import Category, Center, District

CHANNEL = "open311"
MAX_HOPS = 10


def district() -> District | None:
    return District.objects.order_by("id").first()


def jurisdiction_known(value: str) -> bool:
    """Absent, empty or this deployment's district code (the one jurisdiction served)."""
    if not value.strip():
        return True
    return District.objects.filter(code=value.strip()).exists()


def contact() -> str:
    center = Center.objects.filter(level="district").order_by("region_code").first()
    if center is None:
        return "区联勤指挥中心"
    return f"{center.name}" + (f" 值班电话 {center.phone}" if center.phone else "")


# ------------------------------------------------------------------ services


def _services() -> QuerySet[Category]:
    """The catalogue's active leaves: what a report can be filed under."""
    children = Category.objects.filter(parent=OuterRef("pk"), active=True)
    return Category.objects.filter(active=True).exclude(Exists(children)).order_by("code")


def services() -> list[dict[str, Any]]:
    return [_service(c) for c in _services()]


def service_exists(code: str) -> bool:
    return _services().filter(code=code).exists()


def _service(category: Category) -> dict[str, Any]:
    keywords = [str(k) for k in category.keywords or []]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.path.replace("/", " / "),
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": ", ".join(keywords) or None,
        "group": category.path.split("/", 1)[0] or None,
    }


def definition(code: str) -> dict[str, Any] | None:
    """The service's extra questions (``Category.attributes``), or None when unknown."""
    category = _services().filter(code=code).first()
    if category is None:
        return None
    attributes = [_attribute(a, i) for i, a in enumerate(category.attributes or [], 1)]
    return {"service_code": category.code, "attributes": attributes}


def _attribute(spec: dict[str, Any], position: int) -> dict[str, Any]:
    values = [{"key": str(v.get("key", "")), "name": str(v.get("name", ""))}
              for v in spec.get("values") or []]  # fmt: skip
    item = {
        "variable": bool(spec.get("variable", True)),
        "code": str(spec.get("code", "")),
        "datatype": str(spec.get("datatype", "string")),
        "required": bool(spec.get("required", False)),
        "datatype_description": spec.get("datatype_description") or None,
        "order": int(spec.get("order") or position),
        "description": spec.get("description") or None,
    }
    return {**item, "values": values} if values else item


# ------------------------------------------------------------------ requests


def visible_cases() -> QuerySet[Case]:
    reports = Report.objects.filter(case=OuterRef("pk"), channel=CHANNEL)
    joined = CaseEvent.objects.filter(case=OuterRef("pk"), action="report_joined",
                                      data__channel=CHANNEL)  # fmt: skip
    return Case.objects.filter(Q(channel=CHANNEL) | Exists(reports) | Exists(joined))


def _detailed(qs: QuerySet[Case]) -> QuerySet[Case]:
    reports = Report.objects.filter(channel=CHANNEL).order_by("received_at", "id")
    leads = WorkOrder.objects.filter(role=WorkOrderRole.LEAD).select_related("unit")
    events = CaseEvent.objects.filter(action__in=list(public.PUBLIC_ACTIONS)).order_by("-seq")
    return qs.select_related("category", "holder", "merged_into").prefetch_related(
        Prefetch("reports", queryset=reports, to_attr="open311_reports"),
        Prefetch("work_orders", queryset=leads.order_by("-dispatched_at", "-id"), to_attr="leads"),
        Prefetch("events", queryset=events, to_attr="public_events"),
    )


def requests_by_number(numbers: Sequence[str]) -> list[dict[str, Any]]:
    """The requests named, in the order named; unknown numbers are left out."""
    found = {c.number: c for c in _detailed(visible_cases().filter(number__in=numbers))}
    return [request_dict(found[n]) for n in numbers if n in found]


def find_requests(
    start: datetime, end: datetime, codes: Sequence[str], statuses: Sequence[str], limit: int
) -> list[dict[str, Any]]:
    """Requests made in ``[start, end]``, newest first, at most ``limit``."""
    qs = visible_cases().filter(created_at__gte=start, created_at__lte=end)
    if codes:
        qs = qs.filter(category__code__in=codes)
    if set(statuses) == {"closed"}:
        qs = qs.filter(status__in=public.CLOSED_STATES)
    elif set(statuses) == {"open"}:
        qs = qs.exclude(status__in=public.CLOSED_STATES)
    return [request_dict(c) for c in _detailed(qs.order_by("-created_at", "-id"))[:limit]]


def request_dict(case: Case) -> dict[str, Any]:
    """One case as a GeoReport v2 request (see the module docstring for what is public)."""
    reports: list[Report] = getattr(case, "open311_reports", [])
    first = reports[0] if reports else None
    own = case.channel == CHANNEL
    text = case.description if own else (first.description if first else "")
    closed = public.request_status(case.status) == "closed"
    return {
        "service_request_id": case.number,
        "status": public.request_status(case.status),
        "status_notes": _status_notes(case),
        "service_name": case.category.name if case.category else None,
        "service_code": _service_code(case, reports),
        "description": public.public_description(text),
        "agency_responsible": _agency(case),
        "service_notice": None,
        "requested_datetime": _time(case.created_at),
        "updated_datetime": _time((case.closed_at if closed else None) or case.updated_at),
        "expected_datetime": _time(case.resolve_due),
        "address": public.scrub(case.address if own else (first.address if first else "")) or None,
        "address_id": next(
            (str(r.extra["address_id"]) for r in reports if r.extra.get("address_id")), None
        ),
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": next((p for r in reports for p in r.photos if _is_url(p)), None),
    }


def _time(moment: datetime | None) -> str | None:
    return w3(timezone.localtime(moment)) if moment is not None else None


def _is_url(value: object) -> bool:
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def _service_code(case: Case, reports: Iterable[Report]) -> str:
    if case.category is not None:
        return case.category.code
    return next((str(r.extra["service_code"]) for r in reports
                 if r.extra.get("service_code")), "")  # fmt: skip


def _agency(case: Case) -> str | None:
    leads: list[WorkOrder] = getattr(case, "leads", [])
    if leads:
        return leads[0].unit.name
    return case.holder.name if case.holder else None


def _status_notes(case: Case) -> str | None:
    if case.status == "merged" and case.merged_into is not None:
        return public.duplicate_note(case.merged_into.number)
    for event in getattr(case, "public_events", []):
        if public.is_public(event.action, event.data):
            return public.update_text(event.action, event.note, event.data) or None
    return None


# ------------------------------------------------------------------ tokens, updates


def report_by_token(token: str) -> Report | None:
    return Report.objects.select_related("case").filter(channel=CHANNEL, external_id=token).first()


def living_case(number: str) -> Case | None:
    """The case a comment on ``number`` belongs to: merges followed to the open case."""
    case = visible_cases().filter(number=number).select_related("merged_into").first()
    for _ in range(MAX_HOPS):
        if case is None or case.status != "merged" or case.merged_into is None:
            return case
        case = Case.objects.select_related("merged_into").get(pk=case.merged_into.pk)
    return case


def event_id(case: Case, seq: int) -> int | None:
    return CaseEvent.objects.filter(case=case, seq=seq).values_list("pk", flat=True).first()


def updates(start: datetime, end: datetime, limit: int) -> list[dict[str, Any]]:
    """Public history lines of visible cases in ``[start, end]``, oldest first."""
    visible = visible_cases().filter(pk=OuterRef("case_id"))
    qs = (
        CaseEvent.objects.filter(
            Exists(visible), action__in=list(public.PUBLIC_ACTIONS), at__gte=start, at__lte=end
        )
        .exclude(Q(action="comment") & ~Q(data__source=public.COMMENT_SOURCE))
        .select_related("case")
        .order_by("at", "id")
    )
    return [_update(e) for e in qs[:limit]]


def _update(event: CaseEvent) -> dict[str, Any]:
    return {
        "update_id": str(event.pk),
        "service_request_id": event.case.number,
        "status": public.update_status(event.action, event.to_state),
        "updated_datetime": _time(event.at),
        "description": public.update_text(event.action, event.note, event.data),
        "media_url": "",
    }
