"""Who is acting in this request, for audit lines written by model signals (which do not
see the request). Set by :class:`AuditContextMiddleware`; empty outside requests (the CLI,
the background loop), where the line says 系统."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

current_actor: ContextVar[Any] = ContextVar("lianqin_audit_actor", default=None)
current_client: ContextVar[str] = ContextVar("lianqin_audit_client", default="")


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        actor = current_actor.set(user if user is not None and user.is_authenticated else None)
        client = current_client.set(str(request.META.get("REMOTE_ADDR") or ""))
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(actor)
            current_client.reset(client)
