"""The citizens' pages: thin views over ``forms``, ``submit``, ``tracking`` and ``areas``.

Every page that shows a query code or a case's progress is ``never_cache`` (a shared
computer's back button must not reveal it); lookups go by POST so that a code never
lands in an address bar or an access log.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianqin.errors import LianqinError
from lianqin.public import areas as area_map
from lianqin.public import codes, throttle, tracking
from lianqin.public.forms import RatingForm, ReportForm, TrackForm, accept_photos
from lianqin.public.submit import submit


def _limited(request: HttpRequest, retry_after: int) -> HttpResponse:
    minutes = max(1, round(retry_after / 60))
    response = render(request, "public/limited.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "public/report.html", {"form": ReportForm(), "kept": []})
    wait = throttle.hit(request, "report")
    if wait is not None:
        return _limited(request, wait)
    form = ReportForm(request.POST)
    valid = form.is_valid()
    # photos are kept even when something else is wrong, so they need not be chosen again
    kept, photo_errors = accept_photos(form, request.FILES.getlist("photos"))
    other_errors: list[str] = []
    if valid and not photo_errors:
        nonce = str(request.META.get("CSRF_COOKIE") or "")
        done = submit(form.cleaned_data, kept, nonce)
        if not done.error:
            context = {"done": done, "code": codes.display(done.code)}
            return render(request, "public/done.html", context)
        other_errors.append(done.error)
    if "key" in form.errors:
        other_errors += [str(e) for e in form.errors["key"]]
        data = request.POST.copy()
        data["key"] = str(uuid.uuid4())
        form = ReportForm(data)
        form.is_valid()
    context = {
        "form": form,
        "kept": kept,
        "photo_errors": photo_errors,
        "other_errors": other_errors,
    }
    return render(request, "public/report.html", context, status=400)


def _track_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "public/track.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        initial = {"number": request.GET.get("number", "")[:30]}
        return _track_page(request, {"form": TrackForm(initial=initial)})
    wait = throttle.hit(request, "track")
    if wait is not None:
        return _limited(request, wait)
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _track_page(request, {"form": form}, status=400)
    ticket = tracking.find(form.cleaned_data["number"], form.cleaned_data["code"])
    if ticket is None:
        return _track_page(request, {"form": form, "not_found": True}, status=404)
    return _track_page(request, _shown(form, ticket, RatingForm()))


def _shown(form: TrackForm, ticket: Any, rating: RatingForm, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "tracked": tracking.view(ticket),
        "number": form.cleaned_data["number"].strip(),
        "code": codes.display(form.cleaned_data["code"]),
        "rating": rating,
        **extra,
    }


@never_cache
@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    wait = throttle.hit(request, "track")
    if wait is not None:
        return _limited(request, wait)
    form = TrackForm(request.POST)
    ticket = (
        tracking.find(form.cleaned_data["number"], form.cleaned_data["code"])
        if form.is_valid()
        else None
    )
    if ticket is None:
        return _track_page(request, {"form": form, "not_found": True}, status=404)
    rating = RatingForm(request.POST)
    if not rating.is_valid():
        return _track_page(request, _shown(form, ticket, rating), status=400)
    try:
        tracking.rate(
            ticket,
            rating.cleaned_data["satisfaction"],
            rating.cleaned_data["solved"] == "yes",
            rating.cleaned_data["comment"],
        )
    except LianqinError as exc:
        ticket.refresh_from_db()
        return _track_page(
            request, _shown(form, ticket, rating, rate_error=exc.message), status=exc.http_status
        )
    ticket.refresh_from_db()
    return _track_page(request, _shown(form, ticket, RatingForm(), thanked=True))


@require_GET
def areas(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(area_map.areas(), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = f"public, max-age={area_map.CACHE_SECONDS}"
    return response
