"""A model field that keeps its text encrypted at rest (:mod:`lianqin.pii`, SM4-GCM).

Why a field: every read and write of a reporter's name, phone or ID number, and of the raw
payloads that carry them, goes through the ORM — including ``bulk_create`` and
``.values()`` — so encrypting in ``get_prep_value`` and decrypting in ``from_db_value``
covers every path without a call site to forget. The column's label
(``cases.ReporterContact.phone``) is the cipher's associated data.

What must hold: a query can only compare the field with the empty string (ciphertexts are
randomised, so ``filter(phone="138…")`` would never match; search goes through keyed
hashes such as ``ReporterContact.phone_key``); every non-empty value is encrypted on its
way in (loaded values were decrypted, so nothing is encrypted twice); a stored value that
is not a valid ciphertext of this column (edited, swapped, or plain text written around
the application) reads as :data:`UNREADABLE` and is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import models

from lianqin import pii

log = logging.getLogger(__name__)
#: what a value that does not decrypt reads as
UNREADABLE = "［无法解密］"


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest (SM4-GCM)"
    encrypted = True  # read by cases.actions.inserts: never handed to the driver as is

    def contribute_to_class(self, cls: Any, name: str, *args: Any, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.aad = f"{cls._meta.label}.{name}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        try:
            return pii.decrypt(value, self.aad, strict=True)
        except pii.TamperedValue as exc:
            # one damaged value must not take every page that lists the row down; it is
            # shown as damaged and logged (the column, never the value)
            log.error("个人信息无法解密：%s", exc)
            return UNREADABLE

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        # always encrypted: a value in Python is clear text (read ones were decrypted), even
        # one a citizen typed to look like a ciphertext
        return pii.encrypt(value, self.aad)
