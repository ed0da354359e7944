"""The webhook's fast lane: ``POST /api/intake/{channel}`` answered by a small ASGI
callable in front of Django.

Django's ASGI handler gives every request its own thread for the synchronous parts of
the stack (signals, middleware); on two cores that caps a server near 150 requests a
second whatever the view does. Deliveries from the source platforms are the one hot
path, so they skip it: this lane does exactly what the Django view does — the same key
check (:func:`channel_key`), the same admission (:func:`admit`), the same group commit
and the same answers — and hands every other request to Django unchanged. The Django
route stays for the OpenAPI documentation, the test client and WSGI servers; a test
sends the same deliveries through both and compares the answers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from lianqin.api.intake import MAX_BODY, STATUS, admit, channel_key
from lianqin.errors import LianqinError, Unauthenticated
from lianqin.intake import batcher

log = logging.getLogger(__name__)
PATH = re.compile(r"^/api/intake/([a-z0-9_]{1,40})/?$")
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class IntakeLane:
    def __init__(self, django: Any) -> None:
        self.django = django

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if found is None or scope["method"] != "POST" or not settings.LIANQIN_GROUP_COMMIT:
            await self.django(scope, receive, send)
            return
        try:
            status, body = await self._handle(found.group(1), scope, receive)
        except LianqinError as exc:
            status, body = exc.http_status, exc.as_dict()
        except Exception:
            log.exception("intake lane failed")
            status, body = 500, {"code": "server_error", "message": "服务器内部错误",
                                 "hint": "稍后重试；同一报文重发不会重复立案"}  # fmt: skip
        data = json.dumps(body, ensure_ascii=False, default=str).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(data)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": data})

    async def _handle(self, channel: str, scope: Scope, receive: Receive) -> tuple[int, Any]:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        body = await _read(receive)
        key = await sync_to_async(_key, thread_sensitive=False)(headers.get("x-api-key"))
        if key is None:
            raise Unauthenticated(
                "未登录或 API 密钥无效",
                hint="在请求头 X-API-Key 中提供该渠道的密钥（lianqin apikey 渠道名）",
            )
        content_type = headers.get("content-type", "")
        charset = re.search(r"charset=([\w.-]+)", content_type)
        payload = await sync_to_async(admit, thread_sensitive=False)(
            key, channel, content_type, body, charset.group(1) if charset else None
        )
        future = batcher.writer().submit(key.person_id, payload)
        outcome = await asyncio.wrap_future(future)
        return STATUS[outcome.status], outcome.as_dict()


def _key(raw: str | None) -> Any:
    """The key check in a worker thread, which then gives its database connection back
    (keys are cached, so the database is asked at most every 30 s per key)."""
    try:
        return channel_key(raw)
    finally:
        close_old_connections()


async def _read(receive: Receive) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise LianqinError("连接已断开", hint="重发即可")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            from lianqin.errors import InvalidInput

            raise InvalidInput("报文过大", field="body", hint=f"单条报文不超过 {MAX_BODY} 字节")
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)
