"""Polling a source that does not push: fetch its API's recent records and take them in.

Some platforms (网络问政 systems, older 12345 deployments) only offer a query API. The
poller GETs a URL that answers a JSON array of records, or an object holding the array
under ``data``, ``items``, ``records``, ``rows`` or ``list`` (nested one level, e.g.
``{"data": {"records": […]}}``); each record becomes one payload of the channel, kept
verbatim, and goes through the same filing as a bulk import. Polling the same window
again is harmless: replays are recognised by ``(channel, external_id)``.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from lianqin.errors import InvalidInput
from lianqin.intake.contract import Payload

LIST_KEYS = ("data", "items", "records", "rows", "list", "result")
TIMEOUT_S = 30
MAX_BYTES = 50 * 1024 * 1024


def fetch(channel: str, url: str, *, headers: dict[str, str] | None = None) -> list[Payload]:
    """The records the source's API returns now, one payload each."""
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"不支持的地址 {url!r}", field="url", hint="用 http:// 或 https://")
    request = urllib.request.Request(url, headers={"Accept": "application/json", **(headers or {})})  # noqa: S310
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
        body = response.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        raise InvalidInput("返回内容过大", field="url", hint="请来源方分页，或缩短查询时间窗")
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(
            f"{url} 返回的不是 JSON：{exc}", field="url", hint="确认接口地址和查询参数"
        ) from None
    records = records_of(data)
    return [
        Payload(
            channel,
            json.dumps(r, ensure_ascii=False),
            "application/json",
            source=f"poll:{url.split('?')[0]}#{n}",
        )
        for n, r in enumerate(records, 1)
    ]


def records_of(data: Any) -> list[Any]:
    """The list of records in an API answer (see the module docstring)."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in LIST_KEYS:
            inner = data.get(key)
            if isinstance(inner, list):
                return inner
            if isinstance(inner, dict):
                for sub in LIST_KEYS:
                    if isinstance(inner.get(sub), list):
                        return list(inner[sub])
    raise InvalidInput(
        "返回内容中找不到记录列表",
        field="url",
        hint="接口须返回 JSON 数组，或在 data/items/records/rows/list 下给出数组",
    )
