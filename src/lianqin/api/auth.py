"""Who is calling: a person with a Django session, or a system with an API key.

Either way the result is the ``Person`` the call acts as; the one permission gate
(``cases/access.py``) takes it from there.
"""

from __future__ import annotations

import hmac
from dataclasses import replace
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyHeader, SessionAuth

from lianqin.cases.access import Actor, actor_for
from lianqin.choices import Role
from lianqin.org.models import ApiKey, Person


class KeyAuth(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key or not key.startswith("lq_"):
            return None
        prefix = key.split("_")[1] if key.count("_") >= 2 else ""
        found = (
            ApiKey.objects.select_related("person").filter(prefix=prefix, revoked_at=None).first()
        )
        if found is None or not hmac.compare_digest(found.key_hash, ApiKey.digest(key)):
            return None
        person = found.person
        if not person.is_active or person.must_change_password:
            return None  # a reset account's keys wait for its new password
        if person.locked_until and person.locked_until > timezone.now():
            return None
        ApiKey.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.person
        request.lianqin_key_channel = found.channel  # type: ignore[attr-defined]
        return found.person


class PersonSession(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_authenticated else None


AUTH = [KeyAuth(), PersonSession()]


def request_actor(request: HttpRequest) -> Actor:
    """The actor behind an authenticated request (ninja puts the person on ``request.auth``)."""
    person: Person = request.auth  # type: ignore[attr-defined]
    actor = actor_for(person)
    channel = getattr(request, "lianqin_key_channel", "")
    if channel and actor.role == Role.SYSTEM:
        # a channel's key reads only what its channel reported, whoever it was issued to
        actor = replace(actor, channel=channel)
    return actor
