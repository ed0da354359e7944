"""Hot issues (``triage.hotspots``) on small worked examples: which messages group, and
how the groups are ranked. Pure: no database, no data file; run with ``-p no:django``."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lianqin.triage.hotspots import DEFAULT, Config, Message, Weights, find_hotspots, heat, places

CHINA = ZoneInfo("Asia/Shanghai")
T0 = datetime(2019, 7, 1, 9, 0, tzinfo=CHINA)

# One problem (a refuse station that stinks) told five ways, and a second problem (cracked
# walls) at the same compound; {place} is filled in per test.
SMELL = (
    "{place}小区旁垃圾站臭气熏天\n{place}小区旁边的垃圾站每天臭气熏天，垃圾堆积无人清运，夏天蚊蝇成群。",
    "投诉{place}小区垃圾站臭味扰民\n{place}小区门口垃圾站臭味很大，垃圾清运不及时，蚊蝇很多。",
    "{place}小区垃圾站臭气影响居民\n垃圾站就在{place}小区楼下，臭气熏天，蚊蝇滋生，请尽快清运。",
    "{place}小区垃圾站垃圾堆积发臭\n{place}小区垃圾站垃圾堆积如山，臭味熏天，清运太慢。",
    "请整治{place}小区垃圾站臭味\n{place}小区垃圾站臭气熏天，垃圾堆积，蚊蝇成群，居民无法开窗。",
)
CRACKS = (
    "{place}小区房屋墙面开裂\n{place}小区交房一年，多户房屋墙面开裂、楼板开裂，开发商不管。",
    "{place}小区楼板开裂质量差\n{place}小区楼板开裂，墙面裂缝越来越大，房屋质量堪忧。",
    "{place}小区多户墙体开裂\n{place}小区多户墙面开裂，楼板裂缝，要求开发商维修。",
)


def msg(key: str, text: str, day: float, reporter: str = "", **kw: object) -> Message:
    return Message(key, text, T0 + timedelta(days=day), reporter or f"r-{key}", **kw)  # type: ignore[arg-type]


def issue(prefix: str, texts: tuple[str, ...], place: str, days: list[float]) -> list[Message]:
    return [
        msg(f"{prefix}{i}", texts[i % len(texts)].format(place=place), day)
        for i, day in enumerate(days)
    ]


def keys(hotspots: list) -> list[set[str]]:
    return [set(h.messages) for h in hotspots]


def test_one_problem_one_place_one_window_is_one_hot_issue():
    found = find_hotspots(issue("s", SMELL, "幸福家园", [0, 3, 5, 9, 12]))
    assert keys(found) == [{"s0", "s1", "s2", "s3", "s4"}]
    h = found[0]
    assert h.rank == 1 and "幸福家园" in h.place and "垃圾站" in "".join(h.terms)
    assert h.first == T0 and h.last == T0 + timedelta(days=12) and h.span_days == 12
    assert h.label in {t.format(place="幸福家园").split("\n")[0] for t in SMELL}


def test_same_problem_at_two_places_is_two_hot_issues():
    found = find_hotspots(
        issue("a", SMELL, "幸福家园", [0, 2, 4, 6]) + issue("b", SMELL, "阳光花园", [1, 3, 5, 7])
    )
    assert sorted(keys(found), key=min) == [{"a0", "a1", "a2", "a3"}, {"b0", "b1", "b2", "b3"}]


def test_place_codes_keep_the_same_problem_apart():
    # no compound named; the caller knows the grid of each report
    texts = [SMELL[i % len(SMELL)].format(place="") for i in range(6)]
    coded = [msg(f"g{i}", t, i, place=f"grid-{i % 2}") for i, t in enumerate(texts)]
    found = find_hotspots(coded)
    assert sorted(keys(found), key=min) == [{"g0", "g2", "g4"}, {"g1", "g3", "g5"}]
    assert {h.place for h in found} == {"grid-0", "grid-1"}
    assert all(h.duplicates == () for h in found)  # g5 repeats g0's text, in another grid
    uncoded = find_hotspots([replace(m, place="") for m in coded])
    assert keys(uncoded) == [{"g0", "g1", "g2", "g3", "g4"}]
    assert uncoded[0].duplicates == ("g5",)


def test_same_place_different_problem_does_not_merge():
    found = find_hotspots(
        issue("s", SMELL, "幸福家园", [0, 2, 4, 6]) + issue("c", CRACKS, "幸福家园", [1, 3, 5])
    )
    assert sorted(keys(found), key=min) == [{"c0", "c1", "c2"}, {"s0", "s1", "s2", "s3"}]


def test_messages_further_apart_than_the_window_do_not_group():
    early, late = [0, 2, 4], [200, 202, 204]
    found = find_hotspots(issue("s", SMELL, "幸福家园", early + late))
    assert sorted(keys(found), key=min) == [{"s0", "s1", "s2"}, {"s3", "s4", "s5"}]
    wide = find_hotspots(
        issue("s", SMELL, "幸福家园", early + late), replace(DEFAULT, window_days=400)
    )
    assert keys(wide) == [{f"s{i}" for i in range(5)}]
    assert wide[0].duplicates == ("s5",)  # s5 repeats s0's text: within 400 days, a copy


def test_heat_is_the_documented_formula():
    w = Weights()
    expected = (
        w.messages * math.log1p(5)
        + w.reporters * math.log1p(4)
        + w.span * 30 / (30 + 30)
        + w.likes * math.log1p(12)
        + w.growth * 0.2
    )
    assert heat(5, 4, 30, 12, 0.2) == pytest.approx(expected)
    assert heat(5, 4, 0, 0, 0) == pytest.approx(math.log1p(5) + math.log1p(4))
    doubled = Config(weights=Weights(likes=1.0))
    assert heat(5, 4, 0, 12, 0, doubled) - heat(5, 4, 0, 0, 0, doubled) == pytest.approx(
        math.log1p(12)
    )


def test_ranking_follows_the_heat():
    # five reports from four citizens over 60 days, against three reports in one day
    lasting = issue("a", SMELL, "幸福家园", [0, 15, 30, 45, 60])
    lasting = [replace(m, reporter="same") if m.key in ("a1", "a3") else m for m in lasting]
    brief = issue("b", SMELL, "阳光花园", [0, 0.1, 0.2])
    a, b = find_hotspots(lasting + brief)
    assert (a.messages[0], b.messages[0], a.rank, b.rank) == ("a0", "b0", 1, 2)
    assert (a.reporters, a.span_days, a.growth) == (4, 60, 0)
    assert a.heat == pytest.approx(math.log1p(5) + math.log1p(4) + 60 / 90)
    assert b.heat == pytest.approx(2 * math.log1p(3) + 0.2 / 30.2)
    # 100 likes on each brief report: 0.5·ln(301) ≈ 2.85 outweighs the longer span
    liked = find_hotspots(lasting + [replace(m, likes=100) for m in brief])
    assert [h.messages[0] for h in liked] == ["b0", "a0"]
    assert liked[0].heat == pytest.approx(b.heat + 0.5 * math.log1p(300))


def test_growth_without_and_with_now():
    # three in the last third of the span, one at the start
    found = find_hotspots(issue("s", SMELL, "幸福家园", [0, 50, 55, 60]))
    assert found[0].growth == pytest.approx((3 - 1) / 4)
    now = T0 + timedelta(days=61)
    # with now: last 30 days (50, 55, 60) against the 30 before (none)
    assert find_hotspots(issue("s", SMELL, "幸福家园", [0, 50, 55, 60]), now=now)[0].growth == 1
    shrinking = find_hotspots(issue("s", SMELL, "幸福家园", [0, 5, 10, 40]), now=now)[0]
    assert shrinking.growth == pytest.approx((1 - 2) / 3)  # 40 vs 5, 10 (0 is too old)


def test_distinct_reporters_and_a_single_writer():
    messages = issue("s", SMELL, "幸福家园", [0, 1, 2, 3, 4])
    two = [replace(m, reporter=("x" if i < 3 else "y")) for i, m in enumerate(messages)]
    assert find_hotspots(two)[0].reporters == 2
    unknown = [replace(m, reporter="") for m in messages]  # unknown: one each
    assert find_hotspots(unknown)[0].reporters == 5
    one = [replace(m, reporter="x") for m in messages]  # one citizen: not a hot issue
    assert find_hotspots(one) == []
    assert keys(find_hotspots(one, replace(DEFAULT, min_reporters=1))) == [
        {f"s{i}" for i in range(5)}
    ]


def test_likes_add_up_and_copies_count_once():
    messages = [replace(m, likes=i) for i, m in enumerate(issue("s", SMELL, "幸福家园", [0, 1, 2]))]
    copy = replace(
        messages[0], key="s0-copy", reporter="other", likes=7, at=T0 + timedelta(hours=1)
    )
    found = find_hotspots([*messages, copy])
    h = found[0]
    assert h.messages == ("s0", "s1", "s2") and h.duplicates == ("s0-copy",)
    assert h.reporters == 3  # the copy's account is not another reporter
    assert h.likes == 7 + 1 + 2  # the report keeps the highest likes of its copies


def test_same_input_same_output_whatever_the_order():
    messages = (
        issue("a", SMELL, "幸福家园", [0, 2, 4, 6, 8])
        + issue("b", SMELL, "阳光花园", [1, 3, 5])
        + issue("c", CRACKS, "幸福家园", [1, 2, 3])
    )
    first = find_hotspots(messages)
    assert len(first) == 3
    for seed in range(5):
        shuffled = messages[:]
        random.Random(seed).shuffle(shuffled)
        assert find_hotspots(shuffled) == first
    assert find_hotspots(messages, top=2) == first[:2]


def test_equal_heat_breaks_ties_by_first_time():
    a = issue("a", SMELL, "幸福家园", [1, 2, 3])
    b = issue("b", SMELL, "阳光花园", [0, 1, 2])
    assert [h.messages[0] for h in find_hotspots(a + b)] == ["b0", "a0"]


def test_empty_input_and_messages_without_time_or_text():
    assert find_hotspots([]) == []
    odd = [
        Message("no-time", SMELL[0].format(place="幸福家园"), None, "r1"),
        Message("no-text", "  \n\t", T0, "r2"),
        Message("courtesy", "您好！谢谢。", T0, "r3"),
    ]
    assert find_hotspots(odd) == []
    found = find_hotspots(odd + issue("s", SMELL, "幸福家园", [0, 1, 2]))
    assert keys(found) == [{"s0", "s1", "s2"}]


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        Message("k", "text", datetime(2019, 1, 1), "r")  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        find_hotspots([], now=datetime(2019, 1, 1))  # noqa: DTZ001


def test_places_names_compounds_and_roads_not_phrases():
    assert {"劳动东路", "魅力之城"} <= places("A5区劳动东路魅力之城小区油烟扰民")
    assert places("严重影响小区居民，走投无路，公交线路太少") == set()
