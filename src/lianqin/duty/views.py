"""The duty pages: ``/duty/`` (who is on duty now, the week's roster, rostering) and
``/duty/handover/`` (the handover summary, 交班, past handovers). Thin: parse, call
``duty/service.py`` or ``duty/handover.py``, render; typed errors become a page that says
what went wrong and how to fix it, with the typed input kept."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianqin.cases.access import Actor, actor_for
from lianqin.duty import handover as ho
from lianqin.duty.forms import ScheduleForm
from lianqin.duty.models import DutyShift, Handover
from lianqin.duty.schedule import expand, parse_slots, week_of, week_table
from lianqin.duty.service import (
    center_for,
    check_may_view,
    create_shifts,
    delete_shift,
    eligible,
    may_manage,
    on_duty,
    visible_centers,
)
from lianqin.errors import InvalidInput, LianqinError, NotFound
from lianqin.org.models import Center


def _refuse(request: HttpRequest, exc: LianqinError) -> HttpResponse:
    return render(request, "console/error.html", {"error": exc}, status=exc.http_status)


def _viewer(request: HttpRequest) -> Actor:
    actor = actor_for(request.user)  # type: ignore[arg-type]
    check_may_view(actor)
    return actor


def _week(value: str) -> tuple[date, str]:
    today = timezone.localdate()
    if not value:
        return week_of(today), ""
    try:
        return week_of(date.fromisoformat(value)), ""
    except ValueError:
        return week_of(today), f"周次 {value!r} 不是日期（应为 2026-11-30），已显示本周"


def _roster_context(
    actor: Actor, center: Center, week: date, form: ScheduleForm | None
) -> dict[str, Any]:
    now = timezone.now()
    centers = visible_centers(actor)
    running = on_duty(centers, now)
    days = [week + timedelta(days=i) for i in range(7)]
    tz = timezone.get_current_timezone()
    start = datetime.combine(week, time(), tzinfo=tz)
    shifts = (
        DutyShift.objects.filter(
            center=center, starts_at__gte=start, starts_at__lt=start + timedelta(days=7)
        )
        .select_related("person")
        .order_by("starts_at", "-post")
    )
    table = week_table(days, [(s.starts_at, s.ends_at, s) for s in shifts], tz)
    manage = may_manage(actor, center)
    if manage and form is None:
        form = ScheduleForm(
            center=center, staff=list(eligible(center)), initial={"first": timezone.localdate()}
        )
    return {
        "centers": [(c, running[c.pk]) for c in centers],
        "center": center,
        "week": week,
        "prev_week": week - timedelta(days=7),
        "next_week": week + timedelta(days=7),
        "table": table,
        "rows": table.rows(),
        "today": timezone.localdate(),
        "may_manage": manage,
        "form": form if manage else None,
        "now": now,
    }


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    try:
        actor = _viewer(request)
        center = center_for(actor, request.GET.get("center"))
    except LianqinError as exc:
        return _refuse(request, exc)
    week, warning = _week(request.GET.get("week", ""))
    context = _roster_context(actor, center, week, None)
    context["warning"] = warning
    context["created"] = request.GET.get("created", "")
    return render(request, "duty/roster.html", context)


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    """Roster one shift or a pattern; on bad input the page comes back with the form kept."""
    try:
        actor = _viewer(request)
        center = center_for(actor, request.POST.get("center"))
    except LianqinError as exc:
        return _refuse(request, exc)
    form = ScheduleForm(request.POST, center=center, staff=list(eligible(center)))
    if form.is_valid():
        data = form.cleaned_data
        try:
            slots = parse_slots(data["slots"])
            planned = expand(
                data["first"],
                data["last"] or data["first"],
                slots,
                data["people"],
                timezone.get_current_timezone(),
            )
            made = create_shifts(actor, center, planned, post=data["post"], note=data["note"])
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, _message(exc))
        except LianqinError as exc:
            return _refuse(request, exc)
        else:
            week = week_of(timezone.localtime(made[0].starts_at).date())
            return redirect(f"/duty/?center={center.pk}&week={week}&created={len(made)}")
    week = week_of(form.cleaned_data.get("first") or timezone.localdate())
    context = _roster_context(actor, center, week, form)
    return render(request, "duty/roster.html", context, status=400)


def _message(exc: LianqinError) -> str:
    return f"{exc.message}（{exc.hint}）" if exc.hint else exc.message


@login_required
@require_POST
def remove(request: HttpRequest, shift_id: int) -> HttpResponse:
    try:
        shift = delete_shift(_viewer(request), shift_id)
    except LianqinError as exc:
        return _refuse(request, exc)
    week = week_of(timezone.localtime(shift.starts_at).date())
    return redirect(f"/duty/?center={shift.center_id}&week={week}")


def _handover_context(actor: Actor, center: Center) -> dict[str, Any]:
    now = timezone.now()
    shift = ho.outgoing_shift(actor, center, now)
    since = ho.period_start(center, shift, now)
    return {
        "center": center,
        "shift": shift,
        "summary": ho.summary(actor, since, now),
        "successors": list(eligible(center).exclude(pk=actor.person_id or 0)),
        "past": Handover.objects.filter(center=center).select_related("created_by", "handed_to")[
            :20
        ],
        "may_hand_over": _may_hand_over(actor, center),
    }


def _may_hand_over(actor: Actor, center: Center) -> bool:
    try:
        ho.check_may_hand_over(actor, center)
    except LianqinError:
        return False
    return True


@login_required
def handover(request: HttpRequest) -> HttpResponse:
    try:
        actor = _viewer(request)
        center = center_for(actor, None)
    except LianqinError as exc:
        return _refuse(request, exc)
    if request.method != "POST":
        return render(request, "duty/handover.html", _handover_context(actor, center))
    note = request.POST.get("note", "")
    to = request.POST.get("handed_to", "")
    try:
        if to and not to.isdigit():
            raise InvalidInput(f"接班人 {to!r} 无效", field="handed_to", hint="从列表中选择")
        made = ho.hand_over(actor, center, note=note, handed_to=int(to) if to else None)
    except InvalidInput as exc:
        context = _handover_context(actor, center) | {"error": exc, "note": note}
        return render(request, "duty/handover.html", context, status=400)
    except LianqinError as exc:
        return _refuse(request, exc)
    return redirect(f"/duty/handover/{made.pk}/?done=1")


@login_required
def handover_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        actor = _viewer(request)
        centers = visible_centers(actor)
    except LianqinError as exc:
        return _refuse(request, exc)
    item = (
        Handover.objects.filter(pk=pk, center__in=centers)
        .select_related("center", "created_by", "handed_to", "shift")
        .first()
    )
    if item is None:
        return _refuse(request, NotFound(f"交班记录 {pk} 不存在", hint="从交班记录列表中选择"))
    context = {"item": item, "summary": item.summary, "done": request.GET.get("done") == "1"}
    return render(request, "duty/handover_detail.html", context)
