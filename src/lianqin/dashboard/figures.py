"""The dashboard's arithmetic, pure (no Django): rates, the satisfaction formula, the
period's days with missing days filled with zeros, the street ranking.

What must hold (``tests/unit/test_dashboard_figures.py``):

* a rate with nothing to divide by is ``None`` (shown as "—"), never 0 % or an error;
* 满意率 = (满意 + 0.9 × 基本满意) / 有效回访, where valid callbacks are satisfied, basically
  satisfied and unsatisfied; unreachable callers count for nothing;
* 现场处置率 = on-site / (on-site + dispatched): the cases not yet handled either way
  are not in the denominator;
* a period of N days ends today and has exactly N days, oldest first; a day without cases
  is 0;
* the ranking puts the best satisfaction first, then the best closure rate, then fewer
  overdue; streets without any figure come last, in their code order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

PERIODS = (7, 30, 90)
BASICALLY_WEIGHT = 0.9


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 places, or None when ``whole`` is 0."""
    return round(part / whole, 4) if whole else None


def satisfaction_rate(counts: Mapping[str, int]) -> float | None:
    satisfied = counts.get("satisfied", 0)
    basically = counts.get("basically_satisfied", 0)
    valid = satisfied + basically + counts.get("unsatisfied", 0)
    return round((satisfied + BASICALLY_WEIGHT * basically) / valid, 4) if valid else None


def on_site_rate(on_site: int, dispatched: int) -> float | None:
    return rate(on_site, on_site + dispatched)


def period_days(today: date, days: int) -> list[date]:
    if days < 1:
        raise ValueError(f"days must be ≥ 1, got {days}")
    return [today - timedelta(days=days - 1 - i) for i in range(days)]


def period_start(today: date, days: int, tz: tzinfo) -> datetime:
    """The local midnight at which a period of ``days`` days ending today begins."""
    return datetime.combine(today - timedelta(days=days - 1), time(), tzinfo=tz)


def fill_days(days: Sequence[date], counts: Mapping[date, int]) -> list[int]:
    return [int(counts.get(d, 0)) for d in days]


@dataclass(frozen=True)
class StreetFigures:
    code: str
    name: str
    new: int = 0
    closed: int = 0
    overdue: int = 0
    on_site: int = 0
    dispatched: int = 0
    satisfied: int = 0
    basically: int = 0
    unsatisfied: int = 0

    @property
    def closure_rate(self) -> float | None:
        return rate(self.closed, self.new)

    @property
    def on_site_rate(self) -> float | None:
        return on_site_rate(self.on_site, self.dispatched)

    @property
    def satisfaction(self) -> float | None:
        return satisfaction_rate(
            {
                "satisfied": self.satisfied,
                "basically_satisfied": self.basically,
                "unsatisfied": self.unsatisfied,
            }
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "new": self.new,
            "closed": self.closed,
            "overdue": self.overdue,
            "on_site_rate": self.on_site_rate,
            "closure_rate": self.closure_rate,
            "satisfaction": self.satisfaction,
        }


def rank_streets(streets: Sequence[StreetFigures]) -> list[StreetFigures]:
    def key(s: StreetFigures) -> tuple[int, float, float, int, str]:
        has = s.satisfaction is not None or s.closure_rate is not None
        return (
            0 if has else 1,
            -(s.satisfaction if s.satisfaction is not None else -1.0),
            -(s.closure_rate if s.closure_rate is not None else -1.0),
            s.overdue,
            s.code,
        )

    return sorted(streets, key=key)
