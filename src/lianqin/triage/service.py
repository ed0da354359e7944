"""Triage against the database: the catalogue's keyword rules (cached per process) and
the open cases a new report might duplicate.

The pure scoring lives in ``triage/duplicates.py`` and ``triage/keywords.py``; this module
only fetches what they need: the open cases of the time window live in an in-memory
index per process (:class:`LiveIndex`), which reads the cases other processes filed
before each query, so that a report is compared with every open case of the window —
nearby ones, and for a report without a place, all of them — at the cost of a few
dictionary reads.
"""

from __future__ import annotations

import time
from datetime import datetime

from lianqin.cases.models import Case, Report
from lianqin.cases.workflow import OPEN
from lianqin.org.models import Category
from lianqin.triage.duplicates import DEFAULT, Config, DuplicateIndex, Item, Score
from lianqin.triage.keywords import KeywordRules, Node

RULES_TTL_S = 60.0
TAIL = 256
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
    """Drop the per-process caches (tests roll rows back and reuse ids)."""
    global _rules, _live
    _rules = None
    _live = None


def suggest_category(text: str) -> list[dict[str, object]]:
    return [s.as_dict() for s in keyword_rules().suggest(text)]


class LiveIndex:
    """The open cases of the window in this process's memory, for the single-report
    path: each call first reads the cases created since the last one (by id, one cheap
    query) so that every process sees what the others filed, and once a minute drops
    what left the window. Closed cases may linger in the index; :func:`duplicates`
    keeps only the matches that are still open (one query on a handful of ids)."""

    def __init__(self, cfg: Config = DEFAULT) -> None:
        self.cfg = cfg
        self.index = DuplicateIndex(cfg)
        self.last_id = 0
        self.expired_at = 0.0
        self.tail_at = 0.0

    def refresh(self, now: datetime, *, everything: bool = False) -> None:
        since = now - self.cfg.window
        # ids are issued before commit, so on PostgreSQL a lower id may become visible
        # after a higher one: once a second, look back over the last ids again
        tail = TAIL if time.monotonic() - self.tail_at > 1.0 else 0
        if tail:
            self.tail_at = time.monotonic()
        rows = list(
            Case.objects.filter(pk__gt=self.last_id - tail, created_at__gte=since)
            .order_by("pk")
            .values_list(
                "id",
                "title",
                "description",
                "created_at",
                "lon",
                "lat",
                "category__code",
                "area_code",
                "status",
            )[: None if everything else 50_000]
        )
        keys = _phone_keys([r[0] for r in rows])
        for r in rows:
            if r[8] in OPEN and f"db:{r[0]}" not in self.index:
                self.index.add(
                    Item(
                        key=f"db:{r[0]}",
                        text=f"{r[1]} {r[2]}",
                        at=r[3],
                        lon=r[4],
                        lat=r[5],
                        category=r[6] or "",
                        phone_key=keys.get(r[0], ""),
                        area=r[7],
                    )
                )
        if rows:
            self.last_id = max(self.last_id, rows[-1][0])
        if time.monotonic() - self.expired_at > 60:
            self.index.expire(since)
            self.expired_at = time.monotonic()


_live: LiveIndex | None = None


def live_index() -> LiveIndex:
    global _live
    if _live is None:
        _live = LiveIndex()
    return _live


def duplicates(item: Item, now: datetime, cfg: Config = DEFAULT) -> list[tuple[int, Score]]:
    """The open cases ``item`` may duplicate, best first (the live index, kept current)."""
    live = live_index()
    live.refresh(now)
    found = [(int(str(k)[3:]), s) for k, s in live.index.candidates(item, cfg)]
    if not found:
        return []
    ids = [k for k, _ in found]
    still_open = set(
        Case.objects.filter(pk__in=ids, status__in=list(OPEN)).values_list("pk", flat=True)
    )
    return [(k, s) for k, s in found if k in still_open]


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


def warm_index(now: datetime, cfg: Config = DEFAULT) -> DuplicateIndex:
    """An index of the open cases of the window (for one bulk import run)."""
    live = LiveIndex(cfg)
    live.refresh(now, everything=True)
    return live.index
