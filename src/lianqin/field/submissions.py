"""The phone's submissions, each idempotent by the key the phone made when the worker
pressed the button: a report (through the one intake, ``patrol`` channel, the key as its
external id), a patrol check-in, a case action (``cases.actions.perform``).

What must hold: the same key twice — a retry after a lost answer, the offline queue sent
again — returns the first answer and changes nothing more; two concurrent sends of one
key are decided by the unique constraint; a key used by another person is refused; a
refused action (``LianqinError``) is *not* stored, so the worker can fix it and retry
with a new key."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from lianqin import photos
from lianqin.cases import actions
from lianqin.cases.access import Actor
from lianqin.errors import Forbidden, InvalidInput

__all__ = ["InvalidInput", "act", "check_key", "checkin", "once", "report"]
from lianqin.field.models import FieldSubmission, PatrolCheckin
from lianqin.geo import service as geo
from lianqin.intake import service as intake
from lianqin.intake.accounts import channel_actor
from lianqin.intake.contract import Payload
from lianqin.org.models import Person

ACTIONS = {"handle_on_site", "resolve", "verify", "rework", "escalate"}


def check_key(key: str) -> str:
    """The phone's key as a canonical UUID (the patrol channel's external ids are UUIDs)."""
    try:
        return str(uuid.UUID((key or "").strip()))
    except ValueError:
        raise InvalidInput("缺少或无效的幂等键", field="Idempotency-Key",
                           hint="页面每次提交时生成一个 UUID，重发时沿用") from None  # fmt: skip


def once(person: Person, key: str, kind: str, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work`` once per key; later calls with the key return its stored answer."""
    key = check_key(key)
    found = FieldSubmission.objects.filter(key=key).first()
    if found is not None:
        return _replayed(found, person)
    try:
        with transaction.atomic():
            result = work()
            FieldSubmission.objects.create(key=key, person=person, kind=kind, result=result,
                                           created_at=timezone.now())  # fmt: skip
    except IntegrityError:
        found = FieldSubmission.objects.filter(key=key).first()
        if found is None:
            raise
        return _replayed(found, person)
    return result | {"replayed": False}


def _replayed(found: FieldSubmission, person: Person) -> dict[str, Any]:
    if found.person_id != person.pk:
        raise Forbidden("这个提交编号属于别人", hint="重新提交（页面会生成新的编号）")
    return dict(found.result) | {"replayed": True}


def _position(fields: dict[str, str]) -> tuple[float, float, float | None]:
    try:
        lon, lat = float(fields["lon"]), float(fields["lat"])
    except (KeyError, TypeError, ValueError):
        raise InvalidInput("缺少位置", field="lon",
                           hint="打开手机定位并允许本页使用位置后再提交") from None  # fmt: skip
    accuracy = fields.get("accuracy")
    return lon, lat, float(accuracy) if accuracy not in (None, "") else None


def _when(fields: dict[str, str]) -> datetime:
    at = parse_datetime(fields.get("at", "") or "")
    now = timezone.now()
    if at is None or timezone.is_naive(at) or at > now:
        return now  # the phone's clock is not trusted beyond "not in the future"
    return at


def report(
    person: Person, key: str, fields: dict[str, str], files: list[tuple[str, bytes]]
) -> dict[str, Any]:
    """A problem seen on patrol, through the intake (``patrol`` channel)."""
    text = fields.get("description", "").strip()
    if not text:
        raise InvalidInput("请写明发现了什么问题", field="description")
    lon, lat, accuracy = _position(fields)
    urls = [photos.save(data, name) for name, data in files]

    def work() -> dict[str, Any]:
        body = {"client_id": check_key(key), "worker": person.username, "text": text,
                "title": fields.get("title", "").strip(), "category": fields.get("category", ""),
                "location": {"lon": lon, "lat": lat, "crs": "wgs84", "accuracy": accuracy},
                "reported_at": _when(fields).isoformat(), "photos": urls}  # fmt: skip
        out = intake.receive(channel_actor("patrol"),
                             Payload("patrol", json.dumps(body, ensure_ascii=False)))  # fmt: skip
        return {"status": out.status, "case_number": out.case_number or "",
                "warnings": list(out.warnings)}  # fmt: skip

    return once(person, key, "report", work)


def checkin(person: Person, key: str, fields: dict[str, str]) -> dict[str, Any]:
    lon, lat, accuracy = _position(fields)
    where = geo.locate_point(lon, lat, "wgs84")

    def work() -> dict[str, Any]:
        row = PatrolCheckin.objects.create(
            person=person, grid=where.grid, lon=where.lon or lon, lat=where.lat or lat,
            accuracy_m=accuracy, at=_when(fields), received_at=timezone.now(),
            client_key=check_key(key),
        )  # fmt: skip
        grid = where.grid.name if where.grid is not None else ""
        return {"id": row.pk, "grid": grid, "at": row.at.isoformat()}

    return once(person, key, "checkin", work)


def act(actor: Actor, person: Person, key: str, number: str, action: str,
        fields: dict[str, str], files: list[tuple[str, bytes]]) -> dict[str, Any]:  # fmt: skip
    if action not in ACTIONS:
        raise InvalidInput(f"手机上不能执行 {action}", field="action",
                           hint="可用：现场处置、办结、核查通过、返工、上报升级")  # fmt: skip
    params: dict[str, Any] = {}
    evidence = [photos.save(data, name) for name, data in files]
    if evidence:
        params["evidence"] = evidence

    def work() -> dict[str, Any]:
        case = actions.perform(actor, number, action, note=fields.get("note", "").strip(),
                               **params)  # fmt: skip
        return {"case_number": case.number, "status": case.status}

    return once(person, key, f"case.{action}", work)
