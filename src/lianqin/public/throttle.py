"""Per-client rate limits on the public endpoints (counters in Django's cache).

Two limits, read from the environment at every request (so a running test server or a
deployment can change them without code): ``LIANQIN_PUBLIC_RATE`` for submitted reports
(default ``10/hour``) and ``LIANQIN_PUBLIC_TRACK_RATE`` for lookups and ratings, which
take a query code (default ``60/hour``: a code of 31⁸ possibilities cannot be guessed at
that pace). The client is ``REMOTE_ADDR``: behind a reverse proxy, run the server so that
it sees the client's address (uvicorn ``--proxy-headers --forwarded-allow-ips``), or every
citizen shares the proxy's limit.

What must hold: the counters live in the default cache — local memory unless the
deployment configures a shared one — so each process counts on its own (with N worker
processes a client may get N times the limit; docs/public.md says so). The address is
hashed before it becomes a cache key. A malformed rate is logged and the default used:
a typo must not take the citizens' page down.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time

from django.core.cache import cache
from django.http import HttpRequest

from lianqin.public.ratelimit import Rate, allowed, parse_rate, window

log = logging.getLogger(__name__)

#: scope → (environment variable, default)
LIMITS = {
    "report": ("LIANQIN_PUBLIC_RATE", "10/hour"),
    "track": ("LIANQIN_PUBLIC_TRACK_RATE", "60/hour"),
}


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


def hit(request: HttpRequest, scope: str, *, now: float | None = None) -> int | None:
    """Count one request of this client in ``scope``: None when it may go on, else the
    seconds until it may try again."""
    rate = rate_for(scope)
    current = window(time.time() if now is None else now, rate)
    key = f"lianqin:public-rate:{scope}:{rate.period}:{current.index}:{client_key(request)}"
    cache.add(key, 0, timeout=rate.period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=rate.period + 5)
        count = 1
    return None if allowed(count, rate) else current.retry_after
