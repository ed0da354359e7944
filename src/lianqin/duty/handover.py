"""The shift handover (交接班): what the outgoing shift leaves to the next, computed over
the cases the viewer may see (the gate's ``scope_cases``), and stored as a snapshot.

What must hold:

* every figure comes from ``scope_cases(actor)``: a street's handover never counts
  another street's cases;
* the summary is plain JSON (numbers, strings, ISO times), so the stored snapshot renders
  with the same template as the live one and does not change when the cases do;
* notes (the cases' and the handover's own) are stored and shown with long digit runs
  masked, so a phone number typed into a note is not kept in clear; reporters never appear;
* the period starts at the outgoing shift's start, else at the center's last handover
  (within a day), else 8 hours ago.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from lianqin.cases.access import Actor, scope_cases
from lianqin.cases.models import CaseEvent
from lianqin.cases.workflow import ACTION_LABELS, OPEN, STATE_LABELS, State
from lianqin.choices import CHANNEL_LABELS, STAGE_LABELS, WARNING_LABELS, Role, Stage, Warning
from lianqin.duty.models import DutyShift, Handover
from lianqin.duty.redact import redact
from lianqin.duty.service import eligible, home_center
from lianqin.errors import Forbidden, InvalidInput
from lianqin.org.models import Center, Person

NOTABLE = ["escalate", "supervise", "urge", "reopen", "return", "rework", "merge"]
ALERT = [Warning.OVERDUE, Warning.RED, Warning.YELLOW]
LIST_LIMIT = 50
EVENT_LIMIT = 100
NOTE_LIMIT = 2000


def _t(dt: datetime | None) -> str:
    return timezone.localtime(dt).strftime("%m-%d %H:%M") if dt else ""


def _label(labels: dict, code: str) -> str:
    for key, label in labels.items():
        if str(key) == code:
            return str(label.zh)
    return code


def outgoing_shift(actor: Actor, center: Center, now: datetime) -> DutyShift | None:
    """The shift being handed over: the viewer's own running shift at the center, else the
    center's running shift (值班长 first)."""
    running = DutyShift.objects.filter(center=center, starts_at__lte=now, ends_at__gt=now)
    own = running.filter(person_id=actor.person_id or 0).first()
    return own or running.select_related("person").order_by("-post", "starts_at").first()


def period_start(center: Center, shift: DutyShift | None, now: datetime) -> datetime:
    if shift is not None:
        return shift.starts_at
    last = Handover.objects.filter(center=center, created_at__gt=now - timedelta(days=1)).first()
    return last.created_at if last else now - timedelta(hours=8)


def summary(actor: Actor, since: datetime, now: datetime) -> dict[str, Any]:
    cases = scope_cases(actor)
    open_cases = cases.filter(status__in=list(OPEN))
    by_state = dict(open_cases.values_list("status").annotate(n=Count("id")).order_by())
    warn = dict(
        open_cases.filter(warning__in=ALERT)
        .values_list("warning")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "since": since.isoformat(),
        "until": now.isoformat(),
        "since_text": _t(since),
        "until_text": _t(now),
        "open_total": sum(by_state.values()),
        "open_by_state": [
            {
                "state": s.value,
                "label": STATE_LABELS[s].zh,
                "color": STATE_LABELS[s].color,
                "n": by_state[s.value],
            }
            for s in State
            if by_state.get(s.value)
        ],
        "warnings": {w.value: warn.get(w.value, 0) for w in ALERT},
        "warning_total": sum(warn.values()),
        "warning_cases": _warning_cases(open_cases.filter(warning__in=ALERT)),
        **_events(cases, since, now),
        **_new_cases(cases, since, now),
    }


def _warning_cases(qs: Any) -> list[dict[str, Any]]:
    order = {Warning.OVERDUE.value: 0, Warning.RED.value: 1, Warning.YELLOW.value: 2}
    rows = sorted(
        qs.select_related("street").order_by("stage_due")[: LIST_LIMIT * 3],
        key=lambda c: (order.get(c.warning, 9), c.stage_due or c.created_at),
    )[:LIST_LIMIT]
    return [
        {
            "number": c.number,
            "title": c.title[:60],
            "warning": c.warning,
            "warning_label": _label(WARNING_LABELS, c.warning),
            "state_label": _label(STATE_LABELS, c.status),
            "stage_label": STAGE_LABELS[Stage(c.stage)].zh if c.stage else "",
            "due": c.stage_due.isoformat() if c.stage_due else "",
            "due_text": _t(c.stage_due),
            "street": c.street.name if c.street else "",
            "level_label": c.get_level_display(),
        }
        for c in rows
    ]


def _events(cases: Any, since: datetime, now: datetime) -> dict[str, Any]:
    notable = Q(action__in=NOTABLE) | Q(
        action="warning", data__warning__in=[Warning.RED.value, Warning.OVERDUE.value]
    )
    events = CaseEvent.objects.filter(
        notable, case_id__in=cases.values("id"), at__gte=since, at__lt=now
    )
    counts = dict(events.values_list("action").annotate(n=Count("id")).order_by())
    red = events.filter(action="warning").values_list("data__warning").annotate(n=Count("id"))
    by_action = [
        {"action": a, "label": _label(ACTION_LABELS, a), "n": counts[a]}
        for a in NOTABLE
        if counts.get(a)
    ]
    by_action += [
        {"action": f"warning_{w}", "label": "转" + _label(WARNING_LABELS, str(w)), "n": n}
        for w, n in red.order_by()
    ]
    rows = events.select_related("case").order_by("-at")[:EVENT_LIMIT]
    return {
        "events_by_action": by_action,
        "events_total": sum(counts.values()),
        "events": [
            {
                "at": e.at.isoformat(),
                "at_text": _t(e.at),
                "number": e.case.number,
                "title": e.case.title[:60],
                "action": e.action,
                "label": (
                    "转" + _label(WARNING_LABELS, str(e.data.get("warning", "")))
                    if e.action == "warning"
                    else _label(ACTION_LABELS, e.action)
                ),
                "actor": e.actor_name or ("系统" if e.actor_role == Role.SYSTEM else ""),
                "note": redact(e.note),
            }
            for e in rows
        ],
    }


def _new_cases(cases: Any, since: datetime, now: datetime) -> dict[str, Any]:
    new = dict(
        cases.filter(created_at__gte=since, created_at__lt=now)
        .values_list("channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "new_total": sum(new.values()),
        "new_by_channel": [
            {"channel": ch, "label": _label(CHANNEL_LABELS, ch), "n": n}
            for ch, n in sorted(new.items(), key=lambda kv: -kv[1])
        ],
    }


def check_may_hand_over(actor: Actor, center: Center) -> None:
    if actor.role == Role.ADMIN:
        return
    if actor.role not in (Role.DISPATCHER, Role.DUTY_LEADER) or home_center(actor) != center:
        raise Forbidden(
            f"只有{center.name}的值班员、值班长可以交班", hint="领导可以查看交班摘要和记录"
        )


def hand_over(
    actor: Actor,
    center: Center,
    *,
    note: str = "",
    handed_to: int | None = None,
    now: datetime | None = None,
) -> Handover:
    """Store the handover of the running shift with the summary as it is now."""
    now = now or timezone.now()
    check_may_hand_over(actor, center)
    if actor.person_id is None:
        raise Forbidden("交班须由具体的值班人员操作", hint="用本人账号登录后交班")
    if len(note) > NOTE_LIMIT:
        raise InvalidInput(
            f"交班说明过长（{len(note)} 字，最多 {NOTE_LIMIT} 字）",
            field="note",
            hint="精简说明，详情写在案件备注中",
        )
    successor: Person | None = None
    if handed_to is not None:
        successor = eligible(center).filter(pk=handed_to).first()
        if successor is None:
            raise InvalidInput(
                f"接班人 {handed_to} 不是{center.name}的值班人员",
                field="handed_to",
                hint="从列表中选择本中心的值班员或值班长，或留空",
            )
    shift = outgoing_shift(actor, center, now)
    since = period_start(center, shift, now)
    data = summary(actor, since, now) | {"center": center.name}
    with transaction.atomic():
        return Handover.objects.create(
            center=center,
            shift=shift,
            created_by_id=actor.person_id,
            handed_to=successor,
            created_at=now,
            since=since,
            summary=data,
            note=redact(note.strip(), NOTE_LIMIT),
        )
