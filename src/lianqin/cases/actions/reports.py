"""Reports that do not open a case of their own: joined to an existing case (并单),
held for a person's confirmation (a camera alarm below the confidence threshold), then
confirmed into a case or dismissed; and grey-zone duplicates set aside.

What must hold: a report joins at most one case; joining bumps the case's version and
writes one history line, in the same transaction as the report row; a case that was
itself merged passes the report on to the case it was merged into.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from lianqin.cases.access import (
    Actor,
    access_case,
    check_intake_operator,
    check_may_act,
    check_may_create,
    scope_cases,
)
from lianqin.cases.actions.create import (
    NewReport,
    _create,
    _replayed,
    create_case,
    store_report,
)
from lianqin.cases.actions.record import record
from lianqin.cases.models import Case, MergeCandidate, Report
from lianqin.cases.workflow import FINAL, State
from lianqin.errors import InvalidInput, InvalidTransition, NotFound

MAX_HOPS = 10


def join_case(
    actor: Actor, case_id: int, report: NewReport, *, score: float, now: datetime | None = None
) -> tuple[Case, bool]:
    """File a report under an existing open case. A replay returns the case it joined (or
    opened) the first time with ``created=False``; if the case closed meanwhile the report
    opens a case of its own."""
    now = now or timezone.now()
    check_may_create(actor, report.channel)
    existing = _replayed(report)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            case = _open_target(case_id)
            if case is None:
                return create_case(actor, report, now=now)
            store_report(actor, report, now, case, joined="merged", merge_score=round(score, 4))
            case.report_count += 1
            case.version += 1
            case.updated_at = now
            case.save(update_fields=["report_count", "version", "updated_at"])
            data = {
                "channel": report.channel,
                "external_id": report.external_id,
                "score": round(score, 3),
            }
            record(case, actor, "report_joined", case.status, case.status, now, "", data)
            return case, True
    except IntegrityError:
        existing = _replayed(report)
        if existing is None:
            raise
        return existing, False


def _open_target(case_id: int) -> Case | None:
    """The case a report should join: follows merges; None when it is no longer open."""
    for _ in range(MAX_HOPS):
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            return None
        if case.status == State.MERGED and case.merged_into_id:
            case_id = case.merged_into_id
            continue
        return None if case.status in FINAL or case.status == State.CLOSED else case
    return None


def hold_report(actor: Actor, report: NewReport, *, now: datetime | None = None) -> Report:
    """Keep a report that waits for a person (no case yet); a replay returns the held one."""
    now = now or timezone.now()
    check_may_create(actor, report.channel)
    found = Report.objects.filter(channel=report.channel, external_id=report.external_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return store_report(actor, report, now, None, state="awaiting")
    except IntegrityError:
        return Report.objects.get(channel=report.channel, external_id=report.external_id)


def awaiting_reports(actor: Actor) -> QuerySet[Report]:
    """Held reports: district duty staff decide them (they have no place yet)."""
    check_intake_operator(actor)
    return Report.objects.filter(state="awaiting").order_by("received_at")


def confirm_report(
    actor: Actor, report_id: int, *, note: str = "", now: datetime | None = None
) -> Case:
    """A person confirms a held report: it opens a case (exactly once)."""
    now = now or timezone.now()
    with transaction.atomic():
        held = _held(actor, report_id)
        new = NewReport(
            channel=held.channel,
            title=held.title,
            description=held.description,
            external_id=held.external_id,
            lon=held.lon,
            lat=held.lat,
            address=held.address,
            crs=str(held.extra.get("crs", "wgs84")),
            reported_at=held.reported_at,
        )
        case = _create(actor, _with_raw(new, held), now, None, {}, held=held)
        case.version += 1
        case.save(update_fields=["version"])
        data = {"report": held.pk, "confidence": held.extra.get("confidence")}
        record(case, actor, "report_confirmed", case.status, case.status, now, note, data)
        return case


def _with_raw(new: NewReport, held: Report) -> NewReport:
    new.raw, new.content_type, new.source = held.raw, held.content_type, held.source
    new.category_hint, new.photos, new.extra = held.category_hint, held.photos, held.extra
    new.due_at = held.due_at
    if held.reporter is not None:
        new.reporter_name, new.reporter_phone = held.reporter.name, held.reporter.phone
        new.reporter_id_number = held.reporter.id_number
    return new


def dismiss_report(actor: Actor, report_id: int, *, note: str, now: datetime | None = None) -> None:
    """A person decides a held report is not a problem (a false camera alarm)."""
    if not note.strip():
        raise InvalidInput("排除报件须填写理由", field="note", hint="例如：误报，现场无占道")
    now = now or timezone.now()
    with transaction.atomic():
        held = _held(actor, report_id)
        held.state = "dismissed"
        held.extra = {
            **held.extra,
            "dismissed": {"by": actor.name, "at": now.isoformat(), "note": note},
        }
        held.save(update_fields=["state", "extra"])


def _held(actor: Actor, report_id: int) -> Report:
    held = awaiting_reports(actor).select_for_update().filter(pk=report_id).first()
    if held is None:
        raise NotFound(f"没有待确认的报件 #{report_id}", hint="它可能已被他人确认或排除")
    return held


def dismiss_candidate(actor: Actor, number: str, candidate_number: str) -> None:
    """A dispatcher decides two cases are not the same problem."""
    with transaction.atomic():
        case = access_case(actor, number, for_update=True)
        check_may_act(actor, case)
        other = scope_cases(actor).filter(number=candidate_number).first()
        updated = MergeCandidate.objects.filter(case=case, candidate=other, state="open")
        if other is None or not updated.update(state="dismissed"):
            raise InvalidTransition(f"{candidate_number} 不是 {number} 的待研判疑似重复")


def add_comment(
    actor: Actor,
    case_id: int,
    text: str,
    *,
    source: str,
    external_id: str = "",
    now: datetime | None = None,
) -> int:
    """Append a comment from outside (a reporter adding details through Open311 or a
    source platform) to a case's history without changing its state; returns the event's
    ``seq``. A repeated ``(source, external_id)`` returns the first comment's ``seq``."""
    if not text.strip():
        raise InvalidInput("补充说明不能为空", field="description")
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            raise NotFound("没有这个案件")
        if external_id:
            seen = case.events.filter(
                action="comment", data__source=source, data__external_id=external_id
            ).first()
            if seen is not None:
                return seen.seq
        case.version += 1
        case.updated_at = now
        case.save(update_fields=["version", "updated_at"])
        data = {"source": source, "external_id": external_id}
        record(case, actor, "comment", case.status, case.status, now, text.strip(), data)
        return case.version
