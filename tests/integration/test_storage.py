"""The embedded database runs as the design says: WAL, synchronous=FULL, foreign keys."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_sqlite_pragmas():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cur:
        cur.execute("PRAGMA journal_mode")
        assert cur.fetchone()[0] == "wal"
        cur.execute("PRAGMA synchronous")
        assert cur.fetchone()[0] == 2  # FULL
        cur.execute("PRAGMA foreign_keys")
        assert cur.fetchone()[0] == 1
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.django_db
def test_postgresql_version():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    assert connection.pg_version >= 150000
