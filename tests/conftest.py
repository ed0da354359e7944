"""Shared test set-up: fast password hashing (the real hasher is Argon2; its cost is
deliberate and would dominate the suite)."""

import pytest


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Per-process caches (grid index, gazetteer, calendar, policies) must not leak
    between tests, whose rows are rolled back and whose ids are reused."""
    from lianqin.cases import deadlines
    from lianqin.geo import service

    deadlines.forget()
    service.forget()
    yield
    deadlines.forget()
    service.forget()
