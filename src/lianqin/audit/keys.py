"""The key of the audit chains: ``LIANQIN_AUDIT_KEY``, else derived from the secret key.

Keep it out of the database and out of the backup: whoever holds it can re-chain an edited
log. Changing it (or the secret key it is derived from) makes every existing chain fail
``lianqin audit verify``: set ``LIANQIN_AUDIT_KEY`` to the old derivation first
(``lianqin audit key``) before rotating the secret key.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os

from django.conf import settings


@functools.cache
def chain_key() -> bytes:
    text = os.environ.get("LIANQIN_AUDIT_KEY", "").strip()
    if text:
        return text.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"lianqin-audit-chain", hashlib.sha256).digest()
