"""Work notes can carry a phone or an ID number that somebody typed in; the duty pages
and the stored handover show notes with those numbers masked
(:func:`lianqin.cases.masking.mask_in_text`). Pure."""

from __future__ import annotations

from lianqin.cases.masking import mask_in_text


def redact(text: str, limit: int = 80) -> str:
    """The note with typed-in numbers masked (138****5678), shortened to ``limit``."""
    masked = mask_in_text(text)
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"
