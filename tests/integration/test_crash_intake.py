"""``kill -9`` during a bulk import loses no acknowledged report and duplicates nothing
after the restart. Scripted and bounded: a real ``lianqin ingest`` process on its own
database (a SQLite file, or a scratch PostgreSQL database when the suite runs on
PostgreSQL), killed right after its first batch committed, then run again to the end."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.shared_data import REPO

ROWS = 12_000
BAD_ROWS = (17, 4_444, 9_001)
PLACES = ["文德路菜场东门", "建宁路88号", "江浦街道公园北门", "珠江镇永宁社区", "顶山街道南京路"]
PROBLEMS = ["垃圾桶满溢没人清运", "下水道堵塞污水外溢", "路灯不亮晚上很黑", "占道经营影响通行",
            "深夜施工噪音扰民", "共享单车乱停放", "井盖缺失有安全隐患"]  # fmt: skip


def export(path: Path) -> None:
    rng = random.Random(20261128)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["工单编号", "来电时间", "来电人", "联系电话", "诉求类型", "诉求内容", "事发地址"]
    )
    for n in range(ROWS):
        place, problem = rng.choice(PLACES), rng.choice(PROBLEMS)
        when = (
            "2026-13-01 08:00:00"
            if n in BAD_ROWS
            else f"2026-11-{1 + n % 27:02d} 09:{n % 60:02d}:00"
        )
        writer.writerow([f"GD-K-{n:06d}", when, "市民", f"139{n:08d}", "城市管理",
                         f"{place}{problem}，第{n}号工单反映，请尽快处理。", place])  # fmt: skip
    path.write_text(out.getvalue(), encoding="utf-8")


@pytest.fixture
def target(tmp_path):
    """Environment for the child processes: its own data dir and database."""
    env = {**os.environ, "LIANQIN_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO),
           "LIANQIN_SECRET_KEY": "crash-test"}  # fmt: skip
    url = os.environ.get("LIANQIN_DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        name = f"lianqin_crash_{os.getpid()}"
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["LIANQIN_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
        yield env, lambda sql: _pg(env["LIANQIN_DATABASE_URL"], sql)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        env["LIANQIN_DATABASE_URL"] = ""
        db = tmp_path / "data" / "lianqin.sqlite3"
        yield env, lambda sql: _sqlite(db, sql)


def _sqlite(db: Path, sql: str) -> list[tuple]:
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def _pg(url: str, sql: str) -> list[tuple]:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            return conn.execute(sql).fetchall()
    except psycopg.Error:
        return []


def lianqin(env, *args, **kw):
    return subprocess.Popen([sys.executable, "-m", "lianqin.cli", *args], env=env, **kw)


@pytest.mark.slow
def test_kill_9_during_bulk_import_loses_and_doubles_nothing(tmp_path, target):
    env, query = target
    file = tmp_path / "export.csv"
    export(file)
    setup = "import django; django.setup(); from django.core.management import call_command; " \
            "call_command('migrate', verbosity=0); from tests.factories import make_world; make_world()"  # fmt: skip
    subprocess.run([sys.executable, "-c", setup], env={**env, "DJANGO_SETTINGS_MODULE":
                   "lianqin.settings"}, check=True, timeout=120)  # fmt: skip

    child = lianqin(env, "ingest", "hotline_12345", str(file), "--json",
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    acknowledged: set[str] = set()
    while time.monotonic() < deadline and child.poll() is None:
        rows = query("SELECT external_id FROM cases_report")
        if rows:
            acknowledged = {r[0] for r in rows}
            child.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    child.wait(timeout=30)
    assert acknowledged, "the import committed nothing before it ended"
    assert child.returncode == -signal.SIGKILL, "the import finished before it could be killed"
    assert len(acknowledged) < ROWS - len(BAD_ROWS)

    done = subprocess.run([sys.executable, "-m", "lianqin.cli", "ingest", "hotline_12345",
                           str(file), "--json"], env=env, capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["rows"] == ROWS
    assert summary["replays"] >= len(acknowledged)

    ids = [r[0] for r in query("SELECT external_id FROM cases_report")]
    assert len(ids) == len(set(ids)) == ROWS - len(BAD_ROWS)
    assert acknowledged <= set(ids)
    assert query("SELECT COUNT(*) FROM intake_quarantinedpayload")[0][0] == len(BAD_ROWS)
    # every case's history is whole: seq runs 1..version, one outbox message per line
    broken = query(
        "SELECT c.id FROM cases_case c LEFT JOIN cases_caseevent e ON e.case_id = c.id "
        "GROUP BY c.id, c.version HAVING COUNT(e.id) <> c.version OR MAX(e.seq) <> c.version"
    )
    assert broken == []
    reports = query("SELECT COUNT(*), SUM(report_count) FROM cases_case")[0]
    assert reports[1] == len(ids)
    events = query("SELECT COUNT(*) FROM cases_caseevent")[0][0]
    messages = query("SELECT COUNT(*) FROM jobs_outboxmessage WHERE topic LIKE 'case.%'")[0][0]
    assert events == messages
