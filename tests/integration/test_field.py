"""The grid worker's phone endpoints: reports through the patrol channel, check-ins and
case actions, each idempotent by the phone's key; refusals in words."""

from __future__ import annotations

import io
import uuid

from PIL import Image

from lianqin.cases import actions
from lianqin.cases.models import Case, Report
from lianqin.field.models import FieldSubmission, PatrolCheckin
from tests.factories import new_case


def png() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 10)).save(out, "PNG")
    out.seek(0)
    out.name = "p.png"
    return out


def send(client, url, key, **fields):
    return client.post(url, fields, HTTP_IDEMPOTENCY_KEY=key)


def test_the_page_is_for_grid_workers(client, world):
    client.force_login(world.people["grid_worker_a1"])
    page = client.get("/field/")
    assert page.status_code == 200 and "巡查打卡" in page.content.decode()
    assert client.get("/field/sw.js")["Content-Type"].startswith("application/javascript")
    client.force_login(world.people["street_a"])
    assert client.get("/field/").status_code == 403
    res = send(client, "/field/api/checkins", str(uuid.uuid4()), lon="1", lat="1")
    assert res.status_code == 403 and res.json()["hint"]


def test_a_report_goes_through_the_intake_once_whatever_the_retries(client, world):
    client.force_login(world.people["grid_worker_a1"])
    lon, lat = world.grid_point(0)
    key = str(uuid.uuid4())
    first = send(client, "/field/api/reports", key, description="路边井盖缺失，很危险",
                 lon=str(lon), lat=str(lat), accuracy="8", photos=png())  # fmt: skip
    assert first.status_code == 200, first.content
    answer = first.json()
    assert answer["status"] == "new" and answer["case_number"] and not answer["replayed"]
    again = send(client, "/field/api/reports", key, description="路边井盖缺失，很危险",
                 lon=str(lon), lat=str(lat), photos=png())  # fmt: skip
    assert again.json()["case_number"] == answer["case_number"] and again.json()["replayed"]
    assert Report.objects.filter(channel="patrol", external_id=key).count() == 1
    case = Case.objects.get(number=answer["case_number"])
    assert case.grid == world.grids[0] and case.channel == "patrol"
    report = case.reports.get()
    assert report.photos and report.photos[0].startswith("/media/photos/")


def test_bad_reports_are_refused_in_words(client, world):
    client.force_login(world.people["grid_worker_a1"])
    lon, lat = world.grid_point(0)
    no_key = client.post("/field/api/reports", {"description": "x", "lon": lon, "lat": lat})
    assert no_key.status_code == 400 and no_key.json()["field"] == "Idempotency-Key"
    where = send(client, "/field/api/reports", str(uuid.uuid4()), description="x")
    assert where.status_code == 400 and where.json()["field"] == "lon" and where.json()["hint"]
    bad = io.BytesIO(b"not a picture")
    bad.name = "x.jpg"
    photo = send(client, "/field/api/reports", str(uuid.uuid4()), description="x",
                 lon=str(lon), lat=str(lat), photos=bad)  # fmt: skip
    assert photo.status_code == 400 and photo.json()["field"] == "photos"
    empty = send(client, "/field/api/reports", str(uuid.uuid4()), lon=str(lon), lat=str(lat))
    assert empty.status_code == 400 and empty.json()["field"] == "description"
    assert not FieldSubmission.objects.exists() and not Report.objects.exists()


def test_a_check_in_is_stored_once_with_its_grid(client, world):
    client.force_login(world.people["grid_worker_a1"])
    lon, lat = world.grid_point(0)
    key = str(uuid.uuid4())
    res = send(client, "/field/api/checkins", key, lon=str(lon), lat=str(lat), accuracy="12",
               at="2026-11-28T09:00:00+08:00")  # fmt: skip
    assert res.status_code == 200 and res.json()["grid"] == world.grids[0].name
    send(client, "/field/api/checkins", key, lon=str(lon), lat=str(lat))
    stored = PatrolCheckin.objects.get()
    assert stored.grid == world.grids[0] and stored.accuracy_m == 12
    client.force_login(world.people["grid_worker_b1"])
    stolen = send(client, "/field/api/checkins", key, lon=str(lon), lat=str(lat))
    assert stolen.status_code == 403  # a key is its sender's


def test_case_actions_from_the_phone_are_idempotent_and_gated(client, world):
    case = new_case(world)
    actions.perform(world.actor("community_a1"), case.number, "accept")
    client.force_login(world.people["grid_worker_a1"])
    assert case.number in client.get("/field/").content.decode()
    key = str(uuid.uuid4())
    url = f"/field/api/cases/{case.number}/handle_on_site"
    assert send(client, url, key).json()["status"] == "on_site"
    assert send(client, url, key).json()["replayed"]  # not a second transition
    case.refresh_from_db()
    assert case.version == 3
    done = send(client, f"/field/api/cases/{case.number}/resolve", str(uuid.uuid4()),
                note="已处理", photos=png())  # fmt: skip
    assert done.json()["status"] == "resolved"
    mine = send(client, f"/field/api/cases/{case.number}/verify", str(uuid.uuid4()))
    assert mine.status_code in (403, 409) and mine.json()["message"]
    other = new_case(world, grid=4)
    hidden = send(client, f"/field/api/cases/{other.number}/handle_on_site", str(uuid.uuid4()))
    assert hidden.status_code == 404
    odd = send(client, f"/field/api/cases/{case.number}/dispatch", str(uuid.uuid4()))
    assert odd.status_code == 400 and odd.json()["field"] == "action"


def test_the_use_case_itself_answers_a_replayed_key_with_the_first_answer(world):
    from lianqin.field import submissions

    person = world.people["grid_worker_a1"]
    lon, lat = world.grid_point(0)
    key = str(uuid.uuid4())
    answers = [submissions.checkin(person, key, {"lon": str(lon), "lat": str(lat)})
               for _ in range(2)]  # fmt: skip
    assert [a["replayed"] for a in answers] == [False, True]
    assert PatrolCheckin.objects.count() == 1
