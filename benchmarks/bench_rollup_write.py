"""What keeping the rollup current costs the write path: the same cases registered and
accepted through ``cases.actions`` with the rollup kept (as in production) and with its two
hooks replaced by no-ops, in one process, alternating in rounds so that a noisy machine
hits both alike. Prints a table; ``run.py`` appends it to ``results.md``.

Run: ``python benchmarks/bench_rollup_write.py [--cases 300] [--rounds 3]`` (a throw-away
SQLite database, or ``LIANQIN_DATABASE_URL``).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any


@contextmanager
def _without_rollup() -> Any:
    from lianqin.evaluation import rollup

    kept = rollup.track, rollup.track_event
    rollup.track, rollup.track_event = (lambda case: None), (lambda event, area: None)  # type: ignore[assignment]
    try:
        yield
    finally:
        rollup.track, rollup.track_event = kept


def _round(n: int, tag: str, rng: random.Random) -> float:
    """Cases per second for create + accept + dispatch (three changes of each case)."""
    from lianqin.cases import actions
    from lianqin.cases.access import actor_for
    from lianqin.org.models import Grid, Person

    system = actor_for(Person.objects.get(username="admin"))
    grids = list(Grid.objects.values_list("centroid_lon", "centroid_lat"))
    start = time.perf_counter()
    for i in range(n):
        lon, lat = rng.choice(grids)
        case, _ = actions.create_case(system, actions.NewReport(
            channel="portal", external_id=f"W-{tag}-{i}", title="路灯不亮", lon=lon, lat=lat))  # fmt: skip
        actions.perform(system, case.number, "accept")
        actions.perform(system, case.number, "dispatch", lead="cg")
    return n / (time.perf_counter() - start)


def run(cases: int = 300, rounds: int = 3) -> list[tuple[str, str, str]]:
    from rich.console import Console

    from lianqin.demo.builder import build_demo

    build_demo(seed=5, days=0, per_day=1, console=Console(file=io.StringIO()))
    return compare(cases, rounds)


def compare(cases: int = 300, rounds: int = 3) -> list[tuple[str, str, str]]:
    """The comparison on a database that already holds a district (``run.py``'s demo)."""
    rng = random.Random(7)
    kept: list[float] = []
    bare: list[float] = []
    for r in range(rounds):
        with _without_rollup():
            bare.append(_round(cases, f"bare{r}", rng))
        kept.append(_round(cases, f"kept{r}", rng))
    k, b = sorted(kept)[len(kept) // 2], sorted(bare)[len(bare) // 2]
    return [
        (
            "baseline: create, accept, dispatch without the rollup hooks",
            f"{b:,.0f} cases/s",
            "1.00×",
        ),
        ("with the rollup kept in the same transaction", f"{k:,.0f} cases/s", f"{k / b:.2f}×"),
    ]


def cli(
    run_: Callable[[int, int], list[tuple[str, str, str]]],
    doc: str,
    argv: list[str] | None = None,
    out: Callable[[str], None] = print,
) -> None:
    """The command line of a write-path comparison: a throw-away database, migrated, then
    ``run_(cases, rounds)`` printed as a table (also used by bench_security_write.py)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.setdefault("LIANQIN_DATA_DIR", tempfile.mkdtemp(prefix="lianqin-bench-w-"))
    os.environ.setdefault("LIANQIN_SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianqin.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    out("| measure | figure | ratio |\n|---|---|---|")
    for row in run_(args.cases, args.rounds):
        out("| " + " | ".join(row) + " |")


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> None:
    cli(run, __doc__ or "", argv, out)


if __name__ == "__main__":
    main()
