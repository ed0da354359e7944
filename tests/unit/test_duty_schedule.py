"""The roster's arithmetic without a database: slots, pattern expansion, overlaps, the
week table."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from lianqin.duty.redact import redact
from lianqin.duty.schedule import (
    Planned,
    Slot,
    conflicts,
    expand,
    overlaps,
    parse_slot,
    parse_slots,
    week_of,
    week_table,
)
from lianqin.errors import InvalidInput

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


@pytest.mark.parametrize(
    ("text", "slot", "label"),
    [
        ("08:00-16:00", Slot(480, 960), "08:00–16:00"),
        ("16:00-24:00", Slot(960, 1440), "16:00–24:00"),
        ("0:00–8:00", Slot(0, 480), "00:00–08:00"),
        ("22:00-06:00", Slot(1320, 1800), "22:00–06:00"),
        ("08:00至08:00", Slot(480, 1920), "08:00–08:00"),
    ],
)
def test_slots_parse_with_wrap_and_midnight(text, slot, label):
    assert parse_slot(text) == slot
    assert slot.label == label


@pytest.mark.parametrize(
    ("text", "match"),
    [("8-16", "格式不对"), ("25:00-26:00", "不存在"), ("08:61-09:00", "不存在"),
     ("24:30-01:00", "不存在"), ("", "没有填写"), (",".join(["01:00-02:00"] * 13), "最多")],
)  # fmt: skip
def test_bad_slots_say_what_and_how(text, match):
    with pytest.raises(InvalidInput, match=match) as info:
        parse_slots(text)
    assert info.value.field == "slots" and info.value.hint


def test_parse_slots_sorts_and_accepts_chinese_separators():
    assert parse_slots("16:00-24:00，00:00-08:00; 08:00-16:00") == [
        Slot(0, 480), Slot(480, 960), Slot(960, 1440)
    ]  # fmt: skip


def test_pattern_expands_in_time_order_with_people_in_rotation():
    slots = parse_slots("08:00-16:00,16:00-24:00,00:00-08:00")
    plan = expand(date(2026, 11, 28), date(2026, 11, 29), slots, ["甲", "乙", "丙", "丁"], SH)
    assert len(plan) == 6
    assert [p.person for p in plan] == ["甲", "乙", "丙", "丁", "甲", "乙"]
    assert (plan[0].starts_at, plan[0].ends_at) == (at(28, 0), at(28, 8))
    assert (plan[2].starts_at, plan[2].ends_at) == (at(28, 16), at(29, 0))
    assert plan[-1].ends_at == at(30, 0)
    assert all(p.starts_at.tzinfo is SH for p in plan)


def test_a_night_slot_ends_the_next_morning():
    (p,) = expand(date(2026, 11, 28), date(2026, 11, 28), [parse_slot("22:00-06:00")], [1], SH)
    assert (p.starts_at, p.ends_at) == (at(28, 22), at(29, 6))


@pytest.mark.parametrize(
    ("first", "last", "people", "match"),
    [(date(2026, 11, 2), date(2026, 11, 1), [1], "早于"),
     (date(2026, 1, 1), date(2026, 3, 31), [1], "最多"),
     (date(2026, 11, 1), date(2026, 11, 1), [], "没有选择")],
)  # fmt: skip
def test_bad_ranges_and_no_people_are_refused(first, last, people, match):
    with pytest.raises(InvalidInput, match=match):
        expand(first, last, [Slot(0, 480)], people, SH)


def test_touching_shifts_do_not_overlap_but_intersecting_ones_do():
    assert not overlaps(at(28, 8), at(28, 16), at(28, 16), at(29, 0))
    assert overlaps(at(28, 8), at(28, 16), at(28, 15), at(28, 17))
    assert overlaps(at(28, 8), at(28, 16), at(28, 9), at(28, 10))


def test_conflicts_with_stored_and_within_the_plan_per_person():
    stored = [(Planned("甲", at(28, 12), at(28, 20)), "stored-1")]
    plan = [
        Planned("甲", at(28, 8), at(28, 16)),  # stored clash
        Planned("乙", at(28, 8), at(28, 16)),  # another person: fine
        Planned("乙", at(28, 10), at(28, 18)),  # clashes with the plan's own 乙
        Planned("甲", at(28, 20), at(29, 4)),  # touches the stored shift: fine
    ]
    found = conflicts(plan, stored)
    assert [(c.planned.person, c.existing) for c in found] == [("甲", "stored-1"), ("乙", None)]
    assert found[1].other == plan[1]


def test_week_table_places_shifts_by_local_day_and_slot():
    days = [date(2026, 11, 23 + i) for i in range(7)]
    utc = ZoneInfo("UTC")
    shifts = [
        (at(28, 0), at(28, 8), "night"),
        (at(28, 8), at(28, 16), "day"),
        (at(29, 8), at(29, 16), "day2"),
        # 23:00 UTC on the 28th is 07:00 local on the 29th
        (datetime(2026, 11, 28, 23, tzinfo=utc), datetime(2026, 11, 29, 1, tzinfo=utc), "early"),
        (at(30, 8), at(30, 16), "next week"),
    ]
    table = week_table(days, shifts, SH)
    assert [s.label for s in table.slots] == ["00:00–08:00", "07:00–09:00", "08:00–16:00"]
    rows = dict(table.rows())
    assert rows[date(2026, 11, 28)] == [["night"], [], ["day"]]
    assert rows[date(2026, 11, 29)] == [[], ["early"], ["day2"]]
    assert "next week" not in str(table.rows())
    assert week_of(date(2026, 11, 29)) == date(2026, 11, 23)


def test_notes_mask_long_digit_runs_and_are_shortened():
    assert redact("请回电13812345678") == "请回电138****5678"
    assert redact("门牌 123 号") == "门牌 123 号"
    assert redact("长" * 100, limit=10) == "长" * 9 + "…"
