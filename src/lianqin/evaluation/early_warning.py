"""Early warning (预警): the rules that find a problem before it grows. Pure (no Django):
``early_warning_service`` feeds them counts from the database and stores what they find.

The four rules, each with its thresholds in :class:`Config`:

* **recurring at one place** (同一地点反复发生): ≥ ``place_min`` cases of one category in one
  grid within ``window_days`` — the same pothole reported again and again is one problem
  that on-site handling does not solve;
* **a category rising in one community** (类别异常上升): this window's count of a category
  in a community is ≥ ``rise_min`` and exceeds the mean of the ``rise_history`` windows
  before by both ``rise_ratio`` × and ``rise_sigmas`` Poisson standard deviations
  (√mean) — so a community going from 1 to 3 is not an alarm, from 4 to 15 is;
* **repeated callers** (重复来电): one caller (a keyed hash of the phone number — the number
  itself is never read here) with ≥ ``caller_min`` reports in the window: a citizen whose
  problem the system keeps failing, or a misuse to look at;
* **hot issue** (热点问题): a cluster of reports about one problem in one place and time
  (``triage.hotspots``, docs/hot_issues.md), keyed by its earliest report;
* **reopened twice** (二次重启): a case reopened ≥ ``reopen_min`` times after an unsatisfied
  callback.

What must hold (``tests/unit/test_early_warning.py``): every signal has a stable ``key``
(the same situation found again updates the same warning, never a second one); signals
are ranked by ``score`` (how far past the threshold), deterministically.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Config:
    window_days: int = 30
    place_min: int = 3
    rise_min: int = 5
    rise_history: int = 3
    rise_ratio: float = 2.0
    rise_sigmas: float = 2.0
    caller_min: int = 3
    reopen_min: int = 2


DEFAULT = Config()

KINDS = {
    "recurring": "同一地点反复发生",
    "rising": "类别异常上升",
    "repeat_caller": "重复来电",
    "reopened": "二次重启",
    "hot": "热点问题",
}


@dataclass(frozen=True)
class Signal:
    kind: str
    key: str
    title: str
    area_code: str = ""
    category_code: str = ""
    count: int = 0
    score: float = 0.0
    cases: Sequence[str] = field(default_factory=tuple)
    detail: str = ""


def recurring(
    rows: Iterable[tuple[str, str, int, Sequence[str]]], cfg: Config = DEFAULT
) -> list[Signal]:
    """``rows``: (grid code, category code, cases in the window, their numbers)."""
    out = []
    for grid, category, n, numbers in rows:
        if n >= cfg.place_min and grid:
            out.append(Signal(
                "recurring", f"recurring:{grid}:{category}",
                f"同一网格 {cfg.window_days} 天内 {n} 件同类问题", grid, category, n,
                round(n / cfg.place_min, 3), tuple(numbers),
                f"网格 {grid}，类别 {category or '未分类'}，{cfg.window_days} 天 {n} 件",
            ))  # fmt: skip
    return rank(out)


def rising(
    rows: Iterable[tuple[str, str, int, Sequence[int]]], cfg: Config = DEFAULT
) -> list[Signal]:
    """``rows``: (community code, category code, count this window, counts of the windows
    before, most recent first)."""
    out = []
    for community, category, now, before in rows:
        history = list(before)[: cfg.rise_history]
        mean = sum(history) / len(history) if history else 0.0
        bar = max(cfg.rise_min, cfg.rise_ratio * mean, mean + cfg.rise_sigmas * math.sqrt(mean))
        if now >= bar and now > mean:
            out.append(Signal(
                "rising", f"rising:{community}:{category}",
                f"类别异常上升：本期 {now} 件，前 {len(history)} 期平均 {mean:.1f} 件",
                community, category, now, round(now / bar, 3), (),
                f"社区 {community}，类别 {category or '未分类'}：{now} 件 vs 平均 {mean:.1f}",
            ))  # fmt: skip
    return rank(out)


def repeat_callers(
    rows: Iterable[tuple[str, str, int, Sequence[str]]], cfg: Config = DEFAULT
) -> list[Signal]:
    """``rows``: (caller key, area code of the latest case, reports, case numbers). The
    key is a keyed hash; only its first 8 characters name the warning."""
    out = []
    for caller, area, n, numbers in rows:
        if n >= cfg.caller_min and caller:
            out.append(Signal(
                "repeat_caller", f"repeat_caller:{caller[:16]}",
                f"同一来电人 {cfg.window_days} 天内来电 {n} 次", area, "", n,
                round(n / cfg.caller_min, 3), tuple(numbers),
                f"来电人 {caller[:8]}…（号码已加密）{n} 次",
            ))  # fmt: skip
    return rank(out)


def reopened(rows: Iterable[tuple[str, str, str, int]], cfg: Config = DEFAULT) -> list[Signal]:
    """``rows``: (case number, area code, category code, times reopened)."""
    out = []
    for number, area, category, n in rows:
        if n >= cfg.reopen_min:
            out.append(Signal(
                "reopened", f"reopened:{number}", f"案件 {number} 已重启 {n} 次",
                area, category, n, round(n / cfg.reopen_min, 3), (number,),
                "回访不满意、问题未解决而反复重启",
            ))  # fmt: skip
    return rank(out)


def rank(signals: list[Signal]) -> list[Signal]:
    return sorted(signals, key=lambda s: (-s.score, -s.count, s.key))
