"""Plain multi-row INSERTs for rows whose ids nobody needs back (reports, history lines,
outbox messages of a bulk import).

Django's ``bulk_create`` compiles every value through the full expression machinery;
at tens of thousands of rows that is most of a bulk import's time. Here each value goes
through its field's own ``get_db_prep_save`` (so JSON, datetimes and foreign keys are
stored exactly as the ORM stores them) into one ``executemany``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from django.db import connection
from django.db.models import Field, ForeignKey, Model

#: fields whose Python value is what the database driver takes
PLAIN = {"CharField", "TextField", "IntegerField", "PositiveIntegerField", "BigIntegerField",
         "PositiveSmallIntegerField", "SmallIntegerField", "BooleanField", "FloatField"}  # fmt: skip


def _plain(field: Field) -> bool:
    """Whether the value goes to the driver as it is (never for an encrypted field, which
    reports itself as a TextField but must pass through its own ``get_prep_value``)."""
    if getattr(field, "encrypted", False):
        return False
    return isinstance(field, ForeignKey) or field.get_internal_type() in PLAIN


def _prep(prep: Any, value: Any) -> Any:
    return prep(value, connection)


def insert_rows(objs: Sequence[Model]) -> None:
    if not objs:
        return
    meta = objs[0]._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    adapt = connection.ops.adapt_datetimefield_value
    getters: list[tuple[str, Callable[[Any], Any] | None]] = []
    for f in fields:
        kind = f.get_internal_type()
        if _plain(f):
            getters.append((f.attname, None))
        elif kind == "DateTimeField":
            getters.append((f.attname, adapt))
        else:
            getters.append((f.attname, partial(_prep, f.get_db_prep_save)))
    rows = [
        tuple(getattr(o, n) if g is None else g(getattr(o, n)) for n, g in getters) for o in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
