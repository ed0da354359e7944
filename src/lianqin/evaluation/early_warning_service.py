"""Early warnings from the database: :func:`scan` counts what the rules of
``evaluation.early_warning`` need and keeps their signals (``EarlyWarning``);
:func:`open_case` turns one into a proactive case with one click.

What must hold: a scan is idempotent (the same signal updates its row; a dismissed warning
comes back only when its count grew); opening a case from a warning twice opens one case
(the report's key is ``early_warning`` / ``EW-<id>``, so the second click is a replay);
every query is scoped by the viewer's area (``visible``); a caller's phone number is never
read, only its keyed hash.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from lianqin.cases.access import Actor, check_may_create
from lianqin.cases.actions import NewReport, create_case
from lianqin.cases.models import Case, Report
from lianqin.cases.workflow import OPEN
from lianqin.choices import Channel, Role
from lianqin.errors import Forbidden, NotFound
from lianqin.evaluation import early_warning as rules
from lianqin.evaluation.models import EarlyWarning
from lianqin.triage import hotspots

log = logging.getLogger("lianqin.early_warning")
VIEW_ROLES = {Role.LEADER, Role.DUTY_LEADER, Role.ADMIN, Role.DISPATCHER}


def check_may_view(actor: Actor) -> None:
    if actor.role not in VIEW_ROLES:
        raise Forbidden("预警供领导、值班长和值班员查看", hint="网格员请用 /field/")


def visible(actor: Actor) -> QuerySet[EarlyWarning]:
    qs = EarlyWarning.objects.all()
    return qs.filter(area_code__startswith=actor.scope_code) if actor.scope_code else qs


def scan(now: datetime | None = None, cfg: rules.Config = rules.DEFAULT) -> dict[str, int]:
    """Run every rule over the last ``cfg.window_days``; returns the signals per kind."""
    now = now or timezone.now()
    since = now - timedelta(days=cfg.window_days)
    recent = Case.objects.filter(created_at__gte=since, created_at__lte=now).exclude(
        status="merged"
    )
    found = [
        *rules.recurring(_recurring_rows(recent, cfg), cfg),
        *rules.rising(_rising_rows(now, cfg), cfg),
        *rules.repeat_callers(_caller_rows(since, now, cfg), cfg),
        *rules.reopened(_reopened_rows(cfg), cfg),
        *_hot(since, now),
    ]
    for signal in found:
        _keep(signal, now)
    counts: dict[str, int] = {}
    for s in found:
        counts[s.kind] = counts.get(s.kind, 0) + 1
    return counts


def _numbers(qs: QuerySet[Case]) -> list[str]:
    return list(qs.order_by("-created_at").values_list("number", flat=True)[:20])


def _recurring_rows(
    recent: QuerySet[Case], cfg: rules.Config
) -> list[tuple[str, str, int, list[str]]]:
    groups = (
        recent.exclude(grid=None)
        .values("grid__code", "grid_id", "category__code", "category_id")
        .annotate(n=Count("id"))
        .filter(n__gte=cfg.place_min)
        .order_by()
    )
    return [
        (g["grid__code"], g["category__code"] or "", g["n"],
         _numbers(recent.filter(grid_id=g["grid_id"], category_id=g["category_id"])))
        for g in groups
    ]  # fmt: skip


def _rising_rows(now: datetime, cfg: rules.Config) -> list[tuple[str, str, int, list[int]]]:
    window = timedelta(days=cfg.window_days)
    counts: list[dict[tuple[str, str], int]] = []
    for i in range(cfg.rise_history + 1):
        qs = (
            Case.objects.filter(
                created_at__gte=now - (i + 1) * window, created_at__lt=now - i * window
            )
            .exclude(status="merged")
            .exclude(community=None)
        )
        rows = qs.values("community__code", "category__code").annotate(n=Count("id")).order_by()
        counts.append({(r["community__code"], r["category__code"] or ""): r["n"] for r in rows})
    current, before = counts[0], counts[1:]
    return [(c, cat, n, [b.get((c, cat), 0) for b in before])
            for (c, cat), n in current.items() if n >= cfg.rise_min]  # fmt: skip


def _caller_rows(
    since: datetime, now: datetime, cfg: rules.Config
) -> list[tuple[str, str, int, list[str]]]:
    groups = (
        Report.objects.filter(received_at__gte=since, received_at__lte=now)
        .exclude(reporter__phone_key="")
        .exclude(reporter=None)
        .exclude(case=None)
        .values("reporter__phone_key")
        .annotate(n=Count("id"), last=Max("case_id"))
        .filter(n__gte=cfg.caller_min)
        .order_by()
    )
    out = []
    for g in groups:
        key = g["reporter__phone_key"]
        ids = Report.objects.filter(reporter__phone_key=key, received_at__gte=since).values(
            "case_id"
        )
        cases = Case.objects.filter(pk__in=ids)
        area = Case.objects.filter(pk=g["last"]).values_list("area_code", flat=True).first() or ""
        out.append((key, area, g["n"], _numbers(cases)))
    return out


def _reopened_rows(cfg: rules.Config) -> list[tuple[str, str, str, int]]:
    rows = Case.objects.filter(reopen_count__gte=cfg.reopen_min, status__in=list(OPEN))
    return [(n, a, c or "", r) for n, a, c, r in
            rows.values_list("number", "area_code", "category__code", "reopen_count")]  # fmt: skip


#: the most recent reports a hot-issue scan reads (its cost grows with the square of the
#: near-duplicates; docs/hot_issues.md)
HOT_LIMIT = 20_000


def _hot(since: datetime, now: datetime, top: int = 20) -> list[rules.Signal]:
    rows = list(
        Report.objects.filter(received_at__gte=since, received_at__lte=now)
        .exclude(case=None)
        .order_by("-received_at")
        .values_list("pk", "title", "description", "received_at", "reporter__phone_key",
                     "case__area_code", "case__number", "case__category__code")[:HOT_LIMIT]
    )  # fmt: skip
    facts = {str(r[0]): r for r in rows}
    messages = [
        hotspots.Message(str(pk), f"{title}\n{body}", at, key or "", place=(area or "")[:9])
        for pk, title, body, at, key, area, _, _ in rows
    ]
    out = []
    for h in hotspots.find_hotspots(messages, now=now, top=top):
        members = [facts[k] for k in h.messages if k in facts]
        areas = [m[5] or "" for m in members]
        numbers = list(dict.fromkeys(m[6] for m in members))
        categories = Counter(m[7] for m in members if m[7])
        out.append(rules.Signal(
            "hot", f"hot:{min(h.messages, key=int)}", f"热点：{h.label}"[:200],
            _common_prefix(areas), categories.most_common(1)[0][0] if categories else "",
            len(h.messages), h.heat, tuple(numbers[:20]),
            f"{h.place or '—'}；{len(h.messages)} 件、{h.reporters} 人，"
            f"{h.first:%m-%d} 至 {h.last:%m-%d}；{'、'.join(h.terms[:5])}",
        ))  # fmt: skip
    return out


def _common_prefix(codes: list[str]) -> str:
    """The deepest area all the codes share (district, street, community or grid)."""
    if not codes:
        return ""
    for n in (15, 12, 9, 6):
        if all(len(c) >= n and c[:n] == codes[0][:n] for c in codes):
            return codes[0][:n]
    return ""


def _keep(s: rules.Signal, now: datetime) -> None:
    fields: dict[str, Any] = {
        "kind": s.kind, "title": s.title, "detail": s.detail, "area_code": s.area_code,
        "category_code": s.category_code, "count": s.count, "score": s.score,
        "cases": list(s.cases), "last_seen": now,
    }  # fmt: skip
    with transaction.atomic():
        row = EarlyWarning.objects.select_for_update().filter(key=s.key).first()
        if row is None:
            EarlyWarning.objects.create(key=s.key, first_seen=now, **fields)
            return
        if row.state == "dismissed" and s.count > row.count:
            fields["state"] = "open"  # it grew since it was set aside
        EarlyWarning.objects.filter(pk=row.pk).update(**fields)


def open_case(actor: Actor, warning_id: int, now: datetime | None = None) -> Case:
    """The proactive case (主动发现) for a warning; a second click returns the same case."""
    now = now or timezone.now()
    check_may_create(actor)
    warning = visible(actor).filter(pk=warning_id).first()
    if warning is None:
        raise NotFound(f"预警 {warning_id} 不存在或不在您的辖区", hint="刷新预警列表")
    related = "、".join(warning.cases[:10])
    report = NewReport(
        channel=Channel.EARLY_WARNING,
        external_id=f"EW-{warning.pk}",
        title=f"【预警】{warning.title}"[:200],
        description=f"{rules.KINDS.get(warning.kind, warning.kind)}：{warning.detail}"
        + (f"。相关案件：{related}" if related else ""),
        grid_code=warning.area_code if len(warning.area_code) == 15 else "",
        category_code=warning.category_code if len(warning.category_code) >= 4 else "",
        source="early_warning",
        extra={"early_warning": warning.key},
    )
    case, _ = create_case(actor, report, now=now)
    EarlyWarning.objects.filter(pk=warning.pk).update(
        state="acted", case=case, acted_by_id=actor.person_id, acted_at=now
    )
    return case


def dismiss(actor: Actor, warning_id: int) -> None:
    check_may_create(actor)
    if not visible(actor).filter(pk=warning_id).update(state="dismissed"):
        raise NotFound(f"预警 {warning_id} 不存在或不在您的辖区", hint="刷新预警列表")
