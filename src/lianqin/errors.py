"""Typed errors with stable codes; the API and the CLI map them to HTTP and exit codes
in one place each (Zulip's ``JsonableError``). Pure: no Django.

Every error says what went wrong, where, and how to fix it (``hint``).
"""

from __future__ import annotations

from typing import Any, ClassVar


class LianqinError(Exception):
    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 400

    def __init__(self, message: str, *, hint: str = "", field: str | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.field = field
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.hint:
            body["hint"] = self.hint
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class InvalidInput(LianqinError):
    code = "invalid_input"


class NotFound(LianqinError):
    code = "not_found"
    http_status = 404


class Unauthenticated(LianqinError):
    code = "unauthenticated"
    http_status = 401


class Forbidden(LianqinError):
    code = "forbidden"
    http_status = 403


class Conflict(LianqinError):
    """The case changed under the caller (another dispatcher was first)."""

    code = "conflict"
    http_status = 409


class InvalidTransition(Conflict):
    code = "invalid_transition"
