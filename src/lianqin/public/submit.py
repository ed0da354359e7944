"""A citizen's report, through the one intake as the platform's own ``portal`` channel.

The form becomes the body the government website's letter form posts
(``intake/mappings/portal.toml``: 信件编号, 标题, 内容, 地址, 姓名, 电话…, plus 经度/纬度/
坐标系, 照片 and 类别编码 for the pin, the photos and the chosen category), and goes to
``intake.service.receive`` like any other payload: located, classified, checked for
duplicates, written with its history, never doubled.

What must hold: the form's idempotency key is the external id, so the same form sent
twice makes one case (the intake answers ``replay``); the report, its case and its ticket
commit together, so a case made from this page always has its ticket; the query code is
shown only to the browser that sent the form (see ``codes.py``) and only its keyed hash
is stored.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lianqin.cases.models import Case, Report
from lianqin.intake.accounts import channel_actor
from lianqin.intake.channels.decode import FORM
from lianqin.intake.contract import Payload
from lianqin.intake.service import receive
from lianqin.org.models import Category
from lianqin.public import codes
from lianqin.public.models import PublicTicket

SOURCE = "public_page"
CHANNEL = "portal"


@dataclass
class Submitted:
    """What the citizen is told: ``number`` and ``code`` when the report is theirs to
    follow; ``error`` when the intake could not take it (the form is shown again)."""

    number: str = ""
    code: str = ""
    replay: bool = False
    error: str = ""
    warnings: list[str] = field(default_factory=list)


def payload_for(data: dict[str, Any], photo_urls: list[str], now: datetime) -> Payload:
    """The portal body for a cleaned report form."""
    pairs: list[tuple[str, str]] = [
        ("信件编号", data["key"]),
        ("内容", data["description"]),
        ("提交时间", f"{timezone.localtime(now):%Y-%m-%d %H:%M:%S}"),
        ("是否公开", "否"),
    ]
    optional = {"标题": "title", "地址": "address", "姓名": "name", "电话": "phone"}
    pairs += [(name, str(data[k]).strip()) for name, k in optional.items() if data.get(k)]
    if data.get("lon") is not None and data.get("lat") is not None:
        pairs += [
            ("经度", f"{data['lon']:.6f}"),
            ("纬度", f"{data['lat']:.6f}"),
            ("坐标系", "wgs84"),
        ]
    code = data.get("category") or ""
    if code:
        found = Category.objects.filter(code=code).values_list("name", flat=True).first()
        pairs += [("类别编码", code), ("信件类型", found or "")]
    pairs += [("照片", url) for url in photo_urls]
    return Payload(CHANNEL, urlencode(pairs), f"{FORM}; charset=utf-8", source=SOURCE)


def submit(
    data: dict[str, Any], photo_urls: list[str], nonce: str, now: datetime | None = None
) -> Submitted:
    """Send the report through the intake and issue (or find again) its ticket."""
    now = now or timezone.now()
    code = codes.derive_code(settings.SECRET_KEY, data["key"], nonce)
    with transaction.atomic():
        outcome = receive(channel_actor(CHANNEL), payload_for(data, photo_urls, now), now=now)
        if outcome.status in {"new", "merged", "suggested"}:
            report = Report.objects.get(channel=CHANNEL, external_id=outcome.external_id)
            PublicTicket.objects.create(
                report=report,
                case=Case.objects.get(number=outcome.case_number),
                code_hash=codes.code_hash(settings.SECRET_KEY, report.pk, code),
                created_at=now,
            )
            return Submitted(outcome.case_number, code, warnings=list(outcome.warnings))
    if outcome.status == "replay":
        return _replayed(outcome.external_id, code)
    reason = (outcome.error or {}).get("message", "") or outcome.status
    return Submitted(error=f"提交未成功：{reason}。您填写的内容已保留，请检查后再提交。")


def _replayed(external_id: str, code: str) -> Submitted:
    """The same form again: the same browser sees its number and code again; anybody
    else learns nothing (not even the number)."""
    ticket = (
        PublicTicket.objects.filter(report__channel=CHANNEL, report__external_id=external_id)
        .select_related("case")
        .first()
    )
    if ticket is not None and hmac.compare_digest(
        codes.code_hash(settings.SECRET_KEY, ticket.report_id, code), ticket.code_hash
    ):
        return Submitted(ticket.case.number, code, replay=True)
    return Submitted(replay=True)
