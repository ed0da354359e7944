"""Early warnings from the database: found, kept under one key, scoped, and turned into one
proactive case with one click (a second click opens nothing new)."""

from __future__ import annotations

from django.test import Client

from lianqin.cases.models import Case
from lianqin.evaluation import early_warning_service as service
from lianqin.evaluation.models import EarlyWarning
from tests.factories import new_case


def _three_in_one_grid(world) -> list[Case]:
    return [new_case(world, 0, external_id=f"EW-T-{i}", category_code="010101",
                     reporter_phone="13900000001") for i in range(3)]  # fmt: skip


def test_a_recurring_problem_and_a_repeated_caller_are_found_once(world):
    cases = _three_in_one_grid(world)
    found = service.scan()
    assert found.get("recurring") == 1 and found.get("repeat_caller") == 1
    warning = EarlyWarning.objects.get(kind="recurring")
    assert warning.area_code == cases[0].area_code and warning.count == 3
    assert set(warning.cases) == {c.number for c in cases}
    caller = EarlyWarning.objects.get(kind="repeat_caller")
    assert "13900000001" not in caller.detail + caller.key + caller.title
    service.scan()  # again: the same rows, updated
    assert EarlyWarning.objects.count() == 2


def test_one_click_opens_one_proactive_case(world, client: Client):
    _three_in_one_grid(world)
    service.scan()
    warning = EarlyWarning.objects.get(kind="recurring")
    client.force_login(world.people["dispatcher"])
    res = client.post(f"/dashboard/warnings/{warning.pk}/open-case")
    assert res.status_code == 302
    case = Case.objects.get(channel="early_warning")
    assert res["Location"] == f"/console/cases/{case.number}/"
    assert case.area_code == warning.area_code and case.title.startswith("【预警】")
    again = service.open_case(world.actor("dispatcher"), warning.pk)
    assert again.pk == case.pk and Case.objects.filter(channel="early_warning").count() == 1
    warning.refresh_from_db()
    assert warning.state == "acted" and warning.case_id == case.pk
    page = client.get("/dashboard/warnings/?state=acted").content.decode()
    assert case.number in page


def test_warnings_are_scoped_and_need_the_right_role(world, client: Client):
    _three_in_one_grid(world)  # in street A
    service.scan()
    client.force_login(world.people["street_b"])
    page = client.get("/dashboard/warnings/").content.decode()
    assert "暂无预警" in page
    warning = EarlyWarning.objects.get(kind="recurring")
    assert client.post(f"/dashboard/warnings/{warning.pk}/open-case").status_code == 404
    client.force_login(world.people["grid_worker_a1"])
    assert client.get("/dashboard/warnings/").status_code == 403
    client.force_login(world.people["leader"])  # sees, but does not register cases
    assert 'data-kind="recurring"' in client.get("/dashboard/warnings/").content.decode()
    assert client.post(f"/dashboard/warnings/{warning.pk}/open-case").status_code == 403
    client.force_login(world.people["street_a"])
    assert client.post(f"/dashboard/warnings/{warning.pk}/dismiss").status_code == 302
    warning.refresh_from_db()
    assert warning.state == "dismissed"


def test_a_hot_issue_among_the_reports_is_a_warning(world):
    texts = [
        "阳光花园小区旁边搅拌站夜里施工噪音太大，粉尘到处都是",
        "阳光花园小区附近搅拌站晚上噪音扰民，粉尘污染严重",
        "投诉阳光花园小区边上的搅拌站，噪音和粉尘让人没法休息",
    ]
    for i, text in enumerate(texts):
        new_case(world, 0, external_id=f"HOT-{i}", title=text[:12], description=text,
                 reporter_phone=f"1390000000{i}")  # fmt: skip
    assert service.scan().get("hot") == 1
    hot = EarlyWarning.objects.get(kind="hot")
    assert hot.count == 3 and "搅拌站" in hot.title + hot.detail
    assert hot.area_code == Case.objects.get(reports__external_id="HOT-0").area_code
    service.scan()
    assert EarlyWarning.objects.filter(kind="hot").count() == 1
