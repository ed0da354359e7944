"""Registering a report and the case it opens (idempotent per channel and external id)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from lianqin.cases import deadlines
from lianqin.cases.access import Actor, check_may_create
from lianqin.cases.actions.effects import place
from lianqin.cases.actions.record import record, refresh
from lianqin.cases.masking import id_key, phone_key
from lianqin.cases.models import Case, CaseCounter, MergeCandidate, Report, ReporterContact
from lianqin.cases.workflow import State
from lianqin.choices import CHANNEL_LABELS, PRIORITY_LABELS, Channel, Priority, Stage
from lianqin.errors import Conflict, InvalidInput
from lianqin.geo.service import Location, place_report
from lianqin.org.models import Category, District


@dataclass
class NewReport:
    """What a channel (or a person) reports; the parsed, normalised form of one input."""

    channel: str
    title: str
    description: str = ""
    external_id: str = ""
    raw: str = ""
    content_type: str = "application/json"
    category_code: str = ""
    priority: str = ""
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    grid_code: str = ""
    crs: str = "wgs84"
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_id_number: str = ""
    reported_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    category_hint: str = ""
    due_at: datetime | None = None
    photos: list[str] = field(default_factory=list)
    source: str = ""


def create_case(
    actor: Actor,
    report: NewReport,
    *,
    now: datetime | None = None,
    where: Location | None = None,
    triage: dict[str, Any] | None = None,
    candidates: Sequence[tuple[int, float, dict[str, float]]] = (),
) -> tuple[Case, bool]:
    """Register a report and the case it opens. A replay of ``(channel, external_id)``
    returns the case the first one made and ``created=False``; nothing new is written.

    ``where`` is the location when the caller already resolved it (the intake does, to
    look for duplicates nearby); ``triage`` keeps what triage suggested; ``candidates``
    are grey-zone duplicates ``(case id, score, parts)`` for a dispatcher to decide."""
    now = now or timezone.now()
    check_may_create(actor, report.channel)
    _validate(report)
    if report.external_id:
        existing = _replayed(report)
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            case = _create(actor, report, now, where, triage or {})
            _remember_candidates(case, candidates, now)
            return case, True
    except IntegrityError:
        existing = _replayed(report)
        if existing is None:
            raise
        return existing, False


def _replayed(report: NewReport) -> Case | None:
    found = Report.objects.filter(channel=report.channel, external_id=report.external_id).first()
    if found is None:
        return None
    if found.case_id is None:
        raise Conflict(
            f"报件 {report.channel}:{report.external_id} 已接收，正等待人工确认或已排除",
            hint="在值班台「待确认报件」中确认或排除它",
        )
    return Case.objects.get(pk=found.case_id)


def _remember_candidates(
    case: Case, candidates: Sequence[tuple[int, float, dict[str, float]]], now: datetime
) -> None:
    MergeCandidate.objects.bulk_create(
        [
            MergeCandidate(case=case, candidate_id=key, score=score, parts=parts, created_at=now)
            for key, score, parts in candidates
            if key != case.pk
        ]
    )


def _validate(report: NewReport) -> None:
    if report.channel not in CHANNEL_LABELS:
        raise InvalidInput(
            f"未知渠道 {report.channel!r}", field="channel", hint="可用渠道：" + ", ".join(Channel)
        )
    if not report.title.strip():
        raise InvalidInput("标题不能为空", field="title", hint="用一句话概括问题")
    if report.priority and report.priority not in PRIORITY_LABELS:
        raise InvalidInput(
            f"未知优先级 {report.priority!r}", field="priority", hint="可用：" + ", ".join(Priority)
        )
    if (report.lon is None) != (report.lat is None):
        raise InvalidInput("经度和纬度须同时提供", field="lon", hint="或都不提供，只填地址")


def locate(report: NewReport) -> Location:
    """Where a report points: its grid, its coordinates or its address."""
    return place_report(
        grid_code=report.grid_code,
        lon=report.lon,
        lat=report.lat,
        crs=report.crs,
        address=report.address,
    )


def _create(
    actor: Actor,
    report: NewReport,
    now: datetime,
    where: Location | None,
    triage: dict[str, Any],
    held: Report | None = None,
) -> Case:
    where = where or locate(report)
    district = the_district()
    case = build_case(
        report,
        where,
        district,
        _category(report.category_code),
        triage,
        now,
        _next_numbers(district.code, now, 1)[0],
    )
    case.save()
    if held is None:
        store_report(actor, report, now, case)
    else:
        held.case, held.state = case, "filed"
        held.save(update_fields=["case", "state"])
    record(case, actor, "create", "", State.REPORTED, now, "", {"channel": report.channel})
    return case


def build_case(
    report: NewReport,
    where: Location,
    district: District,
    category: Category | None,
    triage: dict[str, Any],
    now: datetime,
    number: str,
    cache: dict[tuple[str, object], int | None] | None = None,
) -> Case:
    """A new case for a report, placed and timed, not yet saved (shared with bulk intake)."""
    priority = report.priority or (category.priority if category else Priority.NORMAL)
    case = Case(
        number=number,
        title=report.title.strip()[:200],
        description=report.description,
        category=category,
        priority=priority,
        channel=report.channel,
        lon=where.lon,
        lat=where.lat,
        address=report.address[:255],
        location_source=where.source,
        location_confidence=where.confidence,
        location_match=where.matched[:120],
        created_at=now,
        updated_at=now,
        status=State.REPORTED,
        version=1,
        triage=triage,
    )
    place(case, where.grid, district, flag=where.needs_person, cache=cache)
    case.accept_due = deadlines.due(case, Stage.ACCEPT, now)
    refresh(case, now)
    return case


def the_district() -> District:
    district = District.objects.order_by("id").first()
    if district is None:
        raise InvalidInput("尚未建立区划", hint="先运行 lianqin demo 或 lianqin import-grids")
    return district


def store_report(
    actor: Actor, report: NewReport, now: datetime, case: Case | None, **fields: Any
) -> Report:
    """Keep a report verbatim with its parsed fields and the reporter's contact."""
    return Report.objects.create(
        case=case,
        reporter=_contact(report),
        submitted_by_id=actor.person_id,
        **report_fields(report, now),
        **fields,
    )


def report_fields(report: NewReport, now: datetime) -> dict[str, Any]:
    """The columns of a ``Report`` row for a parsed report (shared with bulk intake)."""
    extra = dict(report.extra)
    if report.crs != "wgs84" and report.lon is not None:
        extra["crs"] = report.crs
    return {
        "channel": report.channel,
        "external_id": report.external_id or f"lq-{uuid.uuid4().hex}",
        "received_at": now,
        "reported_at": report.reported_at,
        "raw": report.raw,
        "content_type": report.content_type,
        "title": report.title[:200],
        "description": report.description,
        "lon": report.lon,
        "lat": report.lat,
        "address": report.address[:255],
        "source": report.source[:120],
        "category_hint": report.category_hint[:120],
        "due_at": report.due_at,
        "photos": list(report.photos),
        "extra": extra,
    }


def contact_for(report: NewReport) -> ReporterContact | None:
    """The reporter's contact row for a report (unsaved), or None when it names nobody."""
    if not (report.reporter_name or report.reporter_phone or report.reporter_id_number):
        return None
    return ReporterContact(
        name=report.reporter_name[:60],
        phone=report.reporter_phone[:30],
        id_number=report.reporter_id_number[:30],
        phone_key=phone_key(report.reporter_phone, settings.SECRET_KEY),
        id_key=id_key(report.reporter_id_number, settings.SECRET_KEY),
    )


def _contact(report: NewReport) -> ReporterContact | None:
    contact = contact_for(report)
    if contact is not None:
        contact.save()
    return contact


def _category(code: str) -> Category | None:
    if not code:
        return None
    found = Category.objects.filter(code=code).select_related("deadline_policy").first()
    if found is None:
        raise InvalidInput(
            f"未知类别编码 {code!r}",
            field="category",
            hint="见 GET /api/v1/categories 或管理后台「派单目录」",
        )
    return found


def _next_numbers(district_code: str, now: datetime, count: int) -> list[str]:
    """``320111-20261128-000123``: district, local date, the day's sequence; ``count``
    consecutive numbers taken in one update (the row lock serialises concurrent takers)."""
    prefix = f"{district_code}-{timezone.localtime(now):%Y%m%d}"
    CaseCounter.objects.bulk_create([CaseCounter(prefix=prefix)], ignore_conflicts=True)
    CaseCounter.objects.filter(prefix=prefix).update(last=F("last") + count)
    last = CaseCounter.objects.values_list("last", flat=True).get(prefix=prefix)
    return [f"{prefix}-{n:06d}" for n in range(last - count + 1, last + 1)]
