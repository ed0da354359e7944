"""Masking of personal data for display (138****5678). Pure: no Django.

What must hold: a masked phone or ID number shows at most its first three and last four
characters; a masked name shows only its first character (the family name).
"""

from __future__ import annotations

import hashlib
import hmac
import re

_PHONE = re.compile(r"(?<!\d)(?:\+?86[-\s.]?)?(1[3-9]\d)[-\s.]?(\d{4})[-\s.]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[-\s]?(\d{3,4})[-\s]?(\d{4})(?!\d)")
# letters around the number do not protect it ("idcard110101…", "…8888abc" are masked)
_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")


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


def mask_in_text(text: str) -> str:
    """Free text (a reply, a note) with the numbers someone typed into it masked: ID numbers,
    mobile numbers (``138****5678``) and landlines; other numbers (a case number's date)
    stay as they are."""
    text = _ID_NUMBER.sub(lambda m: f"{m[1]}********{m[2]}", text)
    text = _PHONE.sub(lambda m: f"{m[1]}****{m[3]}", text)
    return _LANDLINE.sub(lambda m: f"{m[1]}-****{m[3]}", text)


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


def id_key(value: str, secret: str) -> str:
    """A keyed hash of an ID number (letters upper-cased, spaces dropped): finds the same
    person's reports without storing the number in a searchable form."""
    text = "".join(value.split()).upper()
    if len(text) < 8:
        return ""
    return hmac.new(secret.encode(), b"id:" + text.encode(), hashlib.sha256).hexdigest()[:32]
