"""Reporters' personal data: encrypted in the database on every write path (one report,
a bulk import, the quarantine), found again through keyed hashes, shown masked, read in
clear only by the roles that need it — each time written to the audit log — and never in
the logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from django.db import connection

from lianqin.audit.models import AuditEntry
from lianqin.cases.models import Case, ReporterContact
from lianqin.intake.accounts import channel_actor, issue_channel_key
from lianqin.intake.bulk import BulkIntake
from lianqin.intake.models import QuarantinedPayload
from lianqin.intake.tabular import iter_payloads
from lianqin.pii_fields import UNREADABLE
from tests.factories import new_case

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
PHONE, ID_NUMBER = "13812345678", "11010519491231002X"


def stored(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")
        return [row[0] for row in cursor.fetchall()]


def test_a_reported_contact_is_stored_encrypted_and_found_by_its_keys(world):
    a = new_case(world, reporter_id_number=ID_NUMBER)
    b = new_case(world, grid=4, reporter_phone="+86 138-1234-5678", title="另一件事",
                 description="建宁路路灯不亮")  # fmt: skip
    for column in ("name", "phone", "id_number"):
        for value in stored("cases_reportercontact", column):
            assert value == "" or (value.startswith("sm4gcm1:") and "张三" not in value)
        assert any(stored("cases_reportercontact", column))
    for raw in stored("cases_report", "raw"):
        assert raw == "" or raw.startswith("sm4gcm1:")
    contact = a.reports.get().reporter
    assert (contact.phone, contact.id_number, contact.masked_phone) == (
        PHONE, ID_NUMBER, "138****5678")  # fmt: skip
    same = ReporterContact.objects.filter(phone_key=contact.phone_key)
    assert same.count() == 2 and b.reports.get().reporter in same
    assert ReporterContact.objects.filter(id_key=contact.id_key).count() == 1


def test_a_bulk_import_and_the_quarantine_store_them_encrypted(world):
    export = (FIXTURES / "hotline_12345" / "export.csv").read_bytes()
    payloads = list(iter_payloads("hotline_12345", export, "export.csv"))
    result = BulkIntake(channel_actor("hotline_12345")).run(payloads)
    assert result.new and result.quarantined
    phones = [c.phone for c in ReporterContact.objects.all() if c.phone]
    assert phones and all(p[:3].isdigit() for p in phones)
    for value in stored("cases_reportercontact", "phone"):
        assert value == "" or value.startswith("sm4gcm1:")
    assert all(v.startswith("sm4gcm1:") for v in stored("intake_quarantinedpayload", "raw"))
    assert "工单编号" in QuarantinedPayload.objects.first().raw  # and reads back in clear


@pytest.mark.parametrize(
    ("who", "status"),
    [("dispatcher", 200), ("callback", 200), ("street_a", 200), ("street_b", 404),
     ("grid_worker_a1", 403), ("leader", 403), ("inspector", 403)],
)  # fmt: skip
def test_only_roles_that_call_the_reporter_see_the_number_and_each_look_is_audited(
    client, world, who, status
):
    case = new_case(world)
    client.force_login(world.people[who])
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert PHONE not in page
    assert ("查看完整联系方式" in page) == (status == 200)
    before = AuditEntry.objects.filter(kind="reveal").count()
    res = client.post(f"/console/cases/{case.number}/reveal")
    assert res.status_code == status
    assert (PHONE in res.content.decode()) == (status == 200)
    lines = AuditEntry.objects.filter(kind="reveal").order_by("-seq")
    assert lines.count() == before + (status == 200)
    if status == 200:
        assert "no-store" in res["Cache-Control"]
        line = lines.first()
        assert line.actor_id == world.people[who].pk and line.target == f"cases.Case:{case.number}"
        assert line.detail["fields"] == ["name", "phone"] and PHONE not in json.dumps(line.detail)
    assert client.get(f"/console/cases/{case.number}/reveal").status_code == 405


def test_the_api_reveals_through_the_same_gate(client, world):
    case = new_case(world)
    client.force_login(world.people["cg_handler"])
    assert client.post(f"/api/v1/cases/{case.number}/contacts").status_code == 404  # no order
    client.force_login(world.people["callback"])
    res = client.post(f"/api/v1/cases/{case.number}/contacts")
    assert res.status_code == 200 and res.json()[0]["phone"] == PHONE
    assert "no-store" in res["Cache-Control"]
    assert AuditEntry.objects.filter(kind="reveal", actor_id=world.people["callback"].pk).exists()
    client.force_login(world.people["leader"])
    res = client.post(f"/api/v1/cases/{case.number}/contacts")
    assert res.status_code == 403 and "不能查看" in res.json()["message"]


def test_logs_never_carry_a_phone_or_id_number(client, world, caplog):
    key = issue_channel_key("hotline_12345")[1]
    body = json.dumps({"工单编号": "GD-PII-1", "来电时间": "2026-13-40 99:00:00", "来电人": "王女士",
                       "联系电话": PHONE, "诉求内容": f"身份证 {ID_NUMBER} 电话 {PHONE}"},
                      ensure_ascii=False)  # fmt: skip
    from lianqin.logfilter import MaskPersonalData

    handler = logging.getLogger().handlers[0] if logging.getLogger().handlers else None
    caplog.handler.addFilter(MaskPersonalData())
    with caplog.at_level(logging.DEBUG):
        client.post("/api/intake/hotline_12345", data=body, content_type="application/json",
                    HTTP_X_API_KEY=key)  # fmt: skip
        logging.getLogger("lianqin.test").warning("payload was %s", body)
    text = caplog.text
    assert "payload was" in text and PHONE not in text and ID_NUMBER not in text
    assert handler is None or any(isinstance(f, MaskPersonalData) for f in handler.filters)
    assert Case.objects.count() == 0


def test_a_dispatcher_finds_a_callers_cases_by_the_full_number_only(client, world):
    a = new_case(world)
    b = new_case(world, grid=1, reporter_phone="139 0000 1111", title="井盖缺失",
                 description="建宁路井盖缺失")  # fmt: skip
    c = new_case(world, grid=2, reporter_id_number=ID_NUMBER, reporter_phone="",
                 title="噪音扰民", description="夜间施工噪音")  # fmt: skip
    client.force_login(world.people["dispatcher"])

    def found(q: str) -> set[str]:
        res = client.get("/api/v1/cases", {"q": q})
        assert res.status_code == 200
        return {row["number"] for row in res.json()["items"]}

    assert found("+86 138-1234-5678") == {a.number}
    assert found("13900001111") == {b.number}
    assert found(ID_NUMBER.lower()) == {c.number}
    assert found("1381234") == set()  # a part of a number finds nothing
    page = client.get("/console/", {"q": "13812345678", "view": "all"}).content.decode()
    assert a.number in page and b.number not in page


def test_a_name_that_looks_like_a_ciphertext_is_encrypted_and_a_damaged_value_reads_as_such(
    client, world
):
    case = new_case(world, reporter_name="sm4gcm1:x:")
    contact = case.reports.get().reporter
    contact.refresh_from_db()
    assert contact.name == "sm4gcm1:x:"
    with connection.cursor() as cursor:  # written around the application
        cursor.execute("UPDATE cases_reportercontact SET phone = %s WHERE id = %s",
                       ["13900000000", contact.pk])  # fmt: skip
    contact.refresh_from_db()
    assert contact.phone == UNREADABLE
    client.force_login(world.people["dispatcher"])
    assert client.get(f"/console/cases/{case.number}/").status_code == 200
    res = client.post(f"/console/cases/{case.number}/reveal")
    assert res.status_code == 200 and UNREADABLE in res.content.decode()


def test_the_backfill_encrypts_rows_written_before_encryption(db):
    """What migration 0009 runs on an older database: clear values become ciphertexts
    (read back the same), values already encrypted are left alone."""
    from django.apps import apps

    from lianqin.audit.backfill import encrypt_rows

    done = ReporterContact.objects.create(name="李四", phone="13900001111")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO cases_reportercontact (name, phone, id_number, phone_key, "
                       "id_key) VALUES (%s, %s, %s, '', '')", ["张三", PHONE, ""])  # fmt: skip
    before = stored("cases_reportercontact", "phone")
    encrypt_rows(apps, "cases.ReporterContact", ["name", "phone", "id_number"])
    after = stored("cases_reportercontact", "phone")
    assert PHONE in before and all(v.startswith("sm4gcm1:") for v in after)
    assert set(before) - {PHONE} <= set(after)  # the encrypted one untouched
    assert {c.phone for c in ReporterContact.objects.all()} == {PHONE, done.phone}
