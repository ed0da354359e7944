"""What an administrator does to an account: reset its password to a one-time temporary
one (to be changed at the next login), unlock it, remove its second factor. Each writes
an audit line naming who did it; the temporary password itself is shown once to the
administrator and written nowhere.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.db import transaction
from django.utils import timezone

from lianqin.accounts.policy import password_problems
from lianqin.audit.service import append
from lianqin.org.models import ApiKey, Person

_ALPHABET = string.ascii_letters + string.digits + "-_.!"


def temporary_password() -> str:
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(14))
        if not password_problems(candidate):
            return candidate


def reset_password(admin: Any, person: Person, *, client: str = "") -> str:
    password = temporary_password()
    with transaction.atomic():
        person.set_password(password)
        person.must_change_password = True
        person.failed_logins, person.locked_until = 0, None
        person.save(update_fields=["password", "must_change_password", "failed_logins",
                                   "locked_until"])  # fmt: skip
        # a reset is what one does when an account may be in other hands: its API keys go
        revoked = ApiKey.objects.filter(person=person, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        append("password_reset", admin, f"org.Person:{person.pk}",
               {"username": person.username, "api_keys_revoked": revoked}, client=client)  # fmt: skip
    return password


def unlock(admin: Any, person: Person, *, client: str = "") -> None:
    with transaction.atomic():
        Person.objects.filter(pk=person.pk).update(failed_logins=0, locked_until=None)
        append("unlock", admin, f"org.Person:{person.pk}", {"username": person.username},
               client=client)  # fmt: skip


def remove_second_factor(admin: Any, person: Person, *, client: str = "") -> None:
    with transaction.atomic():
        person.totp_secret, person.totp_step = "", 0
        person.save(update_fields=["totp_secret", "totp_step"])
        append("totp_disable", admin, f"org.Person:{person.pk}",
               {"username": person.username, "by_admin": True}, client=client)  # fmt: skip
