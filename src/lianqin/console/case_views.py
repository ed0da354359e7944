"""The case page (``/console/cases/<number>/``): everything a dispatcher needs to decide —
the reports that make the case (reporters masked), the history, the work orders, the
photos, the place on the map, possible duplicates, the classifier's suggestion, the
routing list's proposal — and every action the viewer may take, as forms
(``case_actions.py`` handles them).

What must hold: the case comes through the gate (``access_case``: another street's case is
"not found"); the actions offered are those the workflow table allows this role at this
level from this state; reporters' names and phones are masked."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lianqin.cases.access import REVEAL_ROLES, Actor, access_case, actor_for, can_see
from lianqin.cases.actions.effects import routing_facts
from lianqin.cases.models import ApprovalRequest, Case, MergeCandidate
from lianqin.cases.workflow import State, allowed_actions
from lianqin.choices import SATISFACTION_LABELS
from lianqin.errors import LianqinError
from lianqin.org.models import Category, Unit
from lianqin.org.routing import rules
from lianqin.photos import URL_PREFIX as PHOTO_PREFIX
from lianqin.triage.routing import route

#: actions that need more than a button: the form shows these fields
NEEDS = {
    "reject": ["note"], "transfer": ["note"], "return": ["note"], "rework": ["note"],
    "reopen": ["note"], "suspend": ["note"], "extend": ["note", "by"],
    "merge": ["into"], "dispatch": ["lead", "assist"], "reassign": ["lead", "assist"],
    "resolve": ["note", "evidence"], "callback": ["satisfaction", "solved", "reached"],
    "urge": ["note"], "supervise": ["note"],
}  # fmt: skip
#: the order actions appear in (forward first, then the rest)
ORDER = ["accept", "handle_on_site", "dispatch", "reassign", "acknowledge", "resolve", "verify",
         "callback", "archive", "rework", "return", "merge", "reject", "transfer", "urge",
         "supervise", "escalate", "extend", "suspend", "resume", "reopen"]  # fmt: skip


def case_context(actor: Actor, case: Case) -> dict[str, Any]:
    events = list(case.events.order_by("seq"))
    allowed = allowed_actions(State(case.status), actor.role, actor.level)
    actions = [a for a in ORDER if a in {x.value for x in allowed}]
    pictures = [str(u) for r in case.reports.all() for u in (r.photos or [])]
    pictures += [str(u) for e in events for u in (e.data or {}).get("evidence", [])]
    pictures = list(dict.fromkeys(pictures))
    # only photos this server stored are shown as pictures; a channel's own reference
    # (a camera platform's snapshot address, a patrol app's file id) is shown as text, so
    # the console never makes a browser fetch from another server
    photos = [u for u in pictures if u.startswith(PHOTO_PREFIX)]
    references = [u for u in pictures if not u.startswith(PHOTO_PREFIX)]
    candidates = [
        c for c in MergeCandidate.objects.filter(case=case, state="open")
        .select_related("candidate").order_by("-score") if can_see(actor, c.candidate)
    ]  # fmt: skip
    context: dict[str, Any] = {
        "case": case, "events": events, "actions": actions, "needs": NEEDS,
        "reports": list(case.reports.select_related("reporter").order_by("received_at")),
        "orders": list(case.work_orders.select_related("unit").order_by("dispatched_at")),
        "my_orders": [o for o in case.work_orders.select_related("unit")
                      if actor.is_unit and o.unit_id == actor.unit and o.state in
                      ("pending", "acknowledged")],
        "photos": photos, "photo_references": references, "candidates": candidates,
        "suggestions": (case.triage or {}).get("category", [])[:3],
        "approvals": list(ApprovalRequest.objects.filter(case=case).order_by("-requested_at")),
        "units": Unit.objects.order_by("code"), "satisfactions": list(SATISFACTION_LABELS),
        "can_request": case.status in {"accepted", "on_site", "dispatched", "in_progress",
                                       "returned"},
        "is_approver": actor.role in ("duty_leader", "admin"),
        "may_reveal": actor.role in REVEAL_ROLES,
        "actor": actor,
    }  # fmt: skip
    if "dispatch" in actions or "reassign" in actions:
        context["proposal"] = route(rules(), routing_facts(case, timezone.now()))
    if not case.category_id:
        context["categories"] = Category.objects.filter(active=True).order_by("code")
    return context


@login_required
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_for(request.user)  # type: ignore[arg-type]
    try:
        case = access_case(actor, number)
    except LianqinError as exc:
        return render(request, "console/error.html", {"error": exc}, status=exc.http_status)
    case = Case.objects.select_related("category", "street", "community", "grid", "holder",
                                       "assignee", "merged_into").get(pk=case.pk)  # fmt: skip
    return render(request, "console/case.html", case_context(actor, case))
