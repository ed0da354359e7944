"""The Django admin (in Chinese) and the landing page render for the people who use them."""

from __future__ import annotations

import pytest
from django.contrib import admin

from tests.factories import new_case


def test_every_admin_list_renders_in_chinese(client, world):
    new_case(world)
    client.force_login(world.people["admin"])
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        res = client.get(url)
        assert res.status_code == 200, url
    assert "联勤指挥平台 · 管理后台" in client.get("/admin/").content.decode()


def test_admin_never_shows_the_reporter_in_clear(client, world):
    case = new_case(world)
    client.force_login(world.people["admin"])
    report = case.reports.get()
    for url in ["/admin/cases/report/", f"/admin/cases/report/{report.pk}/change/",
                f"/admin/cases/case/{case.pk}/change/"]:  # fmt: skip
        html = client.get(url).content.decode()
        assert "13812345678" not in html and "张三" not in html, url


@pytest.mark.parametrize(
    ("who", "cases"), [("dispatcher", 2), ("street_b", 1), ("cg_handler", 0), (None, None)]
)
def test_home_page_counts_only_my_jurisdiction(client, world, who, cases):
    new_case(world, grid=0)
    new_case(world, grid=4)
    if who:
        client.force_login(world.people[who])
    res = client.get("/")
    html = res.content.decode()
    assert "联勤指挥平台" in html
    assert ("网格员" in html) == bool(who)
    if who:
        assert res.context["counts"]["cases"] == cases


def test_people_log_in_at_the_login_page_and_out_again(client, world):
    page = client.get("/login/")
    assert page.status_code == 200 and "登录" in page.content.decode()
    wrong = client.post("/login/", {"username": "community_a1", "password": "nope"})
    assert wrong.status_code == 200 and "用户名或密码不对" in wrong.content.decode()
    assert client.get("/api/v1/me/tasks").status_code == 401
    world.people["community_a1"].set_password("Right-passw0rd!")
    world.people["community_a1"].save()
    ok = client.post("/login/", {"username": "community_a1", "password": "Right-passw0rd!"})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.get("/api/v1/me/tasks").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/api/v1/me/tasks").status_code == 401
