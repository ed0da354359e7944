"""Database-level protection of the audit trail: triggers that refuse UPDATE, DELETE and
TRUNCATE on the audit log and on case history, on SQLite and PostgreSQL.

Why in the database: the ORM's ``save()``/``delete()`` guards stop our own code, not a
shell, a script or a bug that writes SQL. The triggers are installed after every
``migrate`` (and after a test database is flushed), so a deployment cannot forget them;
``lianqin audit verify`` says when they are missing.

The only way round them is :func:`unlocked`: one transaction that drops the triggers, does
the maintenance (retention, wiping a demo) and puts them back, and that is itself written to
the audit log by its callers. Whoever can run DDL as the table owner can do the same; the
chain (``chain.py``) is what catches that, and SECURITY.md says how to give the service a
role that cannot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction

#: the tables that only ever grow
TABLES = ("audit_auditentry", "cases_caseevent")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION lianqin_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'lianqin: % is append-only (audit trail); % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'history is never edited: append a correcting line instead';
END $$;
"""


def _names(table: str) -> tuple[str, str]:
    return f"lianqin_append_only_{table}", f"lianqin_no_truncate_{table}"


def install(using: str = DEFAULT_DB_ALIAS, tables: tuple[str, ...] = TABLES) -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            for table in tables:
                row, truncate = _names(table)
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {row} BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION lianqin_append_only()"
                )
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {truncate} BEFORE TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION lianqin_append_only()"
                )
                # ALWAYS: they fire even under session_replication_role = replica. ALTER
                # TABLE refuses while deferred foreign-key checks are pending in this
                # transaction: run them now, then defer again (Django's default)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {row}")
                cursor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {truncate}")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for table in tables:
                row, _ = _names(table)
                for op in ("UPDATE", "DELETE"):
                    # dropped and made again: a same-named trigger with another body (a
                    # no-op left by someone) does not survive the next migrate
                    cursor.execute(f"DROP TRIGGER IF EXISTS {row}_{op.lower()}")
                    cursor.execute(
                        f"CREATE TRIGGER {row}_{op.lower()} BEFORE {op} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, 'lianqin: {table} is append-only (audit "
                        f"trail); {op} refused'); END"
                    )


def remove(using: str = DEFAULT_DB_ALIAS, tables: tuple[str, ...] = TABLES) -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        for table in tables:
            row, truncate = _names(table)
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {row} ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {truncate} ON {table}")
            else:
                for op in ("update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {row}_{op}")


def installed(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The protected tables whose triggers are all in place, enabled and refusing (their
    body is looked at, not only their name)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgname LIKE 'lianqin_%%' "
                "AND NOT t.tgisinternal AND t.tgenabled = 'A' "
                "AND p.prosrc LIKE '%%RAISE EXCEPTION%%' GROUP BY c.relname"
            )
        else:
            cursor.execute(
                "SELECT tbl_name, count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'lianqin_append_only_%' AND sql LIKE '%RAISE(ABORT%' "
                "GROUP BY tbl_name"
            )
        counts = dict(cursor.fetchall())
    return [t for t in TABLES if counts.get(t, 0) >= 2]


@contextmanager
def unlocked(using: str = DEFAULT_DB_ALIAS, tables: tuple[str, ...] = TABLES) -> Iterator[None]:
    """Within one transaction: the triggers of ``tables`` off, the caller's maintenance,
    triggers back on. A failure inside rolls the whole thing back, triggers included. (On
    PostgreSQL dropping a trigger locks its table: lift only the tables you touch.)"""
    with transaction.atomic(using=using):
        remove(using, tables)
        yield
        install(using, tables)


def on_post_migrate(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    from lianqin.audit.models import ChainHead

    install(using)
    ChainHead.objects.using(using).get_or_create(pk=1)
