"""The indicators (指标): what is counted for each case, and how rates are made of the
counts. Pure (no Django): the rollup (``evaluation.rollup``) stores these counts summed per
day and month, and every figure a leader sees is one of the formulas below over those sums.

The counting rule (统计口径), one for every figure, so that a report can be defended:

* a case is counted in the period in which it was **reported** (its ``created_at``, local
  day, Asia/Shanghai) — "of the cases reported in November, 91 % were handled on site";
  the only exception is ``closed_on`` (cases closed *on* a day, for the daily trend);
* a case merged into another counts nowhere; its reports count on the case it joined;
* what a case is counted as follows its state *now*: a case closed in December that was
  reported in November raises November's 结案数 when it closes (the rollup is kept current);
* "on time" means the stage's deadline never passed: each stage that ever went overdue is
  remembered on the case (``overdue_mask``), set by the deadline clock when it passes.

What must hold (``tests/unit/test_indicators.py``): :func:`measures` of one case is a
vector of non-negative integers; every rate is ``None`` when its denominator is 0, never
0 % or an error; 满意率 = (满意 + w × 基本满意) / 有效回访 with w configurable (0.9);
同比 compares with the same period a year earlier, 环比 with the period just before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntFlag

from lianqin.cases.workflow import OPEN

#: the states in which a case counts as closed (结案)
CLOSED_STATES = frozenset({"closed", "archived"})
#: the states a case leaves the loop in without being handled
VOID_STATES = frozenset({"rejected", "transferred", "merged"})
#: the open states, as the workflow defines them (a suspended case's clock is paused: it
#: is not "overdue now" — the same rule as the dashboard's "overdue now")
OPEN_STATES = frozenset(s.value for s in OPEN)


class Late(IntFlag):
    """Stages whose deadline passed at least once (``Case.overdue_mask``)."""

    ACCEPT = 1
    ACKNOWLEDGE = 2
    RESOLVE = 4
    VERIFY = 8
    CALLBACK = 16

    @classmethod
    def of(cls, stage: str) -> Late:
        return cls[stage.upper()] if stage and stage.upper() in cls.__members__ else cls(0)


#: every counter the rollup keeps; the order is the column order of ``Tally``
MEASURES: tuple[str, ...] = (
    "cases", "reports", "registered", "responded", "on_site", "dispatched",
    "dispatched_on_time", "dispatched_kept", "resolved", "resolved_on_time", "handle_seconds",
    "closed", "closed_on_time", "due_close", "reworked", "extended", "overdue", "reopened",
    "cb_satisfied", "cb_basic", "cb_unsatisfied", "cb_unreachable", "solved", "closed_on",
)  # fmt: skip


@dataclass(frozen=True)
class CaseRow:
    """What the indicators read of a case: columns of the ``Case`` row only, so that a cold
    rebuild over ten million cases needs no join."""

    status: str
    mode: str
    created_at: datetime
    accepted_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    report_count: int = 1
    return_count: int = 0
    rework_count: int = 0
    extension_count: int = 0
    reopen_count: int = 0
    warning: str = "normal"
    overdue_mask: int = 0
    satisfaction: str = ""
    solved: bool | None = None


def measures(c: CaseRow) -> dict[str, int]:
    """The counters one case adds to its report day (see the module's counting rule)."""
    if c.status == "merged":
        return {}
    late = Late(c.overdue_mask)
    registered = c.accepted_at is not None and c.status not in VOID_STATES
    dispatched = registered and c.mode == "dispatched"
    resolved = c.resolved_at is not None and registered
    closed = c.status in CLOSED_STATES
    overdue_now = c.warning == "overdue" and c.status in OPEN_STATES
    m = {
        "cases": 1,
        "reports": max(c.report_count, 1),
        "registered": registered,
        "responded": registered and not late & Late.ACCEPT,
        "on_site": registered and c.mode == "on_site",
        "dispatched": dispatched,
        "dispatched_on_time": dispatched and not late & Late.ACCEPT,
        "dispatched_kept": dispatched and c.return_count == 0,
        "resolved": resolved,
        "resolved_on_time": resolved and not late & (Late.ACKNOWLEDGE | Late.RESOLVE),
        "handle_seconds": _seconds(c.accepted_at, c.resolved_at) if resolved else 0,
        "closed": closed,
        "closed_on_time": closed and not late & ~Late.CALLBACK,
        "due_close": closed or (registered and overdue_now),
        "reworked": resolved and c.rework_count > 0,
        "extended": registered and c.extension_count > 0,
        "overdue": bool(late & ~Late.CALLBACK) or overdue_now,
        "reopened": c.reopen_count > 0,
        "cb_satisfied": c.satisfaction == "satisfied",
        "cb_basic": c.satisfaction == "basically_satisfied",
        "cb_unsatisfied": c.satisfaction == "unsatisfied",
        "cb_unreachable": c.satisfaction == "unreachable",
        "solved": c.solved is True and c.satisfaction in ("satisfied", "basically_satisfied",
                                                            "unsatisfied"),
    }  # fmt: skip
    return {k: int(v) for k, v in m.items() if v}


def _seconds(start: datetime | None, end: datetime | None) -> int:
    if start is None or end is None or end < start:
        return 0
    return int((end - start).total_seconds())


def contributions(c: CaseRow, day_of: Callable[[datetime], date]) -> dict[tuple[date, str], int]:
    """``{(local day, measure): value}``: the case's measures on its report day, and
    ``closed_on`` on the day it closed. ``day_of`` turns an aware time into the local day."""
    m = measures(c)
    if not m:
        return {}
    day = day_of(c.created_at)
    out = {(day, k): v for k, v in m.items()}
    if m.get("closed") and c.closed_at is not None:
        out[(day_of(c.closed_at), "closed_on")] = 1
    return out


# --- formulas ---------------------------------------------------------------------------


def ratio(part: float, whole: float) -> float | None:
    """``part / whole`` to 4 places, or None with nothing to divide by."""
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class Indicator:
    """One figure: its code, names, how it is made of the counters, and which way is good."""

    code: str
    zh: str
    en: str
    definition: str
    kind: str  # count | rate | hours
    compute: Callable[[Mapping[str, float]], float | None]
    higher_is_better: bool = True


def satisfaction(s: Mapping[str, float], basic_weight: float = 0.9) -> float | None:
    valid = s.get("cb_satisfied", 0) + s.get("cb_basic", 0) + s.get("cb_unsatisfied", 0)
    return ratio(s.get("cb_satisfied", 0) + basic_weight * s.get("cb_basic", 0), valid)


def _count(name: str) -> Callable[[Mapping[str, float]], float | None]:
    return lambda s: s.get(name, 0)


def _rate(part: str, whole: str | tuple[str, ...]) -> Callable[[Mapping[str, float]], float | None]:
    wholes = (whole,) if isinstance(whole, str) else whole
    return lambda s: ratio(s.get(part, 0), sum(s.get(w, 0) for w in wholes))


def _hours(s: Mapping[str, float]) -> float | None:
    n = s.get("resolved", 0)
    return round(s.get("handle_seconds", 0) / n / 3600, 2) if n else None


def _valid_callbacks(s: Mapping[str, float]) -> float:
    return s.get("cb_satisfied", 0) + s.get("cb_basic", 0) + s.get("cb_unsatisfied", 0)


INDICATORS: tuple[Indicator, ...] = (
    Indicator("reports", "上报数", "Reports", "报件数：案件收到的全部上报（含并入的重复件）", "count", _count("reports")),
    Indicator("registered", "立案数", "Registered", "受理立案的案件数（不含不予受理、转办、并单）", "count", _count("registered")),
    Indicator("on_site", "现场处置数", "Handled on site", "立案后由网格员/工作站现场处置的案件数", "count", _count("on_site")),
    Indicator("on_site_rate", "现场处置率", "On-site rate", "现场处置数 ÷ (现场处置数 + 派遣数)；目标 90%", "rate", _rate("on_site", ("on_site", "dispatched"))),
    Indicator("dispatched", "派遣数", "Dispatched", "派单到参勤单位的案件数", "count", _count("dispatched")),
    Indicator("dispatch_on_time_rate", "按时派遣率", "Dispatched on time", "受理环节未超期即派遣的件数 ÷ 派遣数", "rate", _rate("dispatched_on_time", "dispatched")),
    Indicator("dispatch_accuracy", "准确派遣率", "Dispatch accuracy", "未被退单的派遣件数 ÷ 派遣数", "rate", _rate("dispatched_kept", "dispatched")),
    Indicator("resolved", "处置数", "Resolved", "已办结（现场处置完毕或单位答复办结）的案件数", "count", _count("resolved")),
    Indicator("resolve_on_time_rate", "按期处置率", "Resolved on time", "签收、办理环节均未超期的处置数 ÷ 处置数", "rate", _rate("resolved_on_time", "resolved")),
    Indicator("closed", "结案数", "Closed", "核查通过结案（含已归档）的案件数", "count", _count("closed")),
    Indicator("closure_rate", "结案率", "Closure rate", "结案数 ÷ 应结案数；应结案数 = 结案数 + 已超期仍未结的立案数", "rate", _rate("closed", "due_close")),
    Indicator("close_on_time_rate", "按期结案率", "Closed on time", "受理、签收、办理、核查环节均未超期的结案数 ÷ 结案数", "rate", _rate("closed_on_time", "closed")),
    Indicator("rework_rate", "返工率", "Rework rate", "核查不通过返工过的处置数 ÷ 处置数", "rate", _rate("reworked", "resolved"), higher_is_better=False),
    Indicator("extension_rate", "延期率", "Extension rate", "获批延期的立案数 ÷ 立案数", "rate", _rate("extended", "registered"), higher_is_better=False),
    Indicator("overdue", "超期数", "Overdue", "任一办理环节超过时限的案件数（含当前超期）", "count", _count("overdue"), higher_is_better=False),
    Indicator("avg_handle_hours", "平均处置时长", "Average handling time (h)", "处置数的（办结时间 − 受理时间）平均，小时", "hours", _hours, higher_is_better=False),
    Indicator("response_rate", "响应率", "Response rate", "受理环节未超期的立案数 ÷ 立案数（12345 三率之一）", "rate", _rate("responded", "registered")),
    Indicator("solve_rate", "解决率", "Solved rate", "回访称已解决的件数 ÷ 有效回访数（满意+基本满意+不满意）", "rate", lambda s: ratio(s.get("solved", 0), _valid_callbacks(s))),
    Indicator("satisfaction", "满意率", "Satisfaction", "(满意 + 0.9 × 基本满意) ÷ 有效回访数；未接通不计", "rate", satisfaction),
    Indicator("inspection_pass_rate", "抽查合格率", "Inspection pass rate", "期间记录的抽查结论中合格数 ÷ 已抽查数（按抽查时间）", "rate", _rate("inspected_passed", "inspected")),
)  # fmt: skip
BY_CODE = {i.code: i for i in INDICATORS}


def figures(sums: Mapping[str, float], basic_weight: float = 0.9) -> dict[str, float | None]:
    """Every indicator of one row of sums."""
    out = {i.code: i.compute(sums) for i in INDICATORS}
    out["satisfaction"] = satisfaction(sums, basic_weight)
    return out


def change(now: float | None, before: float | None) -> float | None:
    """The relative change (同比/环比) of a count, or the difference of a rate: None
    without a base."""
    if now is None or before is None:
        return None
    return round(now - before, 4)


def relative(now: float | None, before: float | None) -> float | None:
    if now is None or not before:
        return None
    return round((now - before) / before, 4)


# --- periods ----------------------------------------------------------------------------

PERIOD_KINDS = ("day", "week", "month", "quarter", "year")


@dataclass(frozen=True)
class Period:
    """A half-open range of local days ``[start, end)`` and its name."""

    kind: str
    start: date
    end: date

    @property
    def label(self) -> str:
        s = self.start
        return {
            "day": s.isoformat(),
            "week": f"{s.isoformat()} 起一周",
            "month": f"{s.year}年{s.month}月",
            "quarter": f"{s.year}年第{(s.month - 1) // 3 + 1}季度",
            "year": f"{s.year}年",
        }[self.kind]


def period_of(kind: str, day: date) -> Period:
    """The day's period of ``kind``; a week starts on Monday."""
    if kind == "day":
        return Period(kind, day, day + timedelta(days=1))
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=7))
    if kind == "month":
        start = day.replace(day=1)
        return Period(kind, start, _add_months(start, 1))
    if kind == "quarter":
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, start, _add_months(start, 3))
    if kind == "year":
        return Period(kind, date(day.year, 1, 1), date(day.year + 1, 1, 1))
    raise ValueError(f"unknown period {kind!r}; one of {', '.join(PERIOD_KINDS)}")


def previous(p: Period) -> Period:
    """环比: the period just before."""
    return period_of(p.kind, p.start - timedelta(days=1))


def year_before(p: Period) -> Period:
    """同比: the same period a year earlier (29 February falls back to the 28th)."""
    start = _minus_year(p.start)
    if p.kind == "week":
        return period_of("week", start)
    return Period(p.kind, start, _minus_year(p.end))


def _minus_year(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:
        return d.replace(year=d.year - 1, day=28)


def _add_months(d: date, n: int) -> date:
    month = d.month - 1 + n
    return date(d.year + month // 12, month % 12 + 1, 1)


def split(start: date, end: date) -> tuple[list[date], list[date]]:
    """``[start, end)`` as whole months (their first days) plus the days outside them, so
    that a rollup with day and month rows answers any range with few rows."""
    months: list[date] = []
    days: list[date] = []
    d = start
    while d < end:
        if d.day == 1 and _add_months(d, 1) <= end:
            months.append(d)
            d = _add_months(d, 1)
        else:
            days.append(d)
            d += timedelta(days=1)
    return months, days
