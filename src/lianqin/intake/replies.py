"""Telling the source what became of its report: 12345 办结反馈, 网络问政 答复意见, and the
like for every channel that wants it.

A case change is already in the outbox (``case.<action>``). Its delivery derives one
``reply.<channel>`` message per report of the case whose channel hears about that action,
each under a unique key ``reply:<channel>:<external id>:<case event>`` — deriving again
after a crash creates nothing new, so a reply is never sent twice. A reply message is
delivered by an HTTP POST to the channel's endpoint (``LIANQIN_REPLY_URLS``), with the
key as ``Idempotency-Key``; failures are retried with the outbox's backoff. A channel
without an endpoint collects its replies by polling ``GET /api/intake/{channel}/replies``.
Every reply is visible on its case (``GET /api/v1/cases/{number}/outbox``).

Open311 clients read status and notes from ``/open311/v2/`` instead.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any

from django.conf import settings

from lianqin.cases.models import Case, CaseEvent, Report
from lianqin.jobs.models import OutboxMessage
from lianqin.jobs.outbox import subscribe

log = logging.getLogger(__name__)

#: which actions each channel hears about, and what the message is called there
REPLY_ON: dict[str, dict[str, str]] = {
    "hotline_12345": {
        "accept": "受理反馈",
        "reject": "退回说明",
        "transfer": "转办说明",
        "verify": "办结反馈",
    },
    "petition_online": {"reject": "答复意见", "transfer": "答复意见", "verify": "答复意见"},
    "alarm_110": {"reject": "退回说明", "transfer": "转办说明", "verify": "警情处置反馈"},
    "zongzhi": {"reject": "退回说明", "transfer": "转办说明", "verify": "事件办结反馈"},
    "portal": {"reject": "答复意见", "transfer": "答复意见", "verify": "答复意见"},
}
TIMEOUT_S = 10


#: what the reporter is told by text message, per action (needs ``LIANQIN_SMS_URL``)
SMS_ON = {
    "verify": "您反映的问题（案件号 {number}）已办结，我们将进行回访，感谢您的监督。",
    "reopen": "您反映的问题（案件号 {number}）已重新办理，我们会尽快处理。",
}


def connect() -> None:
    subscribe("case.", on_case_event)
    subscribe("reply.", send)
    subscribe("reporter.", send_sms)


def on_case_event(message: OutboxMessage) -> None:
    """One subscriber per topic prefix (``jobs/outbox.py``): both derivations, each
    idempotent, so a retry after a failure of either creates nothing twice."""
    derive(message)
    derive_sms(message)


def derive(message: OutboxMessage) -> None:
    """From one case event, the replies its reports' sources are owed (idempotent)."""
    action = str(message.payload.get("action", ""))
    if message.case_id is None or not any(action in on for on in REPLY_ON.values()):
        return
    case = Case.objects.get(pk=message.case_id)
    event = (
        CaseEvent.objects.filter(case=case, seq=message.payload.get("version"))
        .values("seq", "note", "at")
        .first()
    )
    if event is None:
        return
    text = reply_text(case, action, event["note"])
    rows = []
    for channel, external_id in Report.objects.filter(case=case).values_list(
        "channel", "external_id"
    ):
        kind = REPLY_ON.get(channel, {}).get(action)
        if kind is None:
            continue
        body = {
            "external_id": external_id,
            "case_number": case.number,
            "type": kind,
            "status": case.status,
            "text": text,
            "at": event["at"].isoformat(),
        }
        rows.append(
            OutboxMessage(
                topic=f"reply.{channel}",
                case=case,
                payload=body,
                created_at=message.created_at,
                available_at=message.created_at,
                key=f"reply:{channel}:{external_id}:{case.pk}.{event['seq']}"[:160],
            )
        )
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)


def reply_text(case: Case, action: str, note: str) -> str:
    """What the citizen is told: the lead unit's reply or the handler's note."""
    if action == "verify":  # 核查通过: the case is closed
        lead = case.work_orders.filter(role="lead").exclude(reply="").order_by("-id").first()
        if lead is not None:
            return lead.reply
        handled = (
            case.events.filter(action__in=["resolve", "handle_on_site"])
            .exclude(note="")
            .order_by("-seq")
            .values_list("note", flat=True)
            .first()
        )
        return handled or note or "您反映的问题已办结。"
    return note


def send(message: OutboxMessage) -> None:
    """POST one reply to its channel's endpoint; with no endpoint it waits to be polled."""
    channel = message.topic.removeprefix("reply.")
    url = reply_urls().get(channel)
    if not url:
        return
    data = json.dumps(message.payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - the operator configures the endpoint
        url,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": message.key or str(message.pk),
        },
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
        if response.status >= 300:
            raise RuntimeError(f"{url} answered {response.status}")


def reply_urls() -> dict[str, str]:
    found: dict[str, Any] = getattr(settings, "LIANQIN_REPLY_URLS", {}) or {}
    return {str(k): str(v) for k, v in found.items()}


def derive_sms(message: OutboxMessage) -> None:
    """A text message to each reporter of the case who left a phone number, once per
    case event. The message carries the report's id, never the number: the number is
    looked up when it is sent."""
    action = str(message.payload.get("action", ""))
    template = SMS_ON.get(action)
    if template is None or message.case_id is None or not getattr(settings, "LIANQIN_SMS_URL", ""):
        return
    number = str(message.payload.get("number", ""))
    rows = [
        OutboxMessage(
            topic="reporter.sms",
            case_id=message.case_id,
            payload={"report": report_id, "number": number, "text": template.format(number=number)},
            created_at=message.created_at,
            available_at=message.created_at,
            key=f"sms:{report_id}:{message.case_id}.{message.payload.get('version')}",
        )
        for report_id in Report.objects.filter(case_id=message.case_id)
        .exclude(reporter=None)
        .exclude(reporter__phone="")
        .values_list("id", flat=True)
    ]
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)


def send_sms(message: OutboxMessage) -> None:
    """POST ``{phone, text}`` to the SMS gateway with the message key as Idempotency-Key."""
    url = str(getattr(settings, "LIANQIN_SMS_URL", ""))
    report = (
        Report.objects.select_related("reporter").filter(pk=message.payload.get("report")).first()
    )
    if not url or report is None or report.reporter is None or not report.reporter.phone:
        return
    data = json.dumps({"phone": report.reporter.phone, "text": message.payload.get("text", "")},
                      ensure_ascii=False).encode()  # fmt: skip
    request = urllib.request.Request(  # noqa: S310 - the operator configures the gateway
        url, data=data, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8",
                 "Idempotency-Key": message.key or str(message.pk)},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
        if response.status >= 300:
            raise RuntimeError(f"SMS gateway answered {response.status}")
