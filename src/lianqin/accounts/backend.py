"""Login with lockout and the second factor, as a Django authentication backend — so the
console, the admin and the API's session login all go through the same checks.

What must hold: a locked account is refused even with the right password, until the lock
ends or an administrator unlocks it; every failure (wrong password, missing or wrong
code) counts towards the lock; reaching the limit writes a ``lockout`` audit line; an
unknown username costs the same hashing time as a known one (no user enumeration by
timing); a TOTP code is accepted once (a replayed code within its window is refused).
"""

from __future__ import annotations

from typing import Any

import pyotp
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import make_password
from django.db.models import F
from django.utils import timezone

from lianqin.accounts.policy import Policy
from lianqin.org.models import Person


class LockedOut(Exception):
    def __init__(self, until: Any) -> None:
        super().__init__(until)
        self.until = until


class SecondFactorNeeded(Exception):
    pass


def totp_ok(person: Person, code: str) -> bool:
    """Whether ``code`` is the current (or a neighbouring 30-second) code and newer than the
    last one this account used: the conditional UPDATE makes a code good once, across
    every server process."""
    code = "".join(ch for ch in code if ch.isdigit())
    if not person.totp_secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(person.totp_secret)
    now = int(timezone.now().timestamp()) // 30
    for step in (now, now - 1, now + 1):
        if totp.at(step * 30) == code:
            return bool(
                Person.objects.filter(pk=person.pk, totp_step__lt=step).update(totp_step=step)
            )
    return False


class LockoutBackend(ModelBackend):
    def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        otp: str | None = None,
        **kwargs: Any,
    ) -> Person | None:
        if username is None or password is None:
            return None
        person = Person._default_manager.filter(username=username).first()
        if person is None:
            make_password(password)  # the same cost as checking a real password
            return None
        now = timezone.now()
        if person.locked_until and person.locked_until > now:
            raise LockedOut(person.locked_until)
        ok = person.check_password(password) and self.user_can_authenticate(person)
        if ok and person.totp_secret:
            if not otp:
                raise SecondFactorNeeded
            ok = totp_ok(person, otp)
        if ok:
            if person.failed_logins or person.locked_until:
                Person.objects.filter(pk=person.pk).update(failed_logins=0, locked_until=None)
                person.failed_logins, person.locked_until = 0, None
            return person
        self.failed(person, request)
        return None

    @staticmethod
    def failed(person: Person, request: Any) -> None:
        from lianqin.audit.service import append, request_client

        policy = Policy.from_env()
        Person.objects.filter(pk=person.pk).update(failed_logins=F("failed_logins") + 1)
        failures = Person.objects.values_list("failed_logins", flat=True).get(pk=person.pk)
        _, until = policy.after_failure(failures - 1, timezone.now())
        if until is not None:
            Person.objects.filter(pk=person.pk).update(locked_until=until, failed_logins=0)
            append("lockout", None, f"org.Person:{person.pk}",
                   {"username": person.username, "until": until.isoformat(),
                    "attempts": policy.attempts}, client=request_client(request))  # fmt: skip
