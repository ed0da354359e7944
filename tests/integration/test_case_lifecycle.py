"""The use cases end to end through ``cases.actions``: on-site and dispatched lives,
history, outbox, idempotent intake, and the refusals."""

from __future__ import annotations

import pytest

from lianqin.cases import actions
from lianqin.cases.models import Case, CaseEvent, Report, WorkOrder
from lianqin.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from lianqin.jobs.models import OutboxMessage
from tests.factories import new_case, report


def act(world, who, case, action, **kw):
    return actions.perform(world.actor(who), case.number, action, **kw)


def test_new_case_is_placed_numbered_and_clocked(world):
    case = new_case(world, grid=1)
    assert case.number.startswith("320111-") and case.number.endswith("-000001")
    assert case.grid == world.grids[1] and case.community == world.communities[0]
    assert case.street == world.streets[0] and case.area_code == world.grids[1].code
    assert case.level == "grid" and case.holder.region_code == world.communities[0].code
    assert (
        case.status == "reported" and case.stage == "accept" and case.accept_due > case.created_at
    )
    assert case.events.count() == 1 and OutboxMessage.objects.filter(case=case).count() == 1
    report_row = case.reports.get()
    assert report_row.reporter.masked_phone == "138****5678"


def test_numbers_follow_each_other_within_a_day(world):
    numbers = [new_case(world).number for _ in range(3)]
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000003"]


def test_on_site_life_to_archive(world):
    case = new_case(world)
    for who, action, kw in [
        ("community_a1", "accept", {}),
        ("grid_worker_a1", "handle_on_site", {}),
        ("grid_worker_a1", "resolve", {"note": "已清理", "evidence": ["photo://1"]}),
        ("inspector", "verify", {}),
        ("callback", "callback", {"satisfaction": "satisfied"}),
        ("callback", "archive", {}),
    ]:
        case = act(world, who, case, action, **kw)
    assert case.status == "archived" and case.satisfaction == "satisfied"
    events = list(case.events.order_by("seq").values_list("seq", "action"))
    assert [a for _, a in events] == [
        "create",
        "accept",
        "handle_on_site",
        "resolve",
        "verify",
        "callback",
        "archive",
    ]
    assert [s for s, _ in events] == list(range(1, 8)) and case.version == 7
    assert case.events.get(action="resolve").data["evidence"] == ["photo://1"]


def test_dispatched_life_with_assisting_unit_return_and_rework(world):
    case = new_case(world)
    case = act(world, "community_a1", case, "accept")
    case = act(world, "street_a", case, "dispatch", lead="cg", assist=["hb"])
    orders = {o.unit.code: o for o in case.work_orders.select_related("unit")}
    assert set(orders) == {"cg", "hb"} and orders["cg"].role == "lead"
    case = act(world, "cg_handler", case, "return", note="不属于城管职责")
    assert case.status == "returned" and case.return_count == 1
    case = act(world, "street_a", case, "reassign", lead="scjg")
    case = act(world, "scjg_handler", case, "acknowledge")
    hb = orders["hb"]
    actions.work_order_event(world.actor("hb_handler"), case.number, hb.pk, "acknowledge")
    actions.work_order_event(
        world.actor("hb_handler"), case.number, hb.pk, "reply", note="已检测噪声"
    )
    case = act(world, "scjg_handler", case, "resolve", note="已责令整改")
    resolve = case.events.get(action="resolve")
    assert resolve.data["assist_replies"][0]["reply"] == "已检测噪声"
    case = act(world, "inspector", case, "rework", note="仍有问题")
    assert case.status == "in_progress" and case.rework_count == 1
    case = act(world, "scjg_handler", case, "resolve", note="已彻底整改")
    case = act(world, "inspector", case, "verify")
    assert case.status == "closed"
    assert WorkOrder.objects.get(case=case, unit__code="cg").state == "returned"


def test_dispatch_without_lead_uses_the_catalogue_default(world):
    case = new_case(world, category_code="0101")
    case = act(world, "community_a1", case, "accept")
    case = act(world, "street_a", case, "dispatch")
    assert case.work_orders.get(role="lead").unit.code == "cg"


def test_replay_returns_the_same_case_and_writes_nothing(world):
    actor = world.actor("system")
    first, created = actions.create_case(actor, report(world, external_id="12345-0001"))
    counts = (Case.objects.count(), Report.objects.count(), CaseEvent.objects.count())
    again, created_again = actions.create_case(actor, report(world, external_id="12345-0001"))
    assert created and not created_again and again.pk == first.pk
    assert (Case.objects.count(), Report.objects.count(), CaseEvent.objects.count()) == counts


def test_merge_moves_reports_and_counts(world):
    main = new_case(world)
    dup = new_case(world, title="同一处占道经营")
    dup = act(world, "community_a1", dup, "merge", into=main.number)
    main.refresh_from_db()
    assert dup.status == "merged" and dup.merged_into == main and main.report_count == 2
    assert main.reports.count() == 2 and main.events.filter(action="merge_in").exists()


def test_escalation_climbs_the_ladder_and_locks_out_lower_levels(world):
    case = act(world, "community_a1", new_case(world), "accept")
    case = act(world, "grid_worker_a1", case, "escalate", note="需部门处置")
    assert case.level == "community"
    case = act(world, "community_a1", case, "escalate")
    assert case.level == "street" and case.holder.region_code == world.streets[0].code
    with pytest.raises(Forbidden):
        act(world, "community_a1", case, "handle_on_site")
    case = act(world, "street_a", case, "escalate")
    assert case.level == "district"
    with pytest.raises(InvalidTransition):
        act(world, "dispatcher", case, "escalate")


def test_suspend_and_resume_move_the_deadline(world):
    from datetime import timedelta

    from django.utils import timezone

    t0 = timezone.now()
    case = act(world, "community_a1", new_case(world), "accept", now=t0)
    due = case.resolve_due
    case = act(
        world, "street_leader_a", case, "suspend", note="等待天气", now=t0 + timedelta(hours=1)
    )
    assert case.status == "suspended" and case.suspended_from == "accepted"
    case = act(world, "street_leader_a", case, "resume", now=t0 + timedelta(days=3))
    assert case.status == "accepted" and case.resolve_due > due


def test_extend_needs_a_reason_and_moves_resolve_due(world):
    case = act(world, "community_a1", new_case(world), "accept")
    with pytest.raises(InvalidInput):
        act(world, "street_leader_a", case, "extend", by="3wd")
    before = case.resolve_due
    case = act(world, "street_leader_a", case, "extend", by="3wd", note="需协调施工队")
    assert case.resolve_due > before and case.extension_count == 1


def test_callback_unsatisfied_then_reopen_and_accept_again(world):
    case = new_case(world)
    for who, action, kw in [
        ("community_a1", "accept", {}),
        ("grid_worker_a1", "handle_on_site", {}),
        ("grid_worker_a1", "resolve", {}),
        ("inspector", "verify", {}),
        ("callback", "callback", {"satisfaction": "unsatisfied"}),
        ("callback", "reopen", {"note": "问题未解决"}),
        ("community_a1", "accept", {}),
    ]:
        case = act(world, who, case, action, **kw)
    assert case.status == "accepted" and case.reopen_count == 1 and case.stage == "resolve"


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("street_b", NotFound),
        ("community_b1", NotFound),
        ("grid_worker_b1", NotFound),
        ("cg_handler", NotFound),
        ("leader", Forbidden),
        ("grid_worker_a1", Forbidden),
    ],
)
def test_who_may_not_accept(world, who, error):
    case = new_case(world)
    with pytest.raises(error):
        act(world, who, case, "accept")
    case.refresh_from_db()
    assert case.status == "reported" and case.version == 1


def test_invalid_transition_says_what_and_changes_nothing(world):
    case = new_case(world)
    with pytest.raises(InvalidTransition) as info:
        act(world, "street_a", case, "verify")
    assert "待受理" in info.value.message and info.value.extra["status"] == "reported"
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_reject_requires_reason(world):
    case = new_case(world)
    with pytest.raises(InvalidInput) as info:
        act(world, "community_a1", case, "reject")
    assert info.value.field == "note"


def test_unit_acts_only_on_its_lead_order(world):
    case = act(world, "community_a1", new_case(world), "accept")
    case = act(world, "street_a", case, "dispatch", lead="cg", assist=["hb"])
    with pytest.raises(Forbidden):
        act(world, "hb_handler", case, "acknowledge")
    with pytest.raises(NotFound):
        act(world, "scjg_handler", case, "acknowledge")


def test_bad_input_is_refused_clearly(world):
    actor = world.actor("system")
    for bad, field in [
        ({"channel": "fax"}, "channel"),
        ({"title": " "}, "title"),
        ({"priority": "asap"}, "priority"),
        ({"category_code": "zz"}, "category"),
        ({"grid_code": "999"}, "grid"),
        ({"lat": None}, "lon"),
    ]:
        with pytest.raises(InvalidInput) as info:
            actions.create_case(actor, report(world, **bad))
        assert info.value.field == field and info.value.hint
    assert Case.objects.count() == 0


def test_point_outside_every_grid_needs_manual_location(world):
    case = new_case(world, lon=100.0, lat=30.0)
    assert case.grid is None and case.needs_location and case.level == "district"
    with pytest.raises(NotFound):
        act(world, "street_a", case, "accept")
    assert act(world, "dispatcher", case, "accept").status == "accepted"
