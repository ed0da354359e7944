"""Browser tests: a real ``lianqin serve`` (uvicorn, ASGI, the embedded SQLite database)
on a small demo district, driven by Debian's chromium through Playwright. Nothing is
downloaded: the browser is ``/usr/bin/chromium`` (``.ci/run`` installs it), the pages
load only what the server serves.

Screenshots of each main page go to ``test-artifacts/screenshots/`` (kept by CI as
artifacts). Without chromium the tests are skipped, unless ``LIANQIN_REQUIRE_BROWSER=1``
(set by ``.ci/run``), where a missing browser fails them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("LIANQIN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "Lianqin@2026"
#: flags a closed network and a container need: no sandbox (no user namespaces), no GPU,
#: no /dev/shm assumptions, nothing phoning home
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--metrics-recording-only",
    "--no-first-run",
    "--no-pings",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _lianqin() -> str:
    found = Path(sys.executable).with_name("lianqin")
    return str(found) if found.exists() else "lianqin"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo district (1 day, ~20 cases) served on a free port; yields the base URL."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("LIANQIN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} 不存在：apt-get install chromium fonts-noto-cjk")
        pytest.skip(f"no browser at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    data = tmp_path_factory.mktemp("e2e-data")
    env = {k: v for k, v in os.environ.items() if k != "LIANQIN_DATABASE_URL"}
    env |= {"LIANQIN_DATA_DIR": str(data), "LIANQIN_SECRET_KEY": "e2e-only-not-secret",
            "LIANQIN_PUBLIC_RATE": "1000/min"}  # fmt: skip
    subprocess.run([_lianqin(), "demo", "--no-serve", "--days", "1", "--per-day", "30",
                    "--seed", "5"], env=env, check=True, capture_output=True, timeout=300)  # fmt: skip
    port = _free_port()
    log = (data / "serve.log").open("w")
    proc = subprocess.Popen([_lianqin(), "serve", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/login/", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise RuntimeError((data / "serve.log").read_text()) from None
            time.sleep(0.3)
    os.environ["LIANQIN_E2E_DATA_DIR"] = str(data)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page_as(browser, server: str) -> Iterator[Callable[..., object]]:
    """``page_as("dispatcher")`` → a logged-in page (own browser context: own cookies);
    ``page_as(None)`` → an anonymous one; ``mobile=True`` → a phone-sized one."""
    contexts = []

    def make(username: str | None, *, mobile: bool = False, **options: object) -> object:
        if mobile:
            options = {"viewport": {"width": 390, "height": 844}, "is_mobile": True,
                       "has_touch": True} | options  # fmt: skip
        context = browser.new_context(base_url=server, locale="zh-CN", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if username is not None:
            page.goto("/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/login/" not in url)
        return page

    yield make
    for context in contexts:
        context.close()


def shot(page: object, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def lianqin_cli(*args: str) -> str:
    """Run the ``lianqin`` command against the e2e server's database."""
    env = dict(os.environ, LIANQIN_DATA_DIR=os.environ["LIANQIN_E2E_DATA_DIR"],
               LIANQIN_SECRET_KEY="e2e-only-not-secret")  # fmt: skip
    env.pop("LIANQIN_DATABASE_URL", None)
    done = subprocess.run([_lianqin(), *args], env=env, check=True, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    return done.stdout
