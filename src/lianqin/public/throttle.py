"""Per-client rate limits on the public endpoints, counted in the database so that every
server process shares them.

Four limits, read from the environment at every request (so a running test server or a
deployment can change them without code):

* ``LIANQIN_PUBLIC_RATE`` — submitted citizen reports (default ``10/hour``);
* ``LIANQIN_PUBLIC_TRACK_RATE`` — citizen lookups and ratings, which take a query code
  (default ``60/hour``: a code of 31⁸ possibilities cannot be guessed at that pace);
* ``LIANQIN_OPEN311_RATE`` — Open311 ``POST``s (new requests, updates; default as the
  citizen's report, ``10/hour``);
* ``LIANQIN_OPEN311_READ_RATE`` — Open311 ``GET``s (default as the lookup, ``60/hour``).

The client is ``REMOTE_ADDR``: behind a reverse proxy, run the server so that it sees the
client's address (uvicorn ``--proxy-headers --forwarded-allow-ips``), or every citizen
shares the proxy's limit.

What must hold: one counter row per (scope, client, window) in ``public.RateCounter``,
raised by a single ``INSERT … ON CONFLICT … DO UPDATE SET hits = hits + 1 RETURNING
hits`` — atomic on SQLite and PostgreSQL, so N processes together let through exactly
the limit, never N times it. Rows of ended windows are pruned (at most every
``PRUNE_EVERY_S`` per process). The address is hashed before it is stored. A malformed
rate is logged and the default used, and a counter the database cannot write lets the
request through with a warning: a typo or a busy database must not take the citizens'
page down by itself (the request then meets the database on its own).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time

from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest

from lianqin.public.models import RateCounter
from lianqin.public.ratelimit import Rate, allowed, parse_rate, window

log = logging.getLogger(__name__)

#: scope → (environment variable, default)
LIMITS = {
    "report": ("LIANQIN_PUBLIC_RATE", "10/hour"),
    "track": ("LIANQIN_PUBLIC_TRACK_RATE", "60/hour"),
    "open311": ("LIANQIN_OPEN311_RATE", "10/hour"),
    "open311_read": ("LIANQIN_OPEN311_READ_RATE", "60/hour"),
}
#: a counter row is kept this long after its window ended (clocks of two servers differ)
GRACE_S = 60
#: how often one process deletes the rows of ended windows
PRUNE_EVERY_S = 300.0
_pruned = {"at": float("-inf")}
_prune_lock = threading.Lock()


def rate_for(scope: str) -> Rate:
    variable, default = LIMITS[scope]
    text = os.environ.get(variable, "").strip() or default
    try:
        return parse_rate(text)
    except ValueError as exc:
        log.warning("%s：%s；改用默认值 %s", variable, exc, default)
        return parse_rate(default)


def client_key(request: HttpRequest) -> str:
    address = str(request.META.get("REMOTE_ADDR") or "unknown")
    return hashlib.sha256(address.encode()).hexdigest()[:24]


def count(scope: str, client: str, rate: Rate, index: int) -> int:
    """Add one to the counter of (``scope``, ``client``, window ``index``) and return the
    new count — one statement, whatever the number of processes counting at once."""
    table = RateCounter._meta.db_table
    sql = (
        f"INSERT INTO {table} (scope, client, period, window_index, hits, expires) "  # noqa: S608 - table name only
        "VALUES (%s, %s, %s, %s, 1, %s) "
        "ON CONFLICT (scope, client, period, window_index) "
        f"DO UPDATE SET hits = {table}.hits + 1 RETURNING hits"
    )
    expires = (index + 1) * rate.period + GRACE_S
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [scope, client, rate.period, index, expires])
        row = cur.fetchone()
    return int(row[0]) if row else 1


def prune(now: float) -> int:
    """Delete the counters of windows that ended (plus the grace); returns how many."""
    deleted, _ = RateCounter.objects.filter(expires__lt=int(now)).delete()
    return deleted


def _maybe_prune(now: float) -> None:
    with _prune_lock:
        if time.monotonic() - _pruned["at"] < PRUNE_EVERY_S:
            return
        _pruned["at"] = time.monotonic()
    try:
        prune(now)
    except DatabaseError as exc:  # pruning is housekeeping: try again next time
        log.warning("限流计数清理失败：%s", exc)


def hit(request: HttpRequest, scope: str, *, now: float | None = None) -> int | None:
    """Count one request of this client in ``scope``: None when it may go on, else the
    seconds until it may try again."""
    rate = rate_for(scope)
    moment = time.time() if now is None else now
    current = window(moment, rate)
    try:
        used = count(scope, client_key(request), rate, current.index)
    except DatabaseError as exc:
        log.warning("限流计数失败（本次放行）：%s", exc)
        return None
    _maybe_prune(moment)
    return None if allowed(used, rate) else current.retry_after
