"""The key of the audit chains: ``LIANQIN_AUDIT_KEY``, else derived from the secret key.

Keep it out of the database and out of the backup: whoever holds it can re-chain an edited
log. Changing it (or the secret key it is derived from) makes every existing chain fail
``lianqin audit verify``: before rotating the secret key, set ``LIANQIN_AUDIT_KEY`` to what
``lianqin audit key`` prints (the key in use, as hex), so the chains keep their key.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os

from django.conf import settings


@functools.cache
def chain_key() -> bytes:
    """``LIANQIN_AUDIT_KEY`` as hex (what ``lianqin audit key`` prints), else derived."""
    text = os.environ.get("LIANQIN_AUDIT_KEY", "").strip()
    if text:
        try:
            key = bytes.fromhex(text)
        except ValueError:
            key = b""
        if len(key) < 16:
            raise ValueError(
                "LIANQIN_AUDIT_KEY 应为十六进制、至少 16 字节（32 个字符）；"
                "lianqin audit key 打印当前使用的密钥"
            )
        return key
    return hmac.new(settings.SECRET_KEY.encode(), b"lianqin-audit-chain", hashlib.sha256).digest()
