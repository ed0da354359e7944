"""Indicator tables from the rollup: any dimension, any period, with 同比 and 环比.

What must hold:

* every figure is read from ``Tally`` (never from the cases), through
  :func:`indicators.split`: whole months from month rows, loose days from day rows, so a
  year is 12 × keys rows and a month at most 31 × keys;
* the viewer's jurisdiction is a prefix of the ``area`` column (a street's leader sees the
  street's grids, channels, categories, units and workers as counted in that street);
* 抽查合格率 comes from the findings recorded in the period (``InspectionItem.checked_at``),
  joined to the case's area; everything else follows the counting rule of
  ``evaluation.indicators`` (the report day).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from lianqin.cases.access import Actor
from lianqin.cases.models import Case
from lianqin.choices import CHANNEL_LABELS, Role
from lianqin.errors import Forbidden, InvalidInput
from lianqin.evaluation import indicators as ind
from lianqin.evaluation.models import InspectionItem, Tally, Total
from lianqin.org.models import Category, Community, District, Grid, Person, Street, Unit

VIEW_ROLES = {Role.LEADER, Role.DUTY_LEADER, Role.ADMIN}
#: the area levels and the length of their codes
AREA_LEVELS = {"district": 6, "street": 9, "community": 12, "grid": 15}
DIMENSIONS = (*AREA_LEVELS, "channel", "category", "unit", "worker")
HEADLINE = ("registered", "on_site_rate", "closure_rate", "close_on_time_rate", "satisfaction")
#: the measures the HEADLINE indicators are made of (all a comparison period needs)
COMPARED = ("registered", "on_site", "dispatched", "closed", "due_close", "closed_on_time",
            "cb_satisfied", "cb_basic", "cb_unsatisfied")  # fmt: skip
#: dimensions with day rows (evaluation.rollup.DAILY): any period; the others by month
DAILY_DIMS = {*("district", "street", "community", "grid"), "channel"}


def check_may_view(actor: Actor) -> None:
    if actor.role not in VIEW_ROLES:
        raise Forbidden("指标与考核供领导、值班长和管理员查看", hint="值班员请用案件队列 /console/")


def parse(dim: str | None, kind: str | None, day: str | None, today: date) -> tuple[str, str, date]:
    dim, kind = dim or "street", kind or "month"
    if dim not in DIMENSIONS:
        raise InvalidInput(
            f"维度 {dim!r} 不支持", field="dim", hint="dim 取 " + "、".join(DIMENSIONS)
        )
    if kind not in ind.PERIOD_KINDS:
        raise InvalidInput(f"周期 {kind!r} 不支持", field="period",
                           hint="period 取 " + "、".join(ind.PERIOD_KINDS))  # fmt: skip
    try:
        when = date.fromisoformat(day) if day else today
    except ValueError:
        raise InvalidInput(f"日期 {day!r} 无法识别", field="date", hint="格式 2026-11-01") from None
    return dim, kind, when


def _rows(actor: Actor, dim: str) -> QuerySet[Tally]:
    """The rollup rows of ``dim`` within the viewer's jurisdiction. Area rows carry the
    grid's code (any scope is a prefix); the other dimensions only the street's, so a
    viewer scoped below a street gets area tables only — never the whole street's."""
    if dim in AREA_LEVELS:
        qs = Tally.objects.filter(dim="area")
        return qs.filter(area__startswith=actor.scope_code) if actor.scope_code else qs
    if len(actor.scope_code) > 9:
        raise Forbidden(
            f"社区、网格级只能按区域查看指标（{dim} 按街道汇总）",
            hint="dim 取 community 或 grid",
        )
    qs = Tally.objects.filter(dim=dim)
    return qs.filter(area__startswith=actor.scope_code) if actor.scope_code else qs


def sums(
    actor: Actor, dim: str, start: date, end: date, wanted: tuple[str, ...] = ind.MEASURES
) -> dict[str, dict[str, int]]:
    """``{key: {measure: sum}}`` over ``[start, end)`` for one dimension (only the
    ``wanted`` measures: the comparison periods need a few)."""
    months, days = ind.split(start, end)
    if days and dim not in DAILY_DIMS:
        raise InvalidInput(
            f"维度 {dim} 按月汇总，不能按日或按周统计",
            field="period",
            hint="类别、参勤单位、网格员请选月、季度或年；按日、按周请选区域或渠道",
        )
    qs = _rows(actor, dim)
    key: Any = Substr("area", 1, AREA_LEVELS[dim]) if dim in AREA_LEVELS else F("key")
    which = Q(grain="m", period__in=months) if months else Q(pk__in=[])
    if days:
        which |= Q(grain="d", period__in=days)
    rows = (
        qs.filter(which)
        .annotate(k=key)
        .values("k")
        .annotate(**{m: Total(m) for m in wanted})
        .order_by()
    )
    out = {r["k"]: {m: int(r[m] or 0) for m in wanted} for r in rows}  # type: ignore[literal-required]
    for k, (n, passed) in _inspections(actor, dim, start, end).items():
        row = out.setdefault(k, dict.fromkeys(wanted, 0))
        row["inspected"], row["inspected_passed"] = n, passed
    return out


#: the case column each dimension is keyed by, for the findings of sample inspections
_CASE_KEY = {"channel": "channel", "unit": "lead_unit_id", "worker": "assignee_id",
             "category": "category__code"}  # fmt: skip


def _inspections(actor: Actor, dim: str, start: date, end: date) -> dict[str, tuple[int, int]]:
    """Findings recorded in the range, counted per key: the items first (few, by their
    ``checked_at``), then their cases' keys — never a join the planner may start from the
    cases' side."""
    tz = ZoneInfo(settings.TIME_ZONE)
    items = list(
        InspectionItem.objects.filter(
            passed__isnull=False,
            checked_at__gte=datetime.combine(start, time(), tz),
            checked_at__lt=datetime.combine(end, time(), tz),
        ).values_list("case_id", "passed")
    )
    if not items:
        return {}
    cases = Case.objects.filter(pk__in={c for c, _ in items})
    if actor.scope_code:
        cases = cases.filter(area_code__startswith=actor.scope_code)
    column = _CASE_KEY.get(dim, "area_code")
    keys = dict(cases.values_list("pk", column))
    out: dict[str, tuple[int, int]] = {}
    for case_id, passed in items:
        if case_id not in keys:
            continue
        raw = str(keys[case_id] or "")
        k = raw[: AREA_LEVELS[dim]] if dim in AREA_LEVELS else raw[:4] if dim == "category" else raw
        n, ok = out.get(k, (0, 0))
        out[k] = (n + 1, ok + int(bool(passed)))
    return out


def names(dim: str, keys: list[str]) -> dict[str, str]:
    """A readable name for each key of a dimension."""
    ids = [int(k) for k in keys if k.isdigit()]
    if dim in AREA_LEVELS:
        model: Any = {"district": District, "street": Street, "community": Community,
                      "grid": Grid}[dim]  # fmt: skip
        found = dict(model.objects.filter(code__in=keys).values_list("code", "name"))
        return {k: found.get(k, k or "未定位") for k in keys}
    if dim == "channel":
        return {k: CHANNEL_LABELS[k].zh if k in CHANNEL_LABELS else k for k in keys}  # type: ignore[index]
    if dim == "category":
        found = dict(Category.objects.filter(code__in=keys).values_list("code", "name"))
        return {k: found.get(k, k or "未分类") for k in keys}
    if dim == "unit":
        units = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))
        return {k: units.get(int(k), k) if k.isdigit() else k for k in keys}
    people = dict(Person.objects.filter(pk__in=ids).values_list("pk", "display_name"))
    return {k: people.get(int(k)) or f"#{k}" if k.isdigit() else k for k in keys}


def indicator_table(
    actor: Actor, *, dim: str, kind: str, day: date, now: datetime | None = None
) -> dict[str, Any]:
    """One row per key of ``dim`` for the period of ``kind`` containing ``day``: every
    indicator, and for the headline ones 环比 (previous period) and 同比 (a year before)."""
    period = ind.period_of(kind, day)
    before, last_year = ind.previous(period), ind.year_before(period)
    now_sums = sums(actor, dim, period.start, period.end)
    prev_sums = sums(actor, dim, before.start, before.end, COMPARED)
    year_sums = sums(actor, dim, last_year.start, last_year.end, COMPARED)
    keys = sorted(now_sums)
    label = names(dim, keys)
    rows = []
    for k in keys:
        f = ind.figures(now_sums[k])
        p, y = prev_sums.get(k, {}), year_sums.get(k, {})
        mom = {c: ind.change(f[c], _headline(c, p)) for c in HEADLINE}
        yoy = {c: ind.change(f[c], _headline(c, y)) for c in HEADLINE}
        rows.append({"key": k, "name": label[k], "figures": f, "mom": mom, "yoy": yoy})
    total = _total(now_sums)
    return {
        "dim": dim,
        "period": _period(period),
        "previous": previous_label(before, last_year),
        "generated_at": (now or timezone.now()).isoformat(),
        "indicators": [_about(i) for i in ind.INDICATORS],
        "total": ind.figures(total),
        "rows": rows,
    }


def _headline(code: str, sums: dict[str, int]) -> float | None:
    """One headline figure of a comparison period (only these are compared)."""
    if code == "satisfaction":
        return ind.satisfaction(sums)
    return ind.BY_CODE[code].compute(sums)


def _period(p: ind.Period) -> dict[str, str]:
    return {"kind": p.kind, "start": p.start.isoformat(), "end": p.end.isoformat(),
            "label": p.label}  # fmt: skip


def _about(i: ind.Indicator) -> dict[str, Any]:
    return {"code": i.code, "zh": i.zh, "en": i.en, "kind": i.kind,
            "definition": i.definition, "higher_is_better": i.higher_is_better}  # fmt: skip


def previous_label(before: ind.Period, last_year: ind.Period) -> dict[str, str]:
    return {"mom": before.label, "yoy": last_year.label}


def _total(rows: dict[str, dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for row in rows.values():
        for m, n in row.items():
            total[m] += n
    return dict(total)
