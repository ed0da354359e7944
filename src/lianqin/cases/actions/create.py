"""Registering a report and the case it opens (idempotent per channel and external id)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from lianqin.cases import deadlines
from lianqin.cases.access import Actor, check_may_create
from lianqin.cases.actions.effects import place
from lianqin.cases.actions.record import record, refresh
from lianqin.cases.models import Case, CaseCounter, Report, ReporterContact
from lianqin.cases.workflow import State
from lianqin.choices import CHANNEL_LABELS, PRIORITY_LABELS, Channel, Priority, Stage
from lianqin.errors import Conflict, InvalidInput
from lianqin.geo.service import place_report
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


def create_case(
    actor: Actor, report: NewReport, *, now: datetime | None = None
) -> tuple[Case, bool]:
    """Register a report and the case it opens. A replay of ``(channel, external_id)``
    returns the case the first one made and ``created=False``; nothing new is written."""
    now = now or timezone.now()
    check_may_create(actor)
    _validate(report)
    if report.external_id:
        existing = _replayed(report)
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            return _create(actor, report, now), True
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
        raise Conflict(f"报件 {report.channel}:{report.external_id} 已接收但未立案")
    return Case.objects.get(pk=found.case_id)


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


def _create(actor: Actor, report: NewReport, now: datetime) -> Case:
    category = _category(report.category_code)
    where = place_report(grid_code=report.grid_code, lon=report.lon, lat=report.lat,
                         crs=report.crs, address=report.address)  # fmt: skip
    grid = where.grid
    district = District.objects.order_by("id").first()
    if district is None:
        raise InvalidInput("尚未建立区划", hint="先运行 lianqin demo 或 lianqin import-grids")
    priority = report.priority or (category.priority if category else Priority.NORMAL)
    case = Case(
        number=_next_number(district.code, now),
        title=report.title.strip()[:200],
        description=report.description,
        category=category,
        priority=priority,
        channel=report.channel,
        lon=where.lon,
        lat=where.lat,
        address=report.address,
        location_source=where.source,
        location_confidence=where.confidence,
        location_match=where.matched[:120],
        created_at=now,
        updated_at=now,
        status=State.REPORTED,
        version=1,
    )
    place(case, grid, district, flag=where.needs_person)
    case.accept_due = deadlines.due(case, Stage.ACCEPT, now)
    refresh(case, now)
    case.save()
    contact = None
    if report.reporter_name or report.reporter_phone or report.reporter_id_number:
        contact = ReporterContact.objects.create(
            name=report.reporter_name,
            phone=report.reporter_phone,
            id_number=report.reporter_id_number,
        )
    Report.objects.create(
        channel=report.channel,
        external_id=report.external_id or f"lq-{uuid.uuid4().hex}",
        case=case,
        received_at=now,
        reported_at=report.reported_at,
        raw=report.raw,
        content_type=report.content_type,
        title=report.title,
        description=report.description,
        lon=report.lon,
        lat=report.lat,
        address=report.address,
        reporter=contact,
        submitted_by_id=actor.person_id,
    )
    record(case, actor, "create", "", State.REPORTED, now, "", {"channel": report.channel})
    return case


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


def _next_number(district_code: str, now: datetime) -> str:
    """``320111-20261128-000123``: district, local date, the day's sequence."""
    prefix = f"{district_code}-{timezone.localtime(now):%Y%m%d}"
    CaseCounter.objects.bulk_create([CaseCounter(prefix=prefix)], ignore_conflicts=True)
    CaseCounter.objects.filter(prefix=prefix).update(last=F("last") + 1)
    last = CaseCounter.objects.values_list("last", flat=True).get(prefix=prefix)
    return f"{prefix}-{last:06d}"
