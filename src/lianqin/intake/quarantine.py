"""What an operator does with the quarantine: look, correct and replay, or discard.

The original payload is never overwritten: a correction is kept beside it
(``corrected_raw``), so the record shows what arrived and what was made of it. A replay
goes through :func:`lianqin.intake.service.receive` like any delivery, so replaying twice,
or replaying something the source also re-sent, never makes a second case. A correction
that still does not parse is refused with the parser's reason and changes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from lianqin.cases.access import Actor, check_intake_operator
from lianqin.errors import InvalidInput, InvalidTransition, NotFound
from lianqin.intake import service
from lianqin.intake.contract import Payload
from lianqin.intake.models import QuarantinedPayload


def pending(
    actor: Actor, channel: str = "", *, every: bool = False
) -> QuerySet[QuarantinedPayload]:
    check_intake_operator(actor)
    qs = (
        QuarantinedPayload.objects.all()
        if every
        else QuarantinedPayload.objects.filter(state="open")
    )
    return qs.filter(channel=channel) if channel else qs


def get(actor: Actor, qid: int) -> QuarantinedPayload:
    check_intake_operator(actor)
    row = QuarantinedPayload.objects.filter(pk=qid).first()
    if row is None:
        raise NotFound(f"隔离区没有 #{qid}", hint="用 lianqin quarantine list 查看编号")
    return row


def read(actor: Actor, qid: int, *, client: str = "") -> QuarantinedPayload:
    """The payload with its raw text, for the operator who corrects it: the raw text
    carries the reporter's contact, so each opening is a ``reveal`` audit line."""
    from lianqin.audit.service import append

    row = get(actor, qid)
    append("reveal", actor, f"intake.QuarantinedPayload:{qid}", {"fields": ["raw"]},
           client=client)  # fmt: skip
    return row


def replay(actor: Actor, qid: int, corrected: str | None = None) -> service.Outcome:
    """Parse the (corrected) payload again and, if it now reads, take it in."""
    row = get(actor, qid)
    if row.state != "open":
        raise InvalidTransition(
            f"隔离区 #{qid} 已{row.get_state_display()}", hint="只有待处理的报文可以重放"
        )
    raw = corrected if corrected is not None else (row.corrected_raw or row.raw)
    payload = Payload(row.channel, raw, row.content_type, source=f"quarantine #{qid}")
    try:
        service.parse(payload)
    except InvalidInput as exc:
        raise InvalidInput(
            f"修正后仍无法解析：{exc.message}", field=exc.field, hint=exc.hint
        ) from None
    outcome = service.receive(actor, payload)
    with transaction.atomic():
        row = QuarantinedPayload.objects.select_for_update().get(pk=qid)
        row.state, row.resolved_at, row.resolved_by = "replayed", timezone.now(), actor.name
        row.corrected_raw = raw if raw != row.raw else ""
        row.case_number = outcome.case_number
        row.resolution = f"重放：{outcome.status}"
        row.save()
    return outcome


def discard(actor: Actor, qid: int, reason: str) -> None:
    """Set a payload aside for good (a test message, garbage), saying why."""
    check_intake_operator(actor)
    if not reason.strip():
        raise InvalidInput("废弃须填写理由", field="reason", hint="例如：对方测试报文")
    with transaction.atomic():
        row = QuarantinedPayload.objects.select_for_update().filter(pk=qid).first()
        if row is None:
            raise NotFound(f"隔离区没有 #{qid}")
        if row.state != "open":
            raise InvalidTransition(f"隔离区 #{qid} 已{row.get_state_display()}")
        row.state, row.resolved_at, row.resolved_by = "discarded", timezone.now(), actor.name
        row.resolution = reason
        row.save()
