"""Extension and suspension need approval: asked by whoever holds the case, decided once by
a duty leader above, and only then the clock moves or pauses."""

from __future__ import annotations

from lianqin.cases import actions
from lianqin.cases.models import Case
from tests.factories import new_case


def dispatched(world):
    case = new_case(world)
    actions.perform(world.actor("community_a1"), case.number, "accept")
    return actions.perform(world.actor("street_a"), case.number, "dispatch", lead="cg")


def test_an_approved_extension_moves_the_deadline(client, world):
    case = dispatched(world)
    due = case.resolve_due
    client.force_login(world.people["cg_handler"])
    asked = client.post(f"/api/v1/cases/{case.number}/requests",
                        {"kind": "extend", "note": "需等待材料到货", "by": "3wd"},
                        content_type="application/json")  # fmt: skip
    assert asked.status_code == 201, asked.content
    again = client.post(f"/api/v1/cases/{case.number}/requests",
                        {"kind": "extend", "note": "再申请", "by": "1wd"},
                        content_type="application/json")  # fmt: skip
    assert again.status_code == 409
    assert Case.objects.get(pk=case.pk).resolve_due == due  # nothing moved yet
    client.force_login(world.people["street_leader_a"])
    pending = client.get("/api/v1/approvals").json()
    assert [p["case"] for p in pending] == [case.number]
    tasks = client.get("/api/v1/me/tasks").json()
    assert [a["id"] for a in tasks["approvals"]] == [pending[0]["id"]]
    done = client.post(f"/api/v1/approvals/{pending[0]['id']}/approve", {},
                       content_type="application/json")  # fmt: skip
    assert done.status_code == 200 and done.json()["state"] == "approved"
    case = Case.objects.get(pk=case.pk)
    assert case.resolve_due > due and case.extension_count == 1
    assert list(case.events.order_by("seq").values_list("action", flat=True))[-2:] == [
        "approval_requested", "extend"]  # fmt: skip
    twice = client.post(f"/api/v1/approvals/{pending[0]['id']}/approve", {},
                        content_type="application/json")  # fmt: skip
    assert twice.status_code == 409


def test_a_refused_suspension_changes_nothing_and_needs_a_reason(client, world):
    case = dispatched(world)
    client.force_login(world.people["cg_handler"])
    asked = client.post(f"/api/v1/cases/{case.number}/requests",
                        {"kind": "suspend", "note": "当事人住院"}, content_type="application/json")  # fmt: skip
    request_id = asked.json()["id"]
    client.force_login(world.people["cg_handler"])
    assert client.post(f"/api/v1/approvals/{request_id}/approve", {},
                       content_type="application/json").status_code == 403  # fmt: skip
    client.force_login(world.people["duty_leader"])
    bare = client.post(
        f"/api/v1/approvals/{request_id}/refuse", {}, content_type="application/json"
    )
    assert bare.status_code == 400
    refused = client.post(f"/api/v1/approvals/{request_id}/refuse", {"note": "可先电话联系家属"},
                          content_type="application/json")  # fmt: skip
    assert refused.json()["state"] == "refused"
    case = Case.objects.get(pk=case.pk)
    assert case.status == "dispatched" and case.events.filter(action="approval_refused").exists()


def test_an_approved_suspension_pauses_the_case(world):
    from lianqin.cases.actions import approvals

    case = dispatched(world)
    made = approvals.request_approval(world.actor("cg_handler"), case.number, "suspend", "暴雨停工")
    approvals.decide(world.actor("duty_leader"), made.pk, approve=True)
    assert Case.objects.get(pk=case.pk).status == "suspended"


def test_a_boilerplate_reply_is_flagged_for_the_verifier(world):
    case = new_case(
        world, title="文德路12号门口占道经营", description="文德路12号门口有人占道经营卖水果"
    )
    actions.perform(world.actor("community_a1"), case.number, "accept")
    actions.perform(world.actor("street_a"), case.number, "dispatch", lead="cg")
    actions.perform(world.actor("cg_handler"), case.number, "acknowledge")
    case = actions.perform(world.actor("cg_handler"), case.number, "resolve", note="留言已收悉。")
    check = case.events.get(action="resolve").data["reply_check"]
    assert check["ok"] is False and check["findings"]
    assert all(f["message"] for f in check["findings"])
    good = new_case(
        world, title="文德路12号门口占道经营", description="文德路12号门口有人占道经营卖水果"
    )
    actions.perform(world.actor("community_a1"), good.number, "accept")
    actions.perform(world.actor("street_a"), good.number, "dispatch", lead="cg")
    actions.perform(world.actor("cg_handler"), good.number, "acknowledge")
    reply = ("经核实，文德路12号门口确有流动摊贩占道经营卖水果。城管中队已于当日到场劝离，"
             "责令其进入市场经营，并安排队员每日巡查，现已恢复通行。如有疑问请致电58001234。")  # fmt: skip
    good = actions.perform(world.actor("cg_handler"), good.number, "resolve", note=reply)
    assert good.events.get(action="resolve").data["reply_check"]["ok"] is True
