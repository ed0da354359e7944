"""Following a report in public terms (no names, no phones), one neutral "not found",
and the citizen's rating: only once there is a result, only once."""

from __future__ import annotations

import pytest
from django.test import Client

from lianqin.cases.actions import perform
from lianqin.cases.models import CaseEvent
from lianqin.jobs.models import OutboxMessage
from lianqin.public.models import PublicTicket
from tests.integration.test_public_report import form, png, receipt

pytestmark = pytest.mark.django_db
EVIDENCE_NOTE = "已清运完毕，联系人王师傅 13800001111"


@pytest.fixture(autouse=True)
def _fresh_limits():
    """The rate limits count in the cache; each test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def submitted(client, world):
    return receipt(client.post("/public/", form(world)).content.decode())


def track(client: Client, number: str, code: str):
    return client.post("/public/track/", {"number": number, "code": code})


def rate(client: Client, number: str, code: str, **choice):
    data = {"number": number, "code": code, "satisfaction": "satisfied", "solved": "yes"}
    return client.post("/public/track/rate/", data | choice)


def handle_on_site(world, number: str) -> None:
    from lianqin import photos

    photo = photos.save(png("green"), "after.png")
    perform(world.actor("community_a1"), number, "accept")
    perform(world.actor("grid_worker_a1"), number, "handle_on_site")
    perform(world.actor("grid_worker_a1"), number, "resolve", note=EVIDENCE_NOTE,
            evidence=[photo, "https://elsewhere.example/x.jpg"])  # fmt: skip


def test_tracking_shows_the_steps_in_public_terms_and_nobody_s_name(client, world, submitted):
    number, code = submitted
    html = track(client, number, code.lower().replace("-", "")).content.decode()
    assert "已收到，等待受理" in html and "东门垃圾满溢" in html
    handle_on_site(world, number)
    response = track(client, number, code)
    html = response.content.decode()
    assert response.status_code == 200
    assert "已办结，等待核查" in html and "网格员现场处置" in html and "已受理" in html
    assert "已清运完毕" in html and "138****1111" in html and "13800001111" not in html
    assert html.count("/media/photos/") == 1 and "elsewhere.example" not in html
    for secret in ["李秀英", "13912345678", "139****5678"]:
        assert secret not in html
    for name in CaseEvent.objects.values_list("actor_name", flat=True):
        assert name not in html
    for person in world.people.values():
        assert f">{person.username}<" not in html and person.username + " " not in html


def test_a_dispatched_case_names_the_department(client, world, submitted):
    number, code = submitted
    perform(world.actor("street_a"), number, "accept")
    perform(world.actor("street_a"), number, "dispatch", lead="cg")
    html = track(client, number, code).content.decode()
    from lianqin.org.models import Unit

    assert "已转交职能部门办理" in html and Unit.objects.get(code="cg").name in html


def test_a_wrong_code_or_number_is_one_neutral_not_found(client, world, submitted):
    number, code = submitted
    wrong_code = track(client, number, "ABCD-EFGH")
    wrong_number = track(client, number[:-1] + ("1" if number[-1] != "1" else "2"), code)
    garbage = track(client, "drop table", "x")
    for response in (wrong_code, wrong_number, garbage):
        assert response.status_code == 404
        assert "没有找到与该案件编号和查询码对应的反映" in response.content.decode()
    assert wrong_code.content.decode().replace(number, "N").count("没有找到") == 1


def test_rating_waits_for_a_result_and_counts_once(client, world, submitted):
    number, code = submitted
    html = track(client, number, code).content.decode()
    assert 'id="rating-form"' not in html and "办结后" in html
    early = rate(client, number, code)
    assert early.status_code == 409 and "尚未办结" in early.content.decode()
    handle_on_site(world, number)
    perform(world.actor("inspector"), number, "verify")
    assert 'id="rating-form"' in track(client, number, code).content.decode()
    done = rate(client, number, code, comment="很快，谢谢")
    assert done.status_code == 200 and "感谢您的评价" in done.content.decode()
    line = CaseEvent.objects.get(action="citizen_rating")
    assert line.data == {"satisfaction": "satisfied", "solved": True}
    assert line.note == "很快，谢谢" and line.actor_name == "政府网站"
    assert not OutboxMessage.objects.filter(topic="notice.citizen_unsatisfied").exists()
    again = rate(client, number, code, satisfaction="unsatisfied", solved="no")
    assert again.status_code == 409 and "只能评价一次" in again.content.decode()
    assert CaseEvent.objects.filter(action="citizen_rating").count() == 1
    assert PublicTicket.objects.get().satisfaction == "satisfied"


def test_an_unsatisfied_unsolved_rating_reaches_the_callback_staff(client, world, submitted):
    number, code = submitted
    handle_on_site(world, number)
    assert rate(client, number, code, satisfaction="unsatisfied", solved="no").status_code == 200
    notice = OutboxMessage.objects.get(topic="notice.citizen_unsatisfied")
    assert notice.payload["number"] == number and notice.payload["solved"] is False
    assert "李秀英" not in str(notice.payload)
    html = track(client, number, code).content.decode()
    assert "不满意" in html and "问题未解决" in html


def test_a_bad_rating_says_what_to_choose(client, world, submitted):
    number, code = submitted
    handle_on_site(world, number)
    response = rate(client, number, code, satisfaction="", solved="maybe")
    html = response.content.decode()
    assert response.status_code == 400 and "请选择满意、基本满意或不满意" in html
    assert not CaseEvent.objects.filter(action="citizen_rating").exists()
    assert rate(client, number, "ABCD-EFGH").status_code == 404


def test_lookups_have_their_own_limit(client, world, submitted, monkeypatch):
    number, code = submitted
    monkeypatch.setenv("LIANQIN_PUBLIC_TRACK_RATE", "3/hour")
    for _ in range(3):
        assert track(client, number, "ABCD-EFGH").status_code == 404
    blocked = track(client, number, code)
    assert blocked.status_code == 429 and "操作太频繁" in blocked.content.decode()
    assert rate(client, number, code).status_code == 429
    assert client.get("/public/track/").status_code == 200
