"""Duplicate detection (并单): worked examples, the index, properties, and the labelled
pair set measured (pure: run with ``-p no:django``)."""

from __future__ import annotations

import csv
import importlib.util
import sys
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianqin.triage.duplicates import (
    DEFAULT,
    Config,
    DuplicateIndex,
    Item,
    Thresholds,
    best_match,
    decide,
    score,
)
from lianqin.triage.text import normalize

REPO = Path(__file__).resolve().parents[2]
PAIRS = REPO / "tests" / "fixtures" / "dedup" / "hot_pairs.csv"
CHINA = timezone(timedelta(hours=8))
T0 = datetime(2024, 5, 6, 9, 30, tzinfo=CHINA)
GRID = "320111001002003"  # district 320111, street 001, community 002, grid 003
COMMUNITY = GRID[:12]

HOTLINE = (
    "幸福路阳光小区东门垃圾堆放多日无人清理 "
    "阳光小区东门口的生活垃圾已经堆了三四天，没人来清运，天热气味很大。"
)
ALARM = "群众报警称阳光小区东门口垃圾成堆发臭，要求处理"


def item(key: int | str, text: str, **kw: Any) -> Item:
    fields: dict[str, Any] = {"at": T0, "area": COMMUNITY} | kw
    return Item(key, text, **fields)


# ------------------------------------------------------------------ worked examples


def test_same_problem_from_12345_and_110_in_other_words_merges() -> None:
    hotline = item(1, HOTLINE, lon=118.6301, lat=32.0602, category="0301", area=GRID)
    alarm = item(2, ALARM, at=T0 + timedelta(hours=3), lon=118.6305, lat=32.0603, category="0301")
    s = score(hotline, alarm)
    assert decide(s) == "merge", s
    assert s.parts["distance"] == 1.0 and s.parts["category"] == 1.0
    assert 0.1 < s.parts["text"] < 0.5  # the words differ: place and time carry it
    assert best_match(alarm, [hotline])[0][0] == 1


def test_without_places_the_same_pair_is_for_a_dispatcher() -> None:
    s = score(item(1, HOTLINE), item(2, ALARM, at=T0 + timedelta(hours=3)))
    assert decide(s) == "suggest"
    assert DEFAULT.suggest_at <= s.total < DEFAULT.merge_at


def test_same_words_far_apart_is_not_the_same_case() -> None:
    here = item(1, HOTLINE, lon=118.6301, lat=32.0602)
    there = item(2, HOTLINE, lon=118.6601, lat=32.0602)  # ~2.8 km east
    s = score(here, there)
    assert s.blocked == "distance"
    assert decide(s) == "new"
    assert best_match(here, [there]) == []


def test_a_template_letter_about_another_compound_does_not_merge() -> None:
    body = "小区一楼商铺油烟扰民 {0}小区临街门面长期油烟直排，晚上营业到凌晨，影响居民休息。"
    a = item(1, "魅力之城" + body.format("魅力之城"))
    b = item(2, "英祥春天" + body.format("英祥春天"), at=T0 + timedelta(days=2))
    s = score(a, b)
    assert s.parts["text"] > 0.8
    assert s.parts["place"] == 0.0 and s.evidence["place"] < 0
    assert decide(s) != "merge"


def test_outside_the_time_window_nothing() -> None:
    old = item(1, HOTLINE)
    late = item(2, HOTLINE, at=T0 + DEFAULT.window + timedelta(days=1))
    s = score(old, late)
    assert s.blocked == "time" and decide(s) == "new"
    assert best_match(late, [old]) == []
    index = DuplicateIndex()
    index.add(old)
    assert index.candidates(late) == []


def test_missing_coordinates_neither_punish_nor_reward() -> None:
    with_point = item(1, HOTLINE, lon=118.6301, lat=32.0602)
    without = item(1, HOTLINE)
    other = item(2, ALARM, at=T0 + timedelta(hours=3))
    assert score(with_point, other) == score(without, other)
    assert "distance" not in score(with_point, other).parts
    near = replace(other, lon=118.6302, lat=32.0602)
    far = replace(other, lon=118.6301 + 0.0095, lat=32.0602)  # ~900 m
    assert score(with_point, near).total > score(without, other).total
    assert score(with_point, far).total < score(without, other).total


def test_a_different_category_is_mild_evidence_against() -> None:
    base = item(1, HOTLINE)
    other = item(2, ALARM, at=T0 + timedelta(hours=3))
    none = score(base, other).total
    same = score(replace(base, category="0301"), replace(other, category="0301")).total
    child = score(replace(base, category="03"), replace(other, category="0301")).total
    different = score(replace(base, category="0301"), replace(other, category="0702")).total
    assert same > child > none > different
    assert none - different < 0.2  # mild


def test_the_same_reporter_resending_within_minutes_is_a_replay() -> None:
    text = "和平路12号门前井盖破损，存在安全隐患，请尽快处理"
    first = item(1, text, phone_key="caller")
    again = item(2, text + "！", at=T0 + timedelta(minutes=5), phone_key="caller")
    s = score(first, again)
    assert s.total == 1.0 and s.parts["replay"] == 1.0 and decide(s) == "merge"
    other_caller = replace(again, phone_key="someone else")
    assert score(first, other_caller).total < 1.0


def test_the_same_phone_with_another_problem_stays_another_case() -> None:
    # a grid worker reports many problems in a day from one phone
    a = item(1, "和平路12号门前井盖破损，存在安全隐患", phone_key="grid worker")
    b = item(2, "和平路18号门前占道经营，堆放杂物", at=T0 + timedelta(minutes=20), phone_key="grid worker")  # fmt: skip
    s = score(a, b)
    assert s.parts["phone"] == 1.0 and s.evidence["phone"] == 0.0  # unlike texts: no weight
    assert decide(s) != "merge"


def test_the_same_phone_with_alike_texts_counts() -> None:
    a = item(1, "阳光小区东门垃圾堆放多日无人清理", phone_key="p")
    b = item(2, "阳光小区东门垃圾堆放多日了一直没有人清理", at=T0 + timedelta(days=2))
    with_phone = score(a, replace(b, phone_key="p"))
    assert with_phone.evidence["phone"] > 0
    assert with_phone.total > score(a, b).total


def test_very_short_texts_need_a_higher_bar() -> None:
    short = score(item(1, "路灯不亮"), item(2, "路灯不亮"))
    long = score(item(1, "幸福路12号门前的路灯不亮"), item(2, "幸福路12号门前的路灯不亮"))
    assert long.parts["text"] == 1.0 and decide(long) == "merge"
    assert short.parts["text"] < 1.0 and decide(short) != "merge"


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [
        (GRID, COMMUNITY, True),  # a grid and its community
        (GRID, GRID[:12] + "007", True),  # two grids of one community
        (GRID, "320111001005001", False),  # another community
        ("320111", "320111009001001", True),  # unplaced: the district's code
        ("", GRID, True),  # no area at all
    ],
)
def test_areas_block_only_pairs_without_points(a: str, b: str, agree: bool) -> None:
    s = score(item(1, HOTLINE, area=a), item(2, HOTLINE, area=b))
    assert (s.blocked == "") is agree
    with_points = score(
        item(1, HOTLINE, area=a, lon=118.63, lat=32.06),
        item(2, HOTLINE, area=b, lon=118.631, lat=32.06),
    )
    assert with_points.blocked == ""  # 95 m apart: the distance decides


def test_config_carries_window_and_thresholds() -> None:
    cfg = Config(thresholds=Thresholds(window_days=7, merge_at=0.8, suggest_at=0.3))
    assert cfg.window == timedelta(days=7)
    assert (cfg.merge_at, cfg.suggest_at) == (0.8, 0.3)
    s = score(item(1, HOTLINE), item(2, HOTLINE, at=T0 + timedelta(days=8)), cfg)
    assert s.blocked == "time"


# ------------------------------------------------------------------------ the index


def test_index_add_remove_expire() -> None:
    index = DuplicateIndex()
    index.add(item(1, HOTLINE))
    index.add(item(2, ALARM, at=T0 + timedelta(days=10)))
    index.add(item(1, HOTLINE + "补充"))  # same key: replaced
    assert len(index) == 2 and 1 in index
    index.remove(3)  # unknown: ignored
    index.remove(2)
    assert len(index) == 1 and 2 not in index
    query = item("q", ALARM, at=T0 + timedelta(hours=1))
    assert [k for k, _ in index.candidates(query)] == [1]
    index.add(item(2, ALARM, at=T0 + timedelta(days=10)))
    assert index.expire(T0 + timedelta(days=1)) == 1
    assert len(index) == 1 and 1 not in index
    assert [k for k, _ in index.candidates(query)] == [2]  # the same words, 10 days on
    assert index._grams and all(index._grams.values())  # no empty postings left behind
    index.remove(2)
    assert not index._grams and not index._cells and not index._phones


def test_index_finds_the_duplicate_among_many_others() -> None:
    fillers = [
        "{0}路{1}号门前井盖破损", "{0}路{1}号占道经营堆放杂物", "{0}小区{1}栋楼顶违建",
        "{0}路{1}号附近噪音扰民", "{0}公园{1}号门路灯不亮", "{0}小区{1}栋下水道堵塞",
    ]  # fmt: skip
    places = ["和平", "解放", "人民", "建设", "中山", "新华", "胜利", "光明"]
    index = DuplicateIndex()
    n = 0
    for f in fillers:
        for p in places:
            for k in range(1, 30):
                index.add(item(n, f.format(p, k) + "，请处理", at=T0 - timedelta(days=k)))
                n += 1
    index.add(item("dup", HOTLINE, at=T0 - timedelta(days=2)))
    found = index.candidates(item("q", ALARM))
    assert found and found[0][0] == "dup"


TEXTS = [
    "阳光小区东门垃圾堆放多日无人清理",
    "阳光小区东门口垃圾成堆发臭",
    "和平路12号门前井盖破损",
    "和平路12号井盖坏了很危险",
    "魅力之城小区一楼商铺油烟扰民",
    "英祥春天小区一楼商铺油烟扰民",
    "幸福路路灯不亮晚上很黑",
    "幸福路路灯坏了一个月",
    "建设路工地夜间施工噪音扰民",
    "工地夜间施工噪音扰民严重",
]
AREAS = ["", "320111", COMMUNITY, GRID, "320111001002007", "320111001005001"]


@st.composite
def items(draw: st.DrawFn, key: int | str) -> Item:
    text = draw(st.sampled_from(TEXTS)) + draw(
        st.sampled_from(["", "，请处理", "！！", "多次反映"])
    )
    point = draw(st.booleans())
    return Item(
        key=key,
        text=text,
        at=T0 + timedelta(hours=draw(st.integers(-2400, 2400))),
        lon=118.63 + draw(st.integers(-15, 15)) * 0.001 if point else None,
        lat=32.06 + draw(st.integers(-15, 15)) * 0.001 if point else None,
        category=draw(st.sampled_from(["", "0301", "030102", "0702"])),
        phone_key=draw(st.sampled_from(["", "p1", "p2"])),
        area=draw(st.sampled_from(AREAS)),
    )


@given(items(1), items(2))
@settings(max_examples=300, deadline=None)
def test_score_is_symmetric_and_bounded(a: Item, b: Item) -> None:
    ab, ba = score(a, b), score(b, a)
    assert ab.total == pytest.approx(ba.total, abs=1e-12)
    assert ab.parts == pytest.approx(ba.parts, abs=1e-12)
    assert ab.blocked == ba.blocked
    assert 0.0 <= ab.total <= 1.0
    assert all(0.0 <= v <= 1.0 for v in ab.parts.values())


@given(items(1))
@settings(max_examples=200, deadline=None)
def test_an_identical_item_scores_at_least_merge_at(a: Item) -> None:
    s = score(a, replace(a, key=2))
    assert s.total >= DEFAULT.merge_at and decide(s) == "merge"


@given(st.lists(items(0), min_size=0, max_size=12), items("q"))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_index_equals_brute_force_when_everything_fits(stored: list[Item], q: Item) -> None:
    stored = [replace(s, key=n) for n, s in enumerate(stored)]
    index = DuplicateIndex(scored=len(stored) + 1, rare_budget=10_000)
    for s in stored:
        index.add(s)
    assert index.candidates(q, limit=None) == best_match(q, stored)
    assert index.candidates(q, limit=2) == best_match(q, stored, limit=2)


@given(st.lists(items(0), min_size=0, max_size=3), items("q"))
@settings(max_examples=200, deadline=None)
def test_default_index_equals_brute_force_on_small_sets(stored: list[Item], q: Item) -> None:
    stored = [replace(s, key=n) for n, s in enumerate(stored)]
    index = DuplicateIndex()
    for s in stored:
        index.add(s)
    assert index.candidates(q, limit=None) == best_match(q, stored)


def test_times_are_instants_and_must_be_aware() -> None:
    a = item(1, HOTLINE)
    b = item(2, HOTLINE, at=T0.astimezone(UTC))  # the same instant in another zone
    assert score(a, b).parts["time"] == 1.0
    with pytest.raises(ValueError, match="aware"):
        item(3, HOTLINE, at=T0.replace(tzinfo=None))


# -------------------------------------------------------------- the labelled pair set


def _eval_module() -> ModuleType:
    path = REPO / "benchmarks" / "eval_duplicates.py"
    spec = importlib.util.spec_from_file_location("eval_duplicates", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_pair_set_is_well_formed() -> None:
    with PAIRS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and list(rows[0]) == ["id_a", "id_b", "same", "kind", "note"]
    assert len(rows) >= 400
    assert len({(r["id_a"], r["id_b"]) for r in rows}) == len(rows)
    assert all(r["id_a"] != r["id_b"] and r["same"] in ("0", "1") for r in rows)
    assert all(0 < len(r["note"]) <= 60 for r in rows)
    share = sum(r["same"] == "1" for r in rows) / len(rows)
    assert 0.35 <= share <= 0.5
    kinds = Counter(r["kind"] for r in rows)
    assert kinds["exact"] <= 20
    assert set(kinds) == {"exact", "high", "medium", "same_place", "same_words", "random"}


def test_the_pair_set_measures_up() -> None:
    """Precision of merge and recall of merge-or-suggest on the labelled pairs, with the
    default config, on the held-out half and on all pairs (docs/duplicates.md)."""
    ev = _eval_module()
    if not ev.HOT.exists():
        pytest.skip(f"shared data missing: {ev.HOT}")
    found = ev.load_items()
    pairs = ev.load_pairs()
    for p in pairs:  # the notes are the labeller's words, not the messages'
        assert p.id_a in found and p.id_b in found
    with PAIRS.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            note = normalize(row["note"])
            for key in (row["id_a"], row["id_b"]):
                text = normalize(found[key].text)
                assert not any(note[i : i + 7] in text for i in range(len(note) - 6)), note
    results = ev.evaluate(found, pairs)
    assert results["all"].merge.precision >= 0.95
    assert results["test"].merge.precision >= 0.95
    assert results["all"].flagged.recall >= 0.8
    assert results["test"].flagged.recall >= 0.75
    assert results["all"].merge.recall >= 0.4
