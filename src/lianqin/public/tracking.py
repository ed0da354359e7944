"""Following a report with its number and query code, and rating the result.

What must hold: a lookup either finds the ticket whose code matches or answers one
neutral *not found* — a wrong number and a wrong code look the same, so the page is no
oracle; what is shown names nobody (``timeline.py``), and the text shown as the report
is the citizen's own report, not the case's (a merged case may hold others' words).
A case merged into another is followed to the case that carries on. A ticket is rated
once; the rating goes on the case's history through ``cases.actions.ratings``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lianqin import photos
from lianqin.cases.actions import ratings
from lianqin.cases.models import Case
from lianqin.errors import Conflict
from lianqin.intake.accounts import channel_actor
from lianqin.org.models import Unit
from lianqin.public import codes
from lianqin.public.forms import NUMBER
from lianqin.public.models import PublicTicket
from lianqin.public.timeline import RATEABLE, Step, public_state, steps

MERGE_HOPS = 5


@dataclass
class Tracked:
    """The public view of one ticket."""

    number: str
    title: str
    description: str
    address: str
    submitted_at: datetime
    state: str
    state_label: str
    steps: list[Step]
    report_photos: list[str] = field(default_factory=list)
    merged_into: str = ""
    rateable: bool = False
    rated: bool = False
    satisfaction: str = ""
    solved: bool | None = None
    comment: str = ""

    @property
    def satisfaction_label(self) -> str:
        return SATISFACTION_SHOWN.get(self.satisfaction, "")


SATISFACTION_SHOWN = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
}


def find(number: str, code: str) -> PublicTicket | None:
    """The ticket that ``number`` and ``code`` open, or None (whichever is wrong)."""
    number = (number or "").strip()
    if not NUMBER.match(number) or not codes.well_formed(code):
        return None
    for ticket in PublicTicket.objects.filter(case__number=number).select_related("case"):
        expected = codes.code_hash(settings.SECRET_KEY, ticket.report_id, code)
        if hmac.compare_digest(expected, ticket.code_hash):
            return ticket
    return None


def carrying_case(case: Case) -> Case:
    """The case that carries on the work: the case itself, or the one it was merged into."""
    for _ in range(MERGE_HOPS):
        if case.merged_into_id is None:
            break
        case = Case.objects.get(pk=case.merged_into_id)
    return case


def view(ticket: PublicTicket) -> Tracked:
    case = ticket.case
    main = carrying_case(case)
    events = list(case.events.order_by("seq").values("action", "at", "note", "data"))
    if main.pk != case.pk:
        merged_at = events[-1]["at"] if events else ticket.created_at
        events += [
            e
            for e in main.events.order_by("seq").values("action", "at", "note", "data")
            if e["at"] >= merged_at and e["action"] != "create"
        ]
    units = dict(Unit.objects.values_list("code", "name"))
    report = ticket.report
    return Tracked(
        number=case.number,
        title=report.title,
        description=report.description,
        address=report.address,
        submitted_at=ticket.created_at,
        state=main.status,
        state_label=public_state(main.status),
        steps=steps(events, units, photo_prefix=photos.URL_PREFIX),
        report_photos=[p for p in report.photos or [] if str(p).startswith(photos.URL_PREFIX)],
        merged_into=main.number if main.pk != case.pk else "",
        rateable=main.status in RATEABLE and ticket.rated_at is None,
        rated=ticket.rated_at is not None,
        satisfaction=ticket.satisfaction,
        solved=ticket.solved,
        comment=ticket.rating_comment,
    )


def rate(
    ticket: PublicTicket, satisfaction: str, solved: bool, comment: str, now: datetime | None = None
) -> None:
    """Record the citizen's rating once (Conflict the second time; InvalidTransition
    while there is no result yet)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = PublicTicket.objects.select_for_update().get(pk=ticket.pk)
        if locked.rated_at is not None:
            raise Conflict("您已经评价过了，每件反映只能评价一次", hint="感谢您的评价")
        main = carrying_case(locked.case)
        ratings.rate(channel_actor("portal"), main.pk, satisfaction, solved, comment, now)
        locked.satisfaction, locked.solved = satisfaction, solved
        locked.rating_comment, locked.rated_at = comment.strip(), now
        locked.save(update_fields=["satisfaction", "solved", "rating_comment", "rated_at"])
