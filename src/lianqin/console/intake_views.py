"""The intake desk (``/console/intake/``): what did not become a case by itself — camera
alarms below the confidence threshold waiting for a person (confirm → a case, dismiss
with a reason), and payloads in the quarantine (read the reason and the raw text, correct
and replay, or discard with a reason). Duty staff of the district only, as the API."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lianqin.audit.service import request_client
from lianqin.cases.access import Actor, actor_for, check_intake_operator
from lianqin.cases.actions.reports import awaiting_reports, confirm_report, dismiss_report
from lianqin.errors import LianqinError
from lianqin.intake import quarantine


@login_required
def intake_desk(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)  # type: ignore[arg-type]
    try:
        held = list(awaiting_reports(actor).order_by("received_at")[:200])
        stuck = list(quarantine.pending(actor).order_by("-last_seen_at")[:200])
    except LianqinError as exc:
        return render(request, "console/error.html", {"error": exc}, status=exc.http_status)
    opened = request.GET.get("show", "")
    shown = next((q for q in stuck if str(q.pk) == opened), None)
    if shown is not None:  # the raw text carries the reporter's contact: audited
        quarantine.read(actor, shown.pk, client=request_client(request))
    return render(request, "console/intake.html", {"held": held, "stuck": stuck, "shown": shown})


def _do(request: HttpRequest, done: str, work: Callable[[Actor], object]) -> HttpResponse:
    actor = actor_for(request.user)  # type: ignore[arg-type]
    try:
        check_intake_operator(actor)  # refused outright, not as a message on the desk
    except LianqinError as exc:
        return render(request, "console/error.html", {"error": exc}, status=exc.http_status)
    try:
        work(actor)
    except LianqinError as exc:
        messages.error(request, f"{exc.message}{'（' + exc.hint + '）' if exc.hint else ''}")
    else:
        messages.success(request, done)
    return redirect("intake-desk")


@login_required
@require_POST
def held_report(request: HttpRequest, report_id: int, decision: str) -> HttpResponse:
    note = request.POST.get("note", "")
    if decision == "confirm":
        return _do(request, "已确认，已立案", lambda a: confirm_report(a, report_id, note=note))
    return _do(request, "已排除", lambda a: dismiss_report(a, report_id, note=note))


@login_required
@require_POST
def quarantined(request: HttpRequest, qid: int, decision: str) -> HttpResponse:
    if decision == "replay":
        corrected = request.POST.get("corrected", "").strip() or None
        return _do(request, "已重放", lambda a: quarantine.replay(a, qid, corrected))
    reason = request.POST.get("note", "")
    return _do(request, "已丢弃", lambda a: quarantine.discard(a, qid, reason))
