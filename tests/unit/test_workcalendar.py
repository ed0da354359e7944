"""Working-time arithmetic as tables: statutory holidays, 调休, fallbacks, overrides.

The 2026 facts used here are what ``chinese_calendar`` 1.11 says (checked in
``test_package_facts``): Spring Festival 2026-02-15..23 off, Saturdays 02-14 and 02-28
worked; National Day 10-01..07 off, Saturday 10-10 worked; 2026-11-27 is a Friday.
"""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianqin.cases.workcalendar import DEFAULT_PERIODS, SHANGHAI, WorkCalendar

SH = SHANGHAI
CAL = WorkCalendar()


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, tz: ZoneInfo = SH) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz)


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2026, 2, 13), True),  # Friday before the Spring Festival
        (date(2026, 2, 14), True),  # 调休 Saturday
        (date(2026, 2, 15), False),
        (date(2026, 2, 23), False),  # last day off (Monday)
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # 调休 Saturday
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 10), True),  # 调休 Saturday
        (date(2026, 11, 27), True),
        (date(2026, 11, 28), False),
    ],
)
def test_package_facts(day: date, workday: bool) -> None:
    assert chinese_calendar.is_workday(day) is workday
    assert CAL.is_workday(day) is workday
    assert CAL.covered(day)


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2027, 1, 1), True),  # a Friday; New Year unknown to the package → weekday rule
        (date(2027, 1, 2), False),  # Saturday
        (date(2027, 1, 3), False),  # Sunday
        (date(2027, 1, 4), True),
        (date(2003, 1, 1), True),  # before the package's range too
    ],
)
def test_uncovered_years_fall_back_to_weekdays(day: date, workday: bool) -> None:
    assert CAL.is_workday(day) is workday
    assert not CAL.covered(day)


def test_overrides_win_and_count_as_covered() -> None:
    cal = WorkCalendar(
        overrides={
            date(2026, 11, 30): False,  # a Monday made a holiday
            date(2026, 11, 29): True,  # a Sunday made a workday
            date(2027, 1, 1): False,  # New Year 2027, not in the package
        }
    )
    assert not cal.is_workday(date(2026, 11, 30))
    assert cal.is_workday(date(2026, 11, 29))
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.covered(date(2027, 1, 1))
    assert not cal.covered(date(2027, 1, 4))


def test_overrides_are_copied_and_read_only() -> None:
    table = {date(2026, 11, 30): False}
    cal = WorkCalendar(overrides=table)
    table[date(2026, 11, 30)] = True
    assert not cal.is_workday(date(2026, 11, 30))
    with pytest.raises(TypeError):
        cal.overrides[date(2026, 12, 1)] = False  # type: ignore[index]


def test_is_workday_reads_an_aware_datetime_in_the_calendar_zone() -> None:
    # 2026-11-27 20:00 UTC is Saturday 04:00 in Shanghai.
    assert not CAL.is_workday(datetime(2026, 11, 27, 20, 0, tzinfo=UTC))
    assert CAL.is_workday(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))


NOV30_OFF = WorkCalendar(overrides={date(2026, 11, 30): False})
NOV29_ON = WorkCalendar(overrides={date(2026, 11, 29): True})
NEWYEAR_2027_OFF = WorkCalendar(overrides={date(2027, 1, 1): False})


@pytest.mark.parametrize(
    ("cal", "start", "minutes", "expected"),
    [
        # Friday 17:00 + 4 working hours → Monday 12:00 (the end of a period, not 13:00)
        (CAL, at(2026, 11, 27, 17), 240, at(2026, 11, 30, 12)),
        (CAL, at(2026, 11, 27, 17), 241, at(2026, 11, 30, 13, 1)),
        (CAL, at(2026, 11, 25, 11), 60, at(2026, 11, 25, 12)),
        (CAL, at(2026, 11, 25, 11), 90, at(2026, 11, 25, 13, 30)),
        (CAL, at(2026, 11, 25, 10), 0, at(2026, 11, 25, 10)),
        # outside working time: evening, before opening, lunch, period end, weekend
        (CAL, at(2026, 11, 25, 19), 60, at(2026, 11, 26, 10)),
        (CAL, at(2026, 11, 25, 7), 60, at(2026, 11, 25, 10)),
        (CAL, at(2026, 11, 25, 12, 30), 30, at(2026, 11, 25, 13, 30)),
        (CAL, at(2026, 11, 25, 12), 0, at(2026, 11, 25, 13)),
        (CAL, at(2026, 11, 25, 18), 1, at(2026, 11, 26, 9, 1)),
        (CAL, at(2026, 11, 28, 10), 60, at(2026, 11, 30, 10)),
        # Spring Festival 2026: the 调休 Saturday works, then nine days off
        (CAL, at(2026, 2, 13, 17), 120, at(2026, 2, 14, 10)),
        (CAL, at(2026, 2, 14, 10), 60, at(2026, 2, 14, 11)),
        (CAL, at(2026, 2, 14, 17), 120, at(2026, 2, 24, 10)),
        # National Day 2026
        (CAL, at(2026, 9, 30, 17), 120, at(2026, 10, 8, 10)),
        (CAL, at(2026, 10, 9, 17), 60, at(2026, 10, 9, 18)),
        (CAL, at(2026, 10, 9, 17), 120, at(2026, 10, 10, 10)),  # 调休 Saturday
        # overrides: a holiday Monday, a working Sunday
        (NOV30_OFF, at(2026, 11, 27, 17), 240, at(2026, 12, 1, 12)),
        (NOV29_ON, at(2026, 11, 27, 17), 240, at(2026, 11, 29, 12)),
        # 2027 is not in the package: weekdays only, unless the table says otherwise
        (CAL, at(2026, 12, 31, 17), 240, at(2027, 1, 1, 12)),
        (NEWYEAR_2027_OFF, at(2026, 12, 31, 17), 240, at(2027, 1, 4, 12)),
        (CAL, at(2027, 1, 8, 17), 240, at(2027, 1, 11, 12)),
        # a start in another zone is read in the calendar's zone (09:00 UTC = 17:00 +08)
        (CAL, datetime(2026, 11, 27, 9, 0, tzinfo=UTC), 240, at(2026, 11, 30, 12)),
        # seconds are kept
        (
            CAL,
            at(2026, 11, 25, 10).replace(second=30),
            1,
            at(2026, 11, 25, 10, 1).replace(second=30),
        ),
    ],
)
def test_add_working_minutes(
    cal: WorkCalendar, start: datetime, minutes: int, expected: datetime
) -> None:
    result = cal.add_working_minutes(start, minutes)
    assert result == expected
    assert result.tzinfo == cal.tz


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (at(2026, 11, 25, 10), 1, at(2026, 11, 26, 10)),
        (at(2026, 11, 27, 10), 1, at(2026, 11, 30, 10)),
        (at(2026, 11, 25, 9), 1, at(2026, 11, 26, 9)),
        # outside working time: counted from the next working instant
        (at(2026, 11, 27, 19), 1, at(2026, 12, 1, 9)),  # Friday evening → Tuesday 09:00
        (at(2026, 11, 27, 19), 0, at(2026, 11, 30, 9)),
        (at(2026, 11, 25, 12, 30), 1, at(2026, 11, 26, 13)),  # lunch → next day 13:00
        (at(2026, 11, 25, 18), 1, at(2026, 11, 27, 9)),  # period end is not working time
        (at(2026, 11, 28, 15), 1, at(2026, 12, 1, 9)),  # Saturday
        # 5 working days across the Spring Festival (14 Feb is a 调休 Saturday)
        (at(2026, 2, 13, 10), 5, at(2026, 2, 27, 10)),
        (at(2026, 2, 12, 15), 5, at(2026, 2, 26, 15)),
        (at(2026, 2, 16, 10), 5, at(2026, 3, 2, 9)),  # from the holiday: Feb 24 09:00 + 5
        (at(2026, 2, 23, 10), 5, at(2026, 3, 2, 9)),  # the last holiday, the same
        (at(2026, 2, 24, 10), 5, at(2026, 3, 2, 10)),  # 28 Feb is a 调休 Saturday
        # National Day: 10-10 is a 调休 Saturday
        (at(2026, 9, 30, 10), 1, at(2026, 10, 8, 10)),
        (at(2026, 9, 30, 10), 3, at(2026, 10, 10, 10)),
        (at(2026, 10, 1, 10), 1, at(2026, 10, 9, 9)),
        # 2027 fallback
        (at(2026, 12, 31, 10), 2, at(2027, 1, 4, 10)),
    ],
)
def test_add_working_days(start: datetime, days: int, expected: datetime) -> None:
    result = CAL.add_working_days(start, days)
    assert result == expected
    assert result.tzinfo == SH


def test_add_working_days_with_overrides() -> None:
    assert NOV30_OFF.add_working_days(at(2026, 11, 27, 10), 1) == at(2026, 12, 1, 10)
    assert NOV29_ON.add_working_days(at(2026, 11, 27, 10), 1) == at(2026, 11, 29, 10)


@pytest.mark.parametrize(
    ("a", "b", "minutes"),
    [
        (at(2026, 11, 27, 17), at(2026, 11, 30, 12), 240),
        (at(2026, 11, 25, 11, 30), at(2026, 11, 25, 13, 30), 60),
        (at(2026, 11, 25, 12), at(2026, 11, 25, 13), 0),
        (at(2026, 11, 25, 19), at(2026, 11, 26, 8), 0),
        (at(2026, 11, 25, 9), at(2026, 11, 26, 9), 480),
        (at(2026, 11, 25, 10), at(2026, 11, 25, 10), 0),
        (at(2026, 11, 25, 11), at(2026, 11, 25, 10), 0),
        (at(2026, 2, 13, 9), at(2026, 2, 24, 9), 960),  # Fri + 调休 Sat, then holidays
        (at(2026, 9, 30, 9), at(2026, 10, 12, 9), 4 * 480),  # 9-30, 10-08, 10-09, 10-10
        (at(2026, 11, 25, 10).replace(second=59), at(2026, 11, 25, 10, 2), 1),  # floored
        (datetime(2026, 11, 27, 9, 0, tzinfo=UTC), at(2026, 11, 30, 12), 240),
    ],
)
def test_working_minutes_between(a: datetime, b: datetime, minutes: int) -> None:
    assert CAL.working_minutes_between(a, b) == minutes


def test_working_time_in_months_is_cheap_and_consistent() -> None:
    start = at(2026, 1, 5, 9)
    begun = clock.perf_counter()
    end = CAL.add_working_minutes(start, 480 * 200)
    assert CAL.working_minutes_between(start, end) == 480 * 200
    assert end == CAL.add_working_days(start, 199).replace(hour=18)
    assert clock.perf_counter() - begun < 1.0


@pytest.mark.parametrize(
    ("moment", "working", "next_time"),
    [
        (at(2026, 11, 25, 10), True, at(2026, 11, 25, 10)),
        (at(2026, 11, 25, 12), False, at(2026, 11, 25, 13)),
        (at(2026, 11, 25, 17, 59), True, at(2026, 11, 25, 17, 59)),
        (at(2026, 11, 28, 10), False, at(2026, 11, 30, 9)),
        (at(2026, 2, 14, 10), True, at(2026, 2, 14, 10)),
    ],
)
def test_working_time_and_next(moment: datetime, working: bool, next_time: datetime) -> None:
    assert CAL.is_working_time(moment) is working
    assert CAL.next_working_time(moment) == next_time


NAIVE = datetime(2026, 11, 27, 17, 0)  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.add_working_minutes(NAIVE, 10),
        lambda: CAL.add_working_days(NAIVE, 1),
        lambda: CAL.working_minutes_between(NAIVE, at(2026, 11, 30)),
        lambda: CAL.working_minutes_between(at(2026, 11, 20), NAIVE),
        lambda: CAL.is_workday(NAIVE),
        lambda: CAL.is_working_time(NAIVE),
        lambda: CAL.next_working_time(NAIVE),
    ],
)
def test_naive_datetimes_are_rejected(call: object) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: CAL.add_working_minutes(at(2026, 11, 25, 10), -1), ValueError),
        (lambda: CAL.add_working_days(at(2026, 11, 25, 10), -1), ValueError),
        (lambda: CAL.add_working_minutes(at(2026, 11, 25, 10), 1.5), TypeError),
        (lambda: WorkCalendar(periods=()), ValueError),
        (lambda: WorkCalendar(periods=((time(12), time(9)),)), ValueError),
        (lambda: WorkCalendar(periods=((time(9), time(13)), (time(12), time(18)))), ValueError),
        (lambda: WorkCalendar(overrides={"2026-11-30": False}), ValueError),
    ],
)
def test_bad_arguments(call: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        call()  # type: ignore[operator]


def test_custom_periods_and_zone() -> None:
    urumqi = ZoneInfo("Asia/Urumqi")
    cal = WorkCalendar(periods=((time(10), time(14)), (time(16), time(20))), tz=urumqi)
    assert cal.day_length == timedelta(hours=8)
    assert CAL.day_length == timedelta(hours=8)
    start = at(2026, 11, 27, 19, tz=urumqi)
    assert cal.add_working_minutes(start, 120) == at(2026, 11, 30, 11, tz=urumqi)
    assert cal.add_working_minutes(start, 120).tzinfo == urumqi
    assert WorkCalendar().periods == DEFAULT_PERIODS


# -- properties ---------------------------------------------------------------------------

working_starts = st.builds(
    lambda day, minute: CAL.next_working_time(
        datetime.combine(day, time(9), tzinfo=SH) + timedelta(minutes=minute)
    ),
    st.dates(min_value=date(2025, 12, 1), max_value=date(2027, 3, 1)),
    st.integers(min_value=0, max_value=9 * 60 - 1),
)


@settings(max_examples=200, deadline=None)
@given(start=working_starts, minutes=st.integers(min_value=0, max_value=480 * 40))
def test_minutes_round_trip(start: datetime, minutes: int) -> None:
    assert CAL.is_working_time(start)
    assert CAL.working_minutes_between(start, CAL.add_working_minutes(start, minutes)) == minutes


@settings(max_examples=200, deadline=None)
@given(
    start=working_starts,
    m1=st.integers(min_value=0, max_value=480 * 20),
    m2=st.integers(min_value=0, max_value=480 * 20),
)
def test_add_working_minutes_is_monotonic(start: datetime, m1: int, m2: int) -> None:
    low, high = sorted((m1, m2))
    assert CAL.add_working_minutes(start, low) <= CAL.add_working_minutes(start, high)
    if low < high:
        assert CAL.add_working_minutes(start, low) < CAL.add_working_minutes(start, high)


@settings(max_examples=100, deadline=None)
@given(start=working_starts, days=st.integers(min_value=0, max_value=30))
def test_working_days_are_whole_days_of_working_time(start: datetime, days: int) -> None:
    end = CAL.add_working_days(start, days)
    assert CAL.working_minutes_between(start, end) == days * 480
    assert end.time() == start.time()
