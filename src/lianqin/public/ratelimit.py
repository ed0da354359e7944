"""Rate-limit arithmetic for the public endpoints. Pure: no Django, no clock of its own.

A rate is written ``N/period``: ``10/hour``, ``60/h``, ``1000/min``, ``5/30s``,
``100/day``. The limiter counts requests in fixed windows of ``period`` seconds (window
``i`` covers ``[i·period, (i+1)·period)``); the ``N+1``-th request inside one window is
refused until the window ends. Fixed windows may let through up to ``2N`` requests
around a window boundary; for a citizens' form and a code lookup that is good enough and
needs one counter per client, not a log of timestamps.

What must hold: a rate that does not parse raises ``ValueError`` naming the text and the
accepted forms; ``N`` is at least 1 and the period at least one second; ``retry_after``
is at least 1 second and never more than the period.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = ["Rate", "Window", "parse_rate", "window"]

_UNITS = {
    "s": 1, "sec": 1, "second": 1, "seconds": 1, "秒": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60, "分钟": 60,
    "h": 3600, "hour": 3600, "hours": 3600, "小时": 3600,
    "d": 86400, "day": 86400, "days": 86400, "天": 86400,
}  # fmt: skip
# ASCII digits, at most 9 of them: a longer count is a typo, and ``int`` refuses runs of
# more than 4,300 digits with a message that would not say which setting is wrong
_RATE = re.compile(r"\s*([0-9]{1,9})\s*/\s*([0-9]{0,9})\s*([a-z\u4e00-\u9fff]+)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    """At most ``limit`` requests per ``period`` seconds."""

    limit: int
    period: int

    def __str__(self) -> str:
        return f"{self.limit}/{self.period}s"


@dataclass(frozen=True)
class Window:
    """The window a moment falls in: its index (part of the counter's key) and the
    seconds until it ends (the ``Retry-After`` of a refusal)."""

    index: int
    retry_after: int


def parse_rate(text: str) -> Rate:
    """``"10/hour"`` → ``Rate(10, 3600)``; ``"5/30s"`` → ``Rate(5, 30)``."""
    match = _RATE.fullmatch(text or "")
    unit = _UNITS.get(match.group(3).lower()) if match else None
    if match is None or unit is None:
        raise ValueError(
            f"无法识别的频率“{text}”：应写成 次数/时间段，如 10/hour、60/h、1000/min、5/30s"
        )
    limit = int(match.group(1))
    period = int(match.group(2) or 1) * unit
    if limit < 1 or period < 1:
        raise ValueError(f"频率“{text}”的次数和时间段都须至少为 1，如 10/hour")
    return Rate(limit, period)


def window(now: float, rate: Rate) -> Window:
    """The fixed window ``now`` (seconds since the epoch) falls in."""
    index = math.floor(now / rate.period)
    end = (index + 1) * rate.period
    return Window(index, max(1, min(rate.period, math.ceil(end - now))))


def allowed(count: int, rate: Rate) -> bool:
    """Whether the ``count``-th request of a window (counting from 1) is let through."""
    return count <= rate.limit
