"""Appraisal over the rollup: regions, units and grid workers from the indicator tables,
受理员 / 派遣员 / 值班长 from the history counted per person (``EventTally``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from lianqin.cases.access import Actor
from lianqin.errors import Forbidden, InvalidInput
from lianqin.evaluation import indicators as ind
from lianqin.evaluation import queries
from lianqin.evaluation.appraisal import ACTION_PREFIX, DEFAULT_SCHEMES, Scheme, Scored, appraise
from lianqin.evaluation.models import AppraisalScheme, EventTally, Total
from lianqin.org.models import Person

#: target → the dimension its rows come from (regions: any area level)
TARGETS = {"region": "street", "unit": "unit", "worker": "worker", "dispatcher": "dispatcher",
           "sender": "dispatcher", "duty_leader": "duty_leader"}  # fmt: skip
ROLE_TARGETS = {"dispatcher", "sender", "duty_leader"}


def scheme_for(target: str) -> Scheme:
    if target not in DEFAULT_SCHEMES:
        raise InvalidInput(f"考核对象 {target!r} 不支持", field="target",
                           hint="target 取 " + "、".join(DEFAULT_SCHEMES))  # fmt: skip
    row = AppraisalScheme.objects.filter(target=target).first()
    if row is None:
        return DEFAULT_SCHEMES[target]
    grades = [tuple(g) for g in row.grades] if row.grades else DEFAULT_SCHEMES[target].grades
    return Scheme(target, row.title, row.weights, grades)


def run(actor: Actor, target: str, dim: str, kind: str, day: date) -> dict[str, Any]:
    """The ranking of ``target`` for the period of ``kind`` containing ``day``."""
    queries.check_may_view(actor)
    scheme = scheme_for(target)
    period = ind.period_of(kind, day)
    if target in ROLE_TARGETS:
        rows = _people(actor, target, period.start, period.end)
    else:
        if target == "region" and dim not in queries.AREA_LEVELS:
            dim = "street"
        table = queries.indicator_table(actor, dim=dim if target == "region" else TARGETS[target],
                                        kind=kind, day=day)  # fmt: skip
        rows = [(r["key"], r["name"], r["figures"]) for r in table["rows"]]
    scored = appraise(scheme, rows)
    return {"target": target, "scheme": scheme, "period": period, "rows": scored,
            "dim": dim}  # fmt: skip


def _people(actor: Actor, target: str, start: date, end: date) -> list[tuple[str, str, dict]]:
    role = "duty_leader" if target == "duty_leader" else "dispatcher"
    months, days = ind.split(start, end)
    qs = EventTally.objects.filter(role=role).exclude(person=0)
    if len(actor.scope_code) > 9:
        raise Forbidden("受理员、派遣员、值班长的考核按街道以上汇总", hint="由街道或区查看")
    if actor.scope_code:
        qs = qs.filter(area__startswith=actor.scope_code)
    counts: dict[int, dict[str, float | None]] = defaultdict(dict)
    for grain, periods in (("m", months), ("d", days)):
        if not periods:
            continue
        rows = qs.filter(grain=grain, period__in=periods).values("person", "action")
        for r in rows.annotate(n=Total("n")).order_by():
            key = ACTION_PREFIX + r["action"]
            counts[r["person"]][key] = (counts[r["person"]].get(key) or 0) + r["n"]
    names = dict(Person.objects.filter(pk__in=counts).values_list("pk", "display_name"))
    return [(str(p), names.get(p) or f"#{p}", c) for p, c in sorted(counts.items())]


def as_rows(scored: list[Scored], scheme: Scheme) -> list[dict[str, Any]]:
    return [{"rank": s.rank or None, "name": s.name, "score": s.score, "grade": s.grade or None,
             **{c: s.parts.get(c) for c in scheme.weights}} for s in scored]  # fmt: skip
