"""The roster: who may roster where, pattern expansion stored all-or-none, overlapping
shifts refused with a clear message, who is on duty now, uncovered centers flagged."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from lianqin.duty.models import DutyShift
from lianqin.duty.schedule import expand, parse_slots
from lianqin.duty.service import create_shifts, home_center, on_duty, visible_centers
from lianqin.errors import Forbidden, InvalidInput
from lianqin.org.models import Center

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 28)


def plan(world, names, slots="08:00-16:00,16:00-24:00,00:00-08:00", first=DAY, last=None):
    ids = [world.people[n].pk for n in names]
    return expand(first, last or first, parse_slots(slots), ids, SH)


def district(world) -> Center:
    return Center.objects.get(region_code=world.district.code)


def test_a_pattern_is_stored_in_rotation(world):
    made = create_shifts(
        world.actor("duty_leader"), district(world),
        plan(world, ["dispatcher", "duty_leader"], last=DAY + timedelta(days=1)),
        post="dispatcher",
    )  # fmt: skip
    assert len(made) == 6
    rows = list(DutyShift.objects.order_by("starts_at").values_list("person__username", flat=True))
    assert rows == ["dispatcher", "duty_leader"] * 3
    first = DutyShift.objects.order_by("starts_at").first()
    assert first.starts_at == datetime(2026, 11, 28, 0, tzinfo=SH)


def test_overlapping_shifts_of_one_person_are_refused_and_nothing_is_stored(world):
    center = district(world)
    create_shifts(world.actor("duty_leader"), center, plan(world, ["dispatcher"], "08:00-16:00"),
                  post="dispatcher")  # fmt: skip
    pattern = plan(world, ["dispatcher", "duty_leader"], "12:00-20:00,20:00-08:00")
    with pytest.raises(InvalidInput, match="重叠") as info:
        create_shifts(world.actor("duty_leader"), center, pattern, post="dispatcher")
    assert "dispatcher 11-28 12:00–11-28 20:00" in info.value.message
    assert info.value.hint
    assert DutyShift.objects.count() == 1
    # within the pattern itself: two slots that intersect for the same person
    with pytest.raises(InvalidInput, match="本次另一班次"):
        create_shifts(world.actor("duty_leader"), center,
                      plan(world, ["duty_leader"], "08:00-16:00,12:00-14:00"), post="dispatcher")  # fmt: skip
    assert DutyShift.objects.count() == 1


def test_only_the_centers_duty_staff_and_leaders_for_the_leader_post(world):
    center = district(world)
    with pytest.raises(InvalidInput, match=r"不是.+的值班人员"):
        create_shifts(world.actor("duty_leader"), center, plan(world, ["street_a"]),
                      post="dispatcher")  # fmt: skip
    with pytest.raises(InvalidInput, match="不是值班长"):
        create_shifts(world.actor("duty_leader"), center, plan(world, ["dispatcher"]),
                      post="duty_leader")  # fmt: skip
    assert DutyShift.objects.count() == 0


def test_who_may_roster_where(world):
    street_a = Center.objects.get(region_code=world.streets[0].code)
    street_b = Center.objects.get(region_code=world.streets[1].code)
    with pytest.raises(Forbidden, match="值班长和管理员"):
        create_shifts(world.actor("dispatcher"), district(world), plan(world, ["dispatcher"]),
                      post="dispatcher")  # fmt: skip
    with pytest.raises(Forbidden):
        create_shifts(world.actor("street_leader_a"), district(world),
                      plan(world, ["dispatcher"]), post="dispatcher")  # fmt: skip
    with pytest.raises(Forbidden):
        create_shifts(world.actor("street_leader_a"), street_b, plan(world, ["street_b"]),
                      post="dispatcher")  # fmt: skip
    made = create_shifts(world.actor("street_leader_a"), street_a,
                         plan(world, ["street_a", "street_leader_a"]), post="dispatcher")  # fmt: skip
    assert len(made) == 3
    # the district's duty leader may roster a sub-center below it
    assert create_shifts(world.actor("duty_leader"), street_a,
                         plan(world, ["street_a"], "09:00-10:00", first=DAY + timedelta(days=3)),
                         post="dispatcher")  # fmt: skip


def test_centers_seen_and_who_is_on_duty_now(world):
    centers = visible_centers(world.actor("dispatcher"))
    assert [c.region_code for c in centers] == [world.district.code] + [
        s.code for s in world.streets
    ]
    street_centers = visible_centers(world.actor("street_a"))
    assert street_centers[0].region_code == world.streets[0].code
    assert [c.region_code for c in street_centers[1:]] == [c.code for c in world.communities[:2]]
    assert home_center(world.actor("admin")).region_code == world.district.code
    now = timezone.now()
    today = timezone.localdate(now)
    around = expand(today - timedelta(days=1), today + timedelta(days=1),
                    parse_slots("00:00-12:00,12:00-24:00"), [world.people["dispatcher"].pk],
                    timezone.get_current_timezone())  # fmt: skip
    create_shifts(world.actor("duty_leader"), district(world), around, post="dispatcher")
    running = on_duty(centers, now)
    assert [s.person.username for s in running[centers[0].pk]] == ["dispatcher"]
    assert running[centers[1].pk] == [] and running[centers[2].pk] == []


def test_roster_page_shows_on_duty_flags_and_the_week(client, world):
    client.force_login(world.people["duty_leader"])
    now = timezone.now()
    today = timezone.localdate(now)
    create_shifts(world.actor("duty_leader"), district(world),
                  expand(today, today, parse_slots("00:00-24:00"), [world.people["dispatcher"].pk],
                         timezone.get_current_timezone()), post="dispatcher")  # fmt: skip
    page = client.get("/duty/").content.decode()
    assert "当前在岗" in page and "dispatcher" in page
    assert page.count("无人值班") == 2  # both sub-centers
    assert "00:00–24:00" in page and 'id="schedule"' in page  # the week table and the form
    street = Center.objects.get(region_code=world.streets[0].code)
    page = client.get(f"/duty/?center={street.pk}&week=not-a-date").content.decode()
    assert "不是日期" in page and "本周尚未排班" in page


def test_creating_through_the_page_and_bad_input_keeps_what_was_typed(client, world):
    client.force_login(world.people["duty_leader"])
    center = district(world)
    person = world.people["dispatcher"].pk
    bad = {"center": center.pk, "post": "dispatcher", "first": "2026-11-28", "last": "",
           "slots": "8点到16点", "people": [person], "note": "夜班加强"}  # fmt: skip
    response = client.post("/duty/shifts/", bad)
    page = response.content.decode()
    assert response.status_code == 400
    assert "班次 &#x27;8点到16点&#x27; 的格式不对" in page and 'value="夜班加强"' in page
    assert 'value="8点到16点"' in page and DutyShift.objects.count() == 0
    good = bad | {"slots": "08:00-16:00,16:00-24:00", "last": "2026-11-29"}
    response = client.post("/duty/shifts/", good)
    assert response.status_code == 302 and "created=4" in response["Location"]
    assert "已排 4 个班次" in client.get(response["Location"]).content.decode()
    again = client.post("/duty/shifts/", good | {"last": ""})
    assert again.status_code == 400 and "重叠" in again.content.decode()
    missing = client.post("/duty/shifts/", good | {"people": []})
    assert "请至少选择一名值班人员" in missing.content.decode()
    stranger = client.post("/duty/shifts/", good | {"people": [world.people["street_a"].pk]})
    assert "所选人员不是本中心的值班人员" in stranger.content.decode()
    shift = DutyShift.objects.first()
    assert client.post(f"/duty/shifts/{shift.pk}/delete").status_code == 302
    assert DutyShift.objects.count() == 3


def test_pages_refuse_roles_without_duty_and_read_only_leaders_get_no_form(client, world):
    client.force_login(world.people["grid_worker_a1"])
    response = client.get("/duty/")
    assert response.status_code == 403 and "值班页面" in response.content.decode()
    client.force_login(world.people["cg_handler"])
    assert client.get("/duty/handover/").status_code == 403
    client.force_login(world.people["leader"])
    page = client.get("/duty/").content.decode()
    assert "当前在岗" in page and 'id="schedule"' not in page
    center = district(world)
    response = client.post("/duty/shifts/", {"center": center.pk, "post": "dispatcher",
                           "first": "2026-11-28", "slots": "08:00-16:00",
                           "people": [world.people["dispatcher"].pk]})  # fmt: skip
    assert response.status_code == 403 and DutyShift.objects.count() == 0
    client.force_login(world.people["street_a"])
    assert client.get(f"/duty/?center={center.pk}").status_code == 404
