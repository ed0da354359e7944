"""Ten million realistic cases, written straight into ``cases_case``: the data behind the
indicator benchmark (``bench_indicators.py``).

Why straight into the table: ``cases.actions`` writes history, outbox and rollup for each
case (a few hundred per second); five years of a large district would take days. The
rollup is therefore *not* kept current here: the benchmark rebuilds it from the cases
(``evaluation.rollup.rebuild``), which is exactly what it times.

What must hold (checked by :func:`check_columns` and by ``rebuild`` reading the rows):

* every NOT NULL column of ``cases.models.Case`` gets a value (the column list is compared
  with the model's concrete fields before anything is written);
* the geography is consistent: ``area_code`` is the grid's code and ``street_id``,
  ``community_id``, ``grid_id`` are that grid's; ``assignee_id`` is one of its workers;
* ``accepted_at`` ≤ ``resolved_at`` ≤ ``closed_at`` ≤ now, all after ``created_at``;
  cases older than 14 days are in a final state (archived, rejected, merged); the last
  two weeks hold open cases in every open state;
* the same seed and ``now`` give the same rows (one ``random.Random``, no other source);
* rows arrive in ``created_at`` order, so ids grow with time as in a real district.

Run: ``python benchmarks/gen_cases.py --cases 10000000 [--seed 1]`` on the database of
``LIANQIN_DATABASE_URL`` (PostgreSQL) or the SQLite under ``LIANQIN_DATA_DIR``; it
migrates and builds the demo geography and people first.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

DAY = 86_400
HOUR = 3_600
#: the local time zone's offset (Asia/Shanghai has no daylight saving)
LOCAL_OFFSET = 8 * HOUR
YEARS = 5
RECENT = 14 * DAY  # younger than this a case may still be open
BATCH = 50_000  # rows per executemany / COPY write

#: the columns written, in this order (``id`` is left to the database)
COLUMNS = (
    "number", "title", "description", "priority", "channel", "lon", "lat", "address",
    "needs_location", "location_source", "location_confidence", "location_match",
    "street_id", "community_id", "grid_id", "area_code", "level", "holder_id", "assignee_id",
    "status", "mode", "suspended_from", "suspended_at", "merged_into_id", "created_at",
    "updated_at", "accepted_at", "resolved_at", "closed_at", "stage", "stage_started_at",
    "stage_due", "accept_due", "acknowledge_due", "resolve_due", "verify_due", "callback_due",
    "warning", "next_check_at", "report_count", "rework_count", "urge_count", "supervise_count",
    "extension_count", "escalation_count", "return_count", "reopen_count", "overdue_mask",
    "lead_unit_id", "satisfaction", "solved", "callback_attempts", "version", "triage",
    "category_id",
)  # fmt: skip

#: first-report channel mix: the 12345 hotline most, grid patrol many, the others few
CHANNEL_MIX = (
    ("hotline_12345", 46), ("patrol", 30), ("petition_online", 6), ("zongzhi", 5),
    ("alarm_110", 4), ("video", 4), ("portal", 2), ("manual", 2), ("open311", 1),
)  # fmt: skip
PRIORITY_MIX = (("normal", 80), ("high", 12), ("low", 5), ("urgent", 3))
SATISFACTION_MIX = (
    ("satisfied", 80), ("basically_satisfied", 12), ("unsatisfied", 5), ("unreachable", 3),
)  # fmt: skip
#: the open states of the last two weeks, with how often a still-open case is in each
OPEN_MIX = (
    ("reported", 8), ("accepted", 6), ("on_site", 30), ("dispatched", 8), ("in_progress", 20),
    ("returned", 3), ("resolved", 15), ("reopened", 3), ("suspended", 3),
)  # fmt: skip
#: stages that went overdue (``Case.overdue_mask``: 1 accept, 2 acknowledge, 4 resolve,
#: 8 verify, 16 callback), for the ~6 % of cases with any
MASK_MIX = ((4, 50), (1, 15), (2, 10), (8, 8), (16, 8), (5, 5), (6, 4))
#: the stage whose clock runs in each open state
STAGE_OF = {
    "reported": "accept", "accepted": "resolve", "on_site": "resolve",
    "dispatched": "acknowledge", "in_progress": "resolve", "returned": "acknowledge",
    "resolved": "verify", "reopened": "resolve", "suspended": "",
}  # fmt: skip
STAGE_BIT = {"accept": 1, "acknowledge": 2, "resolve": 4, "verify": 8, "callback": 16}
VERSION_OF = {
    "reported": 1, "accepted": 2, "on_site": 3, "dispatched": 3, "in_progress": 4,
    "returned": 4, "resolved": 5, "reopened": 7, "suspended": 4, "closed": 6, "archived": 7,
    "rejected": 2, "merged": 2,
}  # fmt: skip
PROBLEMS = (
    "，影响居民出行", "，多次反映未解决", "，存在安全隐患", "，请尽快处理", "，气味很大",
    "，晚上尤其严重", "，已持续一周", "，老人孩子经过很危险", "，周边商户也有意见",
    "，下雨后更明显", "，希望相关部门来看看", "，物业不管", "，影响市容", "，噪音扰民",
    "，夜间施工", "，堵塞通道", "，车辆无法通行", "，反复出现", "，居民意见很大",
    "，已拍照留存", "，位置在小区门口", "，在公交站旁边", "，学校门口", "，菜场附近",
    "，河边步道上", "，路口东侧", "，楼道内", "，地下车库入口", "，绿化带里",
    "，人行道中间", "，健身广场旁", "，停车场出口", "，沿街商铺前", "，桥下",
    "，村口", "，农贸市场内", "，医院门口", "，地铁站出口", "，幼儿园旁", "，公园入口",
)  # fmt: skip
DETAILS = (
    "市民来电反映", "网格员巡查发现", "群众网上留言", "监控发现", "居民多次投诉",
    "热心群众报告", "社区转来", "值班员登记",
)  # fmt: skip


@dataclass(frozen=True)
class GridInfo:
    """What a case inherits from its grid."""

    grid_id: int
    code: str
    community_id: int
    street_id: int
    worker_id: int | None
    lon: float
    lat: float
    place: str
    households: int


Reference = tuple[list[GridInfo], list[tuple[int, str]], list[int]]


def check_columns() -> None:
    """Every concrete column of ``Case`` but ``id`` is written, and nothing else."""
    from lianqin.cases.models import Case

    model = {f.column for f in Case._meta.concrete_fields} - {"id"}
    missing, extra = model - set(COLUMNS), set(COLUMNS) - model
    if missing or extra:
        raise SystemExit(f"cases_case columns changed: missing {missing}, unknown {extra}")


def table(mix: Sequence[tuple[Any, float]], size: int = 1000) -> list[Any]:
    """A lookup list in which each value fills its share: ``t[int(random() * len(t))]``
    draws by weight with one multiplication (the generator's inner loop is hot)."""
    total = sum(w for _, w in mix)
    out: list[Any] = []
    acc = 0.0
    for value, w in mix:
        acc += w
        out.extend([value] * (round(acc / total * size) - len(out)))
    return out


def weighted(values: Sequence[Any], weights: Sequence[float], size: int = 20_000) -> list[Any]:
    return table(list(zip(values, weights, strict=True)), size)


def load_reference(seed: int) -> Reference:
    """Grids (with their first worker), categories (id, name) and unit ids, from the demo."""
    from lianqin.org.models import Category, Grid, Unit

    grids: list[GridInfo] = []
    for g in Grid.objects.select_related("community__street").order_by("code"):
        workers = sorted(g.workers.values_list("id", flat=True))
        grids.append(
            GridInfo(
                g.pk,
                g.code,
                g.community_id,
                g.community.street_id,
                workers[0] if workers else None,
                g.centroid_lon or 118.6,
                g.centroid_lat or 32.0,
                f"{g.community.street.name}{g.community.name}",
                max(g.households, 1),
            )
        )
    leaves = list(Category.objects.filter(depth__gte=2).order_by("code").values_list("id", "name"))
    units = list(Unit.objects.order_by("id").values_list("id", flat=True))
    if not grids or not leaves or not units:
        raise SystemExit("no grids, categories or units: build the demo first (build_demo)")
    rng = random.Random(seed ^ 0x5EED)
    rng.shuffle(leaves)  # which categories are common: by seed, not by code
    rng.shuffle(units)
    return grids, leaves, units


def day_counts(n: int, days: int, first_day: date, last_fraction: float) -> list[int]:
    """Cases per local day: growth (×1.8 over five years), a weekly shape (quiet weekends),
    a seasonal one (summer peak, Spring Festival dip) and a little noise; sums to ``n``."""
    rng = random.Random(n ^ 0xDA75)
    week = (1.12, 1.06, 1.02, 1.0, 0.97, 0.74, 0.68)
    weights = []
    for d in range(days):
        day = first_day + timedelta(days=d)
        doy = day.timetuple().tm_yday
        growth = math.exp(math.log(1.8) * d / max(days - 1, 1))
        season = 1 + 0.22 * math.sin(2 * math.pi * (doy - 110) / 365.25)
        if 20 <= doy <= 50:  # around the Spring Festival
            season *= 0.8
        w = growth * week[day.weekday()] * season * rng.uniform(0.9, 1.1)
        weights.append(w * (last_fraction if d == days - 1 else 1.0))
    total = sum(weights)
    counts, acc, given = [], 0.0, 0
    for w in weights:
        acc += w
        upto = round(n * acc / total)
        counts.append(upto - given)
        given = upto
    return counts


HOURS = table(
    list(enumerate((1, 0.6, 0.4, 0.3, 0.4, 0.8, 2, 4, 7, 9, 9, 8, 6, 6, 8, 8, 7, 6, 5, 4.5, 4,
                    3.5, 2.5, 1.5))),
    2400,
)  # fmt: skip


class Formatter:
    """Timestamps as the database's text: SQLite keeps Django's naive UTC
    ``YYYY-MM-DD HH:MM:SS``; PostgreSQL reads ``…+00`` in COPY's text format."""

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix
        self.days: dict[int, str] = {}
        self.hms = [
            f"{h:02d}:{m:02d}:{s:02d}{suffix}" for h in range(24) for m in range(60)
            for s in range(60)
        ]  # fmt: skip

    def __call__(self, t: int | None) -> str | None:
        if t is None:
            return None
        d, s = divmod(t, DAY)
        day = self.days.get(d)
        if day is None:
            day = self.days[d] = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=d)).strftime(
                "%Y-%m-%d "
            )
        return day + self.hms[s]


def rows(
    n: int, seed: int, now: datetime, fmt: Formatter, ref: Reference
) -> Iterator[tuple[Any, ...]]:
    """The cases, in ``created_at`` order, as tuples in :data:`COLUMNS` order. ``ref`` is
    read beforehand (:func:`load_reference`): no query may run while a COPY is open."""
    grids, leaves, units = ref
    rng = random.Random(seed)
    rnd, expo = rng.random, rng.expovariate
    grid_tab = weighted(grids, [g.households for g in grids])
    cat_tab = weighted(leaves, [1 / (i + 1) ** 0.8 for i in range(len(leaves))])
    unit_tab = weighted(units, [1 / (i + 1) ** 1.1 for i in range(len(units))])
    chan_tab, prio_tab = table(CHANNEL_MIX), table(PRIORITY_MIX)
    sat_tab, open_tab, mask_tab = table(SATISFACTION_MIX), table(OPEN_MIX), table(MASK_MIX)
    gl, cl, ul = len(grid_tab), len(cat_tab), len(unit_tab)
    hl, pl = len(HOURS), len(PROBLEMS)

    end = int(now.timestamp())
    local_today = (end + LOCAL_OFFSET) // DAY
    days = YEARS * 365 + 1
    first = local_today - days + 1
    last_fraction = ((end + LOCAL_OFFSET) % DAY) / DAY
    counts = day_counts(n, days, date(1970, 1, 1) + timedelta(days=first), last_fraction)
    seq = 0
    for d, count in enumerate(counts):
        if not count:
            continue
        base = (first + d) * DAY - LOCAL_OFFSET  # the local midnight, in UTC seconds
        offsets = sorted(HOURS[int(rnd() * hl)] * HOUR + int(rnd() * HOUR) for _ in range(count))
        for off in offsets:
            created = base + off
            if created > end - 60:
                created = end - 60 - int(rnd() * 3600)
            seq += 1
            yield _case(seq, created, end, rnd, expo, fmt, grid_tab[int(rnd() * gl)],
                        cat_tab[int(rnd() * cl)], unit_tab[int(rnd() * ul)],
                        chan_tab[int(rnd() * 1000)], prio_tab[int(rnd() * 1000)], sat_tab,
                        open_tab, mask_tab, PROBLEMS[int(rnd() * pl)])  # fmt: skip


def _case(
    seq: int, created: int, end: int, rnd: Callable[[], float],
    expo: Callable[[float], float], fmt: Formatter, g: GridInfo, cat: tuple[int, str] | None,
    unit: int, channel: str, priority: str, sat_tab: list[str], open_tab: list[str],
    mask_tab: list[int], problem: str,
) -> tuple[Any, ...]:  # fmt: skip
    """One case: its fate (rejected, merged, handled on site or dispatched), its times and
    counters, its state at ``end``."""
    age = end - created
    fate = rnd()
    mode = "none"
    status = ""
    acc = res = clo = None
    lead_unit = assignee = None
    suspended_from, suspended_at = "", None
    rework = extension = returns = reopen = urge = supervise = escalation = 0
    mask = 0
    warning = "normal"
    satisfaction, solved, attempts = "", None, 0
    stage, stage_started, stage_due = "", None, None
    level = "community"
    updated = created + 300
    if fate < 0.03:
        status = "rejected"
        updated = created + 600 + int(expo(1 / 1800))
    elif fate < 0.05:
        status = "merged"  # merged_into stays NULL: the FK is nullable
        updated = created + 300 + int(expo(1 / 1800))
    else:
        dispatched = rnd() < 0.10
        mode = "dispatched" if dispatched else "on_site"
        acc = created + 60 + min(int(expo(1 / 1200)), 2 * DAY)
        if dispatched:
            res = acc + 3600 + min(int(expo(1 / (2.5 * DAY))), 9 * DAY)
            lead_unit, level = unit, "district"
        else:
            res = acc + 600 + min(int(expo(1 / (3 * HOUR))), 3 * DAY)
            assignee = g.worker_id
        clo = res + 1800 + min(int(expo(1 / (8 * HOUR))), 2 * DAY)
        r = rnd()
        if r < 0.06:
            mask = mask_tab[int(rnd() * 1000)]
            if mask & 2 and not dispatched:
                mask = 4
        if age > RECENT:
            status = "archived"
        elif rnd() < 0.45 * (1 - age / RECENT):  # still open: every open state appears
            status = open_tab[int(rnd() * 1000)]
            acc = created + min(acc - created, age // 3)
            res = acc + min(res - acc, (end - acc) // 2) if status in ("resolved",) else None
            clo = None
            if status == "reported":
                acc, mode, lead_unit, assignee = None, "none", None, None
            elif status == "accepted":
                mode, lead_unit, assignee, level = "none", None, None, "community"
            elif status in ("dispatched", "in_progress", "returned"):
                mode, lead_unit, assignee, level = "dispatched", unit, None, "district"
                returns = 1 if status == "returned" else 0
            elif status == "on_site":
                mode, lead_unit, assignee, level = "on_site", None, g.worker_id, "community"
            elif status == "reopened":
                reopen = 1
            elif status == "suspended":
                suspended_from = "in_progress" if dispatched else "on_site"
                suspended_at = acc + (end - acc) // 2
            stage = STAGE_OF[status]
            if stage:
                stage_started = acc if acc is not None else created
                w = rnd()
                if w < 0.12:
                    warning, stage_due = "overdue", end - 60 - int(rnd() * 2 * DAY)
                    mask |= STAGE_BIT[stage]
                elif w < 0.20:
                    warning, stage_due = "red", end + 60 + int(rnd() * 2 * HOUR)
                elif w < 0.30:
                    warning, stage_due = "yellow", end + 2 * HOUR + int(rnd() * 6 * HOUR)
                else:
                    stage_due = end + 8 * HOUR + int(rnd() * 3 * DAY)
        elif clo <= end:
            status = "archived" if clo + 7 * DAY <= end else "closed"
        elif res <= end:
            status, clo = "resolved", None
            stage, stage_started, stage_due = "verify", res, res + DAY
        elif acc <= end:
            status, res, clo = ("in_progress" if dispatched else "on_site"), None, None
            stage, stage_started, stage_due = "resolve", acc, acc + (5 * DAY if dispatched else DAY)
        else:
            status, acc, res, clo = "reported", None, None, None
            stage, stage_started, stage_due = "accept", created, created + 2 * HOUR
            mode, lead_unit, assignee = "none", None, None
        if status in ("closed", "archived"):
            updated = min(clo + 7 * DAY, end) if status == "archived" else clo
            if status == "archived" or clo + DAY <= end:
                satisfaction = sat_tab[int(rnd() * 1000)]
                attempts = 3 if satisfaction == "unreachable" else 1
                if satisfaction == "unreachable":
                    solved = None
                elif satisfaction == "unsatisfied":
                    solved = rnd() < 0.3
                else:
                    solved = rnd() < 0.96
            if rnd() < 0.01:
                reopen = 1
        else:
            updated = max(t for t in (created, acc, res, suspended_at) if t is not None)
        if res is not None or status == "reopened":
            rework = (1 if rnd() < 0.85 else 2) if rnd() < 0.03 else 0
        extension = 1 if acc is not None and rnd() < 0.02 else 0
        if mode == "dispatched" and returns == 0 and rnd() < 0.04:
            returns = 1
        urge = 1 if rnd() < 0.02 else 0
        supervise = 1 if rnd() < 0.005 else 0
        if rnd() < 0.01:
            escalation, level = 1, "street" if level == "community" else level
    report_count = 1 if rnd() >= 0.10 else 2 + int(rnd() * 3)
    due = fmt(stage_due)
    return (
        f"BENCH-{seq:010d}", cat[1] + problem if cat else "未分类诉求" + problem,
        f"{DETAILS[seq % len(DETAILS)]}：{g.place}{problem[1:]}。", priority, channel,
        round(g.lon + (rnd() - 0.5) * 0.004, 6), round(g.lat + (rnd() - 0.5) * 0.004, 6),
        f"{g.place}{1 + seq % 40}号", 0, "gps" if channel != "hotline_12345" else "address",
        1.0, "", g.street_id, g.community_id, g.grid_id, g.code, level, None, assignee, status,
        mode, suspended_from, fmt(suspended_at), None, fmt(created), fmt(updated), fmt(acc),
        fmt(res), fmt(clo), stage, fmt(stage_started), due,
        due if stage == "accept" else None, due if stage == "acknowledge" else None,
        due if stage == "resolve" else None, due if stage == "verify" else None, None,
        warning, due, report_count, rework, urge, supervise, extension, escalation, returns,
        reopen, mask, lead_unit, satisfaction,
        None if solved is None else int(solved), attempts,
        VERSION_OF[status] + 2 * rework + extension + urge, "{}", cat[0] if cat else None,
    )  # fmt: skip


def _sqlite_write(
    batches: Iterator[list[tuple[Any, ...]]], progress: Callable[[int], None]
) -> None:
    """``executemany`` in transactions of ~250,000 rows, journal and fsync off (a
    throw-away database), then back to the project's WAL + synchronous=FULL."""
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    sql = (
        f"INSERT INTO cases_case ({', '.join(COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join('?' * len(COLUMNS))})"
    )
    raw.execute("PRAGMA journal_mode=OFF")
    raw.execute("PRAGMA synchronous=OFF")
    raw.execute("PRAGMA foreign_keys=OFF")  # the ids come from the tables just read
    raw.execute("PRAGMA cache_size=-1000000")
    try:
        pending = 0
        raw.execute("BEGIN")
        for batch in batches:
            raw.executemany(sql, batch)
            pending += len(batch)
            if pending >= 250_000:
                raw.execute("COMMIT")
                raw.execute("BEGIN")
                pending = 0
            progress(len(batch))
        raw.execute("COMMIT")
    finally:
        raw.execute("PRAGMA cache_size=-2000")
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=FULL")


def _postgres_write(
    batches: Iterator[list[tuple[Any, ...]]], progress: Callable[[int], None]
) -> None:
    """``COPY … FROM STDIN`` in text format, one COPY (one transaction) per ~500,000 rows
    (:func:`generate` drops the secondary indexes before and creates them again after);
    NULL is ``\\N``, booleans ``0``/``1``, no value holds a tab, newline or backslash."""
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    sql = f"COPY cases_case ({', '.join(COLUMNS)}) FROM STDIN"
    batch_iter = iter(batches)
    done = False
    while not done:
        sent = 0
        with raw.cursor() as cur, cur.copy(sql) as copy:
            while sent < 500_000:
                batch = next(batch_iter, None)
                if batch is None:
                    done = True
                    break
                copy.write(
                    "".join(
                        "\t".join(["\\N" if v is None else str(v) for v in row]) + "\n"
                        for row in batch
                    ).encode()
                )
                sent += len(batch)
                progress(len(batch))
        if not raw.autocommit:
            raw.commit()


def generate(
    n: int,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> dict[str, float]:
    """Write ``n`` cases ending at ``now`` (default: this second) into the configured
    database; ``progress(done, n)`` after each batch. Returns rows, seconds and rows/s.
    Needs the migrated schema and the demo geography and people (:func:`prepare`)."""
    from django.db import connection
    from django.utils import timezone

    check_columns()
    now = (now or timezone.now()).replace(microsecond=0)
    vendor = connection.vendor
    fmt = Formatter("+00" if vendor == "postgresql" else "")
    ref = load_reference(seed)
    done = 0

    def batches() -> Iterator[list[tuple[Any, ...]]]:
        batch: list[tuple[Any, ...]] = []
        for row in rows(n, seed, now, fmt, ref):
            batch.append(row)
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def advance(k: int) -> None:
        nonlocal done
        done += k
        if progress:
            progress(done, n)

    start = time.perf_counter()
    if vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case' AND "
                "indexname NOT IN (SELECT conname FROM pg_constraint "
                "WHERE conrelid = 'cases_case'::regclass)"
            )
            secondary = cur.fetchall()
            for name, _ in secondary:  # a bulk load builds them once, after the rows
                cur.execute(f'DROP INDEX "{name}"')
        _postgres_write(batches(), advance)
        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '1GB'")
            for _, definition in secondary:
                cur.execute(definition)
            cur.execute("RESET maintenance_work_mem")
            cur.execute("VACUUM (ANALYZE) cases_case")  # what autovacuum would have done
    elif vendor == "sqlite":
        _sqlite_write(batches(), advance)
    else:
        raise SystemExit(f"unsupported database {vendor}")
    seconds = time.perf_counter() - start
    return {"rows": done, "seconds": seconds, "rate": done / seconds if seconds else 0.0}


def prepare() -> None:
    """Migrate and build the demo district and people (one day, one case a day), as the
    generator's cases need grids, workers, categories and units."""
    from django.core.management import call_command
    from rich.console import Console

    from lianqin.demo.builder import build_demo, occupied

    call_command("migrate", interactive=False, verbosity=0)
    if not occupied():
        build_demo(seed=1, days=0, per_day=1, console=Console(file=io.StringIO()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianqin.settings")
    os.environ.setdefault("LIANQIN_SECRET_KEY", "bench-only")
    import django

    django.setup()
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console()
    prepare()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console) as bar:  # fmt: skip
        task = bar.add_task("cases", total=args.cases)
        result = generate(args.cases, args.seed, lambda d, t: bar.update(task, completed=d))
    console.print(
        f"{result['rows']:,} cases in {result['seconds']:.1f} s: {result['rate']:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
