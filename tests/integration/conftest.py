"""Database-test set-up: fast password hashing (the real hasher is Argon2; its cost is
deliberate and would dominate the suite), caches that do not leak between tests, and the
small world most tests start from."""

import pytest

from tests.factories import make_world


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # the group-commit writer has its own connection, which cannot see a test's
    # uncommitted rows; tests/integration/test_group_commit.py runs it on committed data
    settings.LIANQIN_GROUP_COMMIT = False


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Per-process caches (grid index, gazetteer, calendar, policies) must not leak
    between tests, whose rows are rolled back and whose ids are reused."""
    from lianqin.api.intake import forget_keys
    from lianqin.cases import deadlines
    from lianqin.geo import service
    from lianqin.intake.service import forget_mappings
    from lianqin.org import routing
    from lianqin.triage import classify_service
    from lianqin.triage import service as triage

    forget_keys()
    forget_mappings()
    routing.forget()
    classify_service.forget()
    deadlines.forget()
    service.forget()
    triage.forget()
    yield
    deadlines.forget()
    service.forget()
    triage.forget()


@pytest.fixture(autouse=True)
def _lift_append_only_before_flush(request):
    """A transactional test ends with a flush (DELETE or TRUNCATE of every table), which the
    audit trail's append-only triggers refuse. Set up after the database fixture, so torn
    down before it: the triggers go just before the flush, and the flush's post_migrate
    signal puts them back (lianqin.audit.protect.on_post_migrate)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from django.db import connection

    from lianqin.audit import protect

    protect.remove(connection.alias)
