"""Shared test set-up: fast password hashing (the real hasher is Argon2; its cost is
deliberate and would dominate the suite)."""

import pytest


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
