"""Account rules (lianqin.accounts.policy): lockout arithmetic, floors a typo cannot
undercut, and password complexity with every broken rule named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lianqin.accounts.policy import Policy, password_problems

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_the_fifth_failure_locks_for_fifteen_minutes(monkeypatch):
    for name in ("LIANQIN_LOCKOUT_ATTEMPTS", "LIANQIN_LOCKOUT_MINUTES", "LIANQIN_IDLE_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    policy = Policy.from_env()
    assert policy.after_failure(3, NOW) == (4, None)
    assert policy.after_failure(4, NOW) == (5, NOW + timedelta(minutes=15))
    assert policy.idle(last_seen=0, now=30 * 60 + 1) and not policy.idle(0, 30 * 60)


def test_settings_have_floors_and_ceilings(monkeypatch):
    monkeypatch.setenv("LIANQIN_LOCKOUT_ATTEMPTS", "1000")
    monkeypatch.setenv("LIANQIN_LOCKOUT_MINUTES", "0")
    monkeypatch.setenv("LIANQIN_IDLE_MINUTES", "abc")
    assert Policy.from_env() == Policy(attempts=10, minutes=1, idle_minutes=30)


def test_password_rules_name_what_is_missing():
    assert password_problems("Lianqin@2026") == []
    assert password_problems("short1A") == ["密码至少 10 位"]
    assert password_problems("alllowercaseletters") == [
        "密码须包含大写字母、小写字母、数字、符号中的至少三类"
    ]
    assert len(password_problems("abc")) == 2
