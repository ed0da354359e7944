"""Keeping the rollup (``Tally``, ``EventTally``) current, and rebuilding it.

Why a rollup: a leader's figures over ten million cases cannot be counted from the cases
at each request (ARCHITECTURE.md measured 11-19 s on SQLite). The counters of
``evaluation.indicators`` are summed per local day and month along each dimension, so a
figure reads at most a few thousand rows.

What must hold:

* the rollup equals a rebuild from the cases at every commit: :func:`track` runs in the
  transaction that changes a case (``cases.actions.record.record`` and the bulk intake
  call it), moves the case's old contribution out and its new one in, and so rolls back
  with it; ``tests/integration/test_rollup.py`` checks equality after every path;
* a case's "before" is what was loaded (``Case.from_db``); a case created in this
  transaction has none;
* rows are upserted in key order, so two transactions never deadlock on them;
* history lines are counted once, when recorded (:func:`track_event`); a rebuild counts
  them again from the table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from lianqin.cases.models import PARTIALLY_LOADED, TALLY_FIELDS, Case, CaseEvent
from lianqin.evaluation.indicators import MEASURES, CaseRow, contributions, measures
from lianqin.evaluation.models import EventTally, Tally
from lianqin.org.models import Category

Key = tuple[str, date, str, str, str]  # grain, period, dim, area, key
Values = tuple[Any, ...]  # a case's TALLY_FIELDS, in order
_F = {name: i for i, name in enumerate(TALLY_FIELDS)}
DIMS = ("area", "channel", "category", "unit", "worker")
#: the dimensions counted per day as well as per month (the dashboard's daily trends, and
#: indicator tables by day or week); the others per month only, which keeps the rollup
#: small (a day × category × street row holds one or two cases)
DAILY = frozenset({"area", "channel"})


def grains(dim: str, day: date) -> tuple[tuple[str, date], ...]:
    month = ("m", day.replace(day=1))
    return (("d", day), month) if dim in DAILY else (month,)


@lru_cache(maxsize=1)
def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(at: datetime) -> date:
    return at.astimezone(_tz()).date()


_categories: dict[int, str] = {}


def _category_code(category_id: int | None) -> str:
    if category_id is None:
        return ""
    if category_id not in _categories:
        _categories.update(Category.objects.values_list("id", "code"))
    return _categories.get(category_id, "")[:4]


def values_of(case: Case) -> Values:
    return tuple(getattr(case, f) for f in TALLY_FIELDS)


def row_of(v: Values) -> CaseRow:
    return CaseRow(*(v[_F[f]] for f in CaseRow.__dataclass_fields__))


def dims_of(v: Values) -> list[tuple[str, str, str]]:
    """(dim, area, key) of each dimension the case counts in."""
    area = v[_F["area_code"]] or ""
    street = area[:9]
    out = [("area", area, area), ("channel", street, v[_F["channel"]])]
    out.append(("category", street, _category_code(v[_F["category_id"]])))
    if v[_F["lead_unit_id"]] is not None:
        out.append(("unit", street, str(v[_F["lead_unit_id"]])))
    if v[_F["assignee_id"]] is not None:
        out.append(("worker", street, str(v[_F["assignee_id"]])))
    return out


def rows_of(v: Values) -> dict[Key, dict[str, int]]:
    """The case's contribution to each rollup row it touches."""
    out: dict[Key, dict[str, int]] = {}
    dims = dims_of(v)
    for (day, measure), value in contributions(row_of(v), local_day).items():
        for dim, area, key in dims:
            for grain, period in grains(dim, day):
                row = out.setdefault((grain, period, dim, area, key), {})
                row[measure] = row.get(measure, 0) + value
    return out


def delta(before: Values | None, after: Values | None) -> dict[Key, dict[str, int]]:
    out: dict[Key, dict[str, int]] = defaultdict(dict)
    for sign, v in ((-1, before), (1, after)):
        if v is None:
            continue
        for key, row in rows_of(v).items():
            target = out[key]
            for m, n in row.items():
                target[m] = target.get(m, 0) + sign * n
    return {k: {m: n for m, n in r.items() if n} for k, r in out.items() if any(r.values())}


def track(case: Case) -> None:
    """Move the case's counts from what was loaded to what it is now (in the caller's
    transaction)."""
    after = values_of(case)
    before = _before(case)
    if before == after:
        return
    apply(delta(before, after))
    case._tally_before = after  # type: ignore[attr-defined]


def _before(case: Case) -> Values | None:
    """What the case counted as when loaded; None for a case created in this transaction."""
    before = getattr(case, "_tally_before", None)
    if before == PARTIALLY_LOADED:
        raise RuntimeError(
            f"case {case.pk} was loaded without the columns the rollup counts and then "
            "changed: load it whole (no .only()/.defer()) before changing it"
        )
    return before


def track_many(cases: Iterable[Case]) -> None:
    """:func:`track` for a batch (the bulk intake): one upsert per touched row."""
    total: dict[Key, dict[str, int]] = defaultdict(dict)
    for case in {id(c): c for c in cases}.values():
        after = values_of(case)
        before = _before(case)
        if before == after:
            continue
        for key, row in delta(before, after).items():
            target = total[key]
            for m, n in row.items():
                target[m] = target.get(m, 0) + n
        case._tally_before = after  # type: ignore[attr-defined]
    apply({k: r for k, r in total.items() if any(r.values())})


def apply(changes: dict[Key, dict[str, int]]) -> None:
    """Add ``changes`` to the rollup: one multi-row upsert (one round trip), rows in key
    order."""
    if not changes:
        return
    table = connection.ops.quote_name(Tally._meta.db_table)
    row = "(" + ", ".join(["%s"] * (5 + len(MEASURES))) + ")"
    updates = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in MEASURES)
    keys = sorted(changes)
    with connection.cursor() as cur:
        for part in _parts(keys, 5 + len(MEASURES)):
            sql = (
                f"INSERT INTO {table} (grain, period, dim, area, key, {', '.join(MEASURES)}) "  # noqa: S608
                f"VALUES {', '.join([row] * len(part))} "
                f"ON CONFLICT (grain, dim, period, area, key) DO UPDATE SET {updates}"
            )
            params: list[Any] = []
            for k in part:
                params += [*k, *(changes[k].get(m, 0) for m in MEASURES)]
            cur.execute(sql, params)


def _parts(keys: list[Any], width: int) -> Iterator[list[Any]]:
    """Rows per statement under SQLite's limit of 32,766 parameters (a bulk intake batch
    can touch thousands of rows)."""
    size = max(1, 30_000 // width)
    for i in range(0, len(keys), size):
        yield keys[i : i + size]


EventKey = tuple[str, date, str, int, str, str]  # grain, period, area, person, role, action


def event_keys(
    at: datetime, area_code: str, person: int | None, role: str, action: str, data: Any
) -> list[EventKey]:
    if action == "warning":
        action = f"warning:{(data or {}).get('warning', '')}"
    day = local_day(at)
    street = (area_code or "")[:9]
    return [(g, p, street, person or 0, role, action[:40])
            for g, p in (("d", day), ("m", day.replace(day=1)))]  # fmt: skip


def track_event(event: CaseEvent, area_code: str) -> None:
    """Count one history line (day and month rows)."""
    track_events([(event, area_code)])


def track_events(events: Iterable[tuple[CaseEvent, str]]) -> None:
    counts: dict[EventKey, int] = defaultdict(int)
    for e, area in events:
        for key in event_keys(e.at, area, e.actor_id, e.actor_role, e.action, e.data):
            counts[key] += 1
    if not counts:
        return
    table = connection.ops.quote_name(EventTally._meta.db_table)
    with connection.cursor() as cur:
        for part in _parts(sorted(counts), 7):
            sql = (
                f"INSERT INTO {table} (grain, period, area, person, role, action, n) "  # noqa: S608
                f"VALUES {', '.join(['(%s, %s, %s, %s, %s, %s, %s)'] * len(part))} "
                f"ON CONFLICT (grain, action, period, area, person, role) "
                f"DO UPDATE SET n = {table}.n + excluded.n"
            )
            params: list[Any] = []
            for k in part:
                params += [*k, counts[k]]
            cur.execute(sql, params)


# --- rebuild ------------------------------------------------------------------------------


def _chunks(batch: int) -> Iterator[list[Values]]:
    last = 0
    while True:
        rows = list(
            Case.objects.filter(pk__gt=last).order_by("pk").values_list("pk", *TALLY_FIELDS)[:batch]
        )
        if not rows:
            return
        last = rows[-1][0]
        yield [r[1:] for r in rows]


def rebuild(
    batch: int = 20_000, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Empty the rollup and count every case and history line again; ``progress(done,
    total)`` after each batch. One transaction: readers see the old rollup until the end."""
    total = Case.objects.count()
    sums: dict[Key, list[int]] = {}
    index = {m: i for i, m in enumerate(MEASURES)}
    done = 0
    _categories.clear()
    for chunk in _chunks(batch):
        for v in chunk:
            _accumulate(v, sums, index)
        done += len(chunk)
        if progress:
            progress(done, total)
    with transaction.atomic():
        Tally.objects.all().delete()
        _insert(sums)
        events = rebuild_events()
    _analyze()
    return {"cases": done, "rows": len(sums), "event_rows": events}


def _accumulate(v: Values, sums: dict[Key, list[int]], index: dict[str, int]) -> None:
    """:func:`rows_of` added into ``sums``, without its intermediate dicts: the rebuild's
    inner loop (``test_rollup`` checks both give the same rollup)."""
    m = measures(row_of(v))
    if not m:
        return
    vec = [(index[k], n) for k, n in m.items()]
    day = local_day(v[_F["created_at"]])
    dims = dims_of(v)
    width = len(MEASURES)
    for dim, area, key in dims:
        for g, p in grains(dim, day):
            k = (g, p, dim, area, key)
            acc = sums.get(k)
            if acc is None:
                acc = sums[k] = [0] * width
            for i, n in vec:
                acc[i] += n
    closed_at = v[_F["closed_at"]]
    if m.get("closed") and closed_at is not None:
        closed = local_day(closed_at)
        i = index["closed_on"]
        for dim, area, key in dims:
            for g, p in grains(dim, closed):
                k = (g, p, dim, area, key)
                acc = sums.get(k)
                if acc is None:
                    acc = sums[k] = [0] * width
                acc[i] += 1


def _insert(sums: dict[Key, list[int]], batch: int = 10_000) -> None:
    """The rebuilt rows: ``COPY`` on PostgreSQL, multi-row inserts on SQLite (Django's
    ``bulk_create`` builds a model per row: 10× slower at millions of rows)."""
    table = connection.ops.quote_name(Tally._meta.db_table)
    columns = f"grain, period, dim, area, key, {', '.join(MEASURES)}"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for (g, p, d, a, k), acc in sums.items():
                    copy.write_row((g, p, d, a, k, *acc))
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * (5 + len(MEASURES)))})"  # noqa: S608
        rows: list[tuple[Any, ...]] = []
        for (g, p, d, a, k), acc in sums.items():
            rows.append((g, p, d, a, k, *acc))
            if len(rows) >= batch:
                cur.executemany(sql, rows)
                rows.clear()
        if rows:
            cur.executemany(sql, rows)


def _analyze() -> None:
    """Fresh statistics for the planner: without them PostgreSQL estimated one row in the
    rebuilt rollup and scanned every day row for a 30-day dashboard (1 s instead of 50 ms)."""
    with connection.cursor() as cur:
        for model in (Tally, EventTally):
            cur.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def rebuild_events(batch: int = 50_000) -> int:
    """Count the history again, in pages of ``batch`` lines."""
    EventTally.objects.all().delete()
    counts: dict[EventKey, int] = defaultdict(int)
    last = 0
    while True:
        rows = list(
            CaseEvent.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "at", "case__area_code", "actor_id", "actor_role", "action", "data")[
                :batch
            ]
        )
        if not rows:
            break
        last = rows[-1][0]
        for _, at, area, person, role, action, data in rows:
            for key in event_keys(at, area, person, role, action, data):
                counts[key] += 1
    EventTally.objects.bulk_create(
        [
            EventTally(grain=g, period=p, area=a, person=pe, role=r, action=ac, n=n)
            for (g, p, a, pe, r, ac), n in counts.items()
        ],
        batch_size=5_000,
    )
    return len(counts)
