"""The audit trail: every change to reference data and accounts and every reveal of
personal data is a chained line; case history is chained per case; the database refuses
UPDATE and DELETE on both; ``verify`` finds any tampering and says where; retention keeps
at least 6 months. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from lianqin.audit import protect
from lianqin.audit.models import AuditEntry, ChainHead
from lianqin.audit.service import append, prune, verify
from lianqin.cases import actions
from lianqin.cases.models import CaseEvent
from lianqin.org.models import Unit
from tests.factories import new_case


def _walk(world):
    case = new_case(world)
    for who, action, kw in [
        ("community_a1", "accept", {}),
        ("grid_worker_a1", "handle_on_site", {}),
        ("grid_worker_a1", "resolve", {"note": "已清理，电话 13812345678", "evidence": []}),
    ]:
        case = actions.perform(world.actor(who), case.number, action, **kw)
    return case


def test_a_case_history_and_the_log_verify_and_are_protected(world):
    case = _walk(world)
    report = verify()
    assert report.ok, report.breaks
    assert report.history_lines == CaseEvent.objects.count() >= 3
    assert set(report.protected) == set(protect.TABLES)
    event = CaseEvent.objects.filter(case=case).first()
    for sql in (
        "UPDATE cases_caseevent SET note = 'edited' WHERE id = %s",
        "DELETE FROM cases_caseevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    line = AuditEntry.objects.order_by("seq").first()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [line.pk])


def _tamper(sql, params):
    with protect.unlocked(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_finds_an_edited_or_removed_history_line(world):
    case = _walk(world)
    first, second, *_ = CaseEvent.objects.filter(case=case).order_by("seq")
    _tamper("UPDATE cases_caseevent SET note = 'changed later' WHERE id = %s", [second.pk])
    broken = verify().breaks
    assert [(b.where, b.position) for b in broken] == [(f"案件历史 #{case.pk}", 2)]
    _tamper("DELETE FROM cases_caseevent WHERE id = %s", [first.pk])
    assert "序号不连续" in verify().breaks[0].reason


def test_verify_finds_an_edited_or_truncated_log(world):
    Unit.objects.filter(code="cg").update(name="x")  # .update() sends no signal
    unit = Unit.objects.get(code="cg")
    unit.name = "城管局（改）"
    unit.save()
    line = AuditEntry.objects.get(target=f"org.Unit:{unit.pk}", kind="change")
    assert line.detail["fields"]["name"] == ["x", "城管局（改）"]
    assert verify().ok
    _tamper("UPDATE audit_auditentry SET detail = %s WHERE id = %s", ["{}", line.pk])
    assert any("内容" in b.reason for b in verify().breaks)
    last = AuditEntry.objects.order_by("-seq").first()
    _tamper("DELETE FROM audit_auditentry WHERE seq >= %s", [line.seq])
    reasons = " ".join(b.reason for b in verify().breaks)
    assert "链头" in reasons, reasons
    assert last.seq > line.seq or last.seq == line.seq


def test_a_password_is_never_written_to_the_log(world):
    person = world.people["street_a"]
    person.set_password("Another-passw0rd!")
    person.save()
    line = AuditEntry.objects.filter(target=f"org.Person:{person.pk}").order_by("-seq").first()
    assert line.kind == "change" and line.detail["fields"]["password"] == "（已更改）"
    assert "Another" not in str(line.detail) and "md5$" not in str(line.detail)


def test_retention_removes_only_lines_older_than_it_and_the_chain_still_verifies(db, settings):
    settings.LIANQIN_AUDIT_RETENTION_DAYS = 30  # below the floor: 180 days apply
    now = timezone.now()
    old = [append("export", None, "x", {"n": i}, at=now - timedelta(days=200)) for i in range(3)]
    young = append("export", None, "x", {"n": 9}, at=now - timedelta(days=179))
    before = AuditEntry.objects.count()
    assert prune(now=now) == 3
    assert AuditEntry.objects.count() == before - 3 + 1  # and the line saying so
    assert not AuditEntry.objects.filter(pk__in=[o.pk for o in old]).exists()
    assert AuditEntry.objects.filter(pk=young.pk).exists()
    assert ChainHead.objects.get(pk=1).pruned_through >= old[-1].seq
    assert AuditEntry.objects.order_by("-seq").first().kind == "prune"
    report = verify()
    assert report.ok, report.breaks
    assert prune(now=now) == 0


def test_sequence_numbers_follow_without_gaps(world):
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert ChainHead.objects.get(pk=1).seq == seqs[-1]


def test_a_disarmed_trigger_is_reported_and_the_next_migrate_rearms_it(world):
    _walk(world)
    name = "lianqin_append_only_cases_caseevent"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks: ALTER may run
            cursor.execute(f"ALTER TABLE cases_caseevent DISABLE TRIGGER {name}")
        else:
            cursor.execute(f"DROP TRIGGER {name}_update")
            cursor.execute(f"CREATE TRIGGER {name}_update BEFORE UPDATE ON cases_caseevent "
                           "BEGIN SELECT 1; END")  # fmt: skip
    assert "cases_caseevent" not in protect.installed()
    assert not verify().ok
    protect.install()
    assert set(protect.installed()) == set(protect.TABLES)


def test_an_outside_anchor_catches_a_rewound_log(world):
    from lianqin.audit.service import Anchor, check_anchor, current_anchor

    _walk(world)
    anchor = Anchor.parse(current_anchor(verify()).line())
    last = AuditEntry.objects.order_by("-seq").first()
    # someone with the database drops the newest line and rewinds the head consistently
    _tamper("DELETE FROM audit_auditentry WHERE seq = %s", [last.seq])
    _tamper(
        "UPDATE audit_chainhead SET seq = %s, chain = %s WHERE id = 1", [last.seq - 1, last.prev]
    )
    report = verify()
    assert report.ok  # the database alone cannot tell
    check_anchor(anchor, report)
    assert {b.reason for b in report.breaks} >= {"与外部锚点不符（记录被删除或改写）"}


def test_who_works_a_grid_and_who_holds_which_group_are_audited(world):
    from django.contrib.auth.models import Group

    grid, worker = world.grids[0], world.people["grid_worker_b1"]
    grid.workers.add(worker)
    line = AuditEntry.objects.filter(target=f"org.Grid:{grid.pk}").order_by("-seq").first()
    assert line.detail["field"] == "workers" and line.detail["ids"] == [worker.pk]
    assert line.detail["action"] == "add"
    group = Group.objects.create(name="值班长组")
    worker.groups.add(group)
    line = AuditEntry.objects.filter(target=f"org.Person:{worker.pk}").order_by("-seq").first()
    assert (line.detail["field"], line.detail["ids"]) == ("groups", [group.pk])
    assert verify().ok


def test_a_bulk_load_is_one_line_with_its_counts(db):
    from lianqin.org.reference import load_defaults

    before = AuditEntry.objects.count()
    load_defaults()
    lines = list(AuditEntry.objects.filter(seq__gt=before).order_by("seq"))
    assert [(line.kind, line.target) for line in lines][-1:] == [("create", "org.defaults")]
    rows = lines[-1].detail["rows"]
    assert rows["org.Category created"] > 100 and "org.Unit created" in rows


def test_numbers_keep_their_chain_through_the_database(db):
    append("export", None, "x", {"big": 1e16, "two": 2.0, "half": 0.5, "tiny": 1e-05})
    assert verify().ok
