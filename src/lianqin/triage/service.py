"""Triage against the database: the catalogue's keyword rules (cached per process) and
the open cases a new report might duplicate.

The pure scoring lives in ``triage/duplicates.py`` and ``triage/keywords.py``; this module
only fetches what they need. Candidates are blocked the way a dispatcher would look:
open cases of the same street (or, for a report that could not be placed, the whole
district) within the time window, newest first, plus any open case the same caller
reported in that window wherever it is.
"""

from __future__ import annotations

import time
from datetime import datetime

from django.db.models import Q

from lianqin.cases.models import Case, Report
from lianqin.cases.workflow import OPEN
from lianqin.org.models import Category
from lianqin.triage.duplicates import DEFAULT, Config, Item
from lianqin.triage.keywords import KeywordRules, Node

RULES_TTL_S = 60.0
MAX_CANDIDATES = 400
_rules: tuple[float, KeywordRules] | None = None


def keyword_rules() -> KeywordRules:
    """The catalogue's keyword rules, rebuilt at most once a minute."""
    global _rules
    if _rules is None or time.monotonic() - _rules[0] > RULES_TTL_S:
        rows = Category.objects.filter(active=True).values_list(
            "code", "name", "parent__code", "keywords"
        )
        nodes = [Node(c, n, p or "", tuple(k or ())) for c, n, p, k in rows]
        _rules = (time.monotonic(), KeywordRules(nodes))
    return _rules[1]


def forget() -> None:
    global _rules
    _rules = None


def suggest_category(text: str) -> list[dict[str, object]]:
    return [s.as_dict() for s in keyword_rules().suggest(text)]


def open_cases_near(
    area_code: str, phone_key: str, now: datetime, cfg: Config = DEFAULT
) -> list[Item]:
    """Open cases a report placed in ``area_code`` (a grid code, or the district's code
    when unplaced) might duplicate: same street within the window, or same caller."""
    since = now - cfg.window
    block = area_code[:9] if len(area_code) >= 9 else area_code[:6]
    where = Q(area_code__startswith=block)
    if phone_key:
        where |= Q(reports__reporter__phone_key=phone_key)
    rows = list(
        Case.objects.filter(where, created_at__gte=since, status__in=list(OPEN))
        .order_by("-created_at")
        .values_list(
            "id", "title", "description", "created_at", "lon", "lat", "category__code", "area_code"
        )
        .distinct()[:MAX_CANDIDATES]
    )
    keys = _phone_keys([r[0] for r in rows])
    return [
        Item(
            key=r[0],
            text=f"{r[1]} {r[2]}",
            at=r[3],
            lon=r[4],
            lat=r[5],
            category=r[6] or "",
            phone_key=keys.get(r[0], ""),
            area=r[7],
        )
        for r in rows
    ]


def _phone_keys(case_ids: list[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    found = (
        Report.objects.filter(case_id__in=case_ids)
        .exclude(reporter__phone_key="")
        .exclude(reporter=None)
        .values_list("case_id", "reporter__phone_key")
    )
    return {case_id: key for case_id, key in found}
