"""Work notes can carry a phone or an ID number that somebody typed in; the duty pages
and the stored handover show notes with every run of 7 or more digits masked. Pure."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d{7,}")


def redact(text: str, limit: int = 80) -> str:
    """The note shortened to ``limit`` characters, long digit runs masked (138****5678)."""
    masked = _DIGITS.sub(lambda m: m.group()[:3] + "****" + m.group()[-4:], text)
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"
