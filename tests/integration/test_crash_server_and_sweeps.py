"""Faults, scripted and bounded: ``kill -9`` of the HTTP server while channels deliver,
``kill -9`` of the background worker in the middle of a sweep, and the database going
away for a moment under a running server and worker.

Every child is a real ``lianqin`` process (``serve``, ``worker``) on its own data dir and
database (a SQLite file, or a scratch PostgreSQL database when the suite runs on
PostgreSQL — the ``target`` fixture of ``test_crash_intake.py``), bound to 127.0.0.1 on a
free port, and killed in ``finally``. The children use a settings module that only
shortens the sweeper's lease (``LIANQIN_SWEEP_LEASE_SECONDS``) so that what a killed
worker had claimed is taken again within the test, and hashes the test people's
passwords cheaply.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_crash_intake import target  # noqa: F401 - the fixture
from tests.shared_data import REPO

pytestmark = pytest.mark.slow
LEASE_S = 2
CHANNEL = "hotline_12345"
PROBLEMS = ["垃圾桶满溢没人清运", "下水道堵塞污水外溢", "路灯不亮晚上很黑", "占道经营影响通行",
            "深夜施工噪音扰民", "共享单车乱停放", "井盖缺失有安全隐患", "绿化带枯死无人补种"]  # fmt: skip

SETUP = """
import json, sys
from datetime import timedelta
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.utils import timezone
from lianqin.cases.models import Case
from lianqin.intake.accounts import issue_channel_key
from tests.factories import make_world, new_case
world = make_world()
overdue = int(sys.argv[1])
for n in range(overdue):
    new_case(world, grid=n % len(world.grids), description=f"文德路{n}号门口有人占道经营")
past = timezone.now() - timedelta(hours=1)
Case.objects.update(stage_started_at=past - timedelta(hours=1), accept_due=past, next_check_at=past)
print(json.dumps({"key": issue_channel_key("hotline_12345")[1],
                  "points": [world.grid_point(i) for i in range(len(world.grids))]}))
"""


# ------------------------------------------------------------------ children


@pytest.fixture
def child(tmp_path, target):  # noqa: F811 - the imported fixture
    """(env, query) for the children, with the short-lease settings module."""
    env, query = target
    (tmp_path / "fault_settings.py").write_text(
        "from lianqin.settings import *  # noqa: F403\n"
        f"LIANQIN_SWEEP_LEASE_SECONDS = {LEASE_S}\n"
        # the people of the small world: Argon2's deliberate cost would dominate the test
        'PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]\n',
        encoding="utf-8",
    )
    path = os.pathsep.join(filter(None, [str(REPO), str(tmp_path), os.environ.get("PYTHONPATH")]))
    env = {**env, "PYTHONPATH": path,
           "DJANGO_SETTINGS_MODULE": "fault_settings", "LIANQIN_RETRAIN_DAYS": "0"}  # fmt: skip
    return env, query


def prepare(env: dict[str, str], overdue: int = 0) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", SETUP, str(overdue)], env=env,
                          capture_output=True, text=True, timeout=120, cwd=REPO)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def lianqin(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    try:
        return subprocess.Popen([sys.executable, "-m", "lianqin.cli", *args], env=env, cwd=REPO,
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    finally:
        out.close()


def kill(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``lianqin serve --no-sweeper`` on a free port of 127.0.0.1, ready; killed after."""
    with serving_all(env, [log]) as (one,):
        yield one


@contextmanager
def serving_all(
    env: dict[str, str], logs: list[Path]
) -> Iterator[list[tuple[subprocess.Popen[bytes], str]]]:
    """One server per log, started together (a server takes seconds to import Django)."""
    started: list[tuple[subprocess.Popen[bytes], str]] = []
    try:
        for log in logs:
            port = free_port()
            proc = lianqin(env, log, "serve", "--host", "127.0.0.1", "--port", str(port),
                           "--no-sweeper")  # fmt: skip
            started.append((proc, f"http://127.0.0.1:{port}"))
        deadline = time.monotonic() + 30
        for (proc, base), log in zip(started, logs, strict=True):
            while True:
                assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
                assert time.monotonic() < deadline, "the server did not start within 30 s"
                with suppress(OSError):
                    urllib.request.urlopen(f"{base}/login/", timeout=2).close()
                    break
                time.sleep(0.1)
        yield started
    finally:
        for proc, _ in started:
            kill(proc)


def payload(n: int, points: list[list[float]]) -> bytes:
    lon, lat = points[n % len(points)]
    return json.dumps({"工单编号": f"GD-F-{n:06d}", "来电时间": "2026-11-28 09:10:00",
                       "来电人": "市民", "联系电话": f"139{n:08d}", "诉求类型": "市容环境/暴露垃圾",
                       "诉求内容": f"第{n}号：{PROBLEMS[n % len(PROBLEMS)]}，请尽快处理。",
                       "事发地址": f"文德路{n}号", "经度": lon, "纬度": lat},
                      ensure_ascii=False).encode()  # fmt: skip


def deliver(base: str, key: str, body: bytes, timeout: float = 15) -> tuple[int, dict[str, Any]]:
    """POST one delivery; (status, JSON body) — (0, {}) when no answer came."""
    request = urllib.request.Request(f"{base}/api/intake/{CHANNEL}", data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "X-API-Key": key})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout) as res:
            return res.status, json.loads(res.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw or b"{}")
        except ValueError:
            return exc.code, {"raw": raw.decode("utf-8", "replace")[:200]}
    except (OSError, ValueError):
        return 0, {}


def whole_histories(query: Callable[[str], list[tuple]]) -> None:
    """Every case's history runs 1..version and every line has its outbox message."""
    broken = query(
        "SELECT c.id FROM cases_case c LEFT JOIN cases_caseevent e ON e.case_id = c.id "
        "GROUP BY c.id, c.version HAVING COUNT(e.id) <> c.version OR MAX(e.seq) <> c.version"
    )
    assert broken == []
    events = query("SELECT COUNT(*) FROM cases_caseevent")[0][0]
    messages = query("SELECT COUNT(*) FROM jobs_outboxmessage WHERE topic LIKE 'case.%'")[0][0]
    assert events == messages


def reports_of(query: Callable[[str], list[tuple]]) -> list[str]:
    """The external ids of the test's deliveries (not of the cases made by the set-up)."""
    sql = f"SELECT external_id FROM cases_report WHERE channel = '{CHANNEL}' AND external_id LIKE 'GD-F-%'"
    return [r[0] for r in query(sql)]


# ------------------------------------------------------------------ 1. kill -9 of the server


def test_kill_9_of_the_server_loses_no_acknowledged_delivery(tmp_path, child):
    env, query = child
    world = prepare(env)
    total, clients = 200, 8
    bodies = [payload(n, world["points"]) for n in range(total)]
    acked: dict[int, str] = {}  # payload → case number of its 2xx answer
    lock = threading.Lock()
    todo = iter(range(total))
    stop = threading.Event()

    def client(base: str) -> None:
        while not stop.is_set():
            with lock:
                n = next(todo, None)
            if n is None:
                return
            status, body = deliver(base, world["key"], bodies[n], timeout=10)
            if 200 <= status < 300:
                with lock:
                    acked[n] = body["case_number"]

    started = time.monotonic()
    log = tmp_path / "serve.log"
    with serving(env, log) as (server, base):
        threads = [threading.Thread(target=client, args=(base,)) for _ in range(clients)]
        for t in threads:
            t.start()
        try:
            deadline = time.monotonic() + 20
            while len(acked) < 40 and time.monotonic() < deadline:
                time.sleep(0.005)
            server.send_signal(signal.SIGKILL)  # while the clients are still posting
            server.wait(timeout=10)
        finally:
            stop.set()
            for t in threads:
                t.join(20)
    assert server.returncode == -signal.SIGKILL
    assert 40 <= len(acked) < total, len(acked)

    with serving(env, log) as (_, base):
        stored = reports_of(query)
        ids = {f"GD-F-{n:06d}" for n in acked}
        assert ids <= set(stored), "a delivery answered 2xx before the kill was lost"
        assert len(stored) == len(set(stored)), "a delivery was stored twice"
        # the channel sends everything again (it cannot know what arrived): nothing doubles
        with ThreadPoolExecutor(clients) as pool:
            answers = list(pool.map(lambda b: deliver(base, world["key"], b), bodies))
    assert all(200 <= s < 300 for s, _ in answers), {s for s, _ in answers}
    for n, number in acked.items():
        assert answers[n][0] == 200 and answers[n][1]["status"] == "replay", n
        assert answers[n][1]["case_number"] == number
    stored = reports_of(query)
    assert sorted(stored) == sorted(f"GD-F-{n:06d}" for n in range(total))
    whole_histories(query)
    assert time.monotonic() - started < 40


# ------------------------------------------------------------------ 2. kill -9 of the worker


def test_kill_9_of_the_worker_mid_sweep_fires_every_effect_once(tmp_path, child):
    env, query = child
    cases = 80  # one batch: the kill lands between its claim and the end of its visits
    prepare(env, overdue=cases)
    started = time.monotonic()
    log = tmp_path / "worker.log"
    escalated = "SELECT COUNT(*) FROM cases_caseevent WHERE action = 'escalate'"
    worker = lianqin(env, log, "worker", "--interval", "0.2")
    try:
        deadline = time.monotonic() + 30
        seen = 0
        while time.monotonic() < deadline and worker.poll() is None:
            rows = query(escalated)
            seen = rows[0][0] if rows else 0
            if seen >= 10:
                worker.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
        worker.wait(timeout=10)
    finally:
        kill(worker)
    assert worker.returncode == -signal.SIGKILL, log.read_text(errors="replace")[-3000:]
    cut = query(escalated)[0][0]
    assert 0 < cut < cases, f"killed after {cut} of {cases} cases: not in the middle"

    # restarted (as systemd would): what the dead worker had claimed but not visited
    # comes back after the lease; bounded wait until nothing is left to do
    again = lianqin(env, log, "worker", "--interval", "0.2")
    left = ("SELECT (SELECT COUNT(*) FROM cases_case WHERE level = 'grid') + "
            "(SELECT COUNT(*) FROM jobs_outboxmessage WHERE delivered_at IS NULL)")  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and again.poll() is None:
            rows = query(left)
            if rows and rows[0][0] == 0:
                break
            time.sleep(0.1)
        assert again.poll() is None, log.read_text(errors="replace")[-3000:]
    finally:
        kill(again)
    assert query(left)[0][0] == 0, "cases or messages left undone after the restart"

    per_case = query(
        "SELECT c.id, c.level, c.escalation_count, c.warning, "
        "SUM(CASE WHEN e.action = 'warning' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN e.action = 'escalate' THEN 1 ELSE 0 END) "
        "FROM cases_case c JOIN cases_caseevent e ON e.case_id = c.id "
        "GROUP BY c.id, c.level, c.escalation_count, c.warning"
    )
    assert len(per_case) == cases
    assert {row[1:] for row in per_case} == {("community", 1, "normal", 1, 1)}
    outbox = query(
        "SELECT case_id, topic, COUNT(*) FROM jobs_outboxmessage "
        "WHERE topic IN ('case.warning', 'case.escalate') GROUP BY case_id, topic"
    )
    assert len(outbox) == 2 * cases and {row[2] for row in outbox} == {1}
    whole_histories(query)
    assert time.monotonic() - started < 40


# ------------------------------------------------------------------ 3. the database goes away


def test_the_database_going_away_gives_clear_errors_and_service_resumes(tmp_path, child):
    env, query = child
    url = env["LIANQIN_DATABASE_URL"]
    if not url.startswith("postgres"):
        pytest.skip(
            "SQLite has no server to lose; a writer's lock longer than the 30 s busy_timeout "
            "(fixed in settings.py, no variable shortens it) would exceed this test's bound "
            "— see test_a_short_sqlite_lock_delays_but_fails_nothing"
        )
    import psycopg

    world = prepare(env, overdue=5)
    # the five overdue cases are for later: the worker must find them after the outage
    execute(url, "UPDATE cases_case SET next_check_at = now() + interval '1 day'")
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    started = time.monotonic()
    with serving(env, tmp_path / "serve.log") as (_, base):
        worker = lianqin(env, tmp_path / "worker.log", "worker", "--interval", "0.3")
        try:
            before = [deliver(base, world["key"], payload(n, world["points"])) for n in range(10)]
            assert {s for s, _ in before} == {201}

            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = %s AND pid <> pg_backend_pid()", [name])  # fmt: skip
                try:
                    during = []
                    for n in range(10, 20):
                        t0 = time.monotonic()
                        during.append((*deliver(base, world["key"], payload(n, world["points"])),
                                       time.monotonic() - t0))  # fmt: skip
                    t0 = time.monotonic()
                    read = _get(f"{base}/open311/v2/services.json")
                    read_s = time.monotonic() - t0
                finally:
                    conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            for status, body, seconds in during:
                assert status >= 500 and seconds < 10, (status, seconds)
                assert body.get("message") or body.get("raw"), body
            assert read[0] == 503 and read_s < 10, read
            assert "暂时不可用" in read[1][0]["description"]

            # back without a restart: Django's views (a connection per request, CONN_MAX_AGE 0)
            assert _get(f"{base}/open311/v2/services.json")[0] == 200
            # the worker survived and sweeps again
            execute(url, "UPDATE cases_case SET next_check_at = now() - interval '1 second' "
                    "WHERE level = 'grid' AND accept_due < now()")  # fmt: skip
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                if query("SELECT COUNT(*) FROM cases_case WHERE escalation_count = 1")[0][0] == 5:
                    break
                time.sleep(0.2)
            assert worker.poll() is None, "the worker died with the database"
            assert query("SELECT COUNT(*) FROM cases_case WHERE escalation_count = 1")[0][0] == 5
            # nothing half written: the refused deliveries left no report behind
            assert sorted(reports_of(query)) == sorted(f"GD-F-{n:06d}" for n in range(10))
            whole_histories(query)
            # the webhooks' group-commit writer (a long-lived thread with its own connection)
            after = [
                deliver(base, world["key"], payload(n, world["points"])) for n in range(10, 30)
            ]
        finally:
            kill(worker)
    assert time.monotonic() - started < 40
    # the writer closed the connection the database dropped and opened a new one
    assert {s for s, _ in after} == {201}, after
    assert sorted(reports_of(query)) == sorted(f"GD-F-{n:06d}" for n in range(30))
    whole_histories(query)


def execute(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, raw.decode("utf-8", "replace")[:200]


def test_a_short_sqlite_lock_delays_but_fails_nothing(tmp_path, child):
    """SQLite's stand-in for a moment without the database: another connection holds the
    write lock for 3 s (well inside busy_timeout); deliveries and the worker wait for it,
    none fails, none is half written."""
    env, query = child
    if env["LIANQIN_DATABASE_URL"].startswith("postgres"):
        pytest.skip("SQLite only: PostgreSQL loses its connections in the test above")
    import sqlite3

    world = prepare(env, overdue=5)
    db = Path(env["LIANQIN_DATA_DIR"]) / "lianqin.sqlite3"
    started = time.monotonic()
    with serving(env, tmp_path / "serve.log") as (_, base):
        worker = lianqin(env, tmp_path / "worker.log", "worker", "--interval", "0.3")
        try:
            lock = sqlite3.connect(db, timeout=30, isolation_level=None)
            try:
                lock.execute("BEGIN EXCLUSIVE")
                held = time.monotonic()
                results: list[tuple[int, dict[str, Any]]] = []
                threads = [threading.Thread(target=lambda n=n: results.append(
                    deliver(base, world["key"], payload(n, world["points"]), timeout=30)))
                    for n in range(10)]  # fmt: skip
                for t in threads:
                    t.start()
                time.sleep(3)
                assert not results, "a write went through a held lock"
            finally:
                lock.execute("ROLLBACK")
                lock.close()
            for t in threads:
                t.join(30)
            assert [s for s, _ in results] == [201] * 10
            assert time.monotonic() - held < 20
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                if query("SELECT COUNT(*) FROM cases_case WHERE escalation_count = 1")[0][0] == 5:
                    break
                time.sleep(0.2)
            assert worker.poll() is None
            assert query("SELECT COUNT(*) FROM cases_case WHERE escalation_count = 1")[0][0] == 5
        finally:
            kill(worker)
    assert sorted(reports_of(query)) == sorted(f"GD-F-{n:06d}" for n in range(10))
    whole_histories(query)
    assert time.monotonic() - started < 40
