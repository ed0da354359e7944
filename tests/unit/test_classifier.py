"""The case classifier on small synthetic data (pure: run with ``-p no:django``), and its
figures on the real TipDM text (read in place from the shared folder, skipped without it).
"""

from __future__ import annotations

import csv
import json
import pickle
import random
import subprocess
import sys
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lianqin.errors import InvalidInput
from lianqin.triage.classifier import (
    MAGIC,
    MIN_PER_LABEL,
    NEVER,
    Classifier,
    Prediction,
    coverage_at_precision,
    evaluate,
    label_counts,
    near_copies,
    normalise,
)
from tests.shared_data import TIPDM

TOPICS = {
    "环境保护": ("垃圾", "噪音", "污水", "臭味", "油烟", "排污", "粉尘", "焚烧", "异味", "扰民"),
    "交通运输": (
        "公交",
        "红绿灯",
        "违停",
        "拥堵",
        "车辆",
        "站台",
        "出租车",
        "路口",
        "班次",
        "停车",
    ),
    "教育文体": (
        "学校",
        "老师",
        "学生",
        "学费",
        "幼儿园",
        "课程",
        "招生",
        "教室",
        "考试",
        "体育馆",
    ),
}
COMMON = ("小区", "希望", "处理", "问题", "居民", "反映", "领导", "尽快", "相关", "部门")


def synthetic(per_label: int = 30, seed: int = 1) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for label, words in TOPICS.items():
        for _ in range(per_label):
            picked = rng.sample(words, 4) + rng.sample(COMMON, 3)
            rng.shuffle(picked)
            texts.append("，".join(picked) + "。")
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def model() -> Classifier:
    texts, labels = synthetic()
    return Classifier.train(texts, labels, trained_at=datetime(2026, 11, 28, 9, tzinfo=UTC))


# --- normalise ---


def test_normalise_keeps_content_and_drops_the_rest():
    assert normalise("  垃圾 清运\t不及时！\n（Ａ３区）") == "垃圾清运不及时a3区"
    assert normalise("垃圾 清运 不 及时") == normalise("垃圾，清运。不及时")  # segmented == raw
    assert normalise("") == ""


@given(st.text())
@example("Ａ市 某某小区\u3000噪音，K4县 E-mail: X@Y.COM…")
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once
    assert not any(c.isspace() for c in once)


# --- training and prediction ---


def test_top_k_best_first_and_probabilities(model):
    texts = ["垃圾焚烧臭味扰民，污水横流", "公交站台附近车辆违停拥堵", "学校学费和招生问题"]
    for expected, top in zip(TOPICS, model.predict(texts, k=3), strict=True):
        assert top[0].label == expected
        assert len({p.label for p in top}) == 3
        confidences = [p.confidence for p in top]
        assert confidences == sorted(confidences, reverse=True)
        assert all(0.0 <= c <= 1.0 for c in confidences)
        assert sum(confidences) <= 1.0 + 1e-9
    assert [len(t) for t in model.predict(texts, k=1)] == [1, 1, 1]
    assert len(model.predict(["垃圾"], k=10)[0]) == len(model.labels) == 3


def test_probabilities_sum_to_one_and_empty_input(model):
    proba = model.probabilities(["垃圾", "与类别无关的文字", ""])
    assert proba.shape == (3, 3)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert model.predict([]) == []


def test_bad_prediction_arguments_refused(model):
    with pytest.raises(InvalidInput):
        model.predict(["垃圾"], k=0)
    with pytest.raises(InvalidInput):
        model.predict("垃圾")  # a string is a sequence of characters, not of texts


def test_metadata(model):
    meta = model.metadata
    assert model.labels == sorted(TOPICS)
    assert meta["n_train"] == 90
    assert meta["counts"] == dict.fromkeys(sorted(TOPICS), 30)
    assert meta["trained_at"] == "2026-11-28T09:00:00+00:00"
    assert 0.0 < meta["threshold"] <= NEVER
    assert set(meta["scores"]) >= {"macro_f1", "accuracy", "coverage", "coverage_precision"}
    assert meta["scores"]["macro_f1"] > 0.9
    assert set(meta["per_class"]) == set(TOPICS)
    json.dumps(meta)  # the database side stores it as JSON


def test_training_is_deterministic():
    texts, labels = synthetic(seed=3)
    a = Classifier.train(texts, labels, seed=7)
    b = Classifier.train(texts, labels, seed=7)
    probe = ["垃圾污水", "公交拥堵", "学校老师", "小区问题"]
    assert np.array_equal(a.probabilities(probe), b.probabilities(probe))
    assert a.threshold == b.threshold


def test_two_labels():
    texts, labels = synthetic(per_label=10)
    binary = Classifier.train(texts[:20], labels[:20])  # 环境保护 and 交通运输
    top = binary.predict(["公交车辆拥堵"], k=3)[0]
    assert [p.label for p in top] == ["交通运输", "环境保护"]
    assert abs(sum(p.confidence for p in top) - 1.0) < 1e-9


def test_too_few_labels_or_examples_refused():
    texts, labels = synthetic(per_label=10)
    with pytest.raises(InvalidInput, match="至少需要 2 个类别"):
        Classifier.train(texts[:10], labels[:10])
    with pytest.raises(InvalidInput, match=rf"至少需要 {MIN_PER_LABEL} 条.*教育文体（3）"):
        Classifier.train(texts[:23], labels[:23])
    # repeats are one example: they would share a cross-validation fold
    repeated = texts[:20] + ["学校，老师：学费问题！"] * 4 + ["学校老师学费问题"] * 6
    assert label_counts(repeated, labels[:20] + ["教育文体"] * 10)["教育文体"] == 1
    with pytest.raises(InvalidInput, match="教育文体（1）"):
        Classifier.train(repeated, labels[:20] + ["教育文体"] * 10)
    with pytest.raises(InvalidInput, match="数目不一致"):
        Classifier.train(texts, labels[:-1])
    with pytest.raises(InvalidInput, match="没有可用的文字"):
        Classifier.train(list("一二三四五六七八九十"), ["甲"] * 5 + ["乙"] * 5)  # no gram twice
    with pytest.raises(InvalidInput, match="时区"):
        Classifier.train(texts, labels, trained_at=datetime(2026, 1, 1))  # noqa: DTZ001


# --- the model file ---


def test_save_and_load_round_trip(model, tmp_path):
    path = tmp_path / "model.joblib"
    model.save(path)
    assert path.read_bytes().startswith(MAGIC)
    assert len(model.metadata["sha256"]) == 64
    loaded = Classifier.load(path)
    probe = ["垃圾污水臭味", "出租车路口", "幼儿园招生"]
    assert np.array_equal(loaded.probabilities(probe), model.probabilities(probe))
    assert loaded.labels == model.labels
    assert loaded.metadata == model.metadata
    assert loaded.threshold == model.threshold
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def _rewrite_header(path, **changes):
    data = path.read_bytes()
    line, _, payload = data[len(MAGIC) :].partition(b"\n")
    header = json.loads(line) | changes
    path.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + payload)


def test_damaged_foreign_or_incompatible_files_refused(model, tmp_path):
    path = tmp_path / "m.joblib"
    model.save(path)
    good = path.read_bytes()

    path.write_bytes(good[:-10] + bytes(b ^ 0xFF for b in good[-10:]))
    with pytest.raises(InvalidInput, match="已损坏"):
        Classifier.load(path)
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(InvalidInput, match="已损坏"):
        Classifier.load(path)

    path.write_bytes(pickle.dumps({"not": "ours"}))
    with pytest.raises(InvalidInput, match="不是联勤分类模型文件"):
        Classifier.load(path)
    path.write_bytes(MAGIC + b"{not json\n" + b"x")
    with pytest.raises(InvalidInput, match="不是联勤分类模型文件"):
        Classifier.load(path)

    path.write_bytes(good)
    _rewrite_header(path, format=99)
    with pytest.raises(InvalidInput, match="格式版本 99") as exc:
        Classifier.load(path)
    assert "lianqin train" in exc.value.hint
    path.write_bytes(good)
    _rewrite_header(path, sklearn="0.24.2")
    with pytest.raises(InvalidInput, match=r"scikit-learn 0\.24\.2"):
        Classifier.load(path)

    with pytest.raises(InvalidInput, match="读不了模型文件"):
        Classifier.load(tmp_path / "missing.joblib")


# --- the threshold and the figures ---


def test_coverage_at_precision():
    conf = [0.9, 0.8, 0.7, 0.6]
    right = [True, True, False, True]
    assert coverage_at_precision(conf, right, 0.75) == (1.0, 0.6, 0.75)
    assert coverage_at_precision(conf, right, 0.9) == (0.5, 0.8, 1.0)
    # the order of the input does not matter
    assert coverage_at_precision(conf[::-1], right[::-1], 0.9) == (0.5, 0.8, 1.0)
    # equal confidences are all in or all out
    assert coverage_at_precision([0.9, 0.9, 0.8], [True, False, True], 1.0) == (0.0, NEVER, 1.0)
    assert coverage_at_precision([0.9, 0.9, 0.8], [True, True, False], 1.0) == (2 / 3, 0.9, 1.0)
    assert coverage_at_precision([], [], 0.97) == (0.0, NEVER, 1.0)
    assert coverage_at_precision([0.99], [False], 0.5) == (0.0, NEVER, 1.0)
    assert NEVER > 1.0


def test_threshold_selects_what_the_cross_validation_allowed(model):
    share = model.metadata["scores"]["coverage"]
    precision = model.metadata["scores"]["coverage_precision"]
    assert share > 0 and precision >= model.metadata["target_precision"]
    top = model.predict(["垃圾焚烧臭味"], k=1)[0][0]
    assert model.is_automatic(top) == (top.confidence >= model.threshold)
    assert model.is_automatic(Prediction("环境保护", model.threshold))
    assert not model.is_automatic(Prediction("环境保护", model.threshold - 1e-9))


def test_evaluate_figures():
    gold = ["甲", "甲", "乙", "乙", "丙"]
    pred = [Prediction("甲", 0.9), Prediction("乙", 0.6), Prediction("乙", 0.8),
            Prediction("乙", 0.7), Prediction("丙", 0.95)]  # fmt: skip
    e = evaluate(gold, pred, threshold=0.75, target=0.9)
    assert e.n == 5 and e.accuracy == pytest.approx(0.8)
    # F1: 甲 = 2/3 (p 1, r 1/2), 乙 = 0.8 (p 2/3, r 1), 丙 = 1
    assert e.per_class == {"丙": 1.0, "乙": 0.8, "甲": pytest.approx(0.6667, abs=1e-4)}
    assert e.macro_f1 == pytest.approx((2 / 3 + 0.8 + 1) / 3)
    assert (e.coverage, e.coverage_threshold) == (0.8, 0.7)
    assert (e.auto_share, e.auto_precision) == (0.6, 1.0)
    assert evaluate(gold, pred).auto_share is None
    with pytest.raises(InvalidInput):
        evaluate(gold, pred[:-1])


def test_near_copies():
    complaint = "某某小区门口垃圾堆放多日无人清运，臭味很大，希望尽快处理"
    repost = "尊敬的领导：" + complaint.replace("很大", "特别大") + "，谢谢！"
    other = "公交车班次太少，早高峰等车要四十分钟"
    assert near_copies([complaint, other], [repost]) == [0]
    assert near_copies([other], [repost]) == []
    assert near_copies([], [repost]) == []


def test_the_pure_module_imports_no_django():
    code = "import sys, lianqin.triage.classifier; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- real text: the figures of docs/classification.md ---

SEGMENTED = TIPDM / "labelled_segmented.csv"
DEV = TIPDM / "labelled_raw_dev.csv"


def _rows(path):
    if not path.exists():
        pytest.skip(f"{path} is not on this machine (the shared TipDM data set)")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def tipdm():
    train = _rows(SEGMENTED)
    dev = _rows(DEV)
    return ([r["分词文本"] for r in train], [r["一级标签"] for r in train],
            [f"{r['留言主题']}\n{r['留言详情']}" for r in dev], [r["一级标签"] for r in dev])  # fmt: skip


@pytest.mark.slow
def test_tipdm_dev_figures_with_the_copies_of_dev_messages_removed(tipdm):
    """The honest figure: the training file holds a copy of nearly every dev message
    (measured 0.907 macro-F1, 82.8 % automatic at 96.1 % precision)."""
    texts, labels, dev_texts, dev_labels = tipdm
    copies = set(near_copies(texts, dev_texts))
    assert len(copies) > 800
    keep = [i for i in range(len(texts)) if i not in copies]
    clf = Classifier.train([texts[i] for i in keep], [labels[i] for i in keep])
    e = evaluate(dev_labels, [t[0] for t in clf.predict(dev_texts, k=1)], threshold=clf.threshold)
    assert e.macro_f1 >= 0.89
    assert e.auto_share is not None and e.auto_share >= 0.75
    assert e.auto_precision is not None and e.auto_precision >= 0.95


@pytest.mark.slow
def test_tipdm_dev_figures_as_specified(tipdm):
    """Trained on the whole file, as the issue asks: near-perfect, because the dev
    messages are in it (measured 0.999)."""
    texts, labels, dev_texts, dev_labels = tipdm
    clf = Classifier.train(texts, labels)
    e = evaluate(dev_labels, [t[0] for t in clf.predict(dev_texts, k=1)], threshold=clf.threshold)
    assert e.macro_f1 >= 0.98
    assert e.coverage >= 0.95


def test_a_retrained_model_is_compared_on_what_neither_model_learned():
    from lianqin.triage.classifier_metrics import compare

    gold = ["a"] * 20 + ["b"] * 20
    few = compare(gold[:10], gold[:10], ["b"] * 10)
    assert few.replace and few.old_macro_f1 is None  # too few to judge
    worse = compare(gold, gold, ["a"] * 40)
    assert not worse.replace and worse.old_macro_f1 == 1.0 and worse.new_macro_f1 < 0.5
    close = compare(gold, gold, ["a"] * 20 + ["b"] * 19 + ["a"])
    assert close.replace is False  # 0.975 < 1.0 - 0.01
    assert compare(gold, gold, ["a"] * 20 + ["b"] * 19 + ["a"], tolerance=0.05).replace
    better = compare(gold, ["a"] * 40, gold)
    assert better.replace and "启用新模型" in better.reason
    with pytest.raises(InvalidInput):
        compare(gold, gold, gold[:-1])


def test_training_keeps_each_texts_out_of_fold_label(model, tmp_path):
    texts, labels = synthetic()
    assert model.out_of_fold is not None and len(model.out_of_fold) == len(texts)
    right = sum(g == p for g, p in zip(labels, model.out_of_fold, strict=True)) / len(labels)
    assert right > 0.8  # out of fold, yet these topics are easy
    model.save(tmp_path / "m.bin")
    assert Classifier.load(tmp_path / "m.bin").out_of_fold is None  # not saved
