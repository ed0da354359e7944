"""Address → grid through the gazetteer, on the demo district's gazetteer. No Django.

What the dispatcher trusts: an address on a road with a house number lands in the grid
that holds that number, whatever prefix, digits or noise the caller used, with a
confidence ≥ 0.9; anything less certain says so with a lower confidence; what cannot be
placed gives ``None`` (the report is then flagged, never dropped). The CSV is the way a
deployment brings its own gazetteer: it round-trips, and a bad cell is refused with its
line and column.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from dataclasses import replace

import pytest
from shapely.geometry import Point

from lianqin.errors import InvalidInput
from lianqin.geo.demo_gazetteer import build_demo_gazetteer, demo_address, house_numbers
from lianqin.geo.gazetteer import (
    COMMUNITY,
    COMPOUND,
    CROSSING,
    FUZZY_PENALTY,
    LANDMARK,
    NEAREST_SEGMENT,
    SEGMENT,
    STREET,
    Gazetteer,
    Place,
    RoadSegment,
    chinese_number,
    normalize,
)
from lianqin.geo.gazetteer_csv import COLUMNS, parse_gazetteer_csv, write_gazetteer_csv
from lianqin.org.demo_geometry import build_district, compound_names, road_names

SEED = 20261128
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture(scope="module")
def plan():
    return build_district(SEED)


@pytest.fixture(scope="module")
def demo(plan):
    roads, compounds = road_names(plan, SEED), compound_names(plan, SEED)
    places, segments = build_demo_gazetteer(plan, roads, compounds, SEED)
    gazetteer = Gazetteer(places, segments, district_name="浦口区", district_adcode="320111")
    return roads, places, segments, gazetteer


@pytest.fixture(scope="module")
def grids(plan):
    return {g.code: g.polygon for g in plan.grids}


@pytest.fixture(scope="module")
def street_names(plan):
    return {s.code: s.name for s in plan.streets}


def chinese(n: int) -> str:
    """12 → 十二, 105 → 一百零五, 1015 → 一千零一十五 (as a caller would say it)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    out, gap = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            out += ("零" if gap else "") + digits[digit] + unit
            gap = False
        elif out:
            gap = True
    return out


VARIANTS = {
    "full": lambda st, road, n: (f"南京市浦口区{st}{road}{n}号", f"{road}{n}号"),
    "province": lambda st, road, n: (f"江苏省南京市浦口区{st}{road}{n}号", f"{road}{n}号"),
    "no_prefix": lambda st, road, n: (f"{st}{road}{n}号", f"{road}{n}号"),
    "no_street": lambda st, road, n: (f"{road}{n}号", f"{road}{n}号"),
    "full_width": lambda st, road, n: (f"浦口区{st}{road}{str(n).translate(FULL_WIDTH)}号", f"{road}{str(n).translate(FULL_WIDTH)}号"),
    "chinese": lambda st, road, n: (f"南京市浦口区{road}{chinese(n)}号", f"{road}{chinese(n)}号"),
    "noise": lambda st, road, n: (f"{st}{road}{n}号门口", f"{road}{n}号"),
    "spaces": lambda st, road, n: (f"南京市 浦口区 {st} {road} {n} 号 附近", f"{road} {n} 号"),
}  # fmt: skip


def random_cases(segments, count, seed):
    rng = random.Random(seed)
    for segment in rng.sample(segments, count):
        yield segment, rng.choice(house_numbers(segment))


# --- the demo gazetteer ----------------------------------------------------------------


def test_demo_gazetteer_is_complete_consistent_and_deterministic(plan, demo, grids):
    roads, places, segments, _ = demo
    by_road = {(s.road, s.street_code) for s in segments}
    assert all((name, code) in by_road for code, names in roads.items() for name in names)
    kinds = Counter(p.kind for p in places)
    assert kinds["street"] == 10 and kinds["community"] == 120
    assert kinds["road"] == sum(map(len, roads.values()))
    assert kinds["compound"] > 300 and kinds["landmark"] >= 10 * 5
    assert all(grids[s.grid_code].contains(Point(s.lon, s.lat)) for s in segments)
    assert all(grids[p.grid_code].contains(Point(p.lon, p.lat)) for p in places if p.grid_code)
    names = [n for p in places for n in (p.name, *p.aliases)]
    assert len(names) == len(set(names)), "a name that means two places cannot be resolved"
    start = time.perf_counter()
    again = build_demo_gazetteer(plan, roads, compound_names(plan, SEED), SEED)
    assert time.perf_counter() - start < 10  # ~0.1 s here; generous for a loaded machine
    assert again == (places, segments)
    other = build_demo_gazetteer(plan, roads, compound_names(plan, SEED), SEED + 1)
    assert other[1] != segments


def test_a_house_number_names_one_segment_and_roads_cross_grids(demo):
    _, _, segments, _ = demo
    by_road = defaultdict(list)
    for s in segments:
        by_road[(s.road, s.street_code)].append(s)
    for road in by_road.values():
        numbers = Counter(n for s in road for n in house_numbers(s))
        assert max(numbers.values()) == 1
    crossing = sum(len({s.grid_code for s in road}) > 1 for road in by_road.values())
    assert crossing > 0.8 * len(by_road)


# --- road + house number ---------------------------------------------------------------


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_road_and_number_resolve_to_the_segments_grid(demo, grids, street_names, variant):
    *_, segments, gazetteer = demo
    for segment, n in random_cases(segments, 150, seed=hash(variant) % 1000):
        address, part = VARIANTS[variant](street_names[segment.street_code], segment.road, n)
        match = gazetteer.match(address)
        assert match is not None, address
        assert match.grid_code == segment.grid_code, (address, match)
        assert match.confidence >= 0.9 and match.kind == "segment"
        assert match.matched == part
        assert grids[match.grid_code].contains(Point(match.lon, match.lat))
        assert match.street_code == segment.street_code


def test_match_many_agrees_with_match(demo, street_names):
    *_, segments, gazetteer = demo
    addresses = [demo_address(s, n, street=street_names[s.street_code], prefix="南京市浦口区")
                 for s, n in random_cases(segments, 50, seed=3)]  # fmt: skip
    addresses += ["江苏省南京市鼓楼区中山路1号", "", "火星基地1号"]
    assert gazetteer.match_many(addresses) == [gazetteer.match(a) for a in addresses]


def test_a_road_without_a_number_or_with_an_unknown_number_is_less_sure(demo):
    *_, segments, gazetteer = demo
    road = max(segments, key=lambda s: s.to_no)
    last = max(s.to_no for s in segments if s.road == road.road)
    bare = gazetteer.match(f"浦口区{road.road}附近")
    assert bare is not None and bare.kind == "road" and 0.6 <= bare.confidence < 0.9
    beyond = gazetteer.match(f"{road.road}{last + 500}号")
    assert beyond is not None and beyond.confidence == NEAREST_SEGMENT
    assert beyond.grid_code == next(
        s.grid_code for s in segments if s.road == road.road and s.to_no == last
    )
    assert "最近" in beyond.detail


def test_two_crossing_roads_give_the_grid_they_share(demo):
    *_, segments, gazetteer = demo
    grids_of = defaultdict(set)
    for s in segments:
        grids_of[s.road].add(s.grid_code)
    pairs = [
        (a, b) for a in grids_of for b in grids_of if a < b and len(grids_of[a] & grids_of[b]) == 1
    ]
    assert pairs
    a, b = pairs[0]
    match = gazetteer.match(f"{a}与{b}交叉口")
    assert match is not None and match.kind == "crossing" and match.confidence == CROSSING
    assert {match.grid_code} == grids_of[a] & grids_of[b]


# --- same road name in two streets -----------------------------------------------------


@pytest.fixture(scope="module")
def twin(plan):
    roads = {code: list(names) for code, names in road_names(plan, SEED).items()}
    a, b = plan.streets[0], plan.streets[6]
    roads[a.code].append("同名路")
    roads[b.code].append("同名路")
    places, segments = build_demo_gazetteer(plan, roads, compound_names(plan, SEED), SEED)
    return a, b, Gazetteer(places, segments, district_name="浦口区"), segments


def test_the_street_tells_apart_roads_of_the_same_name(twin):
    a, b, gazetteer, segments = twin
    for street in (a, b):
        own = [s for s in segments if s.road == "同名路" and s.street_code == street.code]
        for segment in own[:6]:
            n = house_numbers(segment)[-1]
            for context in (street.name, street.communities[-1].name, street.name[:2]):
                match = gazetteer.match(f"南京市浦口区{context}同名路{n}号")
                assert match is not None and match.grid_code == segment.grid_code, (context, match)
                assert match.confidence == SEGMENT and match.street_code == street.code


def test_without_a_street_the_same_name_stays_uncertain(twin):
    gazetteer = twin[2]
    match = gazetteer.match("同名路1号")
    assert match is not None and match.confidence <= 0.5 and "同名" in match.detail


# --- compounds, landmarks, areas -------------------------------------------------------


def test_compounds_and_their_aliases(demo, grids):
    _, places, _, gazetteer = demo
    compounds = [p for p in places if p.kind == "compound"]
    for place in random.Random(5).sample(compounds, 60):
        for said in (place.name, *place.aliases):
            match = gazetteer.match(f"南京市浦口区{said}3栋2单元")
            assert match is not None and match.grid_code == place.grid_code, (said, match)
            assert (
                match.kind == "compound" and match.confidence == COMPOUND and match.matched == said
            )
            assert match.community_code == place.community_code
            assert grids[match.grid_code].contains(Point(match.lon, match.lat))
    assert any(p.aliases for p in compounds)


def test_landmarks(demo):
    _, places, _, gazetteer = demo
    for place in (p for p in places if p.kind == "landmark"):
        match = gazetteer.match(f"{place.name}门口")
        assert match is not None and match.grid_code == place.grid_code, (place.name, match)
        assert match.kind == "landmark" and match.confidence == LANDMARK


def test_a_community_or_a_street_alone_is_a_low_confidence_area(demo, plan):
    *_, gazetteer = demo
    community = plan.streets[2].communities[3]
    match = gazetteer.match(f"南京市浦口区{community.name}附近有人占道经营")
    assert match is not None and match.kind == "community" and match.confidence == COMMUNITY
    assert match.community_code == community.code and match.grid_code is None
    street = plan.streets[4]
    match = gazetteer.match(f"{street.name}一带")
    assert match is not None and match.kind == "street" and match.confidence == STREET
    assert match.street_code == street.code


# --- fuzzy ---------------------------------------------------------------------------------


def _distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, start=1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def _typo(name: str, known: set[str]) -> tuple[str, bool]:
    """The name with its first character replaced, and whether no other name is as near."""
    changed = next(ch + name[1:] for ch in "甲乙丙丁戊" if ch + name[1:] not in known)
    rivals = [k for k in known if len(k) >= 3 and k != name and _distance(changed, k) <= 1]
    return changed, not rivals


def test_small_typos_and_missing_suffixes_still_resolve_with_less_confidence(demo, street_names):
    _, places, segments, gazetteer = demo
    known = {n for p in places for n in (p.name, *p.aliases)}
    checked = ambiguous = 0
    for segment, n in random_cases(segments, 120, seed=11):
        if len(segment.road) < 3:
            continue
        typo, unique = _typo(segment.road, known)
        match = gazetteer.match(f"{street_names[segment.street_code]}{typo}{n}号")
        assert match is not None and "近似" in match.detail, (typo, match)
        if not unique:  # 甲江路: 望江路 or 滨江路? the street picks one, or a person decides
            assert match.confidence <= 0.5 or match.grid_code == segment.grid_code, (typo, match)
            ambiguous += 1
            continue
        assert match.grid_code == segment.grid_code, (typo, match)
        assert match.confidence == pytest.approx(SEGMENT - FUZZY_PENALTY)
        checked += 1
    assert checked > 40
    road = next(s for s in segments if s.road.endswith("路") and len(s.road) >= 3)
    n = house_numbers(road)[0]
    match = gazetteer.match(f"{street_names[road.street_code]}{road.road[:-1]}{n}号")
    assert match is not None and match.grid_code == road.grid_code and match.confidence < 0.9
    compounds = [p for p in places if p.kind == "compound"]

    def others_like(place):
        return [q for q in compounds if q != place and q.name.startswith(place.name[:2])]

    compound = next(p for p in compounds if p.name.endswith("花园") and not others_like(p))
    match = gazetteer.match(f"{compound.name[:-2]}5栋")
    assert match is not None and match.grid_code == compound.grid_code
    assert match.confidence == pytest.approx(COMPOUND - FUZZY_PENALTY)
    twins = next(p for p in compounds if others_like(p))
    assert gazetteer.match(f"{twins.name[:2]}5栋").confidence <= 0.5  # 瑞景: 花园 or 华庭?


@pytest.mark.parametrize("address", ["火星基地1号", "", "   ", "\u3000", "南京市浦口区", "江苏省南京市鼓楼区中山路1号", "123456"])  # fmt: skip
def test_what_cannot_be_placed_gives_none(demo, address):
    *_, gazetteer = demo
    assert gazetteer.match(address) is None


def test_a_district_prefix_is_not_taken_from_a_name_of_ours():
    segment = RoadSegment("浦口路", None, 1, 99, "all", "G1", 118.6, 32.0)
    gazetteer = Gazetteer([], [segment], district_name="浦口区", district_adcode="320111")
    match = gazetteer.match("浦口路12号")
    assert match is not None and match.grid_code == "G1" and match.matched == "浦口路12号"
    assert gazetteer.match("江苏南京浦口浦口路12号") == match


def test_a_small_hand_made_gazetteer():
    """As the integration tests use it: one segment, one compound with an alias."""
    gazetteer = Gazetteer(
        [Place("compound", "桥北花园", ("桥北小区",), "G2", "C1", "S1", 118.61, 32.07)],
        [RoadSegment("文德路", "S1", 1, 99, "all", "G1", 118.6, 32.06)],
        district_name="浦口区",
        district_adcode="320111",
    )
    match = gazetteer.match("南京市浦口区街道A文德路12号")
    assert match is not None and match.grid_code == "G1" and match.confidence >= 0.9
    assert gazetteer.match("桥北小区3栋").grid_code == "G2"
    assert gazetteer.match("火星基地") is None


# --- text ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [("十二", 12), ("一百零五", 105), ("两百", 200),
                                              ("一二三", 123), ("三百一十", 310), ("十", 10)])  # fmt: skip
def test_chinese_numbers(text, value):
    assert chinese_number(text) == value
    assert chinese(value) == text or value in (123, 200)


def test_normalize_keeps_the_way_back_to_the_original():
    text, origin = normalize("文德路 １２＃（门口）")
    assert text == "文德路12号门口"
    assert [origin[i] for i in (0, 3, 4, 5)] == [0, 4, 5, 6]


# --- CSV -------------------------------------------------------------------------------


def test_csv_round_trip(demo):
    _, places, segments, _ = demo
    text = write_gazetteer_csv(places, segments)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert parse_gazetteer_csv(text) == (places, segments)
    extra = [Place("landmark", "无坐标的地标", (), None, None, None, None, None)]
    assert parse_gazetteer_csv(write_gazetteer_csv(extra, [])) == (extra, [])


GOOD_SEGMENT = "road_segment,,,320111001,,320111001001001,文德路,1,99,odd,118.6,32.05"


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("road_segment,,,,,G1,文德路,1,9x,odd,118.6,32.05", "to_no", "整数"),
        ("road_segment,,,,,G1,文德路,20,9,odd,118.6,32.05", "to_no", "小于"),
        ("road_segment,,,,,G1,文德路,1,9,左边,118.6,32.05", "parity", "单双号"),
        ("road_segment,,,,,,文德路,1,9,odd,118.6,32.05", "grid", "不能为空"),
        ("road_segment,,,,,G1,,1,9,odd,118.6,32.05", "road", "不能为空"),
        ("road_segment,,,,,G1,文德路,1,9,odd,,32.05", "lon", "不能为空"),
        ("road_segment,,,,,G1,文德路,1,9,odd,218.6,32.05", "lon", "超出范围"),
        ("road_segment,,,,,G1,文德路,1,9,odd,118.6,北纬", "lat", "数字"),
        ("shop,某店,,,,,,,,,,", "kind", "未知类型"),
        ("compound,,,,,,,,,,,", "name", "不能为空"),
        ("compound,桥北花园,,,,G 1,,,,,,", "grid", "空白"),
        ("road_segment,,,320111001,,G2,文德路,51,61,all,118.6,32.05", "from_no", "重叠"),
    ],
)
def test_csv_errors_name_the_line_and_the_column(row, column, words):
    text = "\n".join(
        [",".join(COLUMNS), "street,江浦街道,江浦,320111001,,,,,,,118.6,32.0", GOOD_SEGMENT, row]
    )
    with pytest.raises(InvalidInput) as caught:
        parse_gazetteer_csv(text, source="g.csv")
    error = caught.value
    assert error.extra["line"] == 4 and error.extra["column"] == column and error.field == column
    assert f"g.csv 第 4 行 {column}：" in error.message and words in error.message
    assert error.hint


def test_csv_without_its_header_is_refused():
    with pytest.raises(InvalidInput) as caught:
        parse_gazetteer_csv("foo,bar\n1,2\n")
    assert caught.value.extra["line"] == 1 and "kind" in caught.value.message


def test_csv_accepts_a_bom_chinese_parity_and_blank_lines():
    text = "\ufeff" + ",".join(COLUMNS) + "\n\n" + GOOD_SEGMENT.replace(",odd,", ",单号,") + "\n"
    _, segments = parse_gazetteer_csv(text)
    assert segments == [
        RoadSegment("文德路", "320111001", 1, 99, "odd", "320111001001001", 118.6, 32.05)
    ]
    same_numbers_other_side = GOOD_SEGMENT.replace("odd", "even").replace(",1,99,", ",2,98,")
    _, both = parse_gazetteer_csv(text + same_numbers_other_side)
    assert [s.parity for s in both] == ["odd", "even"]


# --- speed (reported, not asserted) ----------------------------------------------------


def test_two_thousand_matches_run(demo, street_names, capsys):
    *_, segments, gazetteer = demo
    addresses = [demo_address(s, n, street=street_names[s.street_code], prefix="南京市浦口区")
                 for s, n in random_cases(segments, 1000, seed=7)] * 2  # fmt: skip
    fast = _without_cpca(demo)
    start = time.perf_counter()
    results = [fast.match(a) for a in addresses]
    elapsed = time.perf_counter() - start
    assert all(r is not None for r in results) and len(results) == 2000
    with capsys.disabled():
        print(f"\n  gazetteer: {len(addresses) / elapsed:,.0f} addresses/s (no cpca)")
    assert gazetteer.match_many(addresses[:10]) == results[:10]


def _without_cpca(demo):
    _, places, segments, _ = demo
    return Gazetteer(places, segments, district_name="浦口区", use_cpca=False)


def test_dataclasses_refuse_nonsense():
    with pytest.raises(ValueError):
        Place("shop", "某店")
    with pytest.raises(ValueError):
        RoadSegment("文德路", None, 9, 1, "all", "G1", 118.6, 32.0)
    segment = RoadSegment("文德路", None, 1, 9, "odd", "G1", 118.6, 32.0)
    assert segment.contains(3) and not segment.contains(4) and not segment.contains(11)
    assert replace(segment, parity="even").contains(4)
