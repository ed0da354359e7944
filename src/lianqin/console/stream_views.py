"""``GET /events/``: the page's live stream (Server-Sent Events; see ``console/events.py``)."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from lianqin.cases.access import actor_for
from lianqin.console.events import stream


async def events(request: HttpRequest) -> HttpResponseBase:
    user = await request.auser()
    if not user.is_authenticated:
        return JsonResponse({"code": "unauthenticated", "message": "未登录",
                             "hint": "先登录 /login/"}, status=401)  # fmt: skip
    actor = await sync_to_async(actor_for)(user)
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or ""
    last = int(raw) if raw.isdigit() else None
    response = StreamingHttpResponse(stream(actor, last), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
