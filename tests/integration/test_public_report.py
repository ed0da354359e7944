"""The citizens' report form: through the portal channel into one case, never doubled,
refusals that say what to fix and lose nothing."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from lianqin.cases.models import Case, CaseEvent, Report
from lianqin.public.models import PublicTicket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


KEY = "6f1c2d3e-4a5b-4c6d-8e7f-901234567890"


def png(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "PNG")
    return out.getvalue()


def form(world, **overrides):
    lon, lat = world.grid_point(0)
    data = {
        "key": KEY,
        "description": "小区东门垃圾桶满溢三天没人清运，气味很大",
        "title": "东门垃圾满溢",
        "category": "",
        "lon": f"{lon}",
        "lat": f"{lat}",
        "address": "文德路12号东门",
        "name": "李秀英",
        "phone": "13912345678",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def receipt(html: str) -> tuple[str, str]:
    number = re.search(r'id="case-number">([^<]+)<', html)
    code = re.search(r'id="query-code" class="code">([^<]+)<', html)
    return (number.group(1) if number else ""), (code.group(1) if code else "")


def test_the_form_offers_first_level_categories_and_a_fresh_key(client, world):
    html = client.get("/public/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    key = re.search(r'name="key" value="([0-9a-f-]{36})"', html)
    assert key is not None
    assert key.group(1) != re.search(
        r'name="key" value="([0-9a-f-]{36})"', client.get("/public/").content.decode()
    ).group(1)
    from lianqin.org.models import Category

    first = Category.objects.filter(depth=1, active=True).first()
    second = Category.objects.filter(depth=2).first()
    assert first is not None and f'value="{first.code}"' in html
    assert second is None or f'value="{second.code}"' not in html


def test_a_report_becomes_a_portal_case_in_the_pinned_grid(client, world):
    response = client.post("/public/", form(world, category=_first_category()))
    assert response.status_code == 200, response.content.decode()
    number, code = receipt(response.content.decode())
    case = Case.objects.get(number=number)
    assert case.channel == "portal" and case.grid == world.grids[0]
    assert case.category is not None and case.category.code == _first_category()
    report = Report.objects.get(case=case)
    assert report.external_id == KEY and report.source == "public_page"
    assert report.reporter.name == "李秀英" and report.reporter.phone == "13912345678"
    ticket = PublicTicket.objects.get(report=report)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code)
    assert code.replace("-", "") not in ticket.code_hash
    created = CaseEvent.objects.get(case=case, action="create")
    assert created.actor_name == "政府网站"


def test_the_same_form_twice_makes_one_case_and_shows_the_same_code(client, world):
    client.cookies["csrftoken"] = "a" * 32
    first = receipt(client.post("/public/", form(world)).content.decode())
    again = client.post("/public/", form(world))
    assert again.status_code == 200
    assert receipt(again.content.decode()) == first
    assert "已经提交过" in again.content.decode()
    assert Case.objects.count() == 1 and PublicTicket.objects.count() == 1
    # somebody else who learns the key (it is the report's external id) learns nothing
    from django.test import Client

    other = Client()
    other.cookies["csrftoken"] = "b" * 32
    html = other.post("/public/", form(world)).content.decode()
    assert "已经提交过" in html and first[0] not in html and first[1] not in html
    assert Case.objects.count() == 1


def test_a_missing_description_is_refused_and_the_rest_is_kept(client, world):
    data = form(world, description="")
    data["photos"] = [SimpleUploadedFile("good.png", png(), "image/png")]
    response = client.post("/public/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "请填写发生了什么" in html
    assert "东门垃圾满溢" in html and "文德路12号东门" in html and "13912345678" in html
    assert f'value="{KEY}"' in html
    assert len(re.findall(r'name="kept_photos" value="/media/photos/', html)) == 1
    assert Case.objects.count() == 0


def test_a_report_needs_a_place_and_a_pin_inside_the_district(client, world):
    html = client.post("/public/", form(world, lon="", lat="", address="")).content.decode()
    assert "请告诉我们问题在哪里" in html
    html = client.post(
        "/public/", form(world, lon="100.0", lat="30.0", address="")
    ).content.decode()
    assert "不在本区范围内" in html
    html = client.post("/public/", form(world, lat="")).content.decode()
    assert "地图位置不完整" in html
    assert Case.objects.count() == 0
    # the address alone is enough
    response = client.post("/public/", form(world, lon="", lat=""))
    assert response.status_code == 200 and Case.objects.count() == 1


def test_a_bad_photo_is_refused_the_good_one_kept_and_nothing_lost(client, world):
    data = form(world)
    data["photos"] = [
        SimpleUploadedFile("good.png", png(), "image/png"),
        SimpleUploadedFile("notes.png", b"this is not a picture", "image/png"),
    ]
    response = client.post("/public/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "“notes.png”未能保存" in html and "不是可以打开的照片" in html
    kept = re.findall(r'name="kept_photos" value="(/media/photos/[^"]+)"', html)
    assert len(kept) == 1
    assert "小区东门垃圾桶满溢" in html and Case.objects.count() == 0
    # sent again with the kept photo: one case, the photo with its report
    response = client.post("/public/", form(world) | {"kept_photos": kept})
    assert response.status_code == 200
    assert Report.objects.get().photos == kept


def test_at_most_three_photos_and_forged_kept_photos_are_ignored(client, world):
    data = form(world, kept_photos=["/media/photos/../../etc/passwd"])
    data["photos"] = [SimpleUploadedFile(f"p{i}.png", png(c), "image/png")
                      for i, c in enumerate(["red", "green", "blue", "white"])]  # fmt: skip
    html = client.post("/public/", data).content.decode()
    assert "最多上传 3 张照片" in html and "p3.png" in html
    assert "passwd" not in html
    assert len(re.findall(r'name="kept_photos"', html)) == 3


def test_a_bad_phone_and_a_forged_key_say_what_to_fix(client, world):
    html = client.post("/public/", form(world, phone="call me")).content.decode()
    assert "电话号码格式不对" in html
    response = client.post("/public/", form(world, key="not-a-uuid"))
    html = response.content.decode()
    assert "页面已过期" in html and "not-a-uuid" not in html
    assert re.search(r'name="key" value="[0-9a-f-]{36}"', html)
    assert Case.objects.count() == 0


def test_reports_over_the_limit_get_429_in_chinese(client, world, monkeypatch):
    monkeypatch.setenv("LIANQIN_PUBLIC_RATE", "2/hour")
    for i in range(2):
        key = f"6f1c2d3e-4a5b-4c6d-8e7f-90123456789{i}"
        assert client.post("/public/", form(world, key=key)).status_code == 200
    response = client.post("/public/", form(world, key="6f1c2d3e-4a5b-4c6d-8e7f-901234567899"))
    assert response.status_code == 429
    assert "操作太频繁" in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 3600
    # the second, same words at the same place, joined the first case (并单): two tickets
    assert Report.objects.count() == 2 and PublicTicket.objects.count() == 2
    # another address has its own budget; showing the form is not counted
    assert client.get("/public/").status_code == 200
    other = client.post("/public/", form(world, key=KEY), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_a_malformed_rate_falls_back_to_the_default(client, world, monkeypatch):
    monkeypatch.setenv("LIANQIN_PUBLIC_RATE", "lots")
    assert client.post("/public/", form(world)).status_code == 200


def test_the_map_outlines_are_names_and_shapes_only(client, world):
    response = client.get("/public/areas.geojson")
    body = response.json()
    assert response.status_code == 200
    names = {f["properties"]["name"] for f in body["features"]}
    assert names == {c.name for c in world.communities}
    assert all(set(f["properties"]) == {"name"} for f in body["features"])
    west, south, east, north = body["bbox"]
    lon, lat = world.grid_point(0)
    assert west <= lon <= east and south <= lat <= north


def _first_category() -> str:
    from lianqin.org.models import Category

    return Category.objects.filter(depth=1, active=True).order_by("code").first().code
