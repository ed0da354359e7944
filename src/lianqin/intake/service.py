"""The one intake: a payload from any channel becomes a report under a case, or waits in
quarantine with the reason, or waits for a person — never lost, never doubled.

The steps, for one payload (``receive``) — the bulk import (``intake/bulk.py``) does the
same in batches:

1. parse with the channel's parser and the deployment's field mapping; what does not
   parse is quarantined verbatim (``intake/models.py``) and the caller hears why;
2. a replay of ``(channel, external_id)`` returns what the first one made;
3. a camera alarm below the confidence threshold is held for a person to confirm;
4. locate (grid, coordinates or address); a location that is wrong (coordinates outside
   China, an unknown grid) does not lose the report: it is filed unplaced, flagged for a
   dispatcher, and the reason is kept on the report;
5. suggest a category from the catalogue's keywords;
6. look for a duplicate among the open cases nearby: above the merge threshold the report
   joins that case (并单), in the grey zone it opens a case that lists the candidates;
7. write through ``cases.actions`` (history and outbox in the same transaction).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from lianqin.cases.access import Actor
from lianqin.cases.actions import NewReport, create_case
from lianqin.cases.actions.create import locate
from lianqin.cases.actions.reports import hold_report, join_case
from lianqin.cases.masking import phone_key
from lianqin.cases.models import Case, Report
from lianqin.errors import InvalidInput, LianqinError
from lianqin.geo.service import Location
from lianqin.intake import channels, open311
from lianqin.intake.contract import ParsedReport, Payload
from lianqin.intake.mapping import Mapping, load_mapping
from lianqin.intake.models import QuarantinedPayload
from lianqin.org.models import Category, District
from lianqin.triage import classify_service
from lianqin.triage import service as triage
from lianqin.triage.duplicates import DEFAULT, Config, Item, decide

_mappings: dict[str, Mapping] = {}


@dataclass
class Outcome:
    """What happened to one payload; the webhook's response body and the CLI's tally."""

    status: str  # new | merged | suggested | replay | quarantined | awaiting
    channel: str
    external_id: str = ""
    case_number: str = ""
    quarantine_id: int | None = None
    score: float | None = None
    error: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, [], "")}


def mapping_for(channel: str) -> Mapping:
    """The channel's field mapping: the deployment's file when it has one, else ours."""
    if channel not in _mappings:
        override = getattr(settings, "LIANQIN_CHANNEL_MAPPINGS", None)
        _mappings[channel] = load_mapping(channel, override)
    return _mappings[channel]


def forget_mappings() -> None:
    _mappings.clear()


def parse(payload: Payload) -> ParsedReport:
    """The channel's parser with the deployment's mapping (Open311's names are fixed by
    the standard: it has no mapping)."""
    if payload.channel == "open311":
        return open311.parse(payload)
    return channels.get(payload.channel).parse(payload, mapping_for(payload.channel))


def receive(
    actor: Actor, payload: Payload, *, now: datetime | None = None, cfg: Config = DEFAULT
) -> Outcome:
    """Take one payload through the whole intake (see the module docstring)."""
    now = now or timezone.now()
    try:
        parsed = parse(payload)
    except InvalidInput as exc:
        return quarantine(payload, exc, now)
    report = to_new_report(parsed, payload)
    replay = replayed(report)
    if replay is not None:
        return replay
    if parsed.needs_confirmation:
        hold_report(actor, report, now=now)
        return Outcome("awaiting", report.channel, report.external_id)
    outcome = Outcome("new", report.channel, report.external_id)
    where = safe_location(report, outcome)
    check_category(report, outcome)
    text = f"{report.title} {report.description}"
    triage_data = categorise(report, text)
    key = phone_key(report.reporter_phone, settings.SECRET_KEY)
    area = where.grid.code if where.grid is not None else _district_code()
    item = Item(
        key=0,
        text=text,
        at=report.reported_at or now,
        lon=where.lon,
        lat=where.lat,
        category=report.category_code,
        phone_key=key,
        area=area,
    )
    matches = triage.duplicates(item, now, cfg)
    verdict = decide(matches[0][1], cfg) if matches else "new"
    if verdict == "merge":
        case, created = join_case(
            actor, int(matches[0][0]), report, score=matches[0][1].total, now=now
        )
        outcome.status, outcome.score = "merged", round(matches[0][1].total, 3)
    else:
        grey = [
            (int(k), round(s.total, 4), {p: round(v, 3) for p, v in s.parts.items()})
            for k, s in matches
            if decide(s, cfg) == "suggest"
        ]
        case, created = create_case(
            actor, report, now=now, where=where, triage=triage_data, candidates=grey
        )
        outcome.status = "suggested" if grey else "new"
    if not created:
        outcome.status = "replay"
    outcome.case_number = case.number
    return outcome


def categorise(report: NewReport, text: str) -> dict[str, Any]:
    """Suggest a category (the classifier, or the catalogue's keywords until one is
    trained); above the model's threshold the category is set (``triage.auto``)."""
    if report.category_code:
        return {}
    found, auto = classify_service.suggest(text)
    return apply_suggestion(report, found, auto)


def apply_suggestion(report: NewReport, found: list[dict[str, Any]], auto: str) -> dict[str, Any]:
    data: dict[str, Any] = {"category": found}
    if auto and Category.objects.filter(code=auto, active=True).exists():
        report.category_code = auto
        data["auto"] = auto
    return data


def to_new_report(parsed: ParsedReport, payload: Payload) -> NewReport:
    return NewReport(
        channel=parsed.channel,
        title=parsed.title,
        description=parsed.description,
        external_id=parsed.external_id,
        raw=payload.raw,
        content_type=payload.content_type,
        category_code=parsed.category_code,
        priority=parsed.priority,
        lon=parsed.lon,
        lat=parsed.lat,
        address=parsed.address,
        grid_code=parsed.grid_code,
        crs=parsed.crs,
        reporter_name=parsed.reporter_name,
        reporter_phone=parsed.reporter_phone,
        reporter_id_number=parsed.reporter_id_number,
        reported_at=parsed.reported_at,
        extra=dict(parsed.extra),
        category_hint=parsed.category_hint,
        due_at=parsed.due_at,
        photos=list(parsed.photos),
        source=payload.source,
    )


def replayed(report: NewReport) -> Outcome | None:
    """What the first delivery of this ``(channel, external_id)`` made, if any."""
    found = (
        Report.objects.filter(channel=report.channel, external_id=report.external_id)
        .values_list("state", "case__number")
        .first()
    )
    if found is None:
        return None
    state, number = found
    outcome = Outcome("replay", report.channel, report.external_id, case_number=number or "")
    if state != "filed":
        outcome.warnings.append(
            "该报件已接收，正等待人工确认" if state == "awaiting" else "该报件已被排除"
        )
    return outcome


def safe_location(report: NewReport, outcome: Outcome) -> Location:
    """Locate the report; a wrong location is dropped (and said), never the report."""
    try:
        return locate(report)
    except InvalidInput as exc:
        outcome.warnings.append(f"定位失败：{exc.message}，已按地址定位或待人工定位")
        report.extra["location_error"] = {
            "message": exc.message,
            "field": exc.field,
            "lon": report.lon,
            "lat": report.lat,
            "grid": report.grid_code,
        }
        report.lon = report.lat = None
        report.grid_code = ""
        try:
            return locate(report)
        except InvalidInput:
            return Location(None, None, None, "none", 0.0)


def check_category(report: NewReport, outcome: Outcome) -> None:
    """A category code the catalogue does not know is dropped (and said), not fatal."""
    if report.category_code and not Category.objects.filter(code=report.category_code).exists():
        outcome.warnings.append(f"未知类别编码 {report.category_code}，已改为待分类")
        report.extra["unknown_category"] = report.category_code
        report.category_code = ""


def _district_code() -> str:
    return District.objects.order_by("id").values_list("code", flat=True).first() or ""


def quarantine(payload: Payload, exc: LianqinError, now: datetime) -> Outcome:
    """Keep a payload that does not parse, with the reason; the same one again is counted."""
    digest = QuarantinedPayload.digest_of(payload.channel, payload.content_type, payload.raw)
    fields = {
        "source": payload.source[:160],
        "content_type": payload.content_type[:60],
        "raw": payload.raw,
        "code": exc.code,
        "reason": exc.message,
        "field": (exc.field or "")[:80],
        "hint": exc.hint,
    }
    with transaction.atomic():
        row = (
            QuarantinedPayload.objects.select_for_update()
            .filter(channel=payload.channel, digest=digest)
            .first()
        )
        if row is None:
            try:
                with transaction.atomic():
                    row = QuarantinedPayload.objects.create(
                        channel=payload.channel,
                        digest=digest,
                        received_at=now,
                        last_seen_at=now,
                        **fields,
                    )
            except IntegrityError:
                row = QuarantinedPayload.objects.get(channel=payload.channel, digest=digest)
                _seen_again(row, now)
        else:
            _seen_again(row, now)
    return Outcome("quarantined", payload.channel, quarantine_id=row.pk, error=exc.as_dict())


def _seen_again(row: QuarantinedPayload, now: datetime) -> None:
    row.times_seen += 1
    row.last_seen_at = now
    if row.state == "discarded":
        row.state = "open"
    row.save(update_fields=["times_seen", "last_seen_at", "state"])


def case_of(outcome: Outcome) -> Case | None:
    return Case.objects.filter(number=outcome.case_number).first() if outcome.case_number else None
