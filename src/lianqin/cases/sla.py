"""Deadlines and warnings: how long each stage of a case may take, and how late it is.

Pure (no Django) and clock-free: every function takes the moments it needs, so the rules
are tables in ``tests/unit/test_sla.py`` and the sweeper in ``jobs`` only asks them.

Durations are short strings, stored as such in policies and in the database:

=======  ==========================================  ===============
text     meaning                                     clock
=======  ==========================================  ===============
``30m``  30 minutes of elapsed time                  calendar (24 h)
``2h``   2 hours of elapsed time                     calendar (24 h)
``3d``   3 × 24 hours of elapsed time                calendar (24 h)
``4wh``  4 working hours (``WorkCalendar`` periods)  working
``5wd``  5 working days, same clock time             working
=======  ==========================================  ===============

The command centre is on duty 24 hours, so acceptance and urgent stages run on the
calendar clock; the participating units work office hours, so ordinary handling runs on
the working clock, which honours statutory holidays and 调休 working weekends.

Built-in policies (``DEFAULT_POLICIES``), in the spirit of the 12345 rules of
国办发〔2020〕53号 (紧急诉求 2 小时内响应; 一般诉求 1 个工作日内签收; 办理一般不超过
5 个工作日, 较复杂的不超过 15 个工作日) and of 数字城管 practice (市容 problems handled
within hours). Urgent cases are acknowledged within 30 minutes, well inside the 2-hour
response, and run on the calendar clock through nights and holidays.

Policies: ``standard`` 一般类; ``quick`` 城市管理/市容类 (handled within hours);
``complex`` 复杂类 (矛盾纠纷, 房屋物业, 劳资); ``consultation`` 咨询/求助类; ``urgent``
安全隐患类 (燃气, 窨井盖, 危化品: every stage on the calendar clock, nights and holidays
included).

==============  ========  ======  ===========  =======  ======  ========
policy          priority  accept  acknowledge  resolve  verify  callback
==============  ========  ======  ===========  =======  ======  ========
standard        normal    30m     2wh          5wd      1wd     3wd
standard        urgent    10m     30m          4h       2h      1d
standard        high      15m     1wh          2wd      4wh     2wd
standard        low       ·       1wd          10wd     2wd     5wd
quick           normal    15m     1wh          4wh      2wh     1wd
quick           urgent    5m      15m          1h       1h      1d
quick           high      10m     30m          2wh      1wh     ·
quick           low       ·       ·            1wd      4wh     ·
complex         normal    30m     1wd          15wd     2wd     5wd
complex         urgent    10m     1h           3d       1d      2d
complex         high      ·       4wh          10wd     1wd     3wd
consultation    normal    30m     4wh          1wd      1wd     3wd
consultation    urgent    10m     30m          2h       2h      1d
consultation    low       ·       ·            3wd      ·       ·
urgent          normal    10m     30m          1d       4h      1d
urgent          urgent    5m      15m          4h       2h      1d
urgent          high      ·       ·            12h      ·       ·
==============  ========  ======  ===========  =======  ======  ========

A ``·`` cell, and every priority not listed (``complex``/``low``, ``consultation``/
``high``), falls back to the policy's ``normal`` row.

Warnings (黄牌/红牌): a stage is ``normal`` until 60 % of its allowed time is used,
``yellow`` until 85 %, ``red`` until the deadline and ``overdue`` from the deadline on.

A suspension (挂起) pauses the clock: the time left at suspension is the time left at
resumption, so the deadline moves later by the paused time, counted on the stage's clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from lianqin.cases.workcalendar import WorkCalendar, require_aware
from lianqin.choices import Priority, Stage, Warning

__all__ = [
    "DEFAULT_POLICIES",
    "UNITS",
    "DeadlinePolicy",
    "Duration",
    "due",
    "parse_duration",
    "remaining",
    "shift_for_pause",
    "stage_deadline",
    "warning_level",
]

#: Unit code → what it means; ``w…`` units run on the working clock.
UNITS: Mapping[str, str] = MappingProxyType(
    {
        "m": "calendar minutes",
        "h": "calendar hours",
        "d": "calendar days",
        "wh": "working hours",
        "wd": "working days",
    }
)
_CALENDAR_STEP = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
_PATTERN = re.compile(r"\s*([0-9]{1,9})\s*(wh|wd|m|h|d)\s*")
_FORMS = (
    "a whole number followed by m, h, d (calendar time), wh or wd (working time), "
    "e.g. '30m', '2h', '3d', '4wh', '5wd'"
)


@dataclass(frozen=True)
class Duration:
    """A non-negative amount of time on one clock; ``str()`` gives back the short form."""

    amount: int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown duration unit {self.unit!r}; expected {_FORMS}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"duration amount must be a whole number >= 0, got {self.amount!r}")

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    @property
    def is_working(self) -> bool:
        """True when the duration runs on the working clock (``wh``, ``wd``)."""
        return self.unit.startswith("w")


def parse_duration(text: str) -> Duration:
    """``"5wd"`` → ``Duration(5, "wd")``; anything else raises ``ValueError`` naming it."""
    match = _PATTERN.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"invalid duration {text!r}: expected {_FORMS}")
    return Duration(int(match.group(1)), match.group(2))


def _elapsed(a: datetime, b: datetime) -> timedelta:
    """Real time from ``a`` to ``b`` (through UTC, so zones and DST cannot skew it)."""
    return b.astimezone(UTC) - a.astimezone(UTC)


def _clock_time(a: datetime, b: datetime, calendar: WorkCalendar, working: bool) -> timedelta:
    """Time from ``a`` to ``b`` on the chosen clock, negative when ``b`` is before ``a``."""
    if not working:
        return _elapsed(a, b)
    if b >= a:
        return calendar.working_time_between(a, b)
    return -calendar.working_time_between(b, a)


def due(start: datetime, duration: Duration, calendar: WorkCalendar) -> datetime:
    """The deadline of a stage that starts at ``start`` and may take ``duration``.

    The result is aware, in the calendar's zone. Calendar units add elapsed time;
    ``wh`` adds working minutes; ``wd`` gives the same clock time on the n-th working day
    (see :meth:`WorkCalendar.add_working_days` for a start outside working time).
    """
    require_aware(start, "start")
    if duration.unit == "wh":
        return calendar.add_working_minutes(start, duration.amount * 60)
    if duration.unit == "wd":
        return calendar.add_working_days(start, duration.amount)
    moment = start.astimezone(UTC) + duration.amount * _CALENDAR_STEP[duration.unit]
    return moment.astimezone(calendar.tz)


@dataclass(frozen=True)
class DeadlinePolicy:
    """How long each stage may take, per priority.

    ``stages[Priority.NORMAL]`` must name every stage; any other priority may name only
    some: a missing priority, or a missing stage of a priority, falls back to ``normal``.
    """

    code: str
    name: str
    stages: Mapping[Priority, Mapping[Stage, Duration]]

    def __post_init__(self) -> None:
        normal = self.stages.get(Priority.NORMAL)
        if normal is None:
            raise ValueError(f"policy {self.code!r}: the 'normal' priority is required")
        missing = [str(s) for s in Stage if s not in normal]
        if missing:
            raise ValueError(
                f"policy {self.code!r}: 'normal' must name every stage; missing {missing}"
            )
        frozen = {Priority(p): MappingProxyType(dict(row)) for p, row in self.stages.items()}
        object.__setattr__(self, "stages", MappingProxyType(frozen))

    @classmethod
    def from_spec(
        cls, code: str, name: str, spec: Mapping[str, Mapping[str, str]]
    ) -> DeadlinePolicy:
        """Build a policy from JSON-like ``{"normal": {"accept": "30m", ...}, ...}``.

        Unknown priority or stage names and bad durations raise ``ValueError`` naming them.
        """
        unknown = sorted(set(spec) - {str(p) for p in Priority})
        if unknown:
            raise ValueError(
                f"policy {code!r}: unknown priorities {unknown}; "
                f"expected {[str(p) for p in Priority]}"
            )
        stages: dict[Priority, dict[Stage, Duration]] = {}
        for priority, row in spec.items():
            unknown = sorted(set(row) - {str(s) for s in Stage})
            if unknown:
                raise ValueError(
                    f"policy {code!r}, priority {priority!r}: unknown stages {unknown}; "
                    f"expected {[str(s) for s in Stage]}"
                )
            stages[Priority(priority)] = {
                Stage(stage): _parse_in(code, priority, stage, text) for stage, text in row.items()
            }
        return cls(code, name, stages)

    def duration(self, priority: Priority | str, stage: Stage | str) -> Duration:
        """The allowed time of ``stage`` at ``priority``, after the fallbacks to ``normal``."""
        row = self.stages.get(Priority(priority), {})
        found = row.get(Stage(stage))
        return found if found is not None else self.stages[Priority.NORMAL][Stage(stage)]

    def to_spec(self) -> dict[str, dict[str, str]]:
        """The policy as it would be written, without the fallbacks (inverse of ``from_spec``)."""
        return {str(p): {str(s): str(d) for s, d in row.items()} for p, row in self.stages.items()}


def _parse_in(code: str, priority: str, stage: str, text: str) -> Duration:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise ValueError(f"policy {code!r}, {priority}.{stage}: {exc}") from None


def stage_deadline(
    policy: DeadlinePolicy,
    priority: Priority | str,
    stage: Stage | str,
    start: datetime,
    calendar: WorkCalendar,
) -> datetime:
    """The deadline of ``stage`` for a case of ``priority`` under ``policy``, from ``start``."""
    return due(start, policy.duration(priority, stage), calendar)


def warning_level(
    start: datetime,
    due: datetime,
    now: datetime,
    calendar: WorkCalendar,
    *,
    working: bool,
    yellow: float = 0.6,
    red: float = 0.85,
) -> Warning:
    """How far a stage has run through its allowed time ``[start, due)`` at ``now``.

    ``NORMAL`` while less than ``yellow`` of the allowed time is used, ``YELLOW`` from
    ``yellow``, ``RED`` from ``red``, ``OVERDUE`` at and after ``due``. The used share is
    measured in working time when ``working``, else in real time. A window with no
    allowed time (zero length, or no working time inside it) is ``NORMAL`` before
    ``due`` and ``OVERDUE`` from it.
    """
    for name, moment in (("start", start), ("due", due), ("now", now)):
        require_aware(moment, name)
    if not 0.0 <= yellow <= red <= 1.0:
        raise ValueError(f"thresholds must satisfy 0 <= yellow <= red <= 1, got {yellow}, {red}")
    if now >= due:
        return Warning.OVERDUE
    allowed = _clock_time(start, due, calendar, working)
    if allowed <= timedelta(0):
        return Warning.NORMAL
    used = max(_clock_time(start, now, calendar, working), timedelta(0))
    share = used / allowed
    if share >= red:
        return Warning.RED
    if share >= yellow:
        return Warning.YELLOW
    return Warning.NORMAL


def shift_for_pause(
    due: datetime,
    paused_from: datetime,
    paused_to: datetime,
    calendar: WorkCalendar,
    *,
    working: bool,
) -> datetime:
    """The deadline after a suspension over ``[paused_from, paused_to)``.

    It moves later by the paused time on the stage's clock (working time inside the
    pause when ``working``, real time otherwise), so the time left at suspension is the
    time left at resumption. An empty or inverted pause leaves ``due`` unchanged.
    """
    for name, moment in (("due", due), ("paused_from", paused_from), ("paused_to", paused_to)):
        require_aware(moment, name)
    paused = _clock_time(paused_from, paused_to, calendar, working)
    if paused <= timedelta(0):
        return due
    if working:
        return calendar.add_working_time(due, paused)
    return (due.astimezone(UTC) + paused).astimezone(calendar.tz)


def remaining(due: datetime, now: datetime, calendar: WorkCalendar, *, working: bool) -> timedelta:
    """Time left until ``due`` on the stage's clock; negative once overdue."""
    require_aware(due, "due")
    require_aware(now, "now")
    return _clock_time(now, due, calendar, working)


def _policy(code: str, name: str, **rows: str) -> DeadlinePolicy:
    """A built-in policy from rows written like the docstring's table.

    Each row names the five stages in ``Stage`` order (accept, acknowledge, resolve,
    verify, callback); a ``·`` leaves that stage to the ``normal`` row.
    """
    spec = {
        priority: {
            str(stage): cell for stage, cell in zip(Stage, row.split(), strict=True) if cell != "·"
        }
        for priority, row in rows.items()
    }
    return DeadlinePolicy.from_spec(code, name, spec)


#: The built-in policies, by code; a deployment adds its own through the admin.
DEFAULT_POLICIES: dict[str, DeadlinePolicy] = {
    p.code: p
    for p in (
        _policy(
            "standard",
            "一般类",
            normal="30m  2wh  5wd   1wd  3wd",
            urgent="10m  30m  4h    2h   1d",
            high="15m    1wh  2wd   4wh  2wd",
            low="·       1wd  10wd  2wd  5wd",
        ),
        _policy(
            "quick",
            "城市管理/市容类（数小时内处置）",
            normal="15m  1wh  4wh  2wh  1wd",
            urgent="5m   15m  1h   1h   1d",
            high="10m    30m  2wh  1wh  ·",
            low="·       ·    1wd  4wh  ·",
        ),
        _policy(
            "complex",
            "复杂类（矛盾纠纷、房屋物业等）",
            normal="30m  1wd  15wd  2wd  5wd",
            urgent="10m  1h   3d    1d   2d",
            high="·      4wh  10wd  1wd  3wd",
        ),
        _policy(
            "consultation",
            "咨询/求助类",
            normal="30m  4wh  1wd  1wd  3wd",
            urgent="10m  30m  2h   2h   1d",
            low="·       ·    3wd  ·    ·",
        ),
        _policy(
            "urgent",
            "安全隐患类（全天候计时）",
            normal="10m  30m  1d   4h  1d",
            urgent="5m   15m  4h   2h  1d",
            high="·      ·    12h  ·   ·",
        ),
    )
}
