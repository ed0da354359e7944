"""Channel webhooks: ``POST /api/intake/{channel}`` with the payload as the source sends it.

Each channel has its own API keys (``lianqin apikey CHANNEL``): a key opens one channel's
door only. The body is taken as it arrived (JSON, XML or a form, per the channel) and
handed to the one intake; the response says what became of it:

* ``201`` a new case, or the report joined an open case (``merged``) or opened one with
  possible duplicates for a dispatcher (``suggested``);
* ``200`` a replay: nothing new, the case the first delivery made;
* ``202`` held for a person's confirmation (a camera alarm below the threshold);
* ``422`` it did not parse: kept in quarantine, with what, where and how to fix it.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import time
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Status
from ninja.security import APIKeyHeader

from lianqin.api.schemas import Error
from lianqin.cases.access import actor_for
from lianqin.errors import Forbidden, InvalidInput
from lianqin.intake import batcher, channels, service
from lianqin.intake.contract import Payload
from lianqin.org.models import ApiKey, Person

router = Router(tags=["intake"])
STATUS = {
    "new": 201,
    "merged": 201,
    "suggested": 201,
    "replay": 200,
    "awaiting": 202,
    "quarantined": 422,
}
MAX_BODY = 2 * 1024 * 1024


#: how long a checked key is trusted in this process (a revoked key stops working
#: within this many seconds everywhere)
KEY_CACHE_SECONDS = 30.0
_keys: dict[str, tuple[float, ApiKey | None]] = {}


def channel_key(raw: str | None) -> ApiKey | None:
    """The active key behind ``raw`` (with its person), or None. Checked keys are
    remembered for ``KEY_CACHE_SECONDS`` under their SHA-256, never in clear."""
    if not raw or raw.count("_") < 2 or not raw.startswith("lq_"):
        return None
    digest = ApiKey.digest(raw)
    cached = _keys.get(digest)
    if cached is not None and time.monotonic() - cached[0] < KEY_CACHE_SECONDS:
        return cached[1]
    found = (
        ApiKey.objects.select_related("person")
        .filter(prefix=raw.split("_")[1], revoked_at=None)
        .first()
    )
    ok = found is not None and hmac.compare_digest(found.key_hash, digest)
    key = found if ok and found is not None and found.person.is_active else None
    if len(_keys) > 10_000:
        _keys.clear()
    _keys[digest] = (time.monotonic(), key)
    return key


def forget_keys() -> None:
    _keys.clear()


class ChannelKey(APIKeyHeader):
    """An API key issued for a channel; the route checks that it is this channel's."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        found = channel_key(key)
        if found is not None:
            request.user = found.person
        return found


def admit(
    key: ApiKey, channel: str, content_type: str, body: bytes, charset: str | None
) -> Payload:
    """What the webhook checks before it takes a delivery: the key is this channel's, the
    media type is one the channel reads, the body is not too large and decodes."""
    spec = channels.get(channel)
    if key.channel != channel:
        raise Forbidden(
            f"此密钥属于渠道 {key.channel or '（无）'}，不能向 {channel} 推送",
            hint=f"用 lianqin apikey {channel} 为该渠道签发密钥",
        )
    kind = content_type.split(";")[0].strip().lower()
    if kind not in spec.content_types:
        raise InvalidInput(
            f"渠道 {channel} 不接受 {kind or '未声明的'} 报文",
            field="Content-Type",
            hint="可用：" + ", ".join(spec.content_types),
        )
    if len(body) > MAX_BODY:
        raise InvalidInput("报文过大", field="body", hint=f"单条报文不超过 {MAX_BODY} 字节")
    return Payload(channel, decode_body(body, content_type, charset), kind, source="webhook")


@router.post(
    "/{channel}",
    auth=[ChannelKey()],
    response={200: dict, 201: dict, 202: dict, 422: dict, 400: Error, 401: Error, 403: Error},
    summary="渠道推送（webhook）",
    openapi_extra={
        "requestBody": {
            "description": "来源系统的原始报文（JSON、XML 或表单，依渠道而定），原样保存",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/xml": {"schema": {"type": "string"}},
                "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
            },
        }
    },
)
async def push(request: HttpRequest, channel: str):
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    payload = admit(key, channel, request.content_type or "", request.body, request.encoding)
    outcome = await file_one(key.person_id, payload)
    return Status(STATUS[outcome.status], outcome.as_dict())


async def file_one(person_id: int, payload: Payload) -> service.Outcome:
    """Group commit (``intake/batcher.py``) unless the deployment turned it off
    (``LIANQIN_GROUP_COMMIT=0``): then one transaction per delivery."""
    if getattr(settings, "LIANQIN_GROUP_COMMIT", True):
        return await asyncio.wrap_future(batcher.writer().submit(person_id, payload))
    return await sync_to_async(_file_now)(person_id, payload)


def _file_now(person_id: int, payload: Payload) -> service.Outcome:
    return service.receive(actor_for(Person.objects.get(pk=person_id)), payload)


XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.-]+)["']""")
CHINESE = {"gbk", "gb2312", "gb18030", "utf-8", "utf8"}


def decode_body(body: bytes, content_type: str, declared: str | None) -> str:
    """The body as text: UTF-8, or the charset the sender declared (GBK and GB18030 are
    common in older Chinese systems) in the Content-Type or the XML declaration."""
    candidates = [declared or "utf-8"]
    found = XML_ENCODING.match(body[:200])
    if found:
        candidates.append(found.group(1).decode("ascii"))
    for name in candidates:
        if name.lower() not in CHINESE:
            continue
        try:
            return body.decode("gb18030" if name.lower() in {"gbk", "gb2312"} else name)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(
        "报文编码无法识别",
        field="body",
        hint="以 UTF-8 发送；GBK/GB18030 须在 Content-Type 的 charset 或 XML 声明中注明",
    )
