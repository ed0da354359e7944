"""The handover: the summary's content within the viewer's jurisdiction, the stored
snapshot that does not follow later changes, refusals, and the demo roster."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from lianqin.cases import actions
from lianqin.cases.models import Case
from lianqin.duty.demo import make_demo_roster
from lianqin.duty.handover import hand_over, summary
from lianqin.duty.models import DutyShift, Handover
from lianqin.duty.schedule import Planned, conflicts
from lianqin.org.models import Center
from tests.factories import new_case


def act(world, who, case, action, **kw):
    return actions.perform(world.actor(who), case.number, action, **kw)


def busy_shift(world):
    """Street A: a case escalated, urged and then overdue; street B: a quiet new case."""
    t0 = timezone.now() - timedelta(hours=2)
    a = new_case(world, grid=0, title="文德路占道经营")
    a = act(world, "community_a1", a, "accept")
    a = act(world, "street_a", a, "escalate", note="社区无法处置")
    a = act(world, "leader", a, "urge", note="请尽快处理，联系人13812345678")
    actions.refresh_warning(a.pk, a.stage_due + timedelta(minutes=1))
    b = new_case(world, grid=4, channel="alarm_110", title="江浦街道噪音扰民")
    return t0, Case.objects.get(pk=a.pk), b


def test_summary_counts_the_shift_within_the_jurisdiction(world):
    t0, a, _ = busy_shift(world)
    until = a.stage_due + timedelta(hours=1) if a.stage_due else timezone.now()
    whole = summary(world.actor("dispatcher"), t0, max(until, timezone.now()))
    assert whole["open_total"] == 2 and whole["new_total"] == 2
    assert {c["channel"]: c["n"] for c in whole["new_by_channel"]} == {
        "hotline_12345": 1, "alarm_110": 1}  # fmt: skip
    actions_seen = {e["action"]: e["n"] for e in whole["events_by_action"]}
    assert actions_seen["escalate"] >= 1 and actions_seen["urge"] == 1
    assert actions_seen.get("warning_overdue") == 1
    urge = next(e for e in whole["events"] if e["action"] == "urge")
    assert urge["note"] == "请尽快处理，联系人138****5678"
    assert "13812345678" not in str(whole)
    street_a = summary(world.actor("street_a"), t0, max(until, timezone.now()))
    assert street_a["open_total"] == 1 and street_a["new_total"] == 1
    assert all(e["number"] == a.number for e in street_a["events"])
    street_b = summary(world.actor("street_b"), t0, max(until, timezone.now()))
    assert street_b["events"] == [] and street_b["new_by_channel"][0]["channel"] == "alarm_110"


def test_warnings_now_are_listed_most_urgent_first_with_deadlines(world):
    _, a, b = busy_shift(world)
    Case.objects.filter(pk=a.pk).update(warning="overdue")
    Case.objects.filter(pk=b.pk).update(warning="yellow")
    now = timezone.now()
    data = summary(world.actor("dispatcher"), now - timedelta(hours=8), now)
    assert data["warnings"] == {"overdue": 1, "red": 0, "yellow": 1} and data["warning_total"] == 2
    assert [c["number"] for c in data["warning_cases"]] == [a.number, b.number]
    assert data["warning_cases"][0]["warning_label"] == "已超期"
    assert data["warning_cases"][1]["due_text"]


def test_handing_over_stores_a_snapshot_that_later_changes_do_not_touch(client, world):
    busy_shift(world)
    center = Center.objects.get(region_code=world.district.code)
    client.force_login(world.people["dispatcher"])
    page = client.get("/duty/handover/").content.decode()
    assert "交班摘要" in page and "@media print" not in page and "duty.css" in page
    response = client.post("/duty/handover/", {"note": "红牌案件请白班跟进，回电13900001111",
                                               "handed_to": world.people["duty_leader"].pk})  # fmt: skip
    assert response.status_code == 302
    made = Handover.objects.get()
    assert made.center == center and made.handed_to == world.people["duty_leader"]
    assert made.note == "红牌案件请白班跟进，回电139****1111"
    assert made.summary["open_total"] == 2 and made.summary["center"] == center.name
    new_case(world, grid=1)
    detail = client.get(response["Location"]).content.decode()
    assert "已交班" in detail and 'id="open-total">2<' in detail
    assert "13900001111" not in detail
    listing = client.get("/duty/handover/").content.decode()
    assert 'id="past-handovers"' in listing and 'id="open-total">3<' in listing


def test_bad_handover_input_is_refused_and_the_note_kept(client, world):
    client.force_login(world.people["dispatcher"])
    response = client.post(
        "/duty/handover/", {"note": "交班说明", "handed_to": world.people["street_a"].pk}
    )
    page = response.content.decode()
    center = Center.objects.get(region_code=world.district.code)
    assert response.status_code == 400 and f"不是{center.name}的值班人员" in page
    assert ">交班说明</textarea>" in page and Handover.objects.count() == 0
    response = client.post("/duty/handover/", {"note": "长" * 2001})
    assert response.status_code == 400 and "交班说明过长" in response.content.decode()
    response = client.post("/duty/handover/", {"note": "x", "handed_to": "abc"})
    assert response.status_code == 400 and Handover.objects.count() == 0


def test_leaders_read_but_do_not_hand_over_and_other_streets_see_nothing(client, world):
    dispatcher = world.actor("dispatcher")
    center = Center.objects.get(region_code=world.district.code)
    made = hand_over(dispatcher, center, note="正常")
    client.force_login(world.people["leader"])
    page = client.get("/duty/handover/").content.decode()
    assert "交班记录" in page and 'name="note"' not in page
    assert client.post("/duty/handover/", {"note": "x"}).status_code == 403
    assert client.get(f"/duty/handover/{made.pk}/").status_code == 200
    client.force_login(world.people["street_a"])
    assert client.get(f"/duty/handover/{made.pk}/").status_code == 404
    assert Handover.objects.count() == 1


def test_the_running_shift_sets_the_period_and_is_recorded(world):
    center = Center.objects.get(region_code=world.district.code)
    now = timezone.now()
    shift = DutyShift.objects.create(center=center, person=world.people["dispatcher"],
                                     post="dispatcher", starts_at=now - timedelta(hours=3),
                                     ends_at=now + timedelta(hours=5), created_at=now)  # fmt: skip
    made = hand_over(world.actor("dispatcher"), center, now=now)
    assert made.shift == shift and made.since == shift.starts_at


def test_demo_roster_covers_the_week_without_overlaps_and_flags_one_center(world):
    now = timezone.now()
    made = make_demo_roster(now)
    assert made["shifts"] > 0 and made["handovers"] == 1
    centers = list(Center.objects.filter(level__in=["district", "street"]).order_by("region_code"))
    running = {c.region_code: list(DutyShift.objects.filter(center=c, starts_at__lte=now,
               ends_at__gt=now).values_list("person__username", flat=True)) for c in centers}  # fmt: skip
    assert {"dispatcher", "duty_leader"} <= set(running[world.district.code])
    assert running[centers[-1].region_code] == []  # the uncovered sub-center
    assert len(running[centers[1].region_code]) == 2
    shifts = [(Planned(s.person_id, s.starts_at, s.ends_at), s) for s in DutyShift.objects.all()]
    assert conflicts([p for p, _ in shifts], []) == []
    days = {timezone.localtime(s.starts_at).date() for _, s in shifts}
    assert len(days) == 7
    handover = Handover.objects.get()
    assert handover.created_by.username != handover.handed_to.username
    assert "open_total" in handover.summary
    assert make_demo_roster(now) == {"shifts": 0, "handovers": 0}
