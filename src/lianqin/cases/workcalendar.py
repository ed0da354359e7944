"""Working time: which days are working days and how working minutes add up.

Deadlines of the participating units run in *working* time (工作日/工作时): a "5 working
days" order received before the Spring Festival must not fall due in the middle of it,
and a 调休 Saturday counts as a working day. This module is pure (no Django) and takes
every moment as an argument, so the SLA rules in ``sla.py`` can be tested as tables.

Which days work, in order of authority:

1. ``WorkCalendar.overrides`` — the editable table (date → is a working day). It wins
   over everything, so an operator can record 调休 for a year the package does not know
   yet, or a local holiday, without a release.
2. ``chinese_calendar`` (package ``chinesecalendar``): statutory holidays and 调休
   working weekends for the years it covers (2004–2026 in 1.11).
3. For any other year: Monday–Friday. ``WorkCalendar.covered`` tells a caller (the
   console, a health check) that the answer came from this fallback, so that somebody
   fills the table before the year starts.

What must hold (``tests/unit/test_workcalendar.py``):

* working periods are half-open ``[start, end)`` wall-clock intervals of the calendar's
  time zone; the same periods apply on every working day;
* a moment outside working time (evening, lunch break, a holiday) waits for the next
  working period; an addition that ends exactly at the end of a period returns that
  end (Friday 17:00 + 4 working hours → Monday 12:00, not 13:00);
* ``working_minutes_between(s, add_working_minutes(s, m)) == m`` and the addition is
  monotonic in ``m``;
* every input datetime is timezone-aware (naive ones raise ``ValueError``) and every
  result is aware, in the calendar's zone;
* spans of months cost one step per day (whole days are skipped), never one per minute.

Working time is measured on the wall clock of ``tz``: Asia/Shanghai has no daylight
saving, and in a zone that has it a working period keeps its nominal length.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = [
    "DEFAULT_PERIODS",
    "SHANGHAI",
    "WorkCalendar",
    "require_aware",
]

#: Working hours of a working day: 09:00–12:00 and 13:00–18:00 (8 hours).
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = (
    (time(9, 0), time(12, 0)),
    (time(13, 0), time(18, 0)),
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: How far ahead a search for the next working day may look before the calendar is
#: declared broken (an override table that closes ten years in a row is a data error).
_MAX_SEARCH_DAYS = 3660

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)


def require_aware(moment: datetime, name: str = "datetime") -> None:
    """Reject naive datetimes: a deadline without a zone is a bug waiting for a server move."""
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{name} must be timezone-aware, got naive {moment.isoformat()}; "
            "attach a zone, e.g. datetime(..., tzinfo=ZoneInfo('Asia/Shanghai'))"
        )


def _package_is_workday(day: date) -> bool | None:
    """The package's answer, or None for a year it does not cover."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def _check_periods(periods: tuple[tuple[time, time], ...]) -> None:
    if not periods:
        raise ValueError("periods must name at least one working period")
    previous_end: time | None = None
    for start, end in periods:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("periods are wall-clock times: give naive times, not aware ones")
        if not start < end:
            raise ValueError(f"period {start}–{end}: start must be before end")
        if previous_end is not None and start < previous_end:
            raise ValueError(f"period {start}–{end} overlaps or precedes the one before it")
        previous_end = end


@dataclass(frozen=True)
class WorkCalendar:
    """Working days and hours of one jurisdiction.

    ``overrides`` is copied into a read-only mapping, so a calendar never changes under
    a deadline computed from it; build a new calendar when the table changes.
    """

    overrides: Mapping[date, bool] = field(default_factory=dict)
    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    tz: ZoneInfo = SHANGHAI

    def __post_init__(self) -> None:
        periods = tuple((start, end) for start, end in self.periods)
        _check_periods(periods)
        for key in self.overrides:
            if isinstance(key, datetime) or not isinstance(key, date):
                raise ValueError(f"override keys must be dates, got {key!r}")
        object.__setattr__(self, "periods", periods)
        object.__setattr__(
            self, "overrides", MappingProxyType({d: bool(v) for d, v in self.overrides.items()})
        )

    # -- days ---------------------------------------------------------------------------

    def _local_day(self, day: date | datetime) -> date:
        if isinstance(day, datetime):
            require_aware(day, "day")
            return day.astimezone(self.tz).date()
        return day

    def is_workday(self, day: date | datetime) -> bool:
        """Whether ``day`` is a working day: the table, then the package, then Mon–Fri.

        An aware datetime is read as its date in the calendar's zone.
        """
        day = self._local_day(day)
        if day in self.overrides:
            return self.overrides[day]
        answer = _package_is_workday(day)
        if answer is None:
            return day.weekday() < 5
        return answer

    def covered(self, day: date | datetime) -> bool:
        """True when ``is_workday(day)`` comes from the table or the package, not the fallback."""
        day = self._local_day(day)
        return day in self.overrides or _package_is_workday(day) is not None

    @property
    def day_length(self) -> timedelta:
        """Working time in one working day (8 h with the default periods)."""
        return sum(
            (
                datetime.combine(date.min, e) - datetime.combine(date.min, s)
                for s, e in self.periods
            ),
            _ZERO,
        )

    def _next_workday(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        for _ in range(_MAX_SEARCH_DAYS):
            day += _ONE_DAY
            if self.is_workday(day):
                return day
        raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days after {day}")

    # -- moments ------------------------------------------------------------------------

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz)

    def _next_working_slot(self, local: datetime) -> tuple[datetime, datetime]:
        """(first working instant at or after ``local``, end of the period holding it).

        ``local`` is in the calendar's zone; a period end is not working time, so the
        slot found from 12:00 is 13:00–18:00.
        """
        day = local.date()
        for _ in range(_MAX_SEARCH_DAYS):
            if self.is_workday(day):
                for start, end in self.periods:
                    period_end = self._at(day, end)
                    if local < period_end:
                        return max(local, self._at(day, start)), period_end
            day += _ONE_DAY
            local = self._at(day, time.min)
        raise ValueError(f"no working time within {_MAX_SEARCH_DAYS} days after {local}")

    def is_working_time(self, moment: datetime) -> bool:
        """Whether ``moment`` lies inside a working period of a working day."""
        require_aware(moment, "moment")
        local = moment.astimezone(self.tz)
        return self._next_working_slot(local)[0] == local

    def next_working_time(self, moment: datetime) -> datetime:
        """``moment`` itself if it is working time, else the start of the next working period."""
        require_aware(moment, "moment")
        return self._next_working_slot(moment.astimezone(self.tz))[0]

    # -- arithmetic ---------------------------------------------------------------------

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The moment ``minutes`` working minutes after ``start``.

        Only minutes inside working periods of working days count; a start outside
        working time begins at the next working period. ``minutes`` must be >= 0; with
        0 the result is the next working instant (``start`` itself in working time).
        """
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise TypeError(f"minutes must be an int, got {minutes!r}")
        return self.add_working_time(start, timedelta(minutes=minutes))

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """Like :meth:`add_working_minutes` with any non-negative ``timedelta``."""
        require_aware(start, "start")
        if amount < _ZERO:
            raise ValueError(f"working time to add must not be negative, got {amount}")
        cursor, end = self._next_working_slot(start.astimezone(self.tz))
        while amount > end - cursor:
            amount -= end - cursor
            cursor, end = self._next_working_slot(end)
            if cursor.time() == self.periods[0][0] and amount > self.day_length:
                cursor, amount = self._skip_whole_days(cursor.date(), amount)
                cursor, end = self._next_working_slot(cursor)
        return cursor + amount

    def _skip_whole_days(self, day: date, amount: timedelta) -> tuple[datetime, timedelta]:
        """Consume whole working days from ``day`` (a working day) while more than one is left.

        Returns the start of the first working day not consumed and the amount left,
        which is then at most one day's length (and positive).
        """
        length = self.day_length
        while amount > length:
            amount -= length
            day = self._next_workday(day)
        return self._at(day, self.periods[0][0]), amount

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same clock time on the ``days``-th working day after ``start``'s day.

        The rule when ``start`` is not working time (evening, lunch break, weekend,
        holiday): the case counts as received at the next working instant (the start of
        the next working period), and the days are counted from there. So Friday 19:00
        + 1 working day is Tuesday 09:00 (received Monday 09:00), and Wednesday 12:30 +
        1 working day is Thursday 13:00. ``days`` must be >= 0; 0 gives that working
        instant itself. It always holds that the result is exactly ``days`` full
        working days of working time after the start.
        """
        if isinstance(days, bool) or not isinstance(days, int):
            raise TypeError(f"days must be an int, got {days!r}")
        if days < 0:
            raise ValueError(f"working days to add must not be negative, got {days}")
        require_aware(start, "start")
        anchor = self.next_working_time(start)
        day = anchor.date()
        for _ in range(days):
            day = self._next_workday(day)
        return self._at(day, anchor.time())

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time inside ``[a, b)``; zero when ``b <= a``. One step per day."""
        require_aware(a, "a")
        require_aware(b, "b")
        if b <= a:
            return _ZERO
        a, b = a.astimezone(self.tz), b.astimezone(self.tz)
        total, day, length = _ZERO, a.date(), self.day_length
        while day <= b.date():
            if self.is_workday(day):
                if a.date() < day < b.date():
                    total += length
                else:
                    total += self._overlap(day, a, b)
            day += _ONE_DAY
        return total

    def _overlap(self, day: date, a: datetime, b: datetime) -> timedelta:
        """Working time of ``day`` that falls inside ``[a, b)``."""
        total = _ZERO
        for start, end in self.periods:
            lo, hi = max(a, self._at(day, start)), min(b, self._at(day, end))
            if hi > lo:
                total += hi - lo
        return total

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole working minutes inside ``[a, b)`` (seconds are floored); 0 when ``b <= a``."""
        return self.working_time_between(a, b) // timedelta(minutes=1)
