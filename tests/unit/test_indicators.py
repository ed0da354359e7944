"""The indicators on a small worked example (docs/indicators.md walks the same ten cases):
what each case counts as, and every formula over the sums."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from lianqin.evaluation.indicators import (
    BY_CODE,
    INDICATORS,
    MEASURES,
    CaseRow,
    Late,
    Period,
    contributions,
    figures,
    measures,
    period_of,
    previous,
    relative,
    split,
    year_before,
)

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, Monday 2 November
H = timedelta(hours=1)


def case(**kw) -> CaseRow:
    return CaseRow(**({"status": "reported", "mode": "none", "created_at": T0} | kw))


#: ten cases reported on 2 November
EXAMPLE = [
    # 1-6 handled on site and closed; 6 was reworked once, 5 closed late (verify overdue)
    *[case(status="archived", mode="on_site", accepted_at=T0 + H, resolved_at=T0 + 3 * H,
           closed_at=T0 + 5 * H, satisfaction="satisfied", solved=True) for _ in range(4)],
    case(status="closed", mode="on_site", accepted_at=T0 + H, resolved_at=T0 + 5 * H,
         closed_at=T0 + 30 * H, overdue_mask=Late.VERIFY, satisfaction="basically_satisfied",
         solved=True),
    case(status="closed", mode="on_site", accepted_at=T0 + H, resolved_at=T0 + 9 * H,
         closed_at=T0 + 10 * H, rework_count=1, satisfaction="unsatisfied", solved=False),
    # 7 dispatched, returned once, extended, resolved on time, waiting for verification
    case(status="resolved", mode="dispatched", accepted_at=T0 + H, resolved_at=T0 + 49 * H,
         return_count=1, extension_count=1),
    # 8 dispatched late (accept overdue), still in progress and overdue now
    case(status="in_progress", mode="dispatched", accepted_at=T0 + 30 * H,
         overdue_mask=Late.ACCEPT | Late.RESOLVE, warning="overdue"),
    # 9 rejected as a prank; 10 merged into case 1 (its report counts there: 1 has 2)
    case(status="rejected"),
    case(status="merged"),
]  # fmt: skip
EXAMPLE[0] = case(**{**EXAMPLE[0].__dict__, "report_count": 2})


def sums() -> Counter[str]:
    total: Counter[str] = Counter()
    for c in EXAMPLE:
        total.update(measures(c))
    return total


def test_what_the_ten_cases_count_as():
    s = sums()
    assert s["cases"] == 9  # the merged one counts nowhere
    assert s["reports"] == 10  # its report counts on the case it joined
    assert s["registered"] == 8  # not the prank
    assert (s["on_site"], s["dispatched"]) == (6, 2)
    assert (s["dispatched_on_time"], s["dispatched_kept"]) == (1, 1)
    assert (s["resolved"], s["resolved_on_time"]) == (7, 7)
    assert (s["closed"], s["closed_on_time"], s["due_close"]) == (6, 5, 7)
    assert (s["reworked"], s["extended"], s["overdue"]) == (1, 1, 2)
    assert s["responded"] == 7
    assert (s["cb_satisfied"], s["cb_basic"], s["cb_unsatisfied"], s["solved"]) == (4, 1, 1, 5)
    assert s["handle_seconds"] == (4 * 2 + 4 + 8 + 48) * 3600


def test_the_formulas_on_the_worked_example():
    f = figures(sums())
    assert f["on_site_rate"] == 0.75  # 6 / (6 + 2)
    assert f["dispatch_on_time_rate"] == 0.5
    assert f["dispatch_accuracy"] == 0.5
    assert f["resolve_on_time_rate"] == 1.0
    assert f["closure_rate"] == round(6 / 7, 4)  # 结案数 / 应结案数 (closed + overdue open)
    assert f["close_on_time_rate"] == round(5 / 6, 4)
    assert f["rework_rate"] == round(1 / 7, 4)
    assert f["extension_rate"] == round(1 / 8, 4)
    assert f["overdue"] == 2
    assert f["avg_handle_hours"] == round((8 + 4 + 8 + 48) / 7, 2)
    assert f["response_rate"] == round(7 / 8, 4)
    assert f["solve_rate"] == round(5 / 6, 4)
    assert f["satisfaction"] == round((4 + 0.9 * 1) / 6, 4)
    assert f["inspection_pass_rate"] is None  # nothing inspected: no figure, not 0 %


def test_the_basically_satisfied_weight_is_configurable():
    assert figures(sums(), basic_weight=1.0)["satisfaction"] == round(5 / 6, 4)


def test_every_rate_is_none_without_a_denominator_and_every_measure_is_known():
    empty = figures({})
    for ind in INDICATORS:
        assert empty[ind.code] in (None, 0), ind.code
    for c in EXAMPLE:
        assert set(measures(c)) <= set(MEASURES)
        assert all(v > 0 for v in measures(c).values())
    assert BY_CODE["rework_rate"].higher_is_better is False


def test_a_case_counts_on_its_report_day_in_shanghai_and_closed_on_its_closing_day():
    late_evening = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    c = case(created_at=late_evening, status="closed", mode="on_site",
             accepted_at=late_evening + H, resolved_at=late_evening + H,
             closed_at=late_evening + 26 * H)  # fmt: skip
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    got = contributions(c, lambda at: at.astimezone(tz).date())
    assert {d for d, m in got if m != "closed_on"} == {date(2026, 11, 2)}
    assert (date(2026, 11, 4), "closed_on") in got


def test_reopened_cases_stop_counting_as_closed():
    closed = case(status="closed", mode="on_site", accepted_at=T0, resolved_at=T0 + H,
                  closed_at=T0 + 2 * H)  # fmt: skip
    reopened = case(status="reopened", mode="on_site", accepted_at=T0, resolved_at=T0 + H,
                    closed_at=T0 + 2 * H, reopen_count=1)  # fmt: skip
    assert measures(closed)["closed"] == 1
    assert "closed" not in measures(reopened) and measures(reopened)["reopened"] == 1


@pytest.mark.parametrize(
    ("kind", "day", "start", "end", "label"),
    [
        ("day", date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 2), "2026-03-01"),
        ("week", date(2026, 12, 3), date(2026, 11, 30), date(2026, 12, 7), "2026-11-30 起一周"),
        ("month", date(2026, 2, 14), date(2026, 2, 1), date(2026, 3, 1), "2026年2月"),
        ("quarter", date(2026, 11, 5), date(2026, 10, 1), date(2027, 1, 1), "2026年第4季度"),
        ("year", date(2026, 6, 1), date(2026, 1, 1), date(2027, 1, 1), "2026年"),
    ],
)
def test_periods(kind, day, start, end, label):
    p = period_of(kind, day)
    assert (p.start, p.end, p.label) == (start, end, label)


def test_month_on_month_and_year_on_year():
    march = period_of("month", date(2026, 3, 10))
    assert previous(march) == Period("month", date(2026, 2, 1), date(2026, 3, 1))
    assert year_before(march) == Period("month", date(2025, 3, 1), date(2025, 4, 1))
    leap = period_of("day", date(2028, 2, 29))
    assert year_before(leap).start == date(2027, 2, 28)
    q1 = period_of("quarter", date(2026, 2, 1))
    assert previous(q1) == Period("quarter", date(2025, 10, 1), date(2026, 1, 1))
    assert relative(120, 100) == 0.2 and relative(5, 0) is None


def test_a_range_is_whole_months_plus_loose_days():
    months, days = split(date(2026, 1, 30), date(2026, 4, 3))
    assert months == [date(2026, 2, 1), date(2026, 3, 1)]
    assert days == [date(2026, 1, 30), date(2026, 1, 31), date(2026, 4, 1), date(2026, 4, 2)]
    assert split(date(2026, 1, 1), date(2027, 1, 1)) == (
        [date(2026, m, 1) for m in range(1, 13)],
        [],
    )
