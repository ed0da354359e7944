"""The classifier on the district's own decided cases: trained from the database, then
suggesting on arrival and setting the category above its threshold."""

from __future__ import annotations

import json

import pytest

from lianqin.cases.models import Case
from lianqin.errors import InvalidInput
from lianqin.intake import service
from lianqin.intake.accounts import channel_actor
from lianqin.intake.contract import Payload
from lianqin.triage import classify_service
from lianqin.triage.models import ClassifierModel
from tests.factories import new_case

TEXTS = {
    "0101": ["垃圾桶满溢没人清运{}号楼", "小区垃圾{}天没清理发臭", "垃圾房{}号门口垃圾堆积", "路边垃圾成堆第{}处",
             "生活垃圾未清运{}次", "垃圾站满了{}号", "垃圾乱扔到处都是{}"],
    "0206": ["路口违章停车{}辆", "车辆乱停堵住小区门{}", "人行道上停了{}辆车", "违停车辆挡住消防通道{}",
             "校门口乱停车第{}天", "汽车违规停放{}处", "占用盲道停车{}辆"],
}  # fmt: skip


@pytest.fixture
def decided(world):
    for code, texts in TEXTS.items():
        for template in texts:
            for n in range(3):
                case = new_case(world, title=template.format(n + 1), description="",
                                category_code=code)  # fmt: skip
                Case.objects.filter(pk=case.pk).update(status="closed")
    classify_service.forget()
    yield
    classify_service.forget()


def test_without_history_training_is_refused_and_keywords_suggest(world):
    with pytest.raises(InvalidInput, match="不足"):
        classify_service.train_from_db()
    found, auto = classify_service.suggest("小区垃圾桶满溢")
    assert auto == "" and found and found[0]["source"] == "keywords"


def test_trained_on_decided_cases_it_suggests_and_sets_the_category(world, decided, settings):
    row = classify_service.train_from_db(level=4)
    assert row.active and set(row.labels) == {"0101", "0206"} and row.n_train == 42
    found, _ = classify_service.suggest("楼下垃圾桶满溢三天没人清运")
    assert found[0]["code"] == "0101" and found[0]["source"] == "classifier"
    settings.LIANQIN_AUTO_CATEGORY_CONFIDENCE = 0.5
    body = {"工单编号": "CLS-1", "来电时间": "2026-11-28 09:00:00", "诉求内容": "路口有车违章停车",
            "经度": world.grid_point(0)[0], "纬度": world.grid_point(0)[1]}  # fmt: skip
    out = service.receive(channel_actor("hotline_12345"),
                          Payload("hotline_12345", json.dumps(body, ensure_ascii=False)))  # fmt: skip
    case = Case.objects.get(number=out.case_number)
    assert case.category.code == "0206" and case.triage["auto"] == "0206"
    settings.LIANQIN_AUTO_CATEGORY_CONFIDENCE = 1.01
    body["工单编号"], body["诉求内容"] = "CLS-2", "有人反映别的事情"
    out = service.receive(channel_actor("hotline_12345"),
                          Payload("hotline_12345", json.dumps(body, ensure_ascii=False)))  # fmt: skip
    assert Case.objects.get(number=out.case_number).category is None  # below: a person chooses


def test_retraining_waits_its_turn(world, decided):
    from django.utils import timezone

    now = timezone.now()
    first = classify_service.maybe_retrain(now, every_days=7)
    assert first is not None and ClassifierModel.objects.count() == 1
    assert classify_service.maybe_retrain(now, every_days=7) is None  # not due yet
    assert classify_service.maybe_retrain(now, every_days=0) is None  # switched off


def test_a_bulk_import_is_classified_in_one_call_per_chunk(world, decided, settings, monkeypatch):
    from lianqin.intake.bulk import BulkIntake

    classify_service.train_from_db(level=4)
    settings.LIANQIN_AUTO_CATEGORY_CONFIDENCE = 0.5
    calls: list[int] = []
    real = classify_service.suggest_many
    monkeypatch.setattr(classify_service, "suggest_many",
                        lambda texts: calls.append(len(texts)) or real(texts))  # fmt: skip
    texts = ["楼下垃圾桶满溢没人清运", "校门口违章停车堵路", "垃圾站旁边垃圾堆积发臭"]
    payloads = [
        Payload("hotline_12345", json.dumps(
            {"工单编号": f"BULK-{n}", "来电时间": "2026-11-28 09:00:00", "诉求内容": text,
             "经度": world.grid_point(n)[0], "纬度": world.grid_point(n)[1]}, ensure_ascii=False))
        for n, text in enumerate(texts)
    ]  # fmt: skip
    summary = BulkIntake(channel_actor("hotline_12345")).run(payloads)
    assert summary.rows == 3 and calls == [3]
    codes = [c.category.code for c in Case.objects.filter(reports__external_id__startswith="BULK-")
             .order_by("reports__external_id")]  # fmt: skip
    assert codes == ["0101", "0206", "0101"]


def test_a_retrained_model_replaces_the_active_one_only_when_not_worse(world, decided, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from lianqin.triage.classifier_metrics import Comparison

    first = classify_service.train_from_db(level=4, now=timezone.now() - timedelta(days=1))
    assert first.active and first.scores["comparison"]["reason"].startswith("没有在用模型")
    second = classify_service.train_from_db(level=4)  # judged on the 42 cases since the first
    compared = second.scores["comparison"]
    assert compared["n"] == 42 and compared["new_macro_f1"] is not None
    assert (
        second.active
        == compared["replace"]
        == (compared["new_macro_f1"] >= compared["old_macro_f1"] - 0.01)
    )
    if not second.active:
        classify_service.activate(second)
    again = classify_service.train_from_db(level=4)  # nothing arrived since: no comparison
    assert again.active and "无从比较" in again.scores["comparison"]["reason"]
    second = again
    worse = Comparison(40, 0.95, 0.80, False, "旧模型 0.950，新模型 0.800，保留旧模型")
    monkeypatch.setattr(classify_service, "compare", lambda *a, **k: worse)
    third = classify_service.train_from_db(level=4)
    assert not third.active and ClassifierModel.objects.get(active=True).pk == second.pk
    assert classify_service.active_model()[0].pk == second.pk
    forced = classify_service.train_from_db(level=4, force=True)
    assert forced.active and forced.scores["comparison"]["forced"] is True
    classify_service.activate(first)  # an administrator goes back
    assert list(ClassifierModel.objects.filter(active=True)) == [first]
    first.path = "/nonexistent/model.joblib"
    with pytest.raises(InvalidInput):
        classify_service.activate(first)
    assert ClassifierModel.objects.get(active=True).pk == first.pk
