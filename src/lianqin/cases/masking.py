"""Masking of personal data for display (138****5678). Pure: no Django.

What must hold: a masked phone or ID number shows at most its first three and last four
characters; a masked name shows only its first character (the family name).
"""

from __future__ import annotations

import hashlib
import hmac


def mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        return ""
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return f"{digits[:2]}***{digits[-2:]}"
    return "*" * len(digits)


def mask_id_number(value: str) -> str:
    value = value.strip()
    if len(value) < 8:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def phone_key(phone: str, secret: str) -> str:
    """A keyed hash of a phone number's digits (the last 11 — so ``+86 138…`` and ``138…``
    agree): equal for the same number, useless without the deployment's secret."""
    digits = "".join(ch for ch in phone if ch.isdigit())[-11:]
    if len(digits) < 7:
        return ""
    return hmac.new(secret.encode(), digits.encode(), hashlib.sha256).hexdigest()[:32]
