"""API v1 for what the intake could not finish alone: the quarantine, reports held for a
person's confirmation, grey-zone duplicates, and each case's outbound messages. Thin:
every call goes through the gate in ``cases/access.py`` and one function that acts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from lianqin.api.auth import request_actor
from lianqin.api.intake import ChannelKey
from lianqin.api.schemas import Error
from lianqin.audit.service import request_client
from lianqin.cases.access import access_case
from lianqin.cases.actions import reports as report_actions
from lianqin.cases.masking import mask_phone
from lianqin.errors import Forbidden
from lianqin.intake import quarantine
from lianqin.intake.models import QuarantinedPayload
from lianqin.jobs.models import OutboxMessage
from lianqin.org.models import ApiKey

router = Router(tags=["intake"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error}


class ReplayIn(Schema):
    raw: str | None = None


class NoteIn(Schema):
    note: str = ""


def _quarantined(row: QuarantinedPayload, *, raw: bool = False) -> dict[str, Any]:
    body = {
        "id": row.pk,
        "channel": row.channel,
        "source": row.source,
        "state": row.state,
        "code": row.code,
        "reason": row.reason,
        "field": row.field,
        "hint": row.hint,
        "content_type": row.content_type,
        "received_at": row.received_at,
        "last_seen_at": row.last_seen_at,
        "times_seen": row.times_seen,
        "case_number": row.case_number,
        "resolution": row.resolution,
    }
    if raw:
        body["raw"], body["corrected_raw"] = row.raw, row.corrected_raw
    return body


@router.get("/quarantine", response={200: list[dict], **ERRORS}, summary="隔离区列表")
def quarantine_list(request: HttpRequest, channel: str = "", all: bool = False):
    rows = quarantine.pending(request_actor(request), channel, every=all)[:500]
    return [_quarantined(r) for r in rows]


@router.get("/quarantine/{qid}", response={200: dict, **ERRORS}, summary="隔离报文详情（含原文）")
def quarantine_show(request: HttpRequest, qid: int):
    row = quarantine.read(request_actor(request), qid, client=request_client(request))
    return _quarantined(row, raw=True)


@router.post("/quarantine/{qid}/replay", response={200: dict, **ERRORS}, summary="修正并重放")
def quarantine_replay(request: HttpRequest, qid: int, body: ReplayIn):
    return quarantine.replay(request_actor(request), qid, body.raw).as_dict()


@router.post(
    "/quarantine/{qid}/discard", response={200: dict, **ERRORS}, summary="废弃（须写理由）"
)
def quarantine_discard(request: HttpRequest, qid: int, body: NoteIn):
    quarantine.discard(request_actor(request), qid, body.note)
    return {"id": qid, "state": "discarded"}


@router.get("/reports/awaiting", response={200: list[dict], **ERRORS}, summary="待人工确认的报件")
def awaiting(request: HttpRequest):
    rows = report_actions.awaiting_reports(request_actor(request))[:500]
    return [
        {
            "id": r.pk,
            "channel": r.channel,
            "external_id": r.external_id,
            "title": r.title,
            "description": r.description,
            "received_at": r.received_at,
            "lon": r.lon,
            "lat": r.lat,
            "address": r.address,
            "photos": r.photos,
            "extra": r.extra,
        }
        for r in rows
    ]


@router.post(
    "/reports/{report_id}/confirm", response={200: dict, **ERRORS}, summary="确认报件并立案"
)
def confirm(request: HttpRequest, report_id: int, body: NoteIn):
    case = report_actions.confirm_report(request_actor(request), report_id, note=body.note)
    return {"case_number": case.number}


@router.post(
    "/reports/{report_id}/dismiss", response={200: dict, **ERRORS}, summary="排除报件（误报）"
)
def dismiss(request: HttpRequest, report_id: int, body: NoteIn):
    report_actions.dismiss_report(request_actor(request), report_id, note=body.note)
    return {"id": report_id, "state": "dismissed"}


@router.get(
    "/cases/{number}/reports", response={200: list[dict], **ERRORS}, summary="案件的全部报件"
)
def case_reports(request: HttpRequest, number: str):
    case = access_case(request_actor(request), number)
    return [
        {
            "id": r.pk,
            "channel": r.channel,
            "external_id": r.external_id,
            "title": r.title,
            "description": r.description,
            "received_at": r.received_at,
            "reported_at": r.reported_at,
            "joined": r.joined,
            "merge_score": r.merge_score,
            "address": r.address,
            "photos": r.photos,
            "source": r.source,
            "reporter_phone": mask_phone(r.reporter.phone) if r.reporter else "",
        }
        for r in case.reports.select_related("reporter").order_by("received_at", "id")
    ]


@router.get(
    "/cases/{number}/candidates", response={200: list[dict], **ERRORS}, summary="疑似重复案件"
)
def candidates(request: HttpRequest, number: str):
    case = access_case(request_actor(request), number)
    return [
        {
            "number": c.candidate.number,
            "title": c.candidate.title,
            "status": c.candidate.status,
            "score": c.score,
            "parts": c.parts,
            "state": c.state,
        }
        for c in case.merge_candidates.select_related("candidate")
    ]


@router.post(
    "/cases/{number}/candidates/{other}/dismiss",
    response={200: dict, **ERRORS},
    summary="判定非重复",
)
def candidate_dismiss(request: HttpRequest, number: str, other: str):
    report_actions.dismiss_candidate(request_actor(request), number, other)
    return {"number": number, "candidate": other, "state": "dismissed"}


@router.get(
    "/cases/{number}/outbox",
    response={200: list[dict], **ERRORS},
    summary="案件的外发消息（回复来源、通知）",
)
def case_outbox(request: HttpRequest, number: str):
    case = access_case(request_actor(request), number)
    return [_message(m) for m in OutboxMessage.objects.filter(case=case).order_by("id")]


def _message(m: OutboxMessage) -> dict[str, Any]:
    return {
        "id": m.pk,
        "topic": m.topic,
        "payload": m.payload,
        "created_at": m.created_at,
        "attempts": m.attempts,
        "delivered_at": m.delivered_at,
        "last_error": m.last_error,
    }


channel_router = Router(tags=["intake"])


@channel_router.get(
    "/{channel}/replies",
    auth=[ChannelKey()],
    response={200: list[dict], **ERRORS},
    summary="来源系统拉取答复（办结反馈、答复意见）",
)
def replies(request: HttpRequest, channel: str, after: int = 0, since: datetime | None = None):
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    if key.channel != channel:
        raise Forbidden(f"此密钥属于渠道 {key.channel or '（无）'}", hint=f"用 {channel} 的密钥")
    qs = OutboxMessage.objects.filter(topic=f"reply.{channel}", pk__gt=after)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return [{"id": m.pk, **m.payload} for m in qs.order_by("id")[:500]]
