"""Routing by the responsibility list (责任清单): ordered rules, the first that matches names
the lead unit (主办) and the assisting units (协办). Pure: no Django.

A rule states conditions on what is known of a case — category (catalogue code prefixes),
place (region code prefixes: street 9, community 12, grid 15 digits), keywords in the text,
channel, time of day (a local window that may wrap midnight) and weekdays — and every
condition it states must hold; a condition it leaves empty holds for anything. Rules are
tried in order (``position``); the catalogue's own lead/assist units come after the
explicit rules, most specific category first, so the list only has to say where a
district departs from the catalogue.

What must hold: the result is a function of the rules and the facts; the trace says, for
every rule tried, which condition held or failed and why, so that a dispatcher (and the
rule tester) can see why a case went where it went.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from lianqin.errors import InvalidInput

CHINA = ZoneInfo("Asia/Shanghai")
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Rule:
    name: str
    lead: str
    assist: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    start: time | None = None
    end: time | None = None
    weekdays: tuple[int, ...] = ()  # 1 = Monday … 7 = Sunday
    key: str = ""  # where the rule comes from: "rule:12", "catalogue:0206"

    def __post_init__(self) -> None:
        if not self.lead:
            raise InvalidInput(f"规则“{self.name}”缺少主办单位", field="lead")
        if (self.start is None) != (self.end is None):
            raise InvalidInput(
                f"规则“{self.name}”的时段须同时给出开始和结束", field="start",
                hint="如 22:00–06:00；不限时段则都不填",
            )  # fmt: skip
        bad = [d for d in self.weekdays if not 1 <= d <= 7]
        if bad:
            raise InvalidInput(f"规则“{self.name}”的星期 {bad} 无效", field="weekdays", hint="1–7")


@dataclass(frozen=True)
class Facts:
    """What routing may look at."""

    category: str = ""
    area: str = ""
    text: str = ""
    channel: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class Check:
    condition: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Tried:
    rule: Rule
    checks: tuple[Check, ...]

    @property
    def matched(self) -> bool:
        return all(c.ok for c in self.checks)


@dataclass(frozen=True)
class Decision:
    rule: Rule | None
    trace: tuple[Tried, ...] = field(default=())

    @property
    def lead(self) -> str:
        return self.rule.lead if self.rule else ""

    @property
    def assist(self) -> tuple[str, ...]:
        return tuple(u for u in self.rule.assist if u != self.rule.lead) if self.rule else ()

    def explain(self) -> list[str]:
        """One line per rule tried, in Chinese, for the tester and the case history."""
        lines = []
        for tried in self.trace:
            verdict = "命中" if tried.matched else "未命中"
            why = "；".join(c.detail for c in tried.checks) or "无条件"
            lines.append(f"{tried.rule.name}：{verdict}（{why}）")
        return lines


def route(rules: Sequence[Rule], facts: Facts, *, tz: ZoneInfo = CHINA) -> Decision:
    """The first rule whose every condition holds, with the trace of all rules tried."""
    trace: list[Tried] = []
    for rule in rules:
        tried = Tried(rule, tuple(_checks(rule, facts, tz)))
        trace.append(tried)
        if tried.matched:
            return Decision(rule, tuple(trace))
    return Decision(None, tuple(trace))


def _checks(rule: Rule, facts: Facts, tz: ZoneInfo) -> Iterable[Check]:
    if rule.categories:
        hit = next((c for c in rule.categories if facts.category.startswith(c)), None)
        yield Check("category", hit is not None and bool(facts.category),
                    f"类别 {facts.category or '未定'} {'属于' if hit else '不属于'} "
                    f"{'/'.join(rule.categories)}")  # fmt: skip
    if rule.areas:
        hit = next((a for a in rule.areas if facts.area.startswith(a)), None)
        yield Check("area", hit is not None and bool(facts.area),
                    f"地点 {facts.area or '未定位'} {'在' if hit else '不在'} "
                    f"{'/'.join(rule.areas)}")  # fmt: skip
    if rule.keywords:
        found = [k for k in rule.keywords if k and k in facts.text]
        yield Check("keywords", bool(found),
                    f"含关键词 {'、'.join(found)}" if found
                    else f"不含 {'、'.join(rule.keywords)}")  # fmt: skip
    if rule.channels:
        ok = facts.channel in rule.channels
        yield Check("channel", ok, f"渠道 {facts.channel or '未知'} {'是' if ok else '不是'} "
                                   f"{'/'.join(rule.channels)}")  # fmt: skip
    if rule.start is not None and rule.end is not None:
        local = facts.at.astimezone(tz).time() if facts.at else None
        ok = local is not None and in_window(local, rule.start, rule.end)
        shown = local.strftime("%H:%M") if local else "未知"
        yield Check("hours", ok, f"时间 {shown} {'在' if ok else '不在'} "
                                 f"{rule.start:%H:%M}–{rule.end:%H:%M}")  # fmt: skip
    if rule.weekdays:
        day = facts.at.astimezone(tz).isoweekday() if facts.at else 0
        ok = day in rule.weekdays
        names = "".join(WEEKDAYS[d - 1] for d in rule.weekdays)
        shown = f"星期{WEEKDAYS[day - 1]}" if day else "未知"
        yield Check("weekdays", ok, f"{shown} {'属于' if ok else '不属于'} 星期{names}")


def in_window(moment: time, start: time, end: time) -> bool:
    """``start <= moment < end``; a window that wraps midnight (22:00–06:00) too."""
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def catalogue_rules(links: Iterable[tuple[str, str, str, int]]) -> list[Rule]:
    """Implicit rules from the catalogue's lead/assist units — ``(category code, unit code,
    role, position)`` rows — most specific category first."""
    leads: dict[str, list[tuple[int, str]]] = {}
    assists: dict[str, list[tuple[int, str]]] = {}
    for code, unit, role, position in links:
        (leads if role == "lead" else assists).setdefault(code, []).append((position, unit))
    rules = []
    for code in sorted(leads, key=lambda c: (-len(c), c)):
        lead = sorted(leads[code])[0][1]
        assist = tuple(u for _, u in sorted(assists.get(code, [])))
        rules.append(Rule(name=f"派单目录 {code}", lead=lead, assist=assist,
                          categories=(code,), key=f"catalogue:{code}"))  # fmt: skip
    return rules
