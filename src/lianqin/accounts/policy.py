"""Account rules. Pure: no Django, no clock of its own.

* Lockout: after ``attempts`` failed logins in a row an account is locked for ``minutes``;
  a success resets the count. Counted per account (等保 asks for it per account), so that a
  password-spraying script cannot try more than ``attempts`` passwords per account per
  lock period whatever addresses it comes from.
* Idle timeout: a session with no request for ``idle_minutes`` ends.
* Password age: a password older than ``password_days`` (default 90, 0 = never) must be
  changed before anything else (from the account's creation when it never was).
* Password: at least 10 characters with three of four kinds (upper, lower, digit, other):
  the usual 等保 level-3 reading of "complexity", on top of Django's validators (not like
  the username, not a common password, not all digits).

What must hold: the settings are read from ``LIANQIN_*`` variables with floors that a
typo cannot undercut (at least 3 attempts, 1 minute, 5 idle minutes; at most 10 attempts);
:func:`password_problems` names every rule a password breaks, in Chinese.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta


def _int(name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(os.environ.get(name, "").strip() or default)
    except ValueError:
        value = default
    return min(max(value, low), high)


@dataclass(frozen=True)
class Policy:
    attempts: int
    minutes: int
    idle_minutes: int
    password_days: int = 90  # a password older than this must be changed (0: never)

    @classmethod
    def from_env(cls) -> Policy:
        return cls(
            attempts=_int("LIANQIN_LOCKOUT_ATTEMPTS", 5, 3, 10),
            minutes=_int("LIANQIN_LOCKOUT_MINUTES", 15, 1, 24 * 60),
            idle_minutes=_int("LIANQIN_IDLE_MINUTES", 30, 5, 24 * 60),
            password_days=_int("LIANQIN_PASSWORD_MAX_DAYS", 90, 0, 3650),
        )

    def after_failure(self, failures: int, now: datetime) -> tuple[int, datetime | None]:
        """The new failure count and, when it reaches the limit, the end of the lock."""
        failures += 1
        if failures >= self.attempts:
            return failures, now + timedelta(minutes=self.minutes)
        return failures, None

    def idle(self, last_seen: float, now: float) -> bool:
        return now - last_seen > self.idle_minutes * 60

    def password_expired(self, changed: datetime, now: datetime) -> bool:
        return bool(self.password_days) and now - changed > timedelta(days=self.password_days)


MIN_LENGTH = 10


def password_problems(password: str) -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少 {MIN_LENGTH} 位")
    kinds = sum(
        [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if kinds < 3:
        problems.append("密码须包含大写字母、小写字母、数字、符号中的至少三类")
    return problems
