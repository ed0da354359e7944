"""The indicators over ten million cases: a cold rollup rebuild and the leader's queries,
on SQLite and on PostgreSQL, each query as a ratio to counting the cases directly.

For each database, in its own process (fresh Django settings, fresh database):

1. migrate, build the demo geography and people, write N cases (``gen_cases.py``);
2. time the cold ``evaluation.rollup.rebuild()`` (and its peak RSS), record the database
   size and the rollup's rows;
3. time each query R times after 2 warm-ups, p50 and p95: ``dashboard_data`` for 7, 30 and
   90 days and ``indicator_table`` for every dimension × month/year, as the district
   leader and as a street duty leader; the baseline is the month's per-street figures
   counted straight from ``cases_case`` with one GROUP BY (no rollup);
4. for a query whose p95 exceeds 200 ms, the plan of its slowest SQL (PostgreSQL
   ``EXPLAIN ANALYZE``, SQLite ``EXPLAIN QUERY PLAN``).

What must hold: the databases are throw-away (a temporary ``LIANQIN_DATA_DIR``; the
PostgreSQL database ``lianqin_bench10m`` on 127.0.0.1, dropped and created); nothing here
edits the code it measures; a run killed by its time limit still leaves the phases it
finished in the results.

Run: ``python benchmarks/bench_indicators.py [--db sqlite|postgres|both] [--cases N]``;
appends a section to ``benchmarks/results_indicators.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DB = "lianqin_bench10m"
RESULTS = HERE / "results_indicators.md"
LIMIT_MS = 200.0
DIMS = ("street", "community", "grid", "channel", "category", "unit", "worker")


# --- child: one database ------------------------------------------------------------------


class Meter:
    """A rich progress bar; in a log (no terminal) a plain line every 10 %."""

    def __init__(self, label: str, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console = Console()
        self.label, self.total, self.step = label, total, 0
        self.start = time.perf_counter()
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TimeRemainingColumn(), console=self.console)  # fmt: skip
        self.task = self.bar.add_task(label, total=total)
        self.last_at = self.start

    def __enter__(self) -> Meter:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def __call__(self, done: int, total: int) -> None:
        self.last_at = time.perf_counter()
        self.bar.update(self.task, completed=done, total=total)
        if not self.console.is_terminal and total and done * 10 // total > self.step:
            self.step = done * 10 // total
            print(f"  {self.label}: {done:,}/{total:,} after {self.last_at - self.start:.0f} s",
                  flush=True)  # fmt: skip


def rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def db_size() -> dict[str, int]:
    """Bytes of the whole database, of ``cases_case`` and of the rollup tables."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT pg_database_size(current_database()), "
                "pg_total_relation_size('cases_case'), "
                "pg_total_relation_size('evaluation_tally'), "
                "pg_total_relation_size('evaluation_eventtally')"
            )
            total, cases, tally, events = cur.fetchone()
        return {"total": total, "cases": cases, "tally": tally, "eventtally": events}
    name = Path(settings.DATABASES["default"]["NAME"])
    return {"total": sum(p.stat().st_size for p in name.parent.glob(name.name + "*"))}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def timed(fn: Callable[[], Any], repeats: int, budget_s: float = 30.0) -> dict[str, float]:
    """p50/p95 of ``repeats`` runs after 2 warm-ups. A query slower than a second gets its
    first call as the only warm-up and as many runs as fit in ``budget_s`` (at least 3);
    one slower than 10 s is timed once (that first call), so that a few very slow queries
    cannot hold the whole run up. The number of runs is reported with the figures."""
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    if first >= 10.0:
        repeats = 0
    elif first >= 1.0:
        repeats = min(repeats, max(3, int(budget_s / first)))
    else:
        fn()
    ms = [first * 1000] if repeats == 0 else []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - start) * 1000)
    return {"p50": statistics.median(ms), "p95": percentile(ms, 0.95), "max": max(ms),
            "runs": len(ms)}  # fmt: skip


def explain(sql: str) -> str:
    """The plan the database chose for ``sql`` (PostgreSQL with actual times)."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            return "\n".join(r[0] for r in cur.fetchall())
        cur.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(f"{r[0]}|{r[1]}|{r[3]}" for r in cur.fetchall())


def sql_profile(fn: Callable[[], Any]) -> tuple[Any, list[dict[str, Any]]]:
    """One call's result and the SQL it ran, slowest first, with Django's timing of each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    out = [{"sql": q["sql"], "ms": float(q["time"]) * 1000} for q in ctx.captured_queries]
    return result, sorted(out, key=lambda q: -q["ms"])


class Report:
    """The child's results, saved after every phase so that a killed run keeps them."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path, self.data = path, data
        self.save()

    def save(self) -> None:
        self.path.write_text(json.dumps(self.data, ensure_ascii=False, indent=1, default=str))

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.save()


def street_leader() -> Any:
    """A street-level duty leader: the demo has none (its street logins are dispatchers),
    so the actor is built as ``actor_for`` would build one for that street's login."""
    from lianqin.cases.access import Actor
    from lianqin.choices import Level, Role
    from lianqin.org.models import Person

    p = Person.objects.filter(scope_level="street").order_by("scope_code", "id").first()
    assert p is not None, "the demo has no street-level login"
    return Actor(p.pk, str(p), Role.DUTY_LEADER, Level.STREET, p.scope_code)


def child(db: str, n: int, seed: int, repeats: int, out: Path, reuse: bool = False) -> None:
    """One database, start to finish, in this process; with ``reuse``, a SQLite database
    whose cases an interrupted run already wrote (its ``result.json`` keeps the
    generation figures): from the rebuild on."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "lianqin.settings"
    sys.path.insert(0, str(HERE))
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count, Q
    from django.utils import timezone
    from gen_cases import generate, prepare

    measured = ("evaluation/rollup.py", "evaluation/queries.py", "evaluation/indicators.py",
                "dashboard/queries.py")  # fmt: skip
    code = {m: hashlib.sha256((REPO / "src/lianqin" / m).read_bytes()).hexdigest()[:10]
            for m in measured}  # fmt: skip
    if reuse:
        earlier = json.loads(out.read_text())
        assert "generate" in earlier, "nothing to reuse: the earlier run wrote no cases"
        report = Report(out, earlier | {"repeats": repeats, "reused": True, "code": code})
    else:
        report = Report(out, {"db": db, "cases": n, "seed": seed, "repeats": repeats,
                              "code": code})  # fmt: skip
        start = time.perf_counter()
        prepare()
        report["prepare_s"] = time.perf_counter() - start
        print(f"[{db}] demo geography and people in {report.data['prepare_s']:.1f} s", flush=True)
        with Meter(f"[{db}] generate", n) as meter:
            gen = generate(n, seed, meter)
        report["generate"] = gen
        report["load_after_generate"] = os.getloadavg()
        report["size_after_generate"] = db_size()
        print(f"[{db}] {gen['rows']:,} cases in {gen['seconds']:.0f} s "
              f"({gen['rate']:,.0f} rows/s)", flush=True)  # fmt: skip

    from lianqin.evaluation.models import EventTally, Tally
    from lianqin.evaluation.rollup import rebuild

    connection.close()  # the rebuild starts on a fresh connection, as a command would
    rss_before = rss_mb()
    start = time.perf_counter()
    with Meter(f"[{db}] rebuild", n) as meter:
        counts = rebuild(progress=meter)
    end = time.perf_counter()
    report["rebuild"] = {
        "seconds": end - start,
        "count_s": meter.last_at - start,  # reading and counting the cases, in Python
        "write_s": end - meter.last_at,  # emptying and inserting the rollup, the history
        "result": counts,
        "rss_before_mb": rss_before,
        "peak_rss_mb": rss_mb(),
    }
    report["rollup_rows"] = {
        f"{r['grain']}/{r['dim']}": r["n"]
        for r in Tally.objects.values("grain", "dim").annotate(n=Count("id")).order_by()
    } | {"events": EventTally.objects.count()}
    report["size_after_rebuild"] = db_size()
    if connection.vendor == "postgresql":
        # rebuild() leaves the new rollup without planner statistics (estimates of 1 row)
        # until autovacuum gets to it; the queries are timed as after that, steady state
        start = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("ANALYZE evaluation_tally")
            cur.execute("ANALYZE evaluation_eventtally")
        report["analyze_after_rebuild_s"] = time.perf_counter() - start
    report["load_after_rebuild"] = os.getloadavg()
    print(f"[{db}] rebuild in {end - start:.0f} s: {counts}", flush=True)

    from lianqin.cases.access import actor_for
    from lianqin.cases.models import Case
    from lianqin.dashboard.queries import dashboard_data
    from lianqin.org.models import Person

    tz = timezone.get_default_timezone()
    now = timezone.now()
    today = now.astimezone(tz).date()
    month = today.replace(day=1)
    last_month = (month - timedelta(days=1)).replace(day=1)
    actors = {"district leader": actor_for(Person.objects.get(username="leader")),
              "street duty leader": street_leader()}  # fmt: skip
    report["actors"] = {
        k: f"{a.role.value} {a.level.value} {a.scope_code}" for k, a in actors.items()
    }

    def baseline(first: date, end: date) -> Callable[[], Any]:
        lo = datetime.combine(first, datetime.min.time(), tz)
        hi = datetime.combine(end, datetime.min.time(), tz)
        return lambda: list(
            Case.objects.filter(created_at__gte=lo, created_at__lt=hi)
            .values("street")
            .annotate(
                n=Count("id"), closed=Count("id", filter=Q(status__in=["closed", "archived"]))
            )
            .order_by()
        )

    queries: list[tuple[str, str, Callable[[], Any]]] = [
        ("baseline", f"baseline: cases GROUP BY street, this month ({month:%Y-%m}, so far)",
         baseline(month, today + timedelta(days=1))),
        ("baseline", f"baseline: cases GROUP BY street, last full month ({last_month:%Y-%m})",
         baseline(last_month, month)),
    ]  # fmt: skip
    for who, actor in actors.items():
        for days in (7, 30, 90):
            queries.append(("dashboard", f"dashboard_data {days} d, {who}",
                            lambda a=actor, d=days: dashboard_data(a, d, now)))  # fmt: skip
    try:
        from lianqin.evaluation.queries import indicator_table
    except ImportError as e:
        report["indicator_table_missing"] = str(e)
        indicator_table = None
    if indicator_table is not None:
        for who, actor in actors.items():
            for kind in ("month", "year"):
                for dim in DIMS:
                    queries.append(("indicator", f"indicator_table {dim}/{kind}, {who}",
                                    lambda a=actor, d=dim, k=kind: indicator_table(
                                        a, dim=d, kind=k, day=today)))  # fmt: skip

    results = []
    for group, label, fn in queries:
        t = timed(fn, repeats)
        rows, profile = sql_profile(fn)
        entry: dict[str, Any] = {"group": group, "label": label, **t,
                                 "statements": len(profile),
                                 "sql_ms": sum(q["ms"] for q in profile)}  # fmt: skip
        if isinstance(rows, dict) and "rows" in rows:
            entry["rows"] = len(rows["rows"])
        elif isinstance(rows, list):
            entry["rows"] = len(rows)
        if t["p95"] > LIMIT_MS or group == "baseline":
            entry["plans"] = [
                {"ms": q["ms"], "sql": q["sql"], "plan": explain(q["sql"])} for q in profile[:2]
            ]
        results.append(entry)
        report["queries"] = results
        print(f"[{db}] {label}: p50 {t['p50']:.1f} ms, p95 {t['p95']:.1f} ms "
              f"({entry['statements']} SQL, {entry['sql_ms']:.1f} ms in SQL)", flush=True)  # fmt: skip
    report["load_after_queries"] = os.getloadavg()
    report["finished"] = True


# --- parent: databases, subprocesses, the results file -------------------------------------


def run_one(
    db: str, n: int, seed: int, repeats: int, timeout: float, reuse: Path | None = None
) -> dict[str, Any]:
    tmp = reuse or Path(tempfile.mkdtemp(prefix=f"lianqin-bench-ind-{db}-"))
    env = {**os.environ, "LIANQIN_DATA_DIR": str(tmp), "LIANQIN_SECRET_KEY": "bench-only",
           "DJANGO_SETTINGS_MODULE": "lianqin.settings", "PYTHONPATH": str(REPO / "src")}  # fmt: skip
    env.pop("LIANQIN_DEBUG", None)
    if db == "postgres":
        import psycopg

        if reuse is None:  # with --reuse: the cases an earlier run generated stay
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {PG_DB}")
        env["LIANQIN_DATABASE_URL"] = f"{PG_SERVER}/{PG_DB}"
    else:
        env["LIANQIN_DATABASE_URL"] = ""
    out = tmp / "result.json"
    cmd = [sys.executable, __file__, "--child", db, "--cases", str(n), "--seed", str(seed),
           "--repeats", str(repeats), "--out", str(out)] + (["--reuse", str(reuse)] if reuse else [])  # fmt: skip
    start = time.perf_counter()
    status = "finished"
    try:
        subprocess.run(cmd, env=env, check=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        status = f"stopped after the time limit ({timeout:.0f} s)"
    except subprocess.CalledProcessError as e:
        status = f"failed (exit {e.returncode})"
    data = json.loads(out.read_text()) if out.exists() else {"db": db, "cases": n}
    data["status"] = status if data.get("finished") or status != "finished" else "incomplete"
    data["wall_s"] = time.perf_counter() - start
    if db == "sqlite":
        shutil.rmtree(tmp / "media", ignore_errors=True)
        for f in tmp.glob("lianqin.sqlite3*"):
            f.unlink()  # gigabytes: the figures are kept, the database is not
    return data


def mb(n: int | None) -> str:
    return f"{n / 2**20:,.0f} MB" if n else "–"


def section(data: dict[str, Any], machine: str) -> str:
    """One database's results as Markdown."""
    db = {"sqlite": "SQLite (embedded)", "postgres": "PostgreSQL 127.0.0.1"}[data["db"]]
    lines = [f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {db} · {data['cases']:,} cases", "",
             f"Machine: {machine}  ", f"Run: {data.get('status')}, {data.get('wall_s', 0):.0f} s "
             f"wall; {data.get('repeats')} timed runs per query after 2 warm-ups"
             + ("; cases written by an earlier, interrupted run of the same command, "
                "rebuild and queries in this one" if data.get("reused") else ""), ""]  # fmt: skip
    gen, reb = data.get("generate"), data.get("rebuild")
    rows = [("demo geography + people", f"{data.get('prepare_s', 0):.1f} s", "")]
    if gen:
        rows.append(("generation (gen_cases.py)", f"{gen['seconds']:.0f} s",
                     f"{gen['rate']:,.0f} rows/s"))  # fmt: skip
        rows.append(("database size after generation",
                     mb(data["size_after_generate"].get("total")), ""))  # fmt: skip
    if reb:
        rows.append(("cold rollup rebuild", f"{reb['seconds']:.0f} s",
                     f"{reb['result']['cases'] / reb['seconds']:,.0f} cases/s; reading + counting "
                     f"{reb['count_s']:.0f} s, writing the rollup {reb['write_s']:.0f} s"))  # fmt: skip
        rows.append(("peak RSS (rebuild process)", f"{reb['peak_rss_mb']:,.0f} MB",
                     f"{reb['rss_before_mb']:,.0f} MB before the rebuild"))  # fmt: skip
        size = data["size_after_rebuild"]
        rows.append(("database size after rebuild", mb(size.get("total")),
                     ", ".join(f"{k} {mb(v)}" for k, v in size.items() if k != "total")))  # fmt: skip
        rollup = data.get("rollup_rows", {})
        rows.append(("rollup rows", f"{reb['result']['rows']:,}",
                     ", ".join(f"{k} {v:,}" for k, v in rollup.items())))  # fmt: skip
    if "analyze_after_rebuild_s" in data:
        rows.append(("ANALYZE of the rollup after the rebuild (not in the rebuild's time)",
                     f"{data['analyze_after_rebuild_s']:.1f} s", "as autovacuum would"))  # fmt: skip
    loads = [f"{k.removeprefix('load_')} {v[0]:.1f}" for k, v in data.items()
             if k.startswith("load_")]  # fmt: skip
    if loads:
        rows.append(("1-min load average (2 cores; other work shares the machine)",
                     "", ", ".join(loads)))  # fmt: skip
    if data.get("code"):
        rows.append(("code measured (sha-256 of the file as the run started)", "",
                     ", ".join(f"`{k}` {v}" for k, v in data["code"].items())))  # fmt: skip
    lines += ["| phase | figure | note |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    queries = data.get("queries", [])
    base = [q for q in queries if q["group"] == "baseline"]
    if queries:
        lines += ["", "| query | p50 ms | p95 ms | ≤200 ms? | ratio to the no-rollup baseline "
                  "(this month / last full month) | SQL statements, ms in SQL |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for q in queries:
            ratio = " / ".join(f"{q['p95'] / b['p95']:.2f}×" for b in base) if base else "–"
            ok = "yes" if q["p95"] <= LIMIT_MS else f"**no** (+{q['p95'] - LIMIT_MS:.0f} ms)"
            runs = "" if q.get("runs", 0) >= data.get("repeats", 0) else f" ({q['runs']} runs)"
            lines.append(f"| {q['label']}{runs} | {q['p50']:.1f} | {q['p95']:.1f} | {ok} | "
                         f"{ratio} | {q['statements']}, {q['sql_ms']:.1f} |")  # fmt: skip
    if data.get("indicator_table_missing"):
        lines += ["", f"indicator_table missing: {data['indicator_table_missing']}"]
    slow = [q for q in queries if q["p95"] > LIMIT_MS and q["group"] != "baseline"]
    if slow:
        lines += ["", f"### Over {LIMIT_MS:.0f} ms: the slowest SQL of each, and its plan", ""]
        for q in slow:
            for p in q.get("plans", [])[:1]:
                lines += [f"**{q['label']}** (p95 {q['p95']:.0f} ms; this statement "
                          f"{p['ms']:.0f} ms of {q['sql_ms']:.0f} ms SQL)", "", "```sql",
                          p["sql"], "```", "", "```", p["plan"], "```", ""]  # fmt: skip
    return "\n".join(lines) + "\n\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cases", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=2 * 3600, help="seconds per database")
    parser.add_argument(
        "--reuse",
        help="the data dir of an earlier run of one database (--db sqlite or postgres): "
        "its cases are kept, the rebuild and the queries run again",
    )
    parser.add_argument("--child")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.cases, args.seed, args.repeats, Path(args.out), bool(args.reuse))
        return
    sys.path.insert(0, str(HERE))
    from run import machine

    chosen = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db in chosen:
        reuse = Path(args.reuse) if args.reuse and args.db != "both" else None
        data = run_one(db, args.cases, args.seed, args.repeats, args.timeout, reuse)
        text = section(data, machine())
        if not RESULTS.exists():
            RESULTS.write_text(
                "# Indicator benchmark results\n\nAppended by `benchmarks/bench_indicators.py`; "
                "newest last. Each database in its own process, on a fresh database.\n\n",
                encoding="utf-8",
            )
        with open(RESULTS, "a", encoding="utf-8") as fh:
            fh.write(text)
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
