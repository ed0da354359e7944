"""The roster's arithmetic, pure (no Django): shift slots such as ``08:00-16:00``, their
expansion over a date range with people in rotation, overlap checks, and the week table
(days × slots) that the roster page draws.

What must hold (``tests/unit/test_duty_schedule.py``):

* a slot lasts more than 0 and at most 24 hours; ``24:00`` is the next midnight and a slot
  whose end is not after its start wraps past midnight (``22:00-06:00``);
* expansion yields one shift per day and slot, in time order, the i-th to
  ``people[i % len(people)]``; times are local wall-clock times of the given zone;
* two shifts overlap when each starts before the other ends: a shift ending at 16:00 and
  the next starting at 16:00 do not overlap;
* every input error says what, where and how to fix it (:class:`InvalidInput`).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Generic, TypeVar

from lianqin.choices import Label
from lianqin.errors import InvalidInput

DAY = 24 * 60
MAX_DAYS = 62
MAX_SLOTS = 12

#: the posts of a shift (值班长 leads the shift and approves; 值班员 takes and dispatches)
POST_LABELS = {
    "duty_leader": Label("值班长", "Duty leader", "#0d47a1"),
    "dispatcher": Label("值班员", "Dispatcher", "#00897b"),
}

P = TypeVar("P", bound=Hashable)
T = TypeVar("T")

_SLOT = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–~至到]\s*(\d{1,2}):(\d{2})$")
_SEPARATORS = re.compile(r"[,，;；、\s]+")


@dataclass(frozen=True, order=True)
class Slot:
    """A daily shift: minutes after the day's midnight; ``end`` may exceed 24 h (wraps)."""

    start: int
    end: int

    @property
    def label(self) -> str:
        return f"{_hhmm(self.start)}–{_hhmm(self.end)}"

    @property
    def hours(self) -> float:
        return (self.end - self.start) / 60


def _hhmm(minutes: int) -> str:
    if minutes == DAY:
        return "24:00"
    minutes %= DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_slot(text: str) -> Slot:
    m = _SLOT.match(text.strip())
    if m is None:
        raise InvalidInput(
            f"班次 {text!r} 的格式不对",
            field="slots",
            hint="写成 08:00-16:00，多个班次用逗号分隔，如 08:00-16:00,16:00-24:00,00:00-08:00",
        )
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise InvalidInput(
            f"班次 {text!r} 的时间不存在",
            field="slots",
            hint="小时 00–23（结束可写 24:00），分 00–59",
        )
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        end += DAY  # wraps past midnight: 22:00-06:00
    return Slot(start, end)


def parse_slots(text: str) -> list[Slot]:
    """``"08:00-16:00, 16:00-24:00, 00:00-08:00"`` → slots sorted by start."""
    parts = [p for p in _SEPARATORS.split(text.replace(" - ", "-")) if p]
    if not parts:
        raise InvalidInput(
            "没有填写班次", field="slots", hint="例如 08:00-16:00,16:00-24:00,00:00-08:00"
        )
    if len(parts) > MAX_SLOTS:
        raise InvalidInput(
            f"每天最多 {MAX_SLOTS} 个班次，收到 {len(parts)} 个", field="slots", hint="合并班次"
        )
    return sorted(parse_slot(p) for p in parts)


def local(day: date, minutes: int, tz: tzinfo) -> datetime:
    """The aware local time ``minutes`` after ``day``'s midnight (wall clock, not elapsed)."""
    d = day + timedelta(days=minutes // DAY)
    rest = minutes % DAY
    return datetime.combine(d, time(rest // 60, rest % 60), tzinfo=tz)


@dataclass(frozen=True)
class Planned(Generic[P]):
    person: P
    starts_at: datetime
    ends_at: datetime


def days_between(first: date, last: date) -> list[date]:
    if last < first:
        raise InvalidInput(
            f"结束日期 {last} 早于开始日期 {first}", field="last", hint="结束日期不早于开始日期"
        )
    n = (last - first).days + 1
    if n > MAX_DAYS:
        raise InvalidInput(
            f"一次最多排 {MAX_DAYS} 天，收到 {n} 天", field="last", hint="分几次排班"
        )
    return [first + timedelta(days=i) for i in range(n)]


def expand(
    first: date, last: date, slots: Sequence[Slot], people: Sequence[P], tz: tzinfo
) -> list[Planned[P]]:
    """One shift per day and slot from ``first`` to ``last``, people in rotation."""
    if not slots:
        raise InvalidInput("没有班次", field="slots", hint="例如 08:00-16:00")
    if not people:
        raise InvalidInput("没有选择值班人员", field="people", hint="至少选择一人，按顺序轮换")
    out: list[Planned[P]] = []
    for day in days_between(first, last):
        for slot in sorted(slots):
            person = people[len(out) % len(people)]
            out.append(Planned(person, local(day, slot.start, tz), local(day, slot.end, tz)))
    return out


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


@dataclass(frozen=True)
class Conflict(Generic[P, T]):
    planned: Planned[P]
    other: Planned[P]
    existing: T | None  # the stored shift it collides with; None: another planned shift


def conflicts(
    planned: Sequence[Planned[P]], existing: Iterable[tuple[Planned[P], T]]
) -> list[Conflict[P, T]]:
    """Each planned shift that overlaps a stored shift or an earlier planned shift of the
    same person, with the first one it overlaps."""
    stored: dict[P, list[tuple[Planned[P], T]]] = {}
    for shift, obj in existing:
        stored.setdefault(shift.person, []).append((shift, obj))
    found: list[Conflict[P, T]] = []
    accepted: dict[P, list[Planned[P]]] = {}
    for p in planned:
        hit = _first_hit(p, stored.get(p.person, []), accepted.get(p.person, []))
        if hit is not None:
            found.append(hit)
        accepted.setdefault(p.person, []).append(p)
    return found


def _first_hit(
    p: Planned[P], stored: list[tuple[Planned[P], T]], accepted: list[Planned[P]]
) -> Conflict[P, T] | None:
    for s, obj in stored:
        if overlaps(p.starts_at, p.ends_at, s.starts_at, s.ends_at):
            return Conflict(p, s, obj)
    for q in accepted:
        if overlaps(p.starts_at, p.ends_at, q.starts_at, q.ends_at):
            return Conflict(p, q, None)
    return None


@dataclass
class WeekTable(Generic[T]):
    """Rows are days, columns the slots the week's shifts use; a cell lists its shifts."""

    days: list[date]
    slots: list[Slot]
    cells: dict[tuple[date, Slot], list[T]] = field(default_factory=dict)

    def rows(self) -> list[tuple[date, list[list[T]]]]:
        return [(d, [self.cells.get((d, s), []) for s in self.slots]) for d in self.days]


def week_table(
    days: Sequence[date], shifts: Iterable[tuple[datetime, datetime, T]], tz: tzinfo
) -> WeekTable[T]:
    """Place each shift in the row of the local day it starts on and the column of its
    local start and end; shifts starting outside ``days`` are left out."""
    table: WeekTable[T] = WeekTable(list(days), [])
    wanted = set(days)
    used: set[Slot] = set()
    for starts_at, ends_at, item in shifts:
        start = starts_at.astimezone(tz)
        if start.date() not in wanted:
            continue
        begin = start.hour * 60 + start.minute
        slot = Slot(begin, begin + round((ends_at - starts_at).total_seconds() / 60))
        used.add(slot)
        table.cells.setdefault((start.date(), slot), []).append(item)
    table.slots = sorted(used)
    return table


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())
