"""Benchmarks: run with ``make bench``; appends a table to ``benchmarks/results.md``.

Builds a throw-away data directory, so it never touches a real district.
"""

from __future__ import annotations

import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.node()} · {cpu} · {os.cpu_count()} cores · Python {platform.python_version()}"
    )


def baseline_inserts(n: int, directory: Path) -> float:
    """Raw SQLite inserts of a ~1 KB row, one transaction each, WAL + synchronous=FULL."""
    db = sqlite3.connect(directory / "baseline.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    body = "x" * 1000
    start = time.perf_counter()
    for _ in range(n):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (body) VALUES (?)", (body,))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return n / elapsed


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="lianqin-bench-"))
    os.environ["LIANQIN_DATA_DIR"] = str(tmp)
    os.environ.setdefault("LIANQIN_SECRET_KEY", "bench-only")
    os.environ["DJANGO_SETTINGS_MODULE"] = "lianqin.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from rich.console import Console

    call_command("migrate", interactive=False, verbosity=0)
    from lianqin.cases import actions
    from lianqin.cases.access import actor_for
    from lianqin.demo.builder import build_demo
    from lianqin.org.models import Grid, Person

    rows: list[tuple[str, str, str]] = []
    console = Console(file=open(os.devnull, "w"))  # noqa: SIM115
    start = time.perf_counter()
    timings = build_demo(seed=20261128, days=30, per_day=100, console=console)
    demo = time.perf_counter() - start
    rows.append(("demo build, total", f"{demo:.1f} s", "goal < 60 s"))
    rows.append(("  geography + people", f"{timings['geography_people']:.1f} s", ""))
    rows.append(
        (
            "  history",
            f"{timings['history']:.1f} s",
            f"{timings['cases']} cases, {timings['actions']} actions",
        )
    )

    base = baseline_inserts(2000, tmp)
    rows.append(("baseline: raw SQLite insert, 1 tx each", f"{base:,.0f} /s", "1.00×"))
    system = actor_for(Person.objects.get(username="admin"))
    grids = list(Grid.objects.values_list("code", "centroid_lon", "centroid_lat"))
    rng = random.Random(1)
    n = 300
    start = time.perf_counter()
    numbers = []
    for i in range(n):
        _code, lon, lat = rng.choice(grids)
        case, _ = actions.create_case(
            system,
            actions.NewReport(
                channel="portal", external_id=f"BENCH-{i}", title="路灯不亮", lon=lon, lat=lat
            ),
        )
        numbers.append(case.number)
    rate = n / (time.perf_counter() - start)
    rows.append(
        (
            "create_case (locate, number, deadlines, history, outbox)",
            f"{rate:,.0f} /s",
            f"{rate / base:.2f}× baseline",
        )
    )
    start = time.perf_counter()
    for number in numbers:
        actions.perform(system, number, "accept")
    rate = n / (time.perf_counter() - start)
    rows.append(
        (
            "perform accept (lock, gate, table, history, outbox)",
            f"{rate:,.0f} /s",
            f"{rate / base:.2f}× baseline",
        )
    )

    sys.path.insert(0, str(HERE))
    from bench_rollup_write import compare as rollup_write

    rows.append(("**the rollup on the write path** (`benchmarks/bench_rollup_write.py`)", "", ""))
    rows += rollup_write()

    from bench_security_write import compare as security_write

    rows.append(("**encryption and the history chain on the write path** "
                 "(`benchmarks/bench_security_write.py`)", "", ""))  # fmt: skip
    rows += security_write()

    from bench_gridindex import run as run_gridindex

    rows.append(("**point → grid at scale** (`benchmarks/bench_gridindex.py`)", "", ""))
    rows += run_gridindex(points=1_000_000, grids=100_000)

    from bench_classifier import run as run_classifier

    rows.append(("**classifier on the TipDM messages** (`benchmarks/bench_classifier.py`)", "", ""))
    rows += run_classifier()

    from eval_reply_check import run as run_reply_check

    rows.append(
        ("**reply check on the 2,816 real replies** (`benchmarks/eval_reply_check.py`)", "", "")
    )
    rows += run_reply_check()

    from bench_intake import run as run_intake

    rows.append(("**intake end to end** (`benchmarks/bench_intake.py`)", "", ""))
    rows += run_intake(
        ["sqlite", "postgres"] if os.environ.get("LIANQIN_BENCH_PG", "1") == "1" else ["sqlite"]
    )

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        f"\n## {stamp}\n",
        f"Machine: {machine()}  ",
        f"Database: SQLite (embedded), {tmp}\n",
        "| measure | figure | ratio / note |",
        "|---|---|---|",
    ]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(out) + "\n"
    with open(HERE / "results.md", "a", encoding="utf-8") as fh:
        fh.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
