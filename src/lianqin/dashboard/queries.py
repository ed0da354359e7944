"""The dashboard's figures from the database: a handful of GROUP BY queries over the cases
the viewer may see (``scope_cases``), never a loop over cases in Python.

What must hold:

* every count comes from ``scope_cases(actor)``: a street duty leader sees their street;
* days are the district's days (``settings.TIME_ZONE``, Asia/Shanghai): the database
  truncates timestamps to local dates (``TruncDate(..., tzinfo=…)``) on SQLite and
  PostgreSQL alike, so a case created at 23:30 local time counts for that local day;
* "overdue" on a day is the number of cases that turned overdue that day (the sweeper's
  ``warning`` history line); "overdue now" is the open cases whose warning is overdue.

Cost (see docs/dashboard.md): each query scans the period's cases (or events) in the
viewer's scope through the ``created_at``/``closed_at``/``at`` indexes; about ten queries
per request.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone

from lianqin.cases.access import Actor, scope_cases
from lianqin.cases.models import Case, CaseEvent
from lianqin.cases.workflow import OPEN
from lianqin.choices import CHANNEL_LABELS, Channel, Role, Warning
from lianqin.dashboard import figures
from lianqin.errors import Forbidden, InvalidInput
from lianqin.evaluation.indicators import split
from lianqin.evaluation.models import EventTally, Tally, Total
from lianqin.org.models import District, Street

VIEW_ROLES = {Role.LEADER, Role.DUTY_LEADER, Role.ADMIN}
SHOWN = ("cases", "closed_on", "on_site", "dispatched", "cb_satisfied", "cb_basic",
         "cb_unsatisfied", "cb_unreachable")  # fmt: skip


def check_may_view(actor: Actor) -> None:
    if actor.role not in VIEW_ROLES:
        raise Forbidden(
            "领导看板供领导、值班长和管理员查看",
            hint="值班员请用案件队列 /console/ 和值班页 /duty/",
        )


def parse_days(value: str | None) -> int:
    if value in (None, ""):
        return 30
    if value.isascii() and value.isdigit() and len(value) <= 4 and int(value) in figures.PERIODS:
        return int(value)
    raise InvalidInput(
        f"统计天数 {value!r} 不支持",
        field="days",
        hint="days 取 " + "、".join(str(p) for p in figures.PERIODS),
    )


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def dashboard_data(actor: Actor, days: int, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    tz = _tz()
    today = now.astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    end = today + timedelta(days=1)
    cases = scope_cases(actor)
    period = _area_sums(actor, first, end)
    street_sums = _area_sums(actor, first, end, by=9)
    day_rows = _by_day(actor, first, end)
    overdue_days = _overdue_by_day(actor, first, end)
    period_days = figures.period_days(today, days)
    p = period.get("", {})
    callbacks = {
        "satisfied": p.get("cb_satisfied", 0),
        "basically_satisfied": p.get("cb_basic", 0),
        "unsatisfied": p.get("cb_unsatisfied", 0),
        "unreachable": p.get("cb_unreachable", 0),
    }
    return {
        "days": days,
        "generated_at": now.isoformat(),
        "scope": _scope(actor),
        "today": _today(actor, cases, today),
        "period": {
            "new": p.get("cases", 0),
            "closed": p.get("closed_on", 0),
            "on_site": p.get("on_site", 0),
            "dispatched": p.get("dispatched", 0),
            "on_site_rate": figures.on_site_rate(p.get("on_site", 0), p.get("dispatched", 0)),
            "callbacks": {k: v for k, v in callbacks.items() if v},
            "satisfaction": figures.satisfaction_rate(callbacks),
        },
        "trend": {
            "dates": [d.isoformat() for d in period_days],
            "labels": [d.strftime("%m-%d") for d in period_days],
            "new": [day_rows.get(d, {}).get("cases", 0) for d in period_days],
            "closed": [day_rows.get(d, {}).get("closed_on", 0) for d in period_days],
            "overdue": figures.fill_days(period_days, overdue_days),
        },
        "streets": _streets(actor, cases, street_sums),
        "channels": _channels(actor, first, end),
    }


def _tally(actor: Actor, dim: str) -> QuerySet[Tally]:
    """Area rows within the viewer's scope (the grid code: any scope is a prefix); channel
    rows carry the street's code, so they serve district and street viewers only."""
    qs = Tally.objects.filter(dim=dim)
    return qs.filter(area__startswith=actor.scope_code) if actor.scope_code else qs


def _dim(actor: Actor) -> str:
    """The rollup rows the dashboard reads: every case has one channel row per day, keyed
    by its street, so for a district or street viewer the channel rows give the same
    totals, per street too, from ~100 rows a day instead of one per grid (700)."""
    return "area" if _below_street(actor) else "channel"


def _below_street(actor: Actor) -> bool:
    """A community or grid viewer: the street-keyed rollups would show the whole street,
    so their few cases are counted directly."""
    return len(actor.scope_code) > 9


def _range(first: date, end: date) -> Q:
    """``[first, end)`` as month rows for whole months and day rows for the rest."""
    months, days = split(first, end)
    wanted = Q(grain="m", period__in=months) if months else Q(pk__in=[])
    return wanted | Q(grain="d", period__in=days) if days else wanted


def _area_sums(actor: Actor, first: date, end: date, by: int = 0) -> dict[str, dict[str, int]]:
    """Measures over the range, in total (``by=0``) or by the first ``by`` digits of the
    area code (9: street)."""
    key: Any = Substr("area", 1, by) if by else Value("")
    rows = (
        _tally(actor, _dim(actor))
        .filter(_range(first, end))
        .annotate(k=key)
        .values("k")
        .annotate(**{m: Total(m) for m in SHOWN})
        .order_by()
    )
    return {r["k"]: {m: int(r[m] or 0) for m in SHOWN} for r in rows}  # type: ignore[literal-required]


def _by_day(actor: Actor, first: date, end: date) -> dict[date, dict[str, int]]:
    rows = (
        _tally(actor, _dim(actor))
        .filter(grain="d", period__gte=first, period__lt=end)
        .values("period")
        .annotate(cases=Total("cases"), closed_on=Total("closed_on"))
        .order_by()
    )
    return {r["period"]: {"cases": r["cases"] or 0, "closed_on": r["closed_on"] or 0} for r in rows}


def _overdue_by_day(actor: Actor, first: date, end: date) -> dict[date, int]:
    """Cases that turned overdue each day: the sweeper's ``warning → overdue`` lines."""
    if _below_street(actor):
        tz = _tz()
        events = CaseEvent.objects.filter(
            case__area_code__startswith=actor.scope_code, action="warning",
            data__warning=Warning.OVERDUE.value,
            at__gte=datetime.combine(first, time(), tz), at__lt=datetime.combine(end, time(), tz),
        ).annotate(day=TruncDate("at", tzinfo=tz))  # fmt: skip
        return {r["day"]: r["n"] for r in events.values("day").annotate(n=Count("id")).order_by()}
    qs = EventTally.objects.filter(
        grain="d", action="warning:overdue", period__gte=first, period__lt=end
    )
    if actor.scope_code:
        qs = qs.filter(area__startswith=actor.scope_code)
    return {r["period"]: int(r["n"]) for r in qs.values("period").annotate(n=Total("n")).order_by()}


def _today(actor: Actor, cases: QuerySet[Case], today: date) -> dict[str, Any]:
    t = _area_sums(actor, today, today + timedelta(days=1)).get("", {})
    open_now = cases.filter(status__in=list(OPEN)).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(warning=Warning.OVERDUE))
    )
    on_site, dispatched = t.get("on_site", 0), t.get("dispatched", 0)
    return {
        "new": t.get("cases", 0),
        "on_site": on_site,
        "dispatched": dispatched,
        "on_site_rate": figures.on_site_rate(on_site, dispatched),
        "closed": t.get("closed_on", 0),
        "open_now": open_now["open"],
        "overdue_now": open_now["overdue"],
    }


def _scope(actor: Actor) -> dict[str, str]:
    code = actor.scope_code
    if len(code) >= 9:
        street = Street.objects.filter(code=code[:9]).first()
        return {"code": code, "name": street.name if street else code}
    district = District.objects.first()
    return {"code": code, "name": district.name if district else ""}


def _streets(
    actor: Actor, cases: QuerySet[Case], sums: dict[str, dict[str, int]]
) -> list[dict[str, Any]]:
    streets = Street.objects.order_by("code")
    if actor.scope_code:
        streets = streets.filter(code__startswith=actor.scope_code[:9])
    overdue = dict(
        cases.filter(status__in=list(OPEN), warning=Warning.OVERDUE)
        .annotate(k=Substr("area_code", 1, 9))
        .values_list("k")
        .annotate(n=Count("id"))
        .order_by()
    )
    names = {s.code: s.name for s in streets}
    made = []
    for code in sorted(set(names) | set(sums) | set(overdue)):
        r = sums.get(code, {})
        if code not in names and not any(r.values()) and not overdue.get(code):
            continue
        made.append(
            figures.StreetFigures(
                code if code in names else "",
                names.get(code, "未定位"),
                new=r.get("cases", 0),
                closed=r.get("closed_on", 0),
                overdue=overdue.get(code, 0),
                on_site=r.get("on_site", 0),
                dispatched=r.get("dispatched", 0),
                satisfied=r.get("cb_satisfied", 0),
                basically=r.get("cb_basic", 0),
                unsatisfied=r.get("cb_unsatisfied", 0),
            )
        )
    ranked = figures.rank_streets(made)
    return [s.as_dict() | {"rank": i + 1} for i, s in enumerate(ranked)]


def _channels(actor: Actor, first: date, end: date) -> list[dict[str, Any]]:
    if _below_street(actor):
        tz = _tz()
        made = (
            scope_cases(actor)
            .exclude(status="merged")
            .filter(
                created_at__gte=datetime.combine(first, time(), tz),
                created_at__lt=datetime.combine(end, time(), tz),
            )
        )
        counts = dict(made.values_list("channel").annotate(n=Count("id")).order_by())
    else:
        rows = (
            _tally(actor, "channel")
            .filter(_range(first, end))
            .values("key")
            .annotate(n=Total("cases"))
            .order_by()
        )
        counts = {r["key"]: int(r["n"] or 0) for r in rows}
    return [
        {
            "channel": c.value,
            "label": CHANNEL_LABELS[c].zh,
            "color": CHANNEL_LABELS[c].color,
            "n": counts[c.value],
        }
        for c in Channel
        if counts.get(c.value)
    ]
