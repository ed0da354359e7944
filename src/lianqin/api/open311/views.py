"""The Open311 GeoReport v2 endpoints (plus mySociety's ``servicerequestupdates``).

Thin Django views: read the parameters, call one query or the intake, render in the
format the path's suffix names (``.json`` or ``.xml``). What must hold:

* reads are public and never show who reported (``queries.py``, ``public.py``);
* ``POST`` needs an ``api_key`` issued for the ``open311`` channel (``lianqin apikey
  open311``), sent as a form field or a query parameter; a missing, wrong or other
  channel's key is a 403, as the spec says. POSTs are machine calls authenticated by
  that key, so they are exempt from CSRF;
* every report goes through the one intake (``lianqin.intake.service.receive``) with
  the body as sent, minus the key, plus the token (``lianqin.intake.open311.stamp``);
* ``jurisdiction_id`` may be absent or this district's code; anything else is a 404;
* every error is the spec's list of ``{code, description}`` with 400, 403 or 404 — or
  503 with ``Retry-After`` while the database is unreachable (an answer at once, not a
  hang, and nothing half written: each POST is one transaction), or
  429 with ``Retry-After`` for a client over its rate limit (``public/throttle.py``:
  ``LIANQIN_OPEN311_RATE`` for POSTs, ``LIANQIN_OPEN311_READ_RATE`` for GETs, counted
  per client address in the database, shared by every server process).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import parse_qsl

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from lianqin.api.intake import ChannelKey
from lianqin.api.open311 import public, queries
from lianqin.api.open311.render import errors, render
from lianqin.cases.access import actor_for
from lianqin.cases.actions.reports import add_comment
from lianqin.errors import LianqinError, NotFound
from lianqin.intake import service
from lianqin.intake.contract import Payload
from lianqin.intake.open311 import CHANNEL, FORM, stamp
from lianqin.org.models import ApiKey
from lianqin.public import throttle

SPEC = "http://wiki.open311.org/GeoReport_v2"
#: the Retry-After of a 503 while the database is unreachable
UNAVAILABLE_RETRY_S = 5
log = logging.getLogger(__name__)
STARTED = timezone.now()
View = Callable[..., HttpResponse]


class Problem(Exception):
    """An Open311 error: HTTP status and a description for the client's user."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.status, self.description = status, description
        self.retry_after = retry_after


def respond(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    body, content_type = render(fmt, root, data)
    return HttpResponse(body, content_type=content_type, status=status)


def _throttle(request: HttpRequest) -> None:
    """Count the request against its client's Open311 limit (POST or GET); over it, a 429."""
    wait = throttle.hit(request, "open311" if request.method == "POST" else "open311_read")
    if wait is not None:
        raise Problem(
            429,
            f"请求过于频繁，请 {wait} 秒后重试（rate limit exceeded, retry after {wait} s）",
            retry_after=wait,
        )


def endpoint(*methods: str) -> Callable[[View], View]:
    """Method check, jurisdiction check and error mapping around one view."""

    def wrap(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def inner(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise Problem(400, f"不支持 {request.method}（method not allowed）")
                _throttle(request)
                jurisdiction = request.GET.get("jurisdiction_id") or _form(request).get(
                    "jurisdiction_id", ""
                )
                if not queries.jurisdiction_known(jurisdiction):
                    raise Problem(404, f"jurisdiction_id {jurisdiction[:60]} 不存在（not found）")
                return view(request, fmt, **kwargs)
            except Problem as exc:
                response = respond(fmt, "errors", errors(exc.status, exc.description), exc.status)
                if exc.retry_after is not None:
                    response["Retry-After"] = str(exc.retry_after)
                return response
            except LianqinError as exc:
                status = {404: 404, 401: 403, 403: 403}.get(exc.http_status, 400)
                text = exc.message + (f"（{exc.hint}）" if exc.hint else "")
                return respond(fmt, "errors", errors(status, text), status)
            except (OperationalError, InterfaceError):
                # the database is away for a moment: say so in the spec's format, at once
                log.warning("open311 %s: database unavailable", request.path)
                text = "服务暂时不可用，请稍后重试（service temporarily unavailable）"
                response = respond(fmt, "errors", errors(503, text), 503)
                response["Retry-After"] = str(UNAVAILABLE_RETRY_S)
                return response

        return inner

    return wrap


def _form(request: HttpRequest) -> dict[str, str]:
    """The POST form's first values (or the query string's, for clients that send the
    fields there, as the spec's swagger file shows)."""
    if request.method != "POST":
        return {}
    pairs = parse_qsl(_body(request), keep_blank_values=True) or parse_qsl(
        request.META.get("QUERY_STRING", ""), keep_blank_values=True
    )
    out: dict[str, str] = {}
    for key, value in pairs:
        out.setdefault(key.strip(), value)
    return out


def _body(request: HttpRequest) -> str:
    try:
        return request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(400, "请求体不是 UTF-8（body must be UTF-8）") from None


def _key(request: HttpRequest) -> ApiKey:
    raw = _form(request).get("api_key") or request.GET.get("api_key", "")
    key = ChannelKey().authenticate(request, raw) if raw else None
    if key is None:
        raise Problem(403, "缺少或无效的 api_key（missing or invalid api_key）")
    if key.channel != CHANNEL:
        raise Problem(403, "此 api_key 不是为 open311 签发的（api_key is not an open311 key）")
    return key


@endpoint("GET", "POST")
def unknown(request: HttpRequest, fmt: str, path: str) -> HttpResponse:
    raise Problem(404, f"没有资源 {path[:60]}（resource not found）")


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    changeset = f"{timezone.localtime(STARTED):%Y-%m-%d %H:%M}"
    root = request.build_absolute_uri(reverse("open311:discovery", args=["json"]))
    data = {
        "changeset": changeset,
        "contact": queries.contact(),
        "key_service": "API 密钥由区联勤指挥中心签发（管理员运行 lianqin apikey open311）",
        "endpoints": [
            {"specification": SPEC, "url": root.rsplit("/", 1)[0], "changeset": changeset,
             "type": "production", "formats": ["text/xml", "application/json"]}
        ],
    }  # fmt: skip
    return respond(fmt, "discovery", data)


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return respond(fmt, "services", queries.services())


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    found = queries.definition(code)
    if found is None:
        raise Problem(404, f"没有服务 {code}（service_code not found）")
    return respond(fmt, "service_definition", found)


@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    ids = public.split_list(request.GET.getlist("service_request_id"))
    if ids:
        return respond(fmt, "service_requests", queries.requests_by_number(ids[: public.LIMIT]))
    statuses = public.split_list(request.GET.getlist("status"))
    if set(statuses) - {"open", "closed"}:
        raise Problem(400, "status 只能是 open 或 closed（status must be open or closed）")
    start, end = _window(request)
    codes = public.split_list(request.GET.getlist("service_code"))
    found = queries.find_requests(start, end, codes, statuses, public.LIMIT)
    return respond(fmt, "service_requests", found)


def _window(request: HttpRequest) -> tuple[Any, Any]:
    zone = timezone.get_current_timezone()
    try:
        start, end = (
            public.parse_w3(request.GET[name], zone) if request.GET.get(name) else None
            for name in ("start_date", "end_date")
        )
        return public.window(start, end, timezone.now())
    except ValueError as exc:
        raise Problem(400, f"时间参数有误（bad start_date/end_date）：{exc}") from None


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    key = _key(request)
    code = _form(request).get("service_code", "").strip()
    if code and not queries.service_exists(code):
        raise Problem(404, f"没有服务 {code}（service_code not found）")
    token = uuid.uuid4().hex
    raw = _body(request) if request.body.strip() else request.META.get("QUERY_STRING", "")
    payload = Payload(CHANNEL, stamp(raw, token), FORM, source="open311")
    outcome = service.receive(actor_for(key.person), payload)
    if outcome.status == "quarantined":
        error = outcome.error or {}
        text = str(error.get("message", "无法解析"))
        raise Problem(400, text + (f"（{error['hint']}）" if error.get("hint") else ""))
    item = public.created(outcome.status, outcome.case_number, token, outcome.warnings)
    return respond(fmt, "service_requests", [item])


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    found = queries.requests_by_number([request_id])
    if not found:
        raise Problem(404, f"没有诉求 {request_id}（service_request_id not found）")
    return respond(fmt, "service_requests", found)


@endpoint("GET")
def token_lookup(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    report = queries.report_by_token(token)
    if report is None or report.state == "dismissed":
        raise Problem(404, f"没有令牌 {token}（token not found）")
    item: dict[str, Any] = {"token": token}
    if report.case is not None:
        item = {"service_request_id": report.case.number, **item}
    return respond(fmt, "service_requests", [item])


@endpoint("GET", "POST")
def updates(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _comment(request, fmt)
    start, end = _window(request)
    return respond(fmt, "service_requests_updates", queries.updates(start, end, public.LIMIT))


def _comment(request: HttpRequest, fmt: str) -> HttpResponse:
    """mySociety's POST update: a comment on the case, once per ``update_id``."""
    key = _key(request)
    form = _form(request)
    number = form.get("service_request_id", "").strip()
    update_id = (form.get("update_id") or form.get("update_id_ext") or "").strip()
    if not number or not update_id:
        raise Problem(400, "须提供 service_request_id 与 update_id（both are required）")
    case = queries.living_case(number)
    if case is None:
        raise NotFound(f"没有诉求 {number}（service_request_id not found）")
    text = form.get("description", "").strip()
    status = form.get("status", "").strip().upper()
    if text and status and status != "OPEN":
        text += f"\n（报告人标记状态：{status}）"
    seq = add_comment(actor_for(key.person), case.pk, text, source=public.COMMENT_SOURCE,
                      external_id=update_id[:100])  # fmt: skip
    ours = queries.event_id(case, seq)
    return respond(fmt, "service_requests_updates", [{"update_id": str(ours)}])
