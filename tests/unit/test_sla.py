"""Deadline rules as tables: durations, policies and fallbacks, warnings, pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianqin.cases.sla import (
    DEFAULT_POLICIES,
    DeadlinePolicy,
    Duration,
    due,
    parse_duration,
    remaining,
    shift_for_pause,
    stage_deadline,
    warning_level,
)
from lianqin.cases.workcalendar import SHANGHAI, WorkCalendar
from lianqin.choices import Priority, Stage, Warning

SH = SHANGHAI
CAL = WorkCalendar()
NORMAL_SPEC = {
    "accept": "30m",
    "acknowledge": "2wh",
    "resolve": "5wd",
    "verify": "1wd",
    "callback": "3wd",
}


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


# -- durations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "unit", "working"),
    [
        ("30m", 30, "m", False),
        ("2h", 2, "h", False),
        ("3d", 3, "d", False),
        ("4wh", 4, "wh", True),
        ("5wd", 5, "wd", True),
        ("0m", 0, "m", False),
        (" 15wd ", 15, "wd", True),
        ("4 wh", 4, "wh", True),
    ],
)
def test_parse_duration(text: str, amount: int, unit: str, working: bool) -> None:
    duration = parse_duration(text)
    assert duration == Duration(amount, unit)
    assert duration.is_working is working
    assert parse_duration(str(duration)) == duration
    assert str(duration) == f"{amount}{unit}"


@pytest.mark.parametrize(
    "text", ["", "5", "wd", "5w", "-5m", "1.5h", "5 days", "5WD", "m5", "5wdx", None, 5]
)
def test_parse_duration_rejects(text: object) -> None:
    with pytest.raises(ValueError, match="invalid duration") as info:
        parse_duration(text)  # type: ignore[arg-type]
    assert repr(text) in str(info.value)
    assert "wh" in str(info.value) and "wd" in str(info.value)


@pytest.mark.parametrize(("amount", "unit"), [(-1, "m"), (1, "y"), (1, ""), (True, "m")])
def test_duration_validates(amount: int, unit: str) -> None:
    with pytest.raises(ValueError):
        Duration(amount, unit)


# -- due ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "text", "expected"),
    [
        (at(2026, 11, 27, 23, 50), "30m", at(2026, 11, 28, 0, 20)),
        (at(2026, 11, 27, 17), "2h", at(2026, 11, 27, 19)),
        (at(2026, 2, 13, 10), "3d", at(2026, 2, 16, 10)),  # calendar days ignore holidays
        (at(2026, 11, 27, 17), "4wh", at(2026, 11, 30, 12)),  # Friday 17:00 → Monday 12:00
        (at(2026, 2, 13, 10), "5wd", at(2026, 2, 27, 10)),  # across the Spring Festival
        (at(2026, 9, 30, 17), "2wh", at(2026, 10, 8, 10)),  # across National Day
        (datetime(2026, 11, 27, 9, tzinfo=UTC), "1h", at(2026, 11, 27, 18)),
    ],
)
def test_due(start: datetime, text: str, expected: datetime) -> None:
    result = due(start, parse_duration(text), CAL)
    assert result == expected
    assert result.tzinfo == SH


def test_due_rejects_naive() -> None:
    naive = datetime(2026, 11, 27, 17)  # noqa: DTZ001 - the point of the test
    for text in ("30m", "4wh", "5wd"):
        with pytest.raises(ValueError, match="timezone-aware"):
            due(naive, parse_duration(text), CAL)


# -- policies -----------------------------------------------------------------------------

SPEC = {
    "normal": NORMAL_SPEC,
    "urgent": {"accept": "10m", "acknowledge": "30m", "resolve": "4h"},
}
POLICY = DeadlinePolicy.from_spec("t", "test", SPEC)


@pytest.mark.parametrize(
    ("priority", "stage", "expected"),
    [
        (Priority.NORMAL, Stage.RESOLVE, "5wd"),
        (Priority.URGENT, Stage.RESOLVE, "4h"),
        (Priority.URGENT, Stage.VERIFY, "1wd"),  # stage missing → normal's
        (Priority.URGENT, Stage.CALLBACK, "3wd"),
        (Priority.HIGH, Stage.ACCEPT, "30m"),  # priority missing → normal
        (Priority.LOW, Stage.RESOLVE, "5wd"),
        ("urgent", "accept", "10m"),  # plain strings are accepted
    ],
)
def test_policy_fallbacks(priority: Priority, stage: Stage, expected: str) -> None:
    assert str(POLICY.duration(priority, stage)) == expected


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ({"urgent": NORMAL_SPEC}, "normal"),
        ({"normal": {"accept": "30m"}}, "acknowledge"),
        ({"normal": NORMAL_SPEC, "critical": {}}, "critical"),
        ({"normal": NORMAL_SPEC, "urgent": {"close": "1h"}}, "close"),
        ({"normal": {**NORMAL_SPEC, "dispatch": "1h"}}, "dispatch"),
        ({"normal": {**NORMAL_SPEC, "verify": "1 week"}}, "normal.verify"),
        ({"normal": NORMAL_SPEC, "high": {"resolve": "2x"}}, "'2x'"),
    ],
)
def test_policy_spec_errors_name_the_culprit(spec: dict, named: str) -> None:
    with pytest.raises(ValueError, match="policy 't'") as info:
        DeadlinePolicy.from_spec("t", "test", spec)
    assert named in str(info.value)


def test_policy_is_frozen_and_round_trips() -> None:
    assert POLICY.to_spec() == SPEC
    assert DeadlinePolicy.from_spec("t", "test", POLICY.to_spec()) == POLICY
    with pytest.raises(TypeError):
        POLICY.stages[Priority.LOW] = {}  # type: ignore[index]


def test_default_policies_are_complete() -> None:
    assert set(DEFAULT_POLICIES) == {"standard", "quick", "complex", "consultation", "urgent"}
    for code, policy in DEFAULT_POLICIES.items():
        assert policy.code == code and policy.name
        for priority in Priority:
            for stage in Stage:
                assert isinstance(policy.duration(priority, stage), Duration)


@pytest.mark.parametrize(
    ("code", "priority", "stage", "expected"),
    [
        ("standard", Priority.NORMAL, Stage.ACCEPT, "30m"),
        ("standard", Priority.NORMAL, Stage.ACKNOWLEDGE, "2wh"),
        ("standard", Priority.NORMAL, Stage.RESOLVE, "5wd"),
        ("standard", Priority.URGENT, Stage.ACKNOWLEDGE, "30m"),
        ("standard", Priority.URGENT, Stage.RESOLVE, "4h"),
        ("standard", Priority.LOW, Stage.RESOLVE, "10wd"),
        ("standard", Priority.LOW, Stage.ACCEPT, "30m"),
        ("quick", Priority.NORMAL, Stage.RESOLVE, "4wh"),
        ("complex", Priority.NORMAL, Stage.RESOLVE, "15wd"),
        ("complex", Priority.LOW, Stage.RESOLVE, "15wd"),
        ("consultation", Priority.HIGH, Stage.RESOLVE, "1wd"),
    ],
)
def test_default_policy_figures(code: str, priority: Priority, stage: Stage, expected: str) -> None:
    assert str(DEFAULT_POLICIES[code].duration(priority, stage)) == expected


STANDARD = DEFAULT_POLICIES["standard"]


@pytest.mark.parametrize(
    ("priority", "stage", "start", "expected"),
    [
        (Priority.NORMAL, Stage.ACKNOWLEDGE, at(2026, 11, 27, 17), at(2026, 11, 30, 10)),
        (Priority.NORMAL, Stage.RESOLVE, at(2026, 2, 13, 10), at(2026, 2, 27, 10)),
        (Priority.NORMAL, Stage.ACCEPT, at(2026, 2, 17, 23, 45), at(2026, 2, 18, 0, 15)),
        (Priority.URGENT, Stage.RESOLVE, at(2026, 10, 1, 22), at(2026, 10, 2, 2)),
        # 10 working days: 10-08, 10-09, 10-10 (调休 Saturday), 10-12 … 10-16, 10-19, 10-20
        (Priority.LOW, Stage.RESOLVE, at(2026, 9, 30, 10), at(2026, 10, 20, 10)),
    ],
)
def test_stage_deadline(
    priority: Priority, stage: Stage, start: datetime, expected: datetime
) -> None:
    assert stage_deadline(STANDARD, priority, stage, start, CAL) == expected


# -- warnings -----------------------------------------------------------------------------

T0 = at(2026, 11, 25, 10)  # a Wednesday; 100 minutes of calendar time allowed
T_DUE = T0 + timedelta(minutes=100)


@pytest.mark.parametrize(
    ("minutes", "level"),
    [
        (-30, Warning.NORMAL),  # before the start
        (0, Warning.NORMAL),
        (59, Warning.NORMAL),
        (60, Warning.YELLOW),  # 60 % used
        (84, Warning.YELLOW),
        (85, Warning.RED),  # 85 % used
        (99, Warning.RED),
        (100, Warning.OVERDUE),  # at the deadline
        (500, Warning.OVERDUE),
    ],
)
def test_warning_levels_in_calendar_time(minutes: int, level: Warning) -> None:
    now = T0 + timedelta(minutes=minutes)
    assert warning_level(T0, T_DUE, now, CAL, working=False) is level


W0 = at(2026, 11, 27, 17)  # Friday 17:00 + 4wh → Monday 12:00 (240 working minutes)
W_DUE = at(2026, 11, 30, 12)


@pytest.mark.parametrize(
    ("now", "level"),
    [
        (at(2026, 11, 28, 15), Warning.NORMAL),  # the weekend uses no working time
        (at(2026, 11, 30, 10, 23), Warning.NORMAL),  # 143 of 240
        (at(2026, 11, 30, 10, 24), Warning.YELLOW),  # 144 = 60 %
        (at(2026, 11, 30, 11, 23), Warning.YELLOW),
        (at(2026, 11, 30, 11, 24), Warning.RED),  # 204 = 85 %
        (at(2026, 11, 30, 11, 59), Warning.RED),
        (at(2026, 11, 30, 12), Warning.OVERDUE),
        (at(2026, 11, 30, 12, 30), Warning.OVERDUE),  # lunch after the deadline
    ],
)
def test_warning_levels_in_working_time(now: datetime, level: Warning) -> None:
    assert warning_level(W0, W_DUE, now, CAL, working=True) is level


def test_real_time_and_working_time_warnings_differ_over_a_weekend() -> None:
    sunday_noon = at(2026, 11, 29, 12)  # 43 of 67 real hours, 60 of 240 working minutes
    assert warning_level(W0, W_DUE, sunday_noon, CAL, working=False) is Warning.YELLOW
    assert warning_level(W0, W_DUE, sunday_noon, CAL, working=True) is Warning.NORMAL


@pytest.mark.parametrize("working", [False, True])
@pytest.mark.parametrize(
    ("start", "deadline", "now", "level"),
    [
        (T0, T0, T0, Warning.OVERDUE),
        (T0, T0, T0 + timedelta(minutes=1), Warning.OVERDUE),
        (T0, T0, T0 - timedelta(minutes=1), Warning.NORMAL),
    ],
)
def test_zero_length_windows(
    start: datetime, deadline: datetime, now: datetime, level: Warning, working: bool
) -> None:
    assert warning_level(start, deadline, now, CAL, working=working) is level


def test_zero_working_time_window() -> None:
    # Saturday to Sunday holds no working time: NORMAL before the deadline, then OVERDUE.
    start, deadline = at(2026, 11, 28, 10), at(2026, 11, 29, 10)
    assert warning_level(start, deadline, at(2026, 11, 29, 9), CAL, working=True) is Warning.NORMAL
    assert warning_level(start, deadline, deadline, CAL, working=True) is Warning.OVERDUE


def test_custom_and_bad_thresholds() -> None:
    now = T0 + timedelta(minutes=50)
    assert warning_level(T0, T_DUE, now, CAL, working=False, yellow=0.5) is Warning.YELLOW
    assert warning_level(T0, T_DUE, now, CAL, working=False, yellow=0.4, red=0.5) is Warning.RED
    with pytest.raises(ValueError, match="thresholds"):
        warning_level(T0, T_DUE, now, CAL, working=False, yellow=0.9, red=0.8)
    with pytest.raises(ValueError, match="timezone-aware"):
        warning_level(T0, T_DUE, datetime(2026, 11, 25), CAL, working=False)  # noqa: DTZ001


# -- pauses and remaining time ------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadline", "paused_from", "paused_to", "working", "expected"),
    [
        # calendar time: moved by the real length of the pause
        (
            at(2026, 11, 30, 12),
            at(2026, 11, 27, 17),
            at(2026, 11, 27, 19),
            False,
            at(2026, 11, 30, 14),
        ),
        (
            at(2026, 11, 30, 12),
            at(2026, 11, 27, 17),
            at(2026, 11, 29, 17),
            False,
            at(2026, 12, 2, 12),
        ),
        # working time: Fri 17:00 → Mon 10:00 holds 120 working minutes; from Monday
        # 12:00 (a period end) those run 13:00–15:00
        (
            at(2026, 11, 30, 12),
            at(2026, 11, 27, 17),
            at(2026, 11, 30, 10),
            True,
            at(2026, 11, 30, 15),
        ),
        # a pause over the weekend only moves nothing in working time
        (
            at(2026, 11, 30, 12),
            at(2026, 11, 28, 9),
            at(2026, 11, 29, 20),
            True,
            at(2026, 11, 30, 12),
        ),
        # a pause of one working day (Fri 10:00 → 调休 Sat 10:00) before the Spring
        # Festival moves a Friday deadline onto the 调休 Saturday 28 Feb
        (at(2026, 2, 27, 10), at(2026, 2, 13, 10), at(2026, 2, 14, 10), True, at(2026, 2, 28, 10)),
        # a pause spanning the whole festival counts only its 2 working days (13th, 14th):
        # Fri 27th 10:00 + 16 working hours → 调休 Sat 28th, then Mon 2 March 10:00
        (at(2026, 2, 27, 10), at(2026, 2, 13, 9), at(2026, 2, 24, 9), True, at(2026, 3, 2, 10)),
        # empty and inverted pauses change nothing
        (
            at(2026, 11, 30, 12),
            at(2026, 11, 27, 17),
            at(2026, 11, 27, 17),
            True,
            at(2026, 11, 30, 12),
        ),
        (
            at(2026, 11, 30, 12),
            at(2026, 11, 27, 18),
            at(2026, 11, 27, 17),
            False,
            at(2026, 11, 30, 12),
        ),
    ],
)
def test_shift_for_pause(
    deadline: datetime,
    paused_from: datetime,
    paused_to: datetime,
    working: bool,
    expected: datetime,
) -> None:
    assert shift_for_pause(deadline, paused_from, paused_to, CAL, working=working) == expected


@pytest.mark.parametrize(
    ("deadline", "now", "working", "expected"),
    [
        (at(2026, 11, 30, 12), at(2026, 11, 27, 17), True, timedelta(hours=4)),
        (at(2026, 11, 30, 12), at(2026, 11, 27, 17), False, timedelta(hours=67)),
        (at(2026, 11, 30, 12), at(2026, 11, 30, 14), True, -timedelta(hours=1)),
        (at(2026, 11, 30, 12), at(2026, 11, 30, 14), False, -timedelta(hours=2)),
        (at(2026, 11, 30, 12), at(2026, 11, 30, 12), True, timedelta(0)),
    ],
)
def test_remaining(deadline: datetime, now: datetime, working: bool, expected: timedelta) -> None:
    assert remaining(deadline, now, CAL, working=working) == expected


moments = st.builds(
    lambda day, minute: (
        datetime.combine(day, datetime.min.time(), tzinfo=SH) + timedelta(minutes=minute)
    ),
    st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 2, 1)),
    st.integers(min_value=0, max_value=24 * 60 - 1),
)


@settings(max_examples=150, deadline=None)
@given(
    start=moments,
    hours=st.integers(min_value=0, max_value=80),
    pause_offset=st.integers(min_value=0, max_value=24 * 60 * 10),
    pause_len=st.integers(min_value=0, max_value=24 * 60 * 10),
    working=st.booleans(),
)
def test_pause_keeps_the_time_left(
    start: datetime, hours: int, pause_offset: int, pause_len: int, working: bool
) -> None:
    """What was left when the clock stopped is what is left when it starts again."""
    deadline = due(start, Duration(hours, "wh" if working else "h"), CAL)
    paused_from = start + timedelta(minutes=pause_offset)
    paused_to = paused_from + timedelta(minutes=pause_len)
    shifted = shift_for_pause(deadline, paused_from, paused_to, CAL, working=working)
    assert shifted >= deadline
    assert remaining(shifted, paused_to, CAL, working=working) == remaining(
        deadline, paused_from, CAL, working=working
    )
