"""Query codes (查询码): what a citizen needs, with the case number, to follow a report.

Pure: no Django. A code is 8 characters from an alphabet without look-alikes (no 0/O,
1/I/L), shown as ``ABCD-EFGH``: 31⁸ ≈ 8.5·10¹¹ possibilities, so with the tracking rate limit
(``LIANQIN_PUBLIC_TRACK_RATE``) guessing one is hopeless.

Why derived, not drawn: the code is an HMAC of the form's idempotency key and the
browser's CSRF secret under the deployment's secret key. It is as unpredictable as a
random draw to anyone without the secret key, and the same browser re-sending the same
form (a double click, a reload after a lost response) is shown the same code again,
while anybody else who learns the idempotency key (it is the report's external id,
visible to staff) gets a different code that does not match. Only a keyed hash of the
code is stored (:func:`code_hash`), so the database alone does not reveal it.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["ALPHABET", "LENGTH", "code_hash", "derive_code", "display", "normalise"]

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 symbols: no 0 O 1 I L
LENGTH = 8


def derive_code(secret: str, key: str, nonce: str) -> str:
    """The code for idempotency key ``key`` sent with browser secret ``nonce``."""
    digest = hmac.new(secret.encode(), f"public-code|{key}|{nonce}".encode(), hashlib.sha256)
    number = int.from_bytes(digest.digest(), "big")
    out = []
    for _ in range(LENGTH):
        number, rest = divmod(number, len(ALPHABET))
        out.append(ALPHABET[rest])
    return "".join(out)


def code_hash(secret: str, report_id: int, code: str) -> str:
    """What is stored: a keyed hash of the code, salted with the report's id."""
    message = f"public-code-hash|{report_id}|{normalise(code)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def normalise(text: str) -> str:
    """What a citizen typed, as stored: upper case, without spaces and dashes."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def display(code: str) -> str:
    """``ABCDEFGH`` → ``ABCD-EFGH`` (easier to read out and copy)."""
    code = normalise(code)
    return f"{code[:4]}-{code[4:]}" if len(code) == LENGTH else code


def well_formed(text: str) -> bool:
    code = normalise(text)
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)
