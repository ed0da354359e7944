"""Audit lines written from Django's signals: logins and their failures, and every change
to the reference data and accounts (people, units, regions, catalogue, deadline policies,
routing, API keys, schemes, cost rates, duty rosters, quarantine decisions).

Many-to-many changes (groups, permissions, a grid's workers, a rule's assisting units) are
lines too; bulk writers (imports, the duty roster) write one line per batch themselves.

Cases are not here: every change to a case is already a line of its own chained, protected
history (``CaseEvent``, written by ``cases/actions``). High-volume bookkeeping (rollup
counters, outbox, heartbeats, sessions) is not audited.

What must hold: a line names the fields that changed and, for fields that are not secret,
their old and new values (shortened); passwords, TOTP secrets, key hashes and encrypted
fields are named but never written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import signals as auth_signals
from django.db.models import Model
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_migrate,
    post_save,
    pre_save,
)

from lianqin.audit import context, protect

AUDITED = {
    "org.District", "org.Street", "org.Community", "org.Grid", "org.Center", "org.Unit",
    "org.Person", "org.DeadlinePolicy", "org.Category", "org.CategoryUnit",
    "org.CalendarDay", "org.ApiKey", "org.RoutingRule", "geo.Revision",
    "intake.QuarantinedPayload", "evaluation.Inspection", "evaluation.InspectionItem",
    "evaluation.AppraisalScheme", "evaluation.CostRate", "evaluation.EarlyWarning",
    "duty.DutyShift", "duty.Handover", "triage.ClassifierModel", "auth.Group",
}  # fmt: skip
#: named when they change, never written
SECRET = {"password", "totp_secret", "key_hash", "secret", "raw", "corrected_raw", "blob", "model"}
#: bookkeeping that changes by itself (a login, a failed attempt): not a change anyone made
IGNORED = {"last_login", "failed_logins", "locked_until", "last_seen_at", "times_seen"}
SHORT = 200


#: inside :func:`batch`: per-row lines are counted here instead of written
_batch: ContextVar[Counter[str] | None] = ContextVar("lianqin_audit_batch", default=None)


@contextmanager
def batch(target: str, detail: dict[str, Any] | None = None) -> Iterator[None]:
    """A bulk load (the default catalogue, an import) as one audit line with its counts per
    model and kind, rather than one line per row."""
    counts: Counter[str] = Counter()
    token = _batch.set(counts)
    try:
        yield
    finally:
        _batch.reset(token)
    if counts:
        from lianqin.audit.service import append

        append("create", context.current_actor.get(), target,
               {**(detail or {}), "rows": dict(sorted(counts.items()))},
               client=context.current_client.get())  # fmt: skip


def _batched(kind: str, instance: Model) -> bool:
    counts = _batch.get()
    if counts is None:
        return False
    counts[f"{_label(instance)} {kind}"] += 1
    return True


def _label(instance: Model) -> str:
    return instance._meta.label


def _values(instance: Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _short(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    return text if len(text) <= SHORT else text[:SHORT] + "…"


def _before(sender: type[Model], instance: Model, raw: bool = False, **kwargs: Any) -> None:
    if raw or _label(instance) not in AUDITED or instance.pk is None or _batch.get() is not None:
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = _values(old) if old is not None else None  # type: ignore[attr-defined]


def _after(instance: Model, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or _label(instance) not in AUDITED:
        return
    from lianqin.audit.service import append

    if _batched("created" if created else "changed", instance):
        return
    before = getattr(instance, "_audit_before", None)
    after = _values(instance)
    if created or before is None:
        changed = {k: _short(v) if k not in SECRET else "（已设置）" for k, v in after.items()
                   if v not in (None, "", [], {}) and k not in IGNORED}  # fmt: skip
        kind = "create"
    else:
        names = [k for k in after if after[k] != before.get(k) and k not in IGNORED]
        if not names:
            return
        changed = {
            k: "（已更改）" if k in SECRET else [_short(before.get(k)), _short(after[k])]
            for k in names
        }
        kind = "change"
    append(kind, context.current_actor.get(), f"{_label(instance)}:{instance.pk}",
           {"object": _short(instance), "fields": changed},
           client=context.current_client.get())  # fmt: skip


def _deleted(instance: Model, **kwargs: Any) -> None:
    if _label(instance) not in AUDITED or _batched("deleted", instance):
        return
    from lianqin.audit.service import append

    append("delete", context.current_actor.get(), f"{_label(instance)}:{instance.pk}",
           {"object": _short(instance)}, client=context.current_client.get())  # fmt: skip


def _m2m(sender: Any, instance: Model, action: str, model: Any, pk_set: Any, **kw: Any) -> None:
    """Many-to-many changes (a person's groups and permissions, a grid's workers, a routing
    rule's assisting units): the ids added or removed."""
    if not action.startswith("post_") or _label(instance) not in AUDITED:
        return
    if _batched(action[5:], instance):
        return
    from lianqin.audit.service import append

    field = next((f.name for f in instance._meta.many_to_many
                  if f.remote_field.through is sender), sender._meta.model_name)  # fmt: skip
    append("change", context.current_actor.get(), f"{_label(instance)}:{instance.pk}",
           {"object": _short(instance), "field": field, "action": action[5:],
            "ids": sorted(pk_set or [])}, client=context.current_client.get())  # fmt: skip


def _client(request: Any) -> str:
    return str(getattr(request, "META", {}).get("REMOTE_ADDR") or "") if request else ""


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from lianqin.audit.service import append

    append("login", user, f"org.Person:{user.pk}", {}, client=_client(request))


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from lianqin.audit.service import append

    if user is not None:
        append("logout", user, f"org.Person:{user.pk}", {}, client=_client(request))


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    from lianqin.audit.service import append

    # the username tried, never the password (Django already masks it in ``credentials``)
    append("login_failed", None, "org.Person", {"username": str(credentials.get("username", ""))[:150]},
           client=_client(request))  # fmt: skip


def connect() -> None:
    from django.apps import apps

    post_migrate.connect(
        protect.on_post_migrate, sender=apps.get_app_config("audit"), dispatch_uid="audit-protect"
    )
    pre_save.connect(_before, dispatch_uid="audit-before")
    post_save.connect(_after, dispatch_uid="audit-after")
    post_delete.connect(_deleted, dispatch_uid="audit-deleted")
    m2m_changed.connect(_m2m, dispatch_uid="audit-m2m")
    auth_signals.user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    auth_signals.user_logged_out.connect(_logged_out, dispatch_uid="audit-logout")
    auth_signals.user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")
