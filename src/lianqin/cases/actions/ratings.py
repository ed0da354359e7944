"""A citizen's own rating of the result (公众评价), from the public page.

Why a history line and not the ``callback`` action: the callback is the callback staff's
act (回访), recorded once per case and able to reopen it; a citizen's rating is the
citizen's word, may come from each reporter of a merged case, and changes no state. It
is kept as a ``citizen_rating`` line (``data = {satisfaction, solved}``, the comment as
the note) under the case's row lock, by the channel's own account (``channel-portal``).

What must hold: the case is ``resolved``, ``closed`` or ``archived`` (there is a result
to rate); the satisfaction is 满意/基本满意/不满意; ``solved`` is a bool. An unsatisfied
or unsolved rating also writes a ``notice.citizen_unsatisfied`` outbox message (case
number, satisfaction, solved — never the comment or the citizen) in the same
transaction, for the callback staff's notices. Once per ticket is the caller's rule
(``public/tracking.py``): this module does not know tickets.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from lianqin.cases.access import Actor
from lianqin.cases.actions.notes import append_event
from lianqin.cases.models import Case
from lianqin.choices import Satisfaction
from lianqin.errors import InvalidInput, InvalidTransition, NotFound
from lianqin.jobs.outbox import emit

ACTION = "citizen_rating"
NOTICE_TOPIC = "notice.citizen_unsatisfied"
RATEABLE = frozenset({"resolved", "closed", "archived"})
CHOICES = (Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.UNSATISFIED)
COMMENT_LIMIT = 500


def rate(
    actor: Actor, case_id: int, satisfaction: str, solved: bool, comment: str, now: datetime
) -> int:
    """Record the rating on the case's history; returns the line's ``seq``."""
    if satisfaction not in CHOICES:
        raise InvalidInput(
            f"未知的满意度“{satisfaction}”",
            field="satisfaction",
            hint="请选择：满意、基本满意或不满意",
        )
    comment = comment.strip()
    if len(comment) > COMMENT_LIMIT:
        raise InvalidInput(
            f"评价意见过长（{len(comment)} 字）",
            field="comment",
            hint=f"请控制在 {COMMENT_LIMIT} 字以内",
        )
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            raise NotFound(f"没有案件 #{case_id}")
        if case.status not in RATEABLE:
            raise InvalidTransition(
                "案件尚未办结，暂不能评价", hint="办结后再来评价", status=case.status
            )
        data = {"satisfaction": str(satisfaction), "solved": bool(solved)}
        seq = append_event(actor, case.pk, ACTION, comment, data, now)
        if satisfaction == Satisfaction.UNSATISFIED or not solved:
            payload = {"number": case.number, "action": ACTION, "version": seq, **data}
            emit(NOTICE_TOPIC, case, payload, now=now)
        return seq
