"""Personal data at rest: SM4-GCM encryption of reporters' names, phone and ID numbers and
of the raw payloads that carry them. No Django: the keys come from ``LIANQIN_*`` variables
or the data directory, like the secret key.

Why SM4: it is the block cipher of GB/T 32907 that a 等保/密评 assessment expects for
personal data; GCM authenticates as well as hides, so a value edited in the database does
not decrypt (it raises :class:`TamperedValue`). The library is ``cryptography`` (OpenSSL).

A stored value reads ``sm4gcm1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>``. The
associated data is the column's name (``cases.ReporterContact.phone``): a value copied
into another column fails to decrypt. The empty string is stored as the empty string, so
that "has a phone" stays a cheap query and means nothing about the number.

Keys: ``LIANQIN_DATA_KEYS`` = ``id:base64key[,id:base64key…]`` (16-byte keys), the first
being the one new values are written with and the others kept for reading older values;
without it, one random key is written once (mode 600) to ``<data dir>/data_keys``. The keys
are not in the backup (docs/backup.md): a backup without its keys is unreadable, which is
the point.

What must hold: ``decrypt(encrypt(x, column), column) == x`` for every string; two
encryptions of one value differ (random 96-bit nonce); a value that does not start with the
prefix is returned as it is only when asked (the migration's backfill of rows written before
encryption; the model field reads strictly); an unknown key id or a failed tag raises, never
returns garbage.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from lianqin import conf

__all__ = ["PREFIX", "TamperedValue", "decrypt", "encrypt", "forget_keys", "is_encrypted"]

PREFIX = "sm4gcm1:"
KEY_BYTES = 16
NONCE_BYTES = 12
TAG_BYTES = 16


class TamperedValue(ValueError):
    """A stored value that does not decrypt: edited in place, moved between columns, or
    written with a key this deployment no longer has."""


def _parse_keys(text: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        kid, sep, b64 = item.partition(":")
        try:
            key = base64.urlsafe_b64decode(b64.strip() + "=" * (-len(b64.strip()) % 4))
        except (binascii.Error, ValueError):
            key = b""
        if not sep or not kid.strip().isalnum() or len(key) != KEY_BYTES:
            raise ValueError(
                f"LIANQIN_DATA_KEYS 中的“{item[:12]}…”无法识别：应写成 编号:base64密钥"
                f"（{KEY_BYTES} 字节），多把用逗号分隔，第一把用于新数据"
            )
        keys[kid.strip()] = key
    return keys


def new_key_line() -> str:
    """One freshly generated ``id:base64key`` (for ``LIANQIN_DATA_KEYS`` or the key file)."""
    kid = secrets.token_hex(4)
    return f"{kid}:{base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip('=')}"


@functools.cache
def _keys() -> tuple[str, dict[str, bytes]]:
    text = os.environ.get("LIANQIN_DATA_KEYS", "").strip()
    if not text:
        path = conf.data_dir() / "data_keys"
        conf.write_once(path, new_key_line() + "\n")
        text = path.read_text().strip()
    keys = _parse_keys(text)
    if not keys:
        raise ValueError("LIANQIN_DATA_KEYS 为空：至少需要一把密钥")
    return next(iter(keys)), keys


def forget_keys() -> None:
    """Read the keys again on next use (tests, key rotation in a running shell)."""
    _keys.cache_clear()


def current_key_id() -> str:
    return _keys()[0]


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def encrypt(value: str, column: str) -> str:
    if not value:
        return ""
    kid, keys = _keys()
    nonce = os.urandom(NONCE_BYTES)
    enc = Cipher(algorithms.SM4(keys[kid]), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(column.encode())
    body = enc.update(value.encode("utf-8")) + enc.finalize() + enc.tag
    return f"{PREFIX}{kid}:{base64.urlsafe_b64encode(nonce + body).decode()}"


def decrypt(value: str, column: str, *, strict: bool = False) -> str:
    """The clear text. Without ``strict`` a value without the prefix is returned as it is
    (reading rows written before encryption, for the backfill); with it, it is refused."""
    if not is_encrypted(value):
        if strict and value:
            raise TamperedValue(f"{column}：值未加密（在应用之外写入）")
        return value
    kid, _, b64 = value[len(PREFIX) :].partition(":")
    key = _keys()[1].get(kid)
    if key is None:
        raise TamperedValue(f"{column}：密钥 {kid} 不在 LIANQIN_DATA_KEYS 中，无法解密")
    try:
        blob = base64.urlsafe_b64decode(b64)
    except (binascii.Error, ValueError) as exc:
        raise TamperedValue(f"{column}：密文格式损坏") from exc
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise TamperedValue(f"{column}：密文过短")
    nonce, body, tag = blob[:NONCE_BYTES], blob[NONCE_BYTES:-TAG_BYTES], blob[-TAG_BYTES:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(column.encode())
    try:
        return (dec.update(body) + dec.finalize()).decode("utf-8")
    except InvalidTag as exc:
        raise TamperedValue(f"{column}：密文校验失败（被改动，或不属于这一列）") from exc
