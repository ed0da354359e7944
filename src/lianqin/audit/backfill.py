"""Bring rows written before encryption and chaining up to date (called by migrations).

:func:`encrypt_rows` rewrites clear values encrypted, by plain SQL. :func:`chain_history` links the
existing case-history lines in (case, seq) order; it runs before the append-only triggers
exist (they are installed after ``migrate``) and removes them first should they already.
"""

from __future__ import annotations

from typing import Any

BATCH = 2000


def encrypt_rows(apps: Any, label: str, fields: list[str]) -> None:
    """Encrypt the clear values of ``fields`` in place, by plain SQL (the model field reads
    strictly and would refuse them). Values already encrypted are left alone."""
    from django.db import connection

    from lianqin import pii

    model = apps.get_model(label)
    table, quote = model._meta.db_table, connection.ops.quote_name
    columns = [model._meta.get_field(f).column for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(map(quote, columns))} FROM {quote(table)}")  # noqa: S608
        rows = cursor.fetchall()
    for pk, *values in rows:
        new = [v if not v or pii.is_encrypted(v) else pii.encrypt(v, f"{label}.{f}")
               for f, v in zip(fields, values, strict=True)]  # fmt: skip
        if new != values:
            sets = ", ".join(f"{quote(c)} = %s" for c in columns)
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {quote(table)} SET {sets} WHERE id = %s", [*new, pk])  # noqa: S608


def chain_history(apps: Any, schema_editor: Any) -> None:
    from lianqin.audit import protect
    from lianqin.audit.chain import event_fields, link
    from lianqin.audit.keys import chain_key

    protect.remove(schema_editor.connection.alias)
    model = apps.get_model("cases.CaseEvent")
    key, case, prev, batch = chain_key(), None, "", []
    for event in model._base_manager.order_by("case_id", "seq").iterator(chunk_size=BATCH):
        if event.case_id != case:
            case, prev = event.case_id, ""
        event.chain = prev = link(key, prev, event_fields(event))
        batch.append(event)
        if len(batch) >= BATCH:
            model._base_manager.bulk_update(batch, ["chain"])
            batch = []
    if batch:
        model._base_manager.bulk_update(batch, ["chain"])
