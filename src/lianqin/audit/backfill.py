"""Bring rows written before encryption and chaining up to date (called by migrations).

Reading a plaintext value returns it as it is and saving it back encrypts it, so
:func:`encrypt_rows` is a read-and-bulk-update in batches. :func:`chain_history` links the
existing case-history lines in (case, seq) order; it runs before the append-only triggers
exist (they are installed after ``migrate``) and removes them first should they already.
"""

from __future__ import annotations

from typing import Any

BATCH = 2000


def encrypt_rows(apps: Any, label: str, fields: list[str]) -> None:
    model = apps.get_model(label)
    batch = []
    for row in model._base_manager.only("pk", *fields).iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) >= BATCH:
            model._base_manager.bulk_update(batch, fields)
            batch = []
    if batch:
        model._base_manager.bulk_update(batch, fields)


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
