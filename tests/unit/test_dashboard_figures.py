"""The dashboard's arithmetic on a small worked example, without a database."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from lianqin.dashboard.figures import (
    StreetFigures,
    fill_days,
    on_site_rate,
    period_days,
    period_start,
    rank_streets,
    rate,
    satisfaction_rate,
)


def test_satisfaction_formula_weights_basically_satisfied_and_ignores_unreachable():
    # 6 satisfied, 2 basically, 2 unsatisfied, 5 unreachable: (6 + 1.8) / 10 = 0.78
    counts = {"satisfied": 6, "basically_satisfied": 2, "unsatisfied": 2, "unreachable": 5}
    assert satisfaction_rate(counts) == 0.78
    assert satisfaction_rate({"unreachable": 3}) is None
    assert satisfaction_rate({}) is None
    assert satisfaction_rate({"basically_satisfied": 1}) == 0.9


def test_rates_without_a_denominator_are_none():
    assert rate(1, 3) == 0.3333
    assert rate(0, 0) is None
    assert on_site_rate(9, 1) == 0.9
    assert on_site_rate(0, 0) is None


def test_period_has_n_days_ending_today_and_missing_days_are_zero():
    days = period_days(date(2026, 3, 2), 3)
    assert days == [date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2)]
    assert fill_days(days, {date(2026, 3, 1): 4, date(2026, 1, 1): 9}) == [0, 4, 0]
    with pytest.raises(ValueError, match="days"):
        period_days(date(2026, 3, 2), 0)


def test_period_starts_at_local_midnight():
    tz = ZoneInfo("Asia/Shanghai")
    start = period_start(date(2026, 3, 2), 7, tz)
    assert start == datetime(2026, 2, 24, tzinfo=tz)
    assert start.astimezone(ZoneInfo("UTC")).hour == 16  # the previous day, 16:00 UTC


def test_street_ranking_best_satisfaction_then_closure_then_fewer_overdue():
    a = StreetFigures("001", "甲", new=10, closed=5, satisfied=1)  # 100 %, closure 50 %
    b = StreetFigures("002", "乙", new=10, closed=9, satisfied=1, unsatisfied=1)  # 50 %
    c = StreetFigures("003", "丙", new=10, closed=9, satisfied=1, unsatisfied=1, overdue=3)
    d = StreetFigures("004", "丁")  # nothing at all
    e = StreetFigures("005", "戊", new=4, closed=4)  # no callbacks, closure 100 %
    ranked = rank_streets([d, c, e, b, a])
    assert [s.name for s in ranked] == ["甲", "乙", "丙", "戊", "丁"]
    assert a.as_dict()["satisfaction"] == 1.0 and a.as_dict()["closure_rate"] == 0.5
    assert d.as_dict()["on_site_rate"] is None
