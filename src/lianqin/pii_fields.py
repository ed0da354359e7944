"""A model field that keeps its text encrypted at rest (:mod:`lianqin.pii`, SM4-GCM).

Why a field: every read and write of a reporter's name, phone or ID number, and of the raw
payloads that carry them, goes through the ORM — including ``bulk_create`` and
``.values()`` — so encrypting in ``get_prep_value`` and decrypting in ``from_db_value``
covers every path without a call site to forget. The column's label
(``cases.ReporterContact.phone``) is the cipher's associated data.

What must hold: a query can only compare the field with the empty string (ciphertexts are
randomised, so ``filter(phone="138…")`` would never match; search goes through keyed
hashes such as ``ReporterContact.phone_key``); a value already encrypted is stored as it
is (saving a loaded row does not encrypt twice).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from lianqin import pii


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest (SM4-GCM)"
    encrypted = True  # read by cases.actions.inserts: never handed to the driver as is

    def contribute_to_class(self, cls: Any, name: str, *args: Any, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.aad = f"{cls._meta.label}.{name}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return pii.decrypt(value, self.aad)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "" or pii.is_encrypted(value):
            return value
        return pii.encrypt(value, self.aad)
