"""Early warnings (``/dashboard/warnings/``): the list in the viewer's area, and the two
things to do with one — open a proactive case (one click) or set it aside. Thin: the
gate, then ``evaluation.early_warning_service``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lianqin.cases.access import actor_for
from lianqin.choices import Role
from lianqin.errors import LianqinError
from lianqin.evaluation import early_warning as rules
from lianqin.evaluation import early_warning_service as service

CREATORS = {Role.DISPATCHER, Role.DUTY_LEADER, Role.ADMIN}


@login_required
def page(request: HttpRequest) -> HttpResponse:
    try:
        actor = actor_for(request.user)  # type: ignore[arg-type]
        service.check_may_view(actor)
    except LianqinError as exc:
        return render(request, "console/error.html", {"error": exc}, status=exc.http_status)
    state = request.GET.get("state") or "open"
    warnings = service.visible(actor).filter(state=state).select_related("case")[:200]
    return render(request, "dashboard/warnings.html", {
        "warnings": warnings, "kinds": rules.KINDS, "state": state,
        "may_act": actor.role in CREATORS,
    })  # fmt: skip


@login_required
@require_POST
def act(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    try:
        actor = actor_for(request.user)  # type: ignore[arg-type]
        service.check_may_view(actor)
        if what == "open-case":
            case = service.open_case(actor, pk)
            return redirect("case", number=case.number)
        service.dismiss(actor, pk)
    except LianqinError as exc:
        return render(request, "console/error.html", {"error": exc}, status=exc.http_status)
    return redirect("dashboard-warnings")
