"""The browser reaches the server and logs in; nothing is loaded from elsewhere."""

from __future__ import annotations

from tests.e2e.conftest import shot


def test_login_and_home_load_only_from_the_server(page_as, server):
    outside: list[str] = []
    page = page_as(None)
    page.on("request", lambda r: None if r.url.startswith(server) or r.url.startswith("data:")
            else outside.append(r.url))  # fmt: skip
    page.goto("/login/")
    shot(page, "login")
    page = page_as("dispatcher")
    page.on("request", lambda r: None if r.url.startswith(server) or r.url.startswith("data:")
            else outside.append(r.url))  # fmt: skip
    page.goto("/")
    assert "联勤" in page.title()
    shot(page, "home")
    assert outside == []
