"""Warnings move with a frozen clock; several workers never record one rise twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lianqin.cases import actions
from lianqin.cases.models import Case, CaseEvent
from lianqin.jobs import outbox
from lianqin.jobs.models import OutboxMessage
from lianqin.jobs.sweeper import claim_cases, sweep_once
from tests.factories import new_case


def warnings_at(case: Case, moment) -> str:
    sweep_once(moment, owner="a")
    sweep_once(moment, owner="b")
    case.refresh_from_db()
    return case.warning


def test_accept_deadline_turns_yellow_red_overdue_once(world):
    t0 = timezone.now()
    case = new_case(world)
    Case.objects.filter(pk=case.pk).update(
        created_at=t0, stage_started_at=t0, accept_due=t0 + timedelta(minutes=100), next_check_at=t0
    )
    # urgent/normal policies differ; the stored deadline is what the sweeper reads
    seen = [warnings_at(case, t0 + timedelta(minutes=m)) for m in (10, 61, 86)]
    assert seen == ["normal", "yellow", "red"]
    # overdue at the grid: the case goes up to the community with a fresh deadline
    assert warnings_at(case, t0 + timedelta(minutes=101)) == "normal"
    assert case.level == "community" and case.escalation_count == 1
    assert case.accept_due > t0 + timedelta(minutes=101)
    rises = CaseEvent.objects.filter(case=case, action="warning").values_list("data", flat=True)
    assert [d["warning"] for d in rises] == ["yellow", "red", "overdue"]
    up = CaseEvent.objects.get(case=case, action="escalate")
    assert up.actor_role == "system" and up.data["automatic"] and up.note.startswith("超期")


def test_the_ladder_climbs_to_the_district_and_stops(world):
    t0 = timezone.now()
    case = new_case(world)
    levels = []
    moment = t0
    for _ in range(5):
        case.refresh_from_db()
        moment = case.accept_due + timedelta(minutes=1)
        warnings_at(case, moment)
        levels.append(case.level)
    assert levels == ["community", "street", "district", "district", "district"]
    assert case.warning == "overdue" and case.escalation_count == 3
    assert CaseEvent.objects.filter(case=case, action="escalate").count() == 3


def test_a_late_unit_is_urged_once(world):
    case = new_case(world)
    actions.perform(world.actor("community_a1"), case.number, "accept")
    case = actions.perform(world.actor("street_a"), case.number, "dispatch", lead="cg")
    late = case.acknowledge_due + timedelta(minutes=1)
    warnings_at(case, late)
    warnings_at(case, late + timedelta(hours=1))
    assert case.urge_count == 1 and case.escalation_count == 0  # the unit keeps the case
    urged = CaseEvent.objects.get(case=case, action="urge")
    assert urged.actor_role == "system" and urged.data == {"automatic": True}
    assert OutboxMessage.objects.filter(case=case, topic="case.urge").count() == 1


def test_a_claimed_case_is_not_claimed_again_within_the_lease(world):
    case = new_case(world)
    later = timezone.now() + timedelta(days=30)
    first = claim_cases(later)
    assert case.pk in first and case.pk not in claim_cases(later)


def test_acting_on_a_case_restarts_its_clock(world):
    t0 = timezone.now()
    case = new_case(world)
    case = actions.perform(world.actor("community_a1"), case.number, "accept", now=t0)
    assert case.stage == "resolve" and case.warning == "normal" and case.next_check_at > t0


def test_outbox_delivered_once_and_retried_after_failure(world):
    calls: list[int] = []

    def flaky(message: OutboxMessage) -> None:
        calls.append(message.pk)
        if len(calls) == 1:
            raise RuntimeError("peer down")

    outbox.subscribe("case.create", flaky)
    try:
        case = new_case(world)
        msg = OutboxMessage.objects.get(case=case, topic="case.create")
        now = timezone.now()
        first = sweep_once(now, owner="a")
        msg.refresh_from_db()
        assert first.failed >= 1 and msg.delivered_at is None and "peer down" in msg.last_error
        sweep_once(now, owner="b")  # not yet due again: backoff
        assert calls == [msg.pk]
        later = now + timedelta(minutes=5)
        sweep_once(later, owner="b")
        sweep_once(later, owner="a")
        msg.refresh_from_db()
        assert msg.delivered_at is not None and calls == [msg.pk, msg.pk] and msg.attempts == 2
    finally:
        outbox.HANDLERS.pop("case.create", None)


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_record_each_rise_once():
    import threading

    from django.db import connection

    from tests.factories import make_world

    world = make_world()
    t0 = timezone.now()
    cases = [new_case(world) for _ in range(20)]
    Case.objects.update(
        stage_started_at=t0, accept_due=t0 + timedelta(minutes=10), next_check_at=t0
    )
    moment = t0 + timedelta(minutes=30)

    def work(name: str) -> None:
        try:
            for _ in range(3):
                sweep_once(moment, owner=name)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert CaseEvent.objects.filter(action="warning").count() == len(cases)
    # each overdue case went up exactly one level, once, whatever the number of workers
    assert CaseEvent.objects.filter(action="escalate").count() == len(cases)
    assert set(Case.objects.values_list("level", "escalation_count")) == {("community", 1)}
