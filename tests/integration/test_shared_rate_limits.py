"""Rate limits are shared by every server process: counted in the database
(``public.RateCounter``) by one atomic upsert. Two real ``lianqin serve`` processes on one
database let a client through exactly the limit between them; many connections counting
at once never lose a hit; Open311 answers 429 with ``Retry-After`` in the spec's error
format; ended windows are pruned."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection
from django.test import Client, RequestFactory

from lianqin.public import throttle
from lianqin.public.models import RateCounter
from tests.integration.test_crash_intake import target  # noqa: F401 - the fixture
from tests.integration.test_crash_server_and_sweeps import child, prepare, serving_all  # noqa: F401

BASE = "/open311/v2"


def request(address: str = "10.0.0.7"):
    return RequestFactory().get("/", REMOTE_ADDR=address)


@pytest.mark.django_db(transaction=True)
def test_many_connections_counting_at_once_lose_no_hit(monkeypatch):
    """8 threads (8 database connections) × 25 hits against a limit of 100: exactly 100
    let through, and the counter says 200."""
    monkeypatch.setenv("LIANQIN_PUBLIC_TRACK_RATE", "100/hour")
    now = time.time()
    passed: list[bool] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            for _ in range(25):
                ok = throttle.hit(request(), "track", now=now) is None
                with lock:
                    passed.append(ok)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(passed) == 200 and passed.count(True) == 100
    (row,) = RateCounter.objects.filter(scope="track")
    assert row.hits == 200 and row.client == throttle.client_key(request())
    assert "10.0.0.7" not in str(list(RateCounter.objects.values()))


@pytest.mark.django_db
def test_windows_clients_and_scopes_count_apart_and_old_windows_are_pruned(monkeypatch):
    monkeypatch.setenv("LIANQIN_PUBLIC_RATE", "2/min")
    t = 1_800_000_000.0  # the start of a minute
    assert [throttle.hit(request(), "report", now=t + s) for s in (0, 1, 2)] == [None, None, 58]
    assert throttle.hit(request("10.0.0.8"), "report", now=t + 3) is None
    assert throttle.hit(request(), "track", now=t + 3) is None
    assert throttle.hit(request(), "report", now=t + 60) is None  # the next window
    assert RateCounter.objects.count() == 4
    # the first minute's two counters end (plus the grace); the next minute's and the
    # hourly lookup's stay
    assert throttle.prune(t + 60 + throttle.GRACE_S + 1) == 2
    left = set(RateCounter.objects.values_list("scope", "window_index"))
    assert left == {("report", (t + 60) // 60), ("track", t // 3600)}


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_over_the_limit_is_429_in_the_spec_error_format(world, monkeypatch, fmt):
    from defusedxml.ElementTree import fromstring

    monkeypatch.setenv("LIANQIN_OPEN311_READ_RATE", "3/hour")
    monkeypatch.setenv("LIANQIN_OPEN311_RATE", "1/hour")
    client = Client()
    assert [client.get(f"{BASE}/services.{fmt}").status_code for _ in range(3)] == [200] * 3
    refused = client.get(f"{BASE}/requests.{fmt}")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 3600
    if fmt == "json":
        (error,) = refused.json()
        assert error["code"] == 429 and "rate limit" in error["description"]
    else:
        doc = fromstring(refused.content)
        assert doc.tag == "errors" and [e.tag for e in doc] == ["error"]
        assert doc[0].findtext("code") == "429" and "rate limit" in doc[0].findtext("description")
    # POSTs count apart from GETs, with their own (report-like) limit
    form = "application/x-www-form-urlencoded"
    first = client.post(f"{BASE}/requests.{fmt}", data="", content_type=form)
    assert first.status_code == 403  # counted, then refused for the missing key
    second = client.post(f"{BASE}/requests.{fmt}", data="", content_type=form)
    assert second.status_code == 429 and second["Retry-After"]
    # another client is not affected
    assert Client(REMOTE_ADDR="10.1.2.3").get(f"{BASE}/services.{fmt}").status_code == 200


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as res:
            return int(res.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@pytest.mark.slow
def test_two_server_processes_share_one_limit(tmp_path, child):  # noqa: F811
    """Two ``lianqin serve`` processes on one database, a limit of 6 GETs: alternating
    between them, the client gets 6 answers, then 429 from both."""
    env, _ = child
    prepare(env)
    env = {**env, "LIANQIN_OPEN311_READ_RATE": "6/hour", "LIANQIN_PUBLIC_TRACK_RATE": "6/hour"}
    started = time.monotonic()
    with serving_all(env, [tmp_path / "a.log", tmp_path / "b.log"]) as [(_, a), (_, b)]:
        answers = [_status(f"{base}{BASE}/services.json") for _ in range(5) for base in (a, b)]
        assert answers == [200] * 6 + [429] * 4
    assert time.monotonic() - started < 40
