"""The background loop: warning timers and outbox delivery, safe with many workers.

Claiming is a single ``UPDATE … RETURNING`` (with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL) that pushes the row's next visit forward by a lease; a worker that dies
leaves rows that are claimed again when the lease runs out. Each visit then works under
the row lock and compares the stored state, so a case's warning rise is recorded once
and an outbox message is delivered at most once per successful attempt.

Crash safety (``tests/integration/test_crash_server_and_sweeps.py`` kills a worker with
``kill -9`` in the middle of a sweep): a case's visit is one transaction — the warning,
its history line, the escalation or urging it triggers, their outbox messages and the
case's next check commit together or not at all — so a visit cut short is simply done
again, and one that committed is not repeated (the stored warning already says so). What
a dead worker had claimed but not visited waits for its lease (``LIANQIN_SWEEP_LEASE_SECONDS``
in the settings, default 60 s), then any worker takes it. A case whose visit raises is
logged and skipped (visited again after the lease) instead of ending the sweep for the
rest of its batch; a lost database connection still ends the sweep, and the loop retries.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from lianqin.cases.actions import refresh_warning
from lianqin.cases.models import Case
from lianqin.jobs.models import Heartbeat, OutboxMessage
from lianqin.jobs.outbox import handlers_for

log = logging.getLogger("lianqin.sweeper")
LEASE = timedelta(seconds=60)
BATCH = 200


def lease() -> timedelta:
    """How long a claim holds: ``LIANQIN_SWEEP_LEASE_SECONDS`` in the settings, or 60 s."""
    seconds = getattr(settings, "LIANQIN_SWEEP_LEASE_SECONDS", None)
    return LEASE if seconds is None else timedelta(seconds=float(seconds))


@dataclass
class SweepResult:
    warnings_checked: int = 0
    warnings_changed: int = 0
    delivered: int = 0
    failed: int = 0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _skip_locked() -> str:
    return "FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""


def claim_cases(now: datetime, limit: int = BATCH) -> list[int]:
    """Lease the cases whose warning may have changed by ``now``."""
    table = Case._meta.db_table
    sql = (
        f"UPDATE {table} SET next_check_at = %s WHERE id IN ("  # noqa: S608 - table name only
        f"SELECT id FROM {table} WHERE next_check_at IS NOT NULL AND next_check_at <= %s "
        f"ORDER BY next_check_at LIMIT %s {_skip_locked()}) RETURNING id"
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [now + lease(), now, limit])
        return [row[0] for row in cur.fetchall()]


def claim_outbox(now: datetime, owner: str, limit: int = BATCH) -> list[int]:
    """Lease undelivered outbox messages that are due."""
    table = OutboxMessage._meta.db_table
    sql = (
        f"UPDATE {table} SET leased_until = %s, leased_by = %s, attempts = attempts + 1 "  # noqa: S608
        f"WHERE id IN (SELECT id FROM {table} WHERE delivered_at IS NULL AND available_at <= %s "
        f"AND (leased_until IS NULL OR leased_until < %s) ORDER BY id LIMIT %s {_skip_locked()}) "
        "RETURNING id"
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [now + lease(), owner, now, now, limit])
        return sorted(row[0] for row in cur.fetchall())


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at one hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def deliver(message_id: int, owner: str, now: datetime) -> bool:
    message = OutboxMessage.objects.get(pk=message_id)
    if message.delivered_at is not None or message.leased_by != owner:
        return False
    try:
        for handler in handlers_for(message.topic):
            handler(message)
    except Exception as exc:  # a subscriber's failure must not stop the loop
        log.warning("outbox %s (%s) failed: %s", message.pk, message.topic, exc)
        OutboxMessage.objects.filter(pk=message.pk, leased_by=owner).update(
            available_at=now + backoff(message.attempts),
            leased_until=None,
            last_error=str(exc)[:2000],
        )
        return False
    OutboxMessage.objects.filter(pk=message.pk, leased_by=owner, delivered_at=None).update(
        delivered_at=now, leased_until=None
    )
    return True


def sweep_once(now: datetime | None = None, *, owner: str | None = None) -> SweepResult:
    """One pass: refresh the due warnings, deliver the due outbox messages."""
    now = now or timezone.now()
    owner = owner or worker_name()
    result = SweepResult()
    for case_id in claim_cases(now):
        result.warnings_checked += 1
        try:
            changed = refresh_warning(case_id, now)
        except (OperationalError, InterfaceError):
            raise  # the database went away: the loop waits and retries
        except Exception:  # one case's failure must not hold back the rest of the batch
            log.exception("warning refresh of case %s failed; retried after the lease", case_id)
            continue
        if changed:
            result.warnings_changed += 1
    for message_id in claim_outbox(now, owner):
        if deliver(message_id, owner, now):
            result.delivered += 1
        else:
            result.failed += 1
    return result


#: how often a loop asks whether the classifier is due for retraining
RETRAIN_CHECK_SECONDS = 3600.0


def _maybe_retrain() -> None:
    """Retrain the classifier on schedule (``LIANQIN_RETRAIN_DAYS``); one loop wins."""
    from lianqin.triage.classify_service import maybe_retrain

    try:
        model = maybe_retrain(timezone.now(), every_days=settings.LIANQIN_RETRAIN_DAYS)
    except Exception:  # a failed training must not stop deadlines and deliveries
        log.exception("classifier retraining failed")
        return
    if model is not None:
        log.info("classifier retrained on %s cases", model.n_train)


#: how often a loop looks for early warnings (evaluation.early_warning)
WARNING_SCAN_SECONDS = 3600.0


def _scan_warnings() -> None:
    """Early warnings: idempotent, so several loops scanning at once do no harm."""
    from lianqin.evaluation.early_warning_service import scan

    try:
        found = scan()
    except Exception:  # a failed scan must not stop deadlines and deliveries
        log.exception("early-warning scan failed")
        return
    if found:
        log.info("early warnings: %s", found)


def beat(name: str, started: datetime, info: dict) -> None:
    Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now(), "started_at": started, "info": info}
    )


def run_loop(stop: threading.Event, *, interval: float = 5.0, name: str | None = None) -> None:
    """Sweep every ``interval`` seconds until ``stop`` is set; beat after each pass."""
    name = name or worker_name()
    started = timezone.now()
    totals = SweepResult()
    retrain_checked = scanned = float("-inf")  # both at the first pass
    while not stop.is_set():
        try:
            if time.monotonic() - retrain_checked > RETRAIN_CHECK_SECONDS:
                retrain_checked = time.monotonic()
                _maybe_retrain()
            if time.monotonic() - scanned > WARNING_SCAN_SECONDS:
                scanned = time.monotonic()
                _scan_warnings()
            result = sweep_once(owner=name)
            totals.warnings_changed += result.warnings_changed
            totals.delivered += result.delivered
            beat(
                name,
                started,
                {
                    "warnings_changed": totals.warnings_changed,
                    "delivered": totals.delivered,
                    "pid": os.getpid(),
                },
            )
        except Exception:  # the database may go away for a moment: log, wait, retry
            log.exception("sweep failed; retrying in %.0f s", interval)
        finally:
            connection.close()
        stop.wait(interval)
