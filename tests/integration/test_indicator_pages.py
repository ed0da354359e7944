"""Indicators, appraisal and their export, over HTTP in a small demo district."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader
from rich.console import Console

from lianqin.audit.models import AuditEntry
from lianqin.cases.models import Case
from lianqin.demo.builder import DEMO_PASSWORD, build_demo
from tests.flush import flush_all


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker):
    """One small demo district for the whole module (built once, committed, flushed at
    the end); each test still runs in its own transaction and leaves it as it found it."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=fast):
        build_demo(seed=7, days=3, per_day=20, console=Console(file=io.StringIO()))
    yield
    with django_db_blocker.unblock():
        flush_all()


@pytest.fixture
def demo(_demo_once, db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def login(username: str) -> Client:
    c = Client()
    assert c.post("/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return c


def test_the_indicator_table_adds_up_to_the_cases(demo):
    leader = login("leader")
    today = timezone.localdate()
    data = leader.get(f"/dashboard/indicators.json?dim=street&period=month&date={today}").json()
    start = today.replace(day=1)
    counted = Case.objects.exclude(status="merged").filter(
        created_at__date__gte=start - timedelta(days=1)
    )  # a coarse upper bound: the exact figure is the rollup's, checked below
    registered = sum(r["figures"]["registered"] for r in data["rows"])
    assert registered == data["total"]["registered"] > 0
    assert data["total"]["registered"] <= counted.count()
    assert {i["code"] for i in data["indicators"]} >= {
        "on_site_rate",
        "satisfaction",
        "closure_rate",
    }
    page = leader.get("/dashboard/indicators/?dim=category&period=year").content.decode()
    assert "现场处置率" in page and "指标定义" in page and 'id="indicator-data"' in page


def test_bad_parameters_and_the_wrong_people_are_refused(demo):
    leader = login("leader")
    bad = leader.get("/dashboard/indicators.json?dim=planet")
    assert bad.status_code == 400 and bad.json()["field"] == "dim"
    assert leader.get("/dashboard/indicators.json?date=2026-13-01").json()["field"] == "date"
    assert login("dispatcher").get("/dashboard/indicators.json").status_code == 403
    assert Client().get("/dashboard/indicators.json").status_code == 401
    assert login("grid_worker").get("/dashboard/appraisal/").status_code == 403
    assert leader.get("/dashboard/appraisal.doc").status_code == 400


@pytest.mark.parametrize(
    "target", ["region", "unit", "worker", "dispatcher", "sender", "duty_leader"]
)
def test_every_appraisal_ranks_and_exports(demo, target):
    leader = login("leader")
    page = leader.get(f"/dashboard/appraisal/?target={target}&period=month")
    assert page.status_code == 200
    xlsx = leader.get(f"/dashboard/appraisal.xlsx?target={target}&period=month")
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(xlsx.content))
    assert any("排名" in ws.title or "考核" in ws.title for ws in book.worksheets)
    pdf = leader.get(f"/dashboard/appraisal.pdf?target={target}&period=month")
    assert pdf.content.startswith(b"%PDF")
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "指标定义" in text or "等级" in text
    exports = AuditEntry.objects.filter(kind="export", actor_role="leader").order_by("-seq")
    assert [e.detail["format"] for e in exports[:2]] == ["pdf", "xlsx"]


def test_the_region_ranking_is_graded_from_its_definitions(demo):
    leader = login("leader")
    # the whole district over the week holding yesterday (a full day of the demo, whatever
    # today's date): enough cases to be graded
    yesterday = timezone.localdate() - timedelta(days=1)
    page = leader.get(
        f"/dashboard/appraisal/?target=region&dim=district&period=week&date={yesterday}"
    )
    html = page.content.decode()
    assert 'id="appraisal"' in html
    assert any(f"grade-{g}" in html for g in "ABCDE")


def test_the_ledger_prices_what_each_unit_took_on(demo):
    from lianqin.evaluation.models import CostRate

    CostRate.objects.create(task="led", yuan=300)
    leader = login("leader")
    page = leader.get("/dashboard/ledger/?period=month")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="ledger"' in html and "社区" in html
    dispatched = Case.objects.filter(mode="dispatched").exclude(lead_unit=None).count()
    assert dispatched > 0
    xlsx = leader.get("/dashboard/ledger.xlsx?period=month")
    book = load_workbook(io.BytesIO(xlsx.content))
    text = " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row)
    assert "300 元" in text and "主办" in text
    assert leader.get("/dashboard/ledger.pdf?period=year").content.startswith(b"%PDF")
    assert login("dispatcher").get("/dashboard/ledger/").status_code == 403


def test_the_api_gives_the_same_figures_as_the_pages(demo):
    leader = login("leader")
    table = leader.get("/api/v1/indicators?dim=channel&period=year").json()
    page = leader.get("/dashboard/indicators.json?dim=channel&period=year").json()
    assert table["rows"] == page["rows"] and table["total"]["registered"] > 0
    board = leader.get("/api/v1/dashboard?days=7").json()
    assert board["period"]["new"] >= board["today"]["new"]
    ranking = leader.get("/api/v1/appraisal?target=unit&period=year").json()
    assert ranking["weights"] and all("grade" in r for r in ranking["rows"])
    ledger = leader.get("/api/v1/ledger?period=year").json()
    assert ledger["total"] == round(sum(x["total"] for x in ledger["lines"]), 2)
    assert leader.get("/api/v1/warnings").status_code == 200
    assert login("grid_worker").get("/api/v1/indicators").status_code == 403
    assert leader.get("/api/v1/indicators?period=decade").status_code == 400


def test_sample_inspection_findings_give_the_pass_rate(demo):
    from datetime import date

    from lianqin.cases.access import actor_for
    from lianqin.evaluation.inspections import draw_inspection, record_finding
    from lianqin.evaluation.sampling import Plan
    from lianqin.org.models import Person

    leader = actor_for(Person.objects.get(username="duty_leader"))
    today = timezone.localdate()
    drawn = draw_inspection(leader, start=today - timedelta(days=5), end=today,
                            plan=Plan(strata=("street",), per_stratum=1, seed=1))  # fmt: skip
    items = list(drawn.items.select_related("inspector", "case"))
    assert len(items) >= 2
    for i, item in enumerate(items):
        record_finding(actor_for(item.inspector), item.pk, passed=i > 0, finding="未清理干净")
    data = login("leader").get(f"/dashboard/indicators.json?dim=street&period=day&date={today}")
    total = data.json()["total"]
    assert total["inspection_pass_rate"] == round((len(items) - 1) / len(items), 4)
    by_unit = login("leader").get("/dashboard/indicators.json?dim=unit&period=week")
    assert by_unit.status_code == 400 and by_unit.json()["field"] == "period"
    assert date.fromisoformat(data.json()["period"]["start"]) == today


def test_a_community_viewer_sees_only_the_community(demo):
    """Area figures by the full scope; street-keyed tables (channel, unit…) are refused
    rather than showing the whole street."""
    from lianqin.org.models import Community
    from lianqin.org.people import create_person

    # a community with cases this year (the small demo leaves most communities empty, and
    # which ones depends on the hour it is built)
    this_year = Case.objects.filter(created_at__year=timezone.localdate().year)
    busy = this_year.exclude(status="merged").order_by("area_code").first()
    assert busy is not None
    community = Community.objects.get(code=busy.area_code[:12])
    create_person("cl", DEMO_PASSWORD, role="duty_leader", scope=community.code, validate=False)
    viewer = login("cl")
    rows = viewer.get("/dashboard/indicators.json?dim=grid&period=year").json()["rows"]
    assert rows and all(r["key"].startswith(community.code) for r in rows)
    mine = Case.objects.exclude(status="merged").filter(area_code__startswith=community.code)
    this_year = mine.filter(created_at__year=timezone.localdate().year).count()
    assert sum(r["figures"]["reports"] >= 1 for r in rows) <= this_year
    assert viewer.get("/dashboard/indicators.json?dim=channel").status_code == 403
    board = viewer.get("/dashboard/data.json?days=7").json()
    assert board["period"]["new"] == sum(c["n"] for c in board["channels"])
