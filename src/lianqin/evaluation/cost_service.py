"""The cost ledger from the rollup and the work orders (see ``evaluation.cost``)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count

from lianqin.cases.access import Actor
from lianqin.cases.models import WorkOrder
from lianqin.evaluation import cost, queries
from lianqin.evaluation import indicators as ind
from lianqin.evaluation.models import CostRate


def rates() -> cost.Rates:
    return cost.Rates.of({r.task: float(r.yuan) for r in CostRate.objects.all()})


def ledger(actor: Actor, kind: str, day: date) -> dict[str, Any]:
    """Every unit's and every workstation's line for the period of ``kind`` with ``day``."""
    queries.check_may_view(actor)
    period = ind.period_of(kind, day)
    lines: dict[str, cost.Line] = {}
    units = queries.sums(actor, "unit", period.start, period.end)
    assists = _assists(actor, period)
    names = queries.names("unit", list(units) + [str(u) for u in assists])
    for key, s in units.items():
        lines[f"u{key}"] = cost.Line(key, names.get(key, key), "unit", {
            "led": s["dispatched"], "taken_over": s["dispatched"] - s["dispatched_kept"],
            "hours": round(s["handle_seconds"] / 3600, 1),
        })  # fmt: skip
    for unit_id, n in assists.items():
        line = lines.setdefault(
            f"u{unit_id}", cost.Line(str(unit_id), names.get(str(unit_id), str(unit_id)), "unit")
        )
        line.counts["assisted"] = n
    communities = queries.sums(actor, "community", period.start, period.end)
    cnames = queries.names("community", list(communities))
    for key, s in communities.items():
        if s["on_site"]:
            lines[f"c{key}"] = cost.Line(key, cnames[key], "workstation", {"on_site": s["on_site"]})
    current = rates()
    priced = cost.price(lines.values(), current)
    return {"period": period, "rates": current, "lines": priced,
            "total": round(sum(x.total for x in priced), 2)}  # fmt: skip


def _assists(actor: Actor, period: ind.Period) -> dict[int, int]:
    tz = ZoneInfo(settings.TIME_ZONE)
    qs = WorkOrder.objects.filter(
        role="assist",
        dispatched_at__gte=datetime.combine(period.start, time(), tz),
        dispatched_at__lt=datetime.combine(period.end, time(), tz),
    )
    if actor.scope_code:
        qs = qs.filter(case__area_code__startswith=actor.scope_code)
    return dict(qs.values_list("unit_id").annotate(n=Count("id")).order_by())
