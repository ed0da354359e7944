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

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from lianqin.cases.access import Actor, scope_cases
from lianqin.cases.models import Case, CaseEvent
from lianqin.cases.workflow import OPEN
from lianqin.choices import CHANNEL_LABELS, Channel, Role, Warning
from lianqin.dashboard import figures
from lianqin.errors import Forbidden, InvalidInput
from lianqin.org.models import District, Street

VIEW_ROLES = {Role.LEADER, Role.DUTY_LEADER, Role.ADMIN}


def check_may_view(actor: Actor) -> None:
    if actor.role not in VIEW_ROLES:
        raise Forbidden(
            "领导看板供领导、值班长和管理员查看",
            hint="值班员请用案件队列 /console/ 和值班页 /duty/",
        )


def parse_days(value: str | None) -> int:
    if value in (None, ""):
        return 30
    if value.isdigit() and int(value) in figures.PERIODS:
        return int(value)
    raise InvalidInput(
        f"统计天数 {value!r} 不支持",
        field="days",
        hint="days 取 " + "、".join(str(p) for p in figures.PERIODS),
    )


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _by_day(qs: QuerySet[Any], column: str) -> dict[date, int]:
    rows = qs.annotate(day=TruncDate(column, tzinfo=_tz())).values("day").annotate(n=Count("id"))
    return {r["day"]: r["n"] for r in rows.order_by()}


def _grouped(qs: QuerySet[Any], *columns: str) -> list[dict[str, Any]]:
    return list(qs.values(*columns).annotate(n=Count("id")).order_by())


def dashboard_data(actor: Actor, days: int, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    tz = _tz()
    today = now.astimezone(tz).date()
    start = figures.period_start(today, days, tz)
    today_start = figures.period_start(today, 1, tz)
    cases = scope_cases(actor)
    new = cases.filter(created_at__gte=start, created_at__lte=now)
    closed = cases.filter(closed_at__gte=start, closed_at__lte=now)
    overdue_events = CaseEvent.objects.filter(
        case_id__in=cases.values("id"),
        action="warning",
        data__warning=Warning.OVERDUE.value,
        at__gte=start,
        at__lte=now,
    )
    period_days = figures.period_days(today, days)
    modes = {r["mode"]: r["n"] for r in _grouped(new, "mode")}
    callbacks = {
        r["satisfaction"]: r["n"] for r in _grouped(closed.exclude(satisfaction=""), "satisfaction")
    }
    return {
        "days": days,
        "generated_at": now.isoformat(),
        "scope": _scope(actor),
        "today": _today(cases, today_start, now),
        "period": {
            "new": sum(modes.values()),
            "closed": closed.count(),
            "on_site": modes.get("on_site", 0),
            "dispatched": modes.get("dispatched", 0),
            "on_site_rate": figures.on_site_rate(
                modes.get("on_site", 0), modes.get("dispatched", 0)
            ),
            "callbacks": callbacks,
            "satisfaction": figures.satisfaction_rate(callbacks),
        },
        "trend": {
            "dates": [d.isoformat() for d in period_days],
            "labels": [d.strftime("%m-%d") for d in period_days],
            "new": figures.fill_days(period_days, _by_day(new, "created_at")),
            "closed": figures.fill_days(period_days, _by_day(closed, "closed_at")),
            "overdue": figures.fill_days(period_days, _by_day(overdue_events, "at")),
        },
        "streets": _streets(actor, cases, new, closed),
        "channels": _channels(new),
    }


def _today(cases: QuerySet[Case], today_start: datetime, now: datetime) -> dict[str, Any]:
    made = cases.filter(created_at__gte=today_start, created_at__lte=now)
    modes = {r["mode"]: r["n"] for r in _grouped(made, "mode")}
    open_now = cases.filter(status__in=list(OPEN)).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(warning=Warning.OVERDUE))
    )
    on_site, dispatched = modes.get("on_site", 0), modes.get("dispatched", 0)
    return {
        "new": sum(modes.values()),
        "on_site": on_site,
        "dispatched": dispatched,
        "on_site_rate": figures.on_site_rate(on_site, dispatched),
        "closed": cases.filter(closed_at__gte=today_start, closed_at__lte=now).count(),
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
    actor: Actor, cases: QuerySet[Case], new: QuerySet[Case], closed: QuerySet[Case]
) -> list[dict[str, Any]]:
    streets = Street.objects.order_by("code")
    if actor.scope_code:
        streets = streets.filter(code__startswith=actor.scope_code[:9])
    rows: dict[int | None, dict[str, int]] = {s.pk: {} for s in streets}

    def add(qs: QuerySet[Any], name: str, *extra: str) -> None:
        for r in _grouped(qs, "street", *extra):
            key = name if not extra else f"{name}:{r[extra[0]]}"
            rows.setdefault(r["street"], {})[key] = r["n"]

    add(new, "new", "mode")
    add(closed, "closed")
    add(closed.exclude(satisfaction=""), "cb", "satisfaction")
    add(cases.filter(status__in=list(OPEN), warning=Warning.OVERDUE), "overdue")
    names = {s.pk: (s.code, s.name) for s in streets}
    made = []
    for pk, r in rows.items():
        code, name = names.get(pk, ("", "未定位")) if pk is not None else ("", "未定位")
        if pk not in names and not any(r.values()):
            continue
        made.append(
            figures.StreetFigures(
                code,
                name,
                new=sum(v for k, v in r.items() if k.startswith("new:")),
                closed=r.get("closed", 0),
                overdue=r.get("overdue", 0),
                on_site=r.get("new:on_site", 0),
                dispatched=r.get("new:dispatched", 0),
                satisfied=r.get("cb:satisfied", 0),
                basically=r.get("cb:basically_satisfied", 0),
                unsatisfied=r.get("cb:unsatisfied", 0),
            )
        )
    ranked = figures.rank_streets(made)
    return [s.as_dict() | {"rank": i + 1} for i, s in enumerate(ranked)]


def _channels(new: QuerySet[Case]) -> list[dict[str, Any]]:
    counts = {r["channel"]: r["n"] for r in _grouped(new, "channel")}
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
