"""The responsibility list in the database: loading the default rules, and the rule set
routing uses (explicit rules, then the catalogue's own units), cached per process and
rebuilt when a rule or a category assignment changes."""

from __future__ import annotations

import csv
import io
import time as clock
from datetime import time
from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from lianqin.errors import InvalidInput
from lianqin.org.models import CategoryUnit, RoutingRule, Unit
from lianqin.triage.routing import Rule, catalogue_rules

#: rules are re-read at least this often, so changes made by another process (an import,
#: the admin) reach this one; changes made in this process drop the cache at once
TTL_SECONDS = 60.0
_rules: list[Rule] | None = None
_read_at = 0.0


def rules() -> list[Rule]:
    """Explicit enabled rules in order, then the catalogue's lead/assist units."""
    global _rules, _read_at
    if _rules is None or clock.monotonic() - _read_at > TTL_SECONDS:
        _read_at = clock.monotonic()
        explicit = [_rule(r) for r in RoutingRule.objects.filter(enabled=True)
                    .select_related("lead").prefetch_related("assist")]  # fmt: skip
        links = CategoryUnit.objects.values_list("category__code", "unit__code", "role", "position")
        _rules = explicit + catalogue_rules(links)
    return _rules


def _rule(row: RoutingRule) -> Rule:
    return Rule(
        name=row.name, lead=row.lead.code, assist=tuple(u.code for u in row.assist.all()),
        categories=tuple(row.categories), areas=tuple(row.areas), keywords=tuple(row.keywords),
        channels=tuple(row.channels), start=row.start, end=row.end,
        weekdays=tuple(int(d) for d in row.weekdays), key=f"rule:{row.pk}",
    )  # fmt: skip


@receiver([post_save, post_delete], sender=RoutingRule)
@receiver([post_save, post_delete], sender=CategoryUnit)
@receiver(m2m_changed, sender=RoutingRule.assist.through)
def forget(**_kwargs: Any) -> None:
    global _rules
    _rules = None


def load_rules_csv(text: str, *, replace: bool = False, only_new: bool = False) -> int:
    """Rules from CSV (``org/data/routing.csv`` is the format); lists are ``|``-separated,
    times ``HH:MM``. All or nothing; errors name the line. ``only_new`` adds the rules
    whose name is not there yet and leaves edited ones alone (``lianqin init``)."""
    units = {u.code: u for u in Unit.objects.all()}
    parsed = []
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        lead = units.get((row.get("lead") or "").strip())
        if lead is None:
            raise InvalidInput(f"第 {line} 行：主办单位 {row.get('lead')!r} 不存在", field="lead",
                               hint="单位编码见 org/data/units.csv 或管理后台「参勤单位」")  # fmt: skip
        assist = [units[c] for c in _split(row.get("assist")) if c in units]
        missing = [c for c in _split(row.get("assist")) if c not in units]
        if missing:
            raise InvalidInput(f"第 {line} 行：协办单位 {missing} 不存在", field="assist")
        name = (row.get("name") or "").strip()
        start, end = _time(row.get("start"), line), _time(row.get("end"), line)
        weekdays = [int(d) for d in _split(row.get("weekdays")) if d.isdigit()]
        # a Rule checks the time window and the weekdays
        Rule(name=name, lead=lead.code, start=start, end=end, weekdays=tuple(weekdays))
        fields: dict[str, Any] = {
            "name": name, "position": int(row.get("position") or 100),
            "categories": _split(row.get("categories")), "areas": _split(row.get("areas")),
            "keywords": _split(row.get("keywords")), "channels": _split(row.get("channels")),
            "start": start, "end": end, "weekdays": weekdays,
            "note": (row.get("note") or "").strip(),
        }  # fmt: skip
        parsed.append((fields, lead, assist))
    with transaction.atomic():
        if replace:
            RoutingRule.objects.all().delete()
        for fields, lead, assist in parsed:
            if only_new and RoutingRule.objects.filter(name=fields["name"]).exists():
                continue
            rule, _ = RoutingRule.objects.update_or_create(
                name=fields["name"], defaults={**fields, "lead": lead}
            )
            rule.assist.set(assist)
    forget()
    return len(parsed)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split("|") if v.strip()]


def _time(value: str | None, line: int) -> time | None:
    if not value or not value.strip():
        return None
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"第 {line} 行：时间 {value!r} 无效", hint="HH:MM，如 22:00") from None
