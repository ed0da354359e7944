"""The case page's forms: each POST calls one use case in ``cases.actions`` and comes back
to the case page — with a confirmation, or with the refusal in words (what, why, how to
fix) and nothing changed. Thin on purpose: the rules live in ``cases``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lianqin import photos
from lianqin.cases import actions
from lianqin.cases.access import Actor, access_case, actor_for
from lianqin.cases.actions.approvals import decide, request_approval
from lianqin.cases.actions.categorize import set_category
from lianqin.cases.actions.reports import dismiss_candidate
from lianqin.cases.models import Case
from lianqin.cases.workflow import ACTION_LABELS
from lianqin.console.case_views import case_context
from lianqin.errors import InvalidInput, LianqinError


def _params(request: HttpRequest) -> dict[str, Any]:
    """The action's parameters from the form; only what was filled in."""
    post = request.POST
    out: dict[str, Any] = {}
    for name in ("lead", "into", "satisfaction", "by"):
        if post.get(name, "").strip():
            out[name] = post[name].strip()
    assist = [u for u in post.getlist("assist") if u and u != out.get("lead")]
    if assist:
        out["assist"] = assist
    if post.get("solved") in ("yes", "no"):
        out["solved"] = post["solved"] == "yes"
    if post.get("reached") == "no":
        out["reached"] = False
    files = request.FILES.getlist("photos")
    if len(files) > 6:
        raise InvalidInput("最多上传 6 张照片", field="photos", hint="挑选最能说明处置结果的照片")
    evidence = [photos.save(f.read(), f.name or "照片") for f in files]
    if evidence:
        out["evidence"] = evidence
    return out


def _run(
    request: HttpRequest, number: str, done: str, work: Callable[[Actor], object]
) -> HttpResponse:
    actor = actor_for(request.user)  # type: ignore[arg-type]
    try:
        work(actor)
    except LianqinError as exc:
        try:
            case = access_case(actor, number)
        except LianqinError:
            return render(request, "console/error.html", {"error": exc}, status=exc.http_status)
        context = case_context(actor, Case.objects.get(pk=case.pk)) | {
            "error": exc,
            "posted": request.POST,
        }
        return render(request, "console/case.html", context, status=exc.http_status)
    messages.success(request, done)
    return redirect("case", number=number)


@login_required
@require_POST
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    label = next((v.zh for k, v in ACTION_LABELS.items() if k == action), action)
    version = request.POST.get("expected_version", "")

    def work(actor: Actor) -> object:
        return actions.perform(actor, number, action, note=request.POST.get("note", "").strip(),
                               expected_version=int(version) if version.isdigit() else None,
                               **_params(request))  # fmt: skip

    return _run(request, number, f"已{label}", work)


@login_required
@require_POST
def categorize(request: HttpRequest, number: str) -> HttpResponse:
    code = request.POST.get("category", "").strip()
    return _run(request, number, f"类别已设为 {code}",
                lambda actor: set_category(actor, number, code))  # fmt: skip


@login_required
@require_POST
def ask(request: HttpRequest, number: str) -> HttpResponse:
    kind = request.POST.get("kind", "")
    return _run(request, number, "申请已提交，等待值班长审批",
                lambda actor: request_approval(actor, number, kind, request.POST.get("note", ""),
                                               by=request.POST.get("by", "")))  # fmt: skip


@login_required
@require_POST
def approval(request: HttpRequest, number: str, request_id: int, decision: str) -> HttpResponse:
    approve = decision == "approve"
    return _run(request, number, "已批准" if approve else "已驳回",
                lambda actor: decide(actor, request_id, approve=approve,
                                     note=request.POST.get("note", "")))  # fmt: skip


@login_required
@require_POST
def work_order(request: HttpRequest, number: str, order_id: int, event: str) -> HttpResponse:
    return _run(request, number, "工单已更新",
                lambda actor: actions.work_order_event(actor, number, order_id, event,
                                                       note=request.POST.get("note", "")))  # fmt: skip


@login_required
@require_POST
def not_duplicate(request: HttpRequest, number: str, other: str) -> HttpResponse:
    return _run(request, number, f"已标记 {other} 不是重复",
                lambda actor: dismiss_candidate(actor, number, other))  # fmt: skip
