"""Intake throughput, end to end (parse, locate, keyword category, duplicate check,
store, history, outbox), on SQLite and on PostgreSQL, each as a ratio to a bare insert of
the same rows in the same run.

* bulk: ``BulkIntake`` over a file's rows (the 4,326 real messages of
  ``../shared/data/tipdm2020/hot_messages.csv`` when present, and 10,000 synthetic 12345
  work orders with coordinates in the demo district); baseline: the same raw rows inserted
  with ``executemany`` in transactions of 1,000.
* HTTP: ``POST /api/intake/hotline_12345`` against a real ``lianqin serve`` on 127.0.0.1
  (bounded: 2,000 requests, 4 keep-alive clients); baseline: the same rows inserted one
  per transaction.

Run: ``python benchmarks/bench_intake.py`` (both databases) or ``--db sqlite``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = Path(os.environ.get("LIANQIN_SHARED_DIR") or REPO.parent / "shared")
HOT = SHARED / "data" / "tipdm2020" / "hot_messages.csv"
OTHER = SHARED / "data" / "tipdm2020" / "unlabelled_messages.csv"
CLIENTS = (16, 128)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PROBLEMS = ["垃圾桶满溢没人清运", "下水道堵塞污水外溢", "路灯不亮晚上很黑", "占道经营影响通行",
            "深夜施工噪音扰民", "共享单车乱停放", "井盖缺失有安全隐患", "小区绿化带毁绿种菜"]  # fmt: skip


def texts() -> list[str]:
    """Real complaint texts when the shared data is here (read, never copied), else
    templates; the duplicate check's cost depends on how alike the texts are."""
    if OTHER.exists():
        import csv

        with OTHER.open(encoding="utf-8") as fh:
            return [f"{r['留言主题']}。{r['留言详情']}"[:300] for r in csv.DictReader(fh)]
    return [f"{p}，位置在第{i}号楼附近，请相关部门尽快处理。" for p in PROBLEMS for i in range(500)]


def synthetic(n: int, grids: list[tuple[float, float]], tag: str) -> list[str]:
    rng = random.Random(7)
    pool = texts()
    out = []
    for i in range(n):
        lon, lat = rng.choice(grids)
        body = {"工单编号": f"B{tag}-{i:07d}", "来电时间": "2026-11-28 09:00:00",
                "来电人": "市民", "联系电话": f"139{rng.randrange(10**8):08d}",
                "诉求类型": "城市管理", "诉求内容": rng.choice(pool),
                "经度": lon + rng.uniform(-0.002, 0.002),
                "纬度": lat + rng.uniform(-0.002, 0.002)}  # fmt: skip
        out.append(json.dumps(body, ensure_ascii=False))
    return out


def bare_bulk(rows: list[tuple[str, str, str]]) -> float:
    from django.db import connection, transaction

    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_raw (channel varchar(20), "
                    "external_id varchar(100), raw text)")  # fmt: skip
    start = time.perf_counter()
    for i in range(0, len(rows), 1000):
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(
                "INSERT INTO bench_raw (channel, external_id, raw) VALUES (%s, %s, %s)",
                rows[i : i + 1000],
            )
    return len(rows) / (time.perf_counter() - start)


def bare_single(rows: list[tuple[str, str, str]]) -> float:
    from django.db import connection, transaction

    start = time.perf_counter()
    for row in rows:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "INSERT INTO bench_raw (channel, external_id, raw) VALUES (%s, %s, %s)", row
            )
    return len(rows) / (time.perf_counter() - start)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_posts(port: int, key: str, bodies: list[str], clients: int = 16) -> tuple[float, dict]:
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    chunks = [bodies[i::clients] for i in range(clients)]

    def worker(chunk: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Content-Type": "application/json", "X-API-Key": key}
        for body in chunk:
            conn.request("POST", "/api/intake/hotline_12345", body.encode(), headers)
            res = conn.getresponse()
            res.read()
            with lock:
                statuses[res.status] = statuses.get(res.status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    return len(bodies) / (time.perf_counter() - start), statuses


def child(db: str, out: Path) -> None:
    """Runs in its own process with its own data dir and database."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "lianqin.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from rich.console import Console

    call_command("migrate", interactive=False, verbosity=0)
    from lianqin.demo.builder import build_demo
    from lianqin.intake.accounts import channel_actor, issue_channel_key
    from lianqin.intake.bulk import BulkIntake
    from lianqin.intake.contract import Payload
    from lianqin.intake.tabular import iter_payloads
    from lianqin.org.models import Grid

    build_demo(seed=1, days=0, per_day=0, console=Console(file=open(os.devnull, "w")))  # noqa: SIM115
    grids = [(g[0], g[1]) for g in Grid.objects.values_list("centroid_lon", "centroid_lat")]
    results: list[tuple[str, str, str]] = []

    def bulk(label: str, payloads: list) -> None:
        raw = [(p.channel, f"{label}-{i}", p.raw) for i, p in enumerate(payloads)]
        base = bare_bulk(raw)
        summary = BulkIntake(channel_actor(payloads[0].channel)).run(payloads)
        rate = summary.rows / summary.seconds
        results.append((f"bulk {label} ({summary.rows:,} rows: {summary.new} new, "
                        f"{summary.merged} merged, {summary.suggested} suggested)",
                        f"{rate:,.0f} /s", f"{rate / base:.3f}× bare insert ({base:,.0f} /s)"))  # fmt: skip

    if HOT.exists():
        bulk("petition_online hot_messages.csv",
             list(iter_payloads("petition_online", HOT.read_bytes(), HOT.name)))  # fmt: skip
    bulk(
        "hotline_12345 synthetic",
        [Payload("hotline_12345", b) for b in synthetic(10_000, grids, "a")],
    )

    raw = [("hotline_12345", f"h-{i}", b) for i, b in enumerate(synthetic(1_000, grids, "b"))]
    base = bare_single(raw)
    key = issue_channel_key("hotline_12345")[1]
    port = free_port()
    from django.db import connection

    connection.close()
    server = subprocess.Popen([sys.executable, "-m", "lianqin.cli", "serve", "--port", str(port),
                               "--no-sweeper"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        http_posts(port, key, synthetic(50, grids, "warm"))
        rates = []
        for clients in CLIENTS:
            batch = synthetic(2_000, grids, f"h{clients}")
            rates.append((clients, *http_posts(port, key, batch, clients)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    for clients, rate, statuses in rates:
        results.append((f"HTTP webhook, {clients} concurrent clients, 1 server process ({statuses})",
                        f"{rate:,.0f} /s", f"{rate / base:.3f}× bare insert 1 tx each ({base:,.0f} /s)"))  # fmt: skip
    out.write_text(json.dumps(results, ensure_ascii=False))


def run(dbs: list[str]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for db in dbs:
        tmp = Path(tempfile.mkdtemp(prefix=f"lianqin-bench-intake-{db}-"))
        env = {**os.environ, "LIANQIN_DATA_DIR": str(tmp), "LIANQIN_SECRET_KEY": "bench",
               "PYTHONPATH": str(REPO / "src")}  # fmt: skip
        if db == "postgres":
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute("DROP DATABASE IF EXISTS lianqin_bench_intake WITH (FORCE)")
                conn.execute("CREATE DATABASE lianqin_bench_intake")
            env["LIANQIN_DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/lianqin_bench_intake"
        else:
            env["LIANQIN_DATABASE_URL"] = ""
        out = tmp / "result.json"
        subprocess.run([sys.executable, __file__, "--child", db, "--out", str(out)], env=env,
                       check=True, timeout=1800)  # fmt: skip
        rows.append((f"**intake on {db}**", "", ""))
        rows += [tuple(r) for r in json.loads(out.read_text())]
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--child")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        child(args.child, Path(args.out))
    else:
        chosen = ["sqlite", "postgres"] if args.db == "both" else [args.db]
        for row in run(chosen):
            print(" | ".join(row))
