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
    seen = [warnings_at(case, t0 + timedelta(minutes=m)) for m in (10, 61, 86, 101, 200)]
    assert seen == ["normal", "yellow", "red", "overdue", "overdue"]
    rises = CaseEvent.objects.filter(case=case, action="warning").values_list("data", flat=True)
    assert [d["warning"] for d in rises] == ["yellow", "red", "overdue"]


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
    assert set(Case.objects.values_list("warning", flat=True)) == {"overdue"}
