"""Two dispatchers accept the same case at the same moment: exactly one succeeds.

Real threads, real connections, real row locks (``SELECT … FOR UPDATE`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite), so this runs outside the per-test transaction.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from lianqin.cases import actions
from lianqin.errors import Conflict, LianqinError
from tests.factories import make_world, new_case


def race(world, number, who, **kw):
    barrier = threading.Barrier(len(who))
    results: list[object] = [None] * len(who)

    def run(i: int, name: str) -> None:
        try:
            barrier.wait()
            results[i] = actions.perform(world.actor(name), number, "accept", **kw).status
        except LianqinError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, n)) for i, n in enumerate(who)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_dispatchers_accept_at_once(attempt):
    world = make_world()
    case = new_case(world)
    results = race(world, case.number, ["dispatcher", "community_a1"])
    ok = [r for r in results if r == "accepted"]
    errors = [r for r in results if isinstance(r, LianqinError)]
    assert len(ok) == 1 and len(errors) == 1, results
    assert isinstance(errors[0], Conflict) and errors[0].http_status == 409
    assert "已受理" in errors[0].message
    case.refresh_from_db()
    assert case.status == "accepted" and case.version == 2
    assert case.events.filter(action="accept").count() == 1


@pytest.mark.django_db(transaction=True)
def test_expected_version_turns_a_late_click_into_a_conflict():
    world = make_world()
    case = new_case(world)
    results = race(world, case.number, ["dispatcher", "community_a1"], expected_version=1)
    errors = [r for r in results if isinstance(r, LianqinError)]
    assert len(errors) == 1 and errors[0].code in ("conflict", "invalid_transition")
    assert errors[0].http_status == 409
