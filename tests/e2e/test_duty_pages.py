"""The duty pages in a browser as the district's duty leader: who is on duty now (an
uncovered sub-center flagged), the week's roster, rostering with a bad and a good
pattern, the handover summary in print, and 交班."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.conftest import shot

SEED = ("import django; django.setup(); from django.utils import timezone; "
        "from lianqin.duty.demo import make_demo_roster; print(make_demo_roster(timezone.now()))")  # fmt: skip


def seed_roster() -> str:
    """The demo roster in the e2e server's database (adds nothing when already there)."""
    env = dict(os.environ, LIANQIN_DATA_DIR=os.environ["LIANQIN_E2E_DATA_DIR"],
               LIANQIN_SECRET_KEY="e2e-only-not-secret", DJANGO_SETTINGS_MODULE="lianqin.settings")  # fmt: skip
    env.pop("LIANQIN_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", SEED], env=env, check=True, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    return done.stdout


def watch_outside(page, server):
    outside: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith((server, "data:")) else outside.append(r.url)
    )
    return outside


def test_roster_on_duty_and_a_pattern(page_as, server):
    seed_roster()
    page = page_as("duty_leader", viewport={"width": 1440, "height": 900})
    outside = watch_outside(page, server)
    page.goto("/duty/")
    cards = page.locator(".duty-card")
    assert cards.count() >= 2
    assert "区中心值班长" in cards.first.inner_text()  # the named login holds the running shift
    assert page.locator(".duty-card.nobody").count() >= 1
    assert page.locator("#roster tbody tr").count() == 7
    assert page.locator("#roster tr.today .shift").count() >= 3
    shot(page, "duty")

    later = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=40)
    later += timedelta(days=(7 - later.weekday()) % 7)  # a Monday: both days in one week
    page.fill("input[name=first]", later.isoformat())
    page.fill("input[name=last]", (later + timedelta(days=1)).isoformat())
    page.fill("input[name=slots]", "9点-10点")
    page.locator("fieldset.people input[type=checkbox]").first.check()
    page.click("form.schedule button[type=submit]")
    assert "格式不对" in page.locator("form.schedule .error").first.inner_text()
    assert page.input_value("input[name=slots]") == "9点-10点"  # kept
    page.fill("input[name=slots]", "09:00-10:00, 10:00-11:00")
    page.click("form.schedule button[type=submit]")
    page.wait_for_selector("text=已排 4 个班次")
    assert page.locator("#roster .shift").count() == 4
    assert outside == []


def test_handover_prints_and_is_stored(page_as, server):
    seed_roster()
    page = page_as("duty_leader", viewport={"width": 1440, "height": 900})
    page.goto("/duty/handover/")
    assert page.locator("#open-total").inner_text().isdigit()
    assert page.locator("#past-handovers tbody tr").count() >= 1  # the demo's past handover
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden() and page.locator("form.handover-form").is_hidden()
    assert page.locator("#open-total").is_visible()
    page.emulate_media(media="screen")
    shot(page, "handover")
    page.fill("textarea[name=note]", "红牌案件请接班后逐件跟进")
    page.select_option("select[name=handed_to]", index=1)
    page.click("form.handover-form button[type=submit]")
    page.wait_for_selector("text=已交班，摘要已保存。")
    assert "红牌案件请接班后逐件跟进" in page.locator(".handover-note").inner_text()
    page.goto("/duty/handover/")
    assert page.locator("#past-handovers tbody tr").count() >= 2
