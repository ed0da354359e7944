"""What personal-data encryption and the history chain cost the write path: the same
cases, each with a reporter's name, phone and ID number, registered, accepted and
dispatched through ``cases.actions`` — once as in production (SM4-GCM on the contact and
the raw payload, an HMAC chain link per history line) and once with encryption and chaining
replaced by no-ops — in one process, alternating in rounds so that a noisy machine hits
both alike. A third figure times reading the contacts back (decryption) against reading
the same rows' keyed hashes, and ``lianqin audit verify`` against reading the same history
lines (both measured first, on cases written as in production).

Run: ``python benchmarks/bench_security_write.py [--cases 300] [--rounds 3]`` (a throw-away
SQLite database, or ``LIANQIN_DATABASE_URL``); ``run.py`` appends it to ``results.md``.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def _bare() -> Iterator[None]:
    """Encryption and the chain off: values stored as given, chain links empty."""
    from lianqin import pii
    from lianqin.cases.actions import bulk, record

    kept = pii.encrypt, record.link, record.last_chain, bulk.link
    pii.encrypt = lambda value, column: value  # type: ignore[assignment]
    record.link = bulk.link = lambda key, prev, fields: ""  # type: ignore[assignment]
    record.last_chain = lambda case_id: ""  # type: ignore[assignment]
    try:
        yield
    finally:
        pii.encrypt, record.link, record.last_chain, bulk.link = kept


def _round(n: int, tag: str, rng: random.Random) -> float:
    """Cases per second for create + accept + dispatch (three history lines per case)."""
    from lianqin.cases import actions
    from lianqin.cases.access import actor_for
    from lianqin.org.models import Grid, Person

    admin = actor_for(Person.objects.get(username="admin"))
    grids = list(Grid.objects.values_list("centroid_lon", "centroid_lat"))
    start = time.perf_counter()
    for i in range(n):
        lon, lat = rng.choice(grids)
        case, _ = actions.create_case(admin, actions.NewReport(
            channel="portal", external_id=f"S-{tag}-{i}", title="路灯不亮", lon=lon, lat=lat,
            raw=f'{{"phone": "138{i:08d}", "text": "路灯不亮"}}', reporter_name="王女士",
            reporter_phone=f"138{i:08d}", reporter_id_number=f"11010519491231{i % 1000:03d}X"))  # fmt: skip
        actions.perform(admin, case.number, "accept")
        actions.perform(admin, case.number, "dispatch", lead="cg")
    return n / (time.perf_counter() - start)


def _reads(rounds: int) -> tuple[float, float]:
    """Contacts read per second: the three encrypted columns vs the keyed hash beside them."""
    from lianqin.cases.models import ReporterContact

    plain, secret = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        n = sum(1 for _ in ReporterContact.objects.values_list("phone_key", "id_key", "pk"))
        plain.append(n / (time.perf_counter() - start))
        start = time.perf_counter()
        n = sum(1 for _ in ReporterContact.objects.values_list("name", "phone", "id_number"))
        secret.append(n / (time.perf_counter() - start))
    return sorted(plain)[rounds // 2], sorted(secret)[rounds // 2]


def _verify_rate() -> tuple[float, float]:
    """History lines per second: reading every line in (case, seq) order vs ``verify``
    (which reads them the same way and recomputes every chain link)."""
    from lianqin.audit.service import verify
    from lianqin.cases.models import CaseEvent

    start = time.perf_counter()
    n = sum(1 for _ in CaseEvent.objects.order_by("case_id", "seq").iterator(chunk_size=5000))
    read = n / (time.perf_counter() - start)
    start = time.perf_counter()
    report = verify()
    assert report.ok, report.breaks
    return read, report.history_lines / (time.perf_counter() - start)


def compare(cases: int = 300, rounds: int = 3) -> list[tuple[str, str, str]]:
    """The comparison on a database that already holds a district (``run.py``'s demo)."""
    rng = random.Random(11)
    # reads and verification first, on cases written as in production (the bare rounds
    # below leave clear values and unchained lines, which would read as damage)
    _round(cases, "seed", rng)
    plain, secret = _reads(rounds)
    read, verified = _verify_rate()
    kept: list[float] = []
    bare: list[float] = []
    for r in range(rounds):
        with _bare():
            bare.append(_round(cases, f"bare{r}", rng))
        kept.append(_round(cases, f"kept{r}", rng))
    k, b = sorted(kept)[len(kept) // 2], sorted(bare)[len(bare) // 2]
    return [
        ("baseline: create, accept, dispatch with contacts in clear, no chain",
         f"{b:,.0f} cases/s", "1.00×"),
        ("with SM4-GCM contacts and raw payload, HMAC-chained history",
         f"{k:,.0f} cases/s", f"{k / b:.2f}×"),
        ("baseline: read contacts' keyed hashes", f"{plain:,.0f} rows/s", "1.00×"),
        ("read and decrypt name, phone, ID number", f"{secret:,.0f} rows/s",
         f"{secret / plain:.2f}×"),
        ("baseline: read every history line in chain order", f"{read:,.0f} lines/s", "1.00×"),
        ("`lianqin audit verify` (recompute every link, check the log)",
         f"{verified:,.0f} lines/s", f"{verified / read:.2f}×"),
    ]  # fmt: skip


def run(cases: int = 300, rounds: int = 3) -> list[tuple[str, str, str]]:
    from rich.console import Console

    from lianqin.demo.builder import build_demo

    build_demo(seed=5, days=0, per_day=1, console=Console(file=io.StringIO()))
    return compare(cases, rounds)


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> None:
    from bench_rollup_write import cli

    cli(run, __doc__ or "", argv, out)


if __name__ == "__main__":
    main()
