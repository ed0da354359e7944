"""The grid worker's phone page and its JSON endpoints. Thin: the rules are in
``submissions.py`` (idempotency, intake, actions) and ``cases``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianqin.cases.access import Actor, actor_for
from lianqin.cases.tasks import my_tasks
from lianqin.errors import Forbidden, LianqinError
from lianqin.field import submissions
from lianqin.field.models import PatrolCheckin
from lianqin.org.models import Category, Person

MAX_PHOTOS = 6


def _worker(request: HttpRequest) -> tuple[Person, Actor]:
    person: Person = request.user  # type: ignore[assignment]
    actor = actor_for(person)
    if actor.role != "grid_worker":
        raise Forbidden("本页供网格员使用", hint="指挥中心人员请用案件队列 /console/")
    return person, actor


@login_required
def page(request: HttpRequest) -> HttpResponse:
    try:
        person, actor = _worker(request)
    except LianqinError as exc:
        return render(request, "console/error.html", {"error": exc}, status=exc.http_status)
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    context: dict[str, Any] = {
        "tasks": list(my_tasks(actor).select_related("grid")[:100]),
        "checkins": PatrolCheckin.objects.filter(person=person, at__gte=today).select_related(
            "grid"
        ),
        "categories": Category.objects.filter(active=True, depth=1).order_by("code"),
        "person": person,
    }
    return render(request, "field/page.html", context)


def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from /field/ so that its scope covers the page (a worker's scope is its path)."""
    response = render(request, "field/sw.js", content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response


def _answer(request: HttpRequest, work: Any) -> JsonResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"code": "unauthenticated", "message": "未登录", "hint": "重新登录"},
                            status=401)  # fmt: skip
    try:
        person, actor = _worker(request)
        files = request.FILES.getlist("photos")
        if len(files) > MAX_PHOTOS:
            raise submissions.InvalidInput(f"最多 {MAX_PHOTOS} 张照片", field="photos")
        photos = [(f.name or "照片", f.read()) for f in files]
        key = request.headers.get("Idempotency-Key", "") or request.POST.get("key", "")
        return JsonResponse(work(person, actor, key, request.POST.dict(), photos))
    except LianqinError as exc:
        return JsonResponse({"code": exc.code, "message": exc.message, "hint": exc.hint,
                             "field": exc.field}, status=exc.http_status)  # fmt: skip


@require_POST
def api_report(request: HttpRequest) -> JsonResponse:
    return _answer(
        request, lambda p, a, key, fields, photos: submissions.report(p, key, fields, photos)
    )


@require_POST
def api_checkin(request: HttpRequest) -> JsonResponse:
    return _answer(request, lambda p, a, key, fields, photos: submissions.checkin(p, key, fields))


@require_POST
def api_case(request: HttpRequest, number: str, action: str) -> JsonResponse:
    return _answer(request, lambda p, a, key, fields, photos: submissions.act(
        a, p, key, number, action, fields, photos))  # fmt: skip
