"""Bad input over the whole HTTP API: schemathesis fuzzes every operation of
``/api/openapi.json`` in-process, signed in as the district dispatcher.

What must hold, for any input the schema allows and for much it does not: the server
never answers 5xx (a refusal is a 4xx with what/where/how), the status code and the
content type are ones the schema declares, and every 2xx body matches its schema. The
run is small and derandomized (the same examples every time) so it fits in CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client, override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lianqin.org.models import ApiKey
from tests.factories import make_world, new_case

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def signed_in(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """The dispatcher's session and CSRF token, a hotline key for the channel door, and
    a case to act on -- built once for all operations (a world per operation would cost
    more than the fuzzing), in a transaction rolled back at the end; each test's own
    ``db`` transaction nests inside it, so what one operation's requests change is undone
    before the next. Requests run on this thread and connection, so Django's
    per-request connection closing is switched off, as its test client does."""
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=hashers, LIANQIN_GROUP_COMMIT=False),
        transaction.atomic(),
    ):
        world = make_world()
        case = new_case(world)
        client = Client()
        client.force_login(world.people["dispatcher"])
        csrf = "F" * 32
        leader = Client()
        leader.force_login(world.people["leader"])
        key = ApiKey.issue("12345 对接", world.people["system"], channel="hotline_12345")[1]
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            yield {
                "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
                "headers": {"X-CSRFToken": csrf},
                "key": key,
                "case": case.number,
                "leader": leader.cookies["sessionid"].value,
            }
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)
            transaction.set_rollback(True)


#: the schema as the app serves it (serving it reads no database)
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_breaks_the_api(case, signed_in: dict[str, Any], db) -> None:
    """One operation, fuzzed (schemathesis' examples, coverage and fuzzing phases): every
    answer is a documented status with a documented body, never a 5xx."""
    headers = dict(signed_in["headers"])
    if case.path.startswith("/api/intake/"):
        headers["X-API-Key"] = signed_in["key"]
    case.call_and_validate(headers=headers, cookies=signed_in["cookies"], checks=CHECKS)


def test_the_fuzzer_reaches_the_handlers(signed_in: dict[str, Any], db) -> None:
    """The credentials above open the doors the fuzzing needs, through the same WSGI app:
    without this, every operation could answer 401/403 and the run would prove nothing."""
    from werkzeug.test import Client as WsgiClient

    client = WsgiClient(get_wsgi_application())
    for name, value in signed_in["cookies"].items():
        client.set_cookie(name, value, domain="localhost")
    me = client.get("/api/v1/me", headers=signed_in["headers"])
    assert me.status_code == 200 and me.json["role"] == "dispatcher", me.data
    batch = client.post(
        "/api/v1/geo/locate/batch", json={"points": []}, headers=signed_in["headers"]
    )
    assert batch.status_code == 200, batch.data  # a POST passes the CSRF check
    mine = client.get(f"/api/v1/cases/{signed_in['case']}", headers=signed_in["headers"])
    assert mine.status_code == 200, mine.data
    replies = client.get(
        "/api/intake/hotline_12345/replies", headers={"X-API-Key": signed_in["key"]}
    )
    assert replies.status_code == 200, replies.data
    junk = client.post(
        "/api/v1/geo/locate/batch",
        data=b"\x1f{",
        headers={**signed_in["headers"], "Content-Type": "application/json"},
    )
    assert junk.status_code == 400 and junk.json["code"] == "unparseable_body" and junk.json["hint"]
    plan = client.get("/api/v1/geo/grid-plan?tolerance=1e16", headers=signed_in["headers"])
    assert plan.status_code == 400 and plan.json["field"] == "tolerance"
    client.set_cookie("sessionid", signed_in["leader"], domain="localhost")
    for days in ("²", "9" * 5000):  # str.isdigit() yet no int() can read it
        board = client.get(f"/api/v1/dashboard?days={days}")
        assert board.status_code == 400 and board.json["field"] == "days", board.data
    assert client.get("/api/v1/dashboard?days=7").status_code == 200
