"""The rule tester page: which line of the responsibility list a case — real or imagined
— would be routed by, and why every rule before it did not match. Same functions as
``POST /api/v1/routing/test``; logged-in staff only."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lianqin.cases.access import access_case, actor_for
from lianqin.cases.actions.effects import routing_facts
from lianqin.choices import CHANNEL_LABELS
from lianqin.errors import LianqinError
from lianqin.org.models import Category, Unit
from lianqin.org.routing import rules
from lianqin.triage.routing import Facts, route


@login_required
def routing_tester(request: HttpRequest) -> HttpResponse:
    form = {k: request.GET.get(k, "").strip() for k in ("case", "category", "area", "text",
                                                         "channel", "at")}  # fmt: skip
    context: dict[str, object] = {"form": form, "rules": rules(),
                                  "channels": [(c.value, label.zh) for c, label in CHANNEL_LABELS.items()],
                                  "units": dict(Unit.objects.values_list("code", "short_name"))}  # fmt: skip
    if any(form.values()):
        try:
            actor = actor_for(request.user)  # type: ignore[arg-type]
            at = _when(form["at"])
            if form["case"]:
                facts = routing_facts(access_case(actor, form["case"]), at)
            else:
                facts = Facts(category=form["category"], area=form["area"], text=form["text"],
                              channel=form["channel"], at=at)  # fmt: skip
            decision = route(rules(), facts)
            context.update(decision=decision, facts=facts,
                           category=Category.objects.filter(code=facts.category).first())  # fmt: skip
        except LianqinError as exc:
            context["error"] = exc
    return render(request, "console/routing.html", context)


def _when(text: str) -> datetime:
    if not text:
        return timezone.now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        from lianqin.errors import InvalidInput

        raise InvalidInput(f"时间 {text!r} 无效", field="at", hint="如 2026-11-30T22:30") from None
    return moment if moment.tzinfo else timezone.make_aware(moment)
