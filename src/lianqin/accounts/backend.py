"""Login with lockout and the second factor, as a Django authentication backend — so the
console, the admin and the API's session login all go through the same checks.

What must hold: a locked account is refused even with the right password, until the lock
ends or an administrator unlocks it; every failure (wrong password, missing or wrong
code) counts towards the lock, and the count is taken before the password is checked, so
parallel attempts get no more than the limit; reaching the limit writes a ``lockout``
audit line, and refused attempts a ``login_failed`` one; an
unknown username costs the same hashing time as a known one (no user enumeration by
timing); a TOTP code is accepted once (a replayed code within its window is refused).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F, Q
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
        policy = Policy.from_env()
        attempt = self.reserve(person, policy, request)
        ok = person.check_password(password) and self.user_can_authenticate(person)
        if ok and person.totp_secret:
            if not otp:
                # the attempt stays counted until the code comes: a missing code counts
                _audit_failure(person, request, "second factor missing")
                raise SecondFactorNeeded
            ok = totp_ok(person, otp)
        if ok:
            Person.objects.filter(pk=person.pk).update(failed_logins=0, locked_until=None)
            person.failed_logins, person.locked_until = 0, None
            return person
        if attempt >= policy.attempts:  # this was the last attempt the policy allows
            until = timezone.now() + timedelta(minutes=policy.minutes)
            Person.objects.filter(pk=person.pk).update(locked_until=until, failed_logins=0)
            from lianqin.audit.service import append, request_client

            append("lockout", None, f"org.Person:{person.pk}",
                   {"username": person.username, "until": until.isoformat(),
                    "attempts": policy.attempts}, client=request_client(request))  # fmt: skip
        return None

    @staticmethod
    def reserve(person: Person, policy: Policy, request: Any) -> int:
        """Count this attempt *before* the password is checked, in one conditional UPDATE:
        parallel requests cannot all slip past the limit while the slow hash runs. Returns
        the attempt's number; raises :class:`LockedOut` when the account is locked or its
        allowed attempts are all in flight."""
        now = timezone.now()
        free = Q(locked_until__isnull=True) | Q(locked_until__lte=now)
        with transaction.atomic():
            rows = Person.objects.filter(free, pk=person.pk, failed_logins__lt=policy.attempts)
            if not rows.update(failed_logins=F("failed_logins") + 1):
                found = Person.objects.filter(pk=person.pk).values_list("locked_until", flat=True)
                until = found.first()
                if until is not None and until <= now:  # an old lock ran out: start afresh
                    Person.objects.filter(pk=person.pk).update(failed_logins=1, locked_until=None)
                    return 1
                _audit_failure(person, request, "locked")
                raise LockedOut(until if until and until > now else now + timedelta(minutes=1))
            return Person.objects.values_list("failed_logins", flat=True).get(pk=person.pk)


def _audit_failure(person: Person, request: Any, reason: str) -> None:
    """Attempts refused before the password is judged (locked, second factor missing) do
    not reach Django's ``user_login_failed`` signal: they are written here."""
    from lianqin.audit.service import append, request_client

    append("login_failed", None, f"org.Person:{person.pk}",
           {"username": person.username, "reason": reason}, client=request_client(request))  # fmt: skip
