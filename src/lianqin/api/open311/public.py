"""What the public may see of a case through Open311, in Open311's words. Pure: no Django.

Three rules live here, so that they are read and tested in one place:

* **status** — GeoReport v2 knows ``open`` and ``closed`` ("it has been resolved").
  A case is ``closed`` once nobody owes it work any more: ``closed`` (verified),
  ``archived``, ``rejected``, ``transferred`` (out of this platform's hands) and
  ``merged`` (a duplicate: Open311's own example reports a duplicate as closed with the
  note "Duplicate request."; our note names the case it joined, which stays readable).
  Everything else is ``open`` — ``resolved`` too, because it waits for verification and
  may come back as rework.
* **public updates** — only some history lines are news for the public, and only some
  notes were written for the public. :data:`PUBLIC_ACTIONS` lists them with the
  extended status of mySociety's ``servicerequestupdates`` and the text shown. A staff
  note is published only for ``resolve`` (办结说明, the answer the reporter is owed),
  ``reject`` and ``transfer`` (the reason they are owed); for the others a fixed text is
  shown and the note stays inside. A ``comment`` is public only when it came in through
  Open311 (the public's own words).
* **scrubbing** — whatever is published passes :func:`scrub`: mobile and landline
  numbers, ID numbers and e-mail addresses in free text are masked, because a reporter
  or an officer may have typed one into a description or a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from lianqin.cases.masking import mask_id_number, mask_phone

#: Case states whose Open311 status is ``closed``.
CLOSED_STATES = frozenset({"closed", "archived", "rejected", "transferred", "merged"})
DESCRIPTION_LIMIT = 4000


def request_status(state: str) -> str:
    """``open`` or ``closed`` for a case state (see the module docstring)."""
    return "closed" if state in CLOSED_STATES else "open"


@dataclass(frozen=True)
class PublicAction:
    """How one kind of history line is published."""

    status: str  # mySociety's extended status
    text: str  # what is shown when the note is not public (or empty)
    note_public: bool = False


PUBLIC_ACTIONS: dict[str, PublicAction] = {
    "accept": PublicAction("investigating", "已受理，正在核实处理"),
    "handle_on_site": PublicAction("in_progress", "网格员正在现场处置"),
    "dispatch": PublicAction("action_scheduled", "已派单至承办单位办理"),
    "reassign": PublicAction("action_scheduled", "已改派承办单位办理"),
    "resolve": PublicAction("fixed", "已办结，待核查", note_public=True),
    "verify": PublicAction("closed", "经核查已办结，结案"),
    "rework": PublicAction("in_progress", "核查未通过，返工处理中"),
    "reject": PublicAction("no_further_action", "不予受理", note_public=True),
    "transfer": PublicAction("internal_referral", "已转交其他部门处理", note_public=True),
    "merge": PublicAction("duplicate", "重复诉求，已并入案件 {into} 一并办理"),
    "reopen": PublicAction("reopen", "已重新办理"),
    "comment": PublicAction("open", "", note_public=True),
}
#: The source an Open311 comment is recorded under (``add_comment(source=…)``).
COMMENT_SOURCE = "open311"


def is_public(action: str, data: dict[str, Any]) -> bool:
    """Whether a history line is published (a comment only when it came via Open311)."""
    if action == "comment":
        return data.get("source") == COMMENT_SOURCE
    return action in PUBLIC_ACTIONS


def update_text(action: str, note: str, data: dict[str, Any]) -> str:
    """The public text of a published history line (already scrubbed)."""
    rule = PUBLIC_ACTIONS[action]
    text = note.strip() if rule.note_public and note.strip() else rule.text
    return scrub(text.replace("{into}", str(data.get("into", ""))))


def update_status(action: str, to_state: str) -> str:
    """The extended status of a published line; a comment carries the case's status."""
    if action == "comment":
        return request_status(to_state)
    return PUBLIC_ACTIONS[action].status


def duplicate_note(into: str) -> str:
    return f"重复诉求，已并入案件 {into} 一并办理（duplicate of {into}）"


_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])0[0-9]{2,3}-[0-9]{7,8}(?![0-9])")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def scrub(text: str) -> str:
    """Text with phone numbers, ID numbers and e-mail addresses masked."""
    if not text:
        return text
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text)
    text = _MOBILE.sub(lambda m: mask_phone(m.group()), text)
    text = _LANDLINE.sub(lambda m: mask_phone(m.group()), text)
    return _EMAIL.sub(lambda m: m.group()[0] + "***@" + m.group().split("@", 1)[1], text)


def public_description(text: str) -> str | None:
    """A description as published: scrubbed and within the spec's 4,000 characters."""
    text = scrub(text.strip())
    if not text:
        return None
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


# ------------------------------------------------------------------ query windows

#: The spec's default and largest span of ``GET requests`` (and of our update feed).
SPAN = timedelta(days=90)
#: The spec's default and largest number of requests in one answer.
LIMIT = 1000


def parse_w3(text: str, zone: tzinfo) -> datetime:
    """A w3/ISO 8601 time; a time without an offset is read in ``zone``. ValueError else."""
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The span of ``requested_datetime`` a query covers: the most recent 90 days by
    default; 90 days from ``start`` or up to ``end`` when only one is given. A span
    longer than 90 days or ending before it starts is refused (ValueError), not cut,
    so that a client never takes a partial answer for a whole one."""
    if start is not None and end is not None:
        if end < start:
            raise ValueError("end_date 早于 start_date（end_date is before start_date）")
        if end - start > SPAN:
            raise ValueError(
                "start_date 与 end_date 相隔不得超过 90 天（span may not exceed 90 days）"
            )
        return start, end
    if start is not None:
        return start, start + SPAN
    if end is not None:
        return end - SPAN, end
    return now - SPAN, now


def split_list(values: list[str]) -> list[str]:
    """``a,b`` and repeated parameters as one list, blanks dropped, order kept."""
    out: dict[str, None] = {}
    for value in values:
        for part in value.split(","):
            if part.strip():
                out.setdefault(part.strip(), None)
    return list(out)


# ------------------------------------------------------------------ POST answers


def created(status: str, case_number: str, token: str, warnings: list[str]) -> dict[str, Any]:
    """The answer to ``POST requests`` for what the intake made of the report: the case's
    number (``service_request_id``) when there is a case — a duplicate joins an existing
    one and gets *its* number — or only the ``token`` while a person has to confirm it
    (the spec returns one or the other, never both)."""
    if status == "merged":
        notice = f"与已有案件 {case_number} 为同一问题，已并入一并办理"
    elif case_number:
        notice = f"已登记为案件 {case_number}，将按时限办理"
    else:
        notice = "已收到，待人工确认后立案；可用 token 查询案件编号"
    if warnings:
        notice += "（" + "；".join(warnings) + "）"
    item: dict[str, Any] = {"service_notice": notice, "account_id": None}
    if case_number:
        return {"service_request_id": case_number, **item}
    return {"token": token, **item}
