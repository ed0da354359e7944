"""The hash chain of the audit trail. Pure: no Django, no clock, no database.

Each line's ``chain`` is ``HMAC-SHA256(key, prev ‖ canonical(line))`` where ``prev`` is the
chain of the line before it (the empty string for the first). Changing, removing or
re-ordering any line breaks every chain after it; and because the key is not in the
database (it comes from ``LIANQIN_AUDIT_KEY`` or the secret key), someone who can write to
the database cannot compute a new, consistent chain over their edit.

Two chains use this: the audit log (one chain for the whole deployment) and each case's
history (one chain per case, ``CaseEvent.chain``: a case's lines are written under its row
lock, so the chain costs one indexed read and no global lock).

What must hold: ``canonical`` is the same for a line before it is written and after it is
read back from SQLite or PostgreSQL (times in UTC with microseconds; JSON with sorted keys;
integral floats as ints, however deep);
:func:`verify` reports the first line whose chain does not follow, with its position.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["Break", "canonical", "event_fields", "link", "verify"]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, float) and value.is_integer():
        # PostgreSQL's jsonb gives 2.0 back as 2.0 but 1e16 as 10000000000000000 (an int
        # to Python): integral floats are written as ints on both sides
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def canonical(fields: Mapping[str, Any]) -> bytes:
    return json.dumps(
        _plain(dict(fields)),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    ).encode("utf-8")


def link(key: bytes, prev: str, fields: Mapping[str, Any]) -> str:
    return hmac.new(key, prev.encode() + b"\n" + canonical(fields), hashlib.sha256).hexdigest()


def event_fields(event: Any) -> dict[str, Any]:
    """What a case-history line's chain covers (every column but its id and chain)."""
    return {
        "case": event.case_id,
        "seq": event.seq,
        "action": event.action,
        "from": event.from_state,
        "to": event.to_state,
        "at": event.at,
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "actor_role": event.actor_role,
        "actor_level": event.actor_level,
        "note": event.note,
        "data": event.data,
    }


@dataclass(frozen=True)
class Break:
    """Where a chain stops following: the line (by its position in its chain) and why."""

    where: str
    position: int
    reason: str


def verify(
    key: bytes, lines: Iterable[tuple[str, str, Mapping[str, Any]]], *, start: str, where: str
) -> Break | None:
    """``lines`` = (prev, chain, fields) in chain order, beginning after ``start``."""
    expected_prev = start
    for position, (prev, chain, fields) in enumerate(lines, 1):
        if prev != expected_prev:
            return Break(where, position, "前一条的链值不符（有记录被删除、插入或调换）")
        if not hmac.compare_digest(chain, link(key, prev, fields)):
            return Break(where, position, "链值与内容不符（记录内容被改动）")
        expected_prev = chain
    return None
