"""The catalogue and units parser, the packaged default data, and a real platform tree.

No Django: ``lianqin.org.catalogue_csv`` is pure, and these tests prove that the files
shipped in the package load, that every reference between them resolves, and that a bad
file is refused with the line and column an operator has to fix.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import string
from collections import Counter
from pathlib import Path

import pytest

from lianqin.org.catalogue_csv import (
    DEADLINE_POLICIES,
    CatalogueError,
    CategoryRow,
    parse_catalogue_csv,
    parse_units_csv,
)
from tests.shared_data import TIPDM as SHARED_TIPDM

SRC = Path(__file__).resolve().parents[2] / "src" / "lianqin"
UNITS = SRC / "org" / "data" / "units.csv"
CATALOGUE = SRC / "org" / "data" / "catalogue.csv"
CASE_TEXTS = SRC / "demo" / "data" / "case_texts.json"
TIPDM = SHARED_TIPDM / "taxonomy.csv"
PLACEHOLDERS = {"road", "no", "compound", "community"}

HEADER = "code,level1,level2,level3,priority,deadline_policy,lead_units,assist_units,keywords\n"


def _default() -> tuple[list[CategoryRow], set[str]]:
    units = parse_units_csv(UNITS.read_text(encoding="utf-8"))
    codes = {unit.code for unit in units}
    text = CATALOGUE.read_text(encoding="utf-8")
    return parse_catalogue_csv(text, known_units=codes), codes


def _error(text: str, **kwargs: object) -> CatalogueError:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue_csv(text, **kwargs)  # type: ignore[arg-type]
    return caught.value


# --- the packaged defaults ---------------------------------------------------------------


def test_default_units_parse_and_are_a_district_set() -> None:
    units = parse_units_csv(UNITS.read_text(encoding="utf-8"))
    assert 24 <= len(units) <= 30
    assert len({u.code for u in units}) == len(units)
    assert {"cg", "ga", "scjg", "hb", "rs", "sf", "gas"} <= {u.code for u in units}
    assert all(u.name and u.short_name for u in units)


def test_default_catalogue_parses_with_every_unit_known_and_used() -> None:
    rows, codes = _default()
    levels = Counter(row.level for row in rows)
    assert 120 <= len(rows) <= 200
    assert levels[1] >= 15
    referenced = {code for row in rows for code in (*row.lead_units, *row.assist_units)}
    assert referenced <= codes
    assert referenced == codes, f"units never referenced: {sorted(codes - referenced)}"


def test_default_catalogue_is_complete_after_inheritance() -> None:
    rows, _ = _default()
    by_code = {row.code: row for row in rows}
    for row in rows:
        assert re.fullmatch(r"\d+", row.code) and len(row.code) == 2 * row.level
        assert row.parent_code == (row.code[:-2] or None)
        assert row.priority in {"urgent", "high", "normal", "low"}
        assert row.deadline_policy in DEADLINE_POLICIES
        if row.level >= 2:
            assert row.lead_units, f"{row.code} {row.name} has no lead unit"
            assert row.keywords, f"{row.code} {row.name} has no keywords"
            assert by_code[row.parent_code or ""].path == row.path[:-1]
    for level1 in (r for r in rows if r.level == 1):
        children = [r for r in rows if r.parent_code == level1.code]
        assert 3 <= len(children) <= 8, level1.name


def test_default_catalogue_routes_the_obvious_cases() -> None:
    rows, _ = _default()
    by_name = {row.path[-1]: row for row in rows}
    assert by_name["占道经营"].lead_units == ("cg",)
    assert by_name["施工扰民"].lead_units == ("cg",)
    assert "hb" in by_name["施工扰民"].assist_units
    assert by_name["劳资纠纷"].lead_units == ("rs",)
    assert by_name["欠薪"].lead_units == ("rs",)
    assert by_name["食品安全"].lead_units == ("scjg",)
    assert by_name["燃气隐患"].lead_units == ("gas",)
    assert "yj" in by_name["燃气隐患"].assist_units
    assert by_name["邻里纠纷"].lead_units == ("sf",)
    assert by_name["燃气泄漏"].priority == "urgent"


def test_case_texts_cover_every_level2_category_with_known_placeholders() -> None:
    rows, _ = _default()
    texts = json.loads(CASE_TEXTS.read_text(encoding="utf-8"))
    level2 = {row.code for row in rows if row.level == 2}
    assert set(texts) == level2
    formatter = string.Formatter()
    for code, templates in texts.items():
        assert 3 <= len(templates) <= 6, code
        for template in templates:
            assert set(template) == {"title", "description"}
            for value in template.values():
                fields = {name for _, name, _, _ in formatter.parse(value) if name is not None}
                assert fields <= PLACEHOLDERS, (code, value)
                value.format(road="R", no="1", compound="C", community="M")


# --- a real platform tree ----------------------------------------------------------------


def _tipdm_text() -> str:
    if not TIPDM.exists():
        pytest.skip(f"{TIPDM} is not on this machine (the shared TipDM data set)")
    return TIPDM.read_text(encoding="utf-8")


def test_tipdm_taxonomy_loads_every_node_once() -> None:
    text = _tipdm_text()
    raw = [r for r in csv.reader(io.StringIO(text.lstrip("\ufeff")))][1:]
    expected = Counter(
        {
            1: len({tuple(r[:1]) for r in raw}),
            2: len({tuple(r[:2]) for r in raw}),
            3: len({tuple(r[:3]) for r in raw if r[2].strip()}),
        }
    )
    rows = parse_catalogue_csv(text, source="taxonomy.csv")
    assert Counter(row.level for row in rows) == expected
    assert len({row.path for row in rows}) == len(rows)
    assert len({row.code for row in rows}) == len(rows)
    assert all(row.code.startswith("T") and len(row.code) == 11 for row in rows)
    # The platform exports 15 first-level categories; the 2020 competition labelled
    # messages with 7 of them.
    assert {
        "城乡建设",
        "环境保护",
        "交通运输",
        "教育文体",
        "劳动和社会保障",
        "商贸旅游",
        "卫生计生",
    } <= {row.name for row in rows if row.level == 1}


def test_tipdm_codes_are_stable_across_row_order() -> None:
    text = _tipdm_text()
    header, *body = text.lstrip("\ufeff").splitlines()
    random.Random(20240601).shuffle(body)
    first = {row.path: row.code for row in parse_catalogue_csv(text)}
    second = {row.path: row.code for row in parse_catalogue_csv("\n".join([header, *body]))}
    assert first == second


# --- formats -----------------------------------------------------------------------------


def test_plain_tree_with_english_headers_bom_and_trailing_empty_level3() -> None:
    text = (
        "\ufefflevel1 , level2,level3\n 市容 ,垃圾, \n市容,垃圾,满溢\n市容,广告\n\n交通,道路,坑洼\n"
    )
    rows = parse_catalogue_csv(text)
    assert [row.path for row in rows] == [
        ("市容",),
        ("市容", "垃圾"),
        ("市容", "垃圾", "满溢"),
        ("市容", "广告"),
        ("交通",),
        ("交通", "道路"),
        ("交通", "道路", "坑洼"),
    ]
    assert rows[2].parent_code == rows[1].code


def test_chinese_headers_for_optional_columns() -> None:
    text = (
        "编码,一级分类,二级分类,三级分类,优先级,时限,主办单位,协办单位,关键词\n"
        "0101,市容,垃圾,,较急,QUICK,cg,hb,垃圾|渣土| 垃圾 \n"
    )
    rows = parse_catalogue_csv(text)
    assert [row.code for row in rows] == ["01", "0101"]
    level2 = rows[1]
    assert (level2.priority, level2.deadline_policy) == ("high", "quick")
    assert (level2.lead_units, level2.assist_units, level2.keywords) == (
        ("cg",),
        ("hb",),
        ("垃圾", "渣土"),
    )


def test_implied_parents_take_the_prefix_of_their_children() -> None:
    text = HEADER + "010203,市容,垃圾,满溢,,,,,\n"
    assert [row.code for row in parse_catalogue_csv(text)] == ["01", "0102", "010203"]


def test_inheritance_down_the_tree() -> None:
    text = HEADER + (
        "01,市容,,,high,quick,cg,hb,\n"
        "0101,市容,垃圾,,,,,,垃圾\n"
        "010101,市容,垃圾,满溢,low,,sw,,满溢\n"
        "010102,市容,垃圾,渣土,,standard,,,\n"
    )
    rows = {row.name: row for row in parse_catalogue_csv(text)}
    assert (rows["垃圾"].priority, rows["垃圾"].lead_units, rows["垃圾"].assist_units) == (
        "high",
        ("cg",),
        ("hb",),
    )
    assert rows["垃圾"].keywords == ("垃圾",)
    # own lead units replace the inherited pair, assisting units included
    assert (rows["满溢"].priority, rows["满溢"].lead_units, rows["满溢"].assist_units) == (
        "low",
        ("sw",),
        (),
    )
    assert (rows["渣土"].priority, rows["渣土"].deadline_policy) == ("high", "standard")
    assert rows["渣土"].keywords == ()


def test_identical_rows_are_merged() -> None:
    text = HEADER + "0101,市容,垃圾,,,,cg,,\n0101,市容,垃圾,,,,cg,,\n,市容,垃圾,,,,,,垃圾\n"
    rows = parse_catalogue_csv(text)
    assert [(r.code, r.lead_units, r.keywords) for r in rows] == [
        ("01", (), ()),
        ("0101", ("cg",), ("垃圾",)),
    ]


def test_units_parser_errors() -> None:
    good = "code,name,kind,short_name\ncg,区城市管理局,department,城管\n"
    assert parse_units_csv(good)[0].short_name == "城管"
    assert parse_units_csv("code,name,kind\nga,区公安分局,police\n")[0].short_name == "区公安分局"
    cases = [
        (good + "cg,又一个,department,\n", 3, "code"),
        (good + "Bad Code,x,department,\n", 3, "code"),
        (good + "ga,区公安分局,army,\n", 3, "kind"),
        (good + "ga,,police,\n", 3, "name"),
        ("code,name\ncg,x\n", 1, "kind"),
    ]
    for text, line, column in cases:
        with pytest.raises(CatalogueError) as caught:
            parse_units_csv(text)
        assert (caught.value.line, caught.value.column) == (line, column), text
        assert str(caught.value).startswith(f"units.csv line {line}, column {column}: ")


# --- errors point at the line and column -------------------------------------------------

ERROR_CASES = [
    ("missing header", "code,level1,level3\n01,a,\n", 1, "level2"),
    ("missing header zh", "一级分类,三级分类\na,b\n", 1, "level2"),
    ("empty level1", HEADER + "01,a,,,,,,,\n,,c,,,,,,\n", 3, "level1"),
    ("empty level1 zh", "一级分类,二级分类,三级分类\na,b,c\n,b,c\n", 3, "一级分类"),
    ("level3 without level2", HEADER + "01,a,,,,,,,\n,a,,c,,,,,\n", 3, "level2"),
    ("unknown priority", HEADER + "01,a,,,soon,,,,\n", 2, "priority"),
    ("unknown deadline policy", HEADER + "01,a,,,,weekly,,,\n", 2, "deadline_policy"),
    ("unknown lead unit", HEADER + "01,a,,,,,xx,,\n", 2, "lead_units"),
    ("unknown assist unit", HEADER + "01,a,,,,,cg,yy,\n", 2, "assist_units"),
    ("assist without lead", HEADER + "01,a,,,,,,cg,\n", 2, "lead_units"),
    ("lead and assist", HEADER + "01,a,,,,,cg,cg,\n", 2, "assist_units"),
    ("duplicate code", HEADER + "01,a,,,,,,,\n0101,a,b,,,,,,\n0101,a,c,,,,,,\n", 4, "code"),
    ("code not under parent", HEADER + "01,a,,,,,,,\n0201,a,b,,,,,,\n", 3, "code"),
    ("implied parent prefix", HEADER + "010101,a,b,c,,,,,\n010201,a,b,d,,,,,\n", 3, "code"),
    ("code of wrong depth", HEADER + "0101,a,,,,,,,\n", 2, "code"),
    ("code not digits", HEADER + "A1,a,,,,,,,\n", 2, "code"),
    ("same path two codes", HEADER + "01,a,,,,,,,\n02,a,,,,,,,\n", 3, "code"),
    ("same path two priorities", HEADER + "01,a,,,high,,,,\n01,a,,,low,,,,\n", 3, "priority"),
    ("too many values", "level1,level2\na,b,c\n", 2, None),
]


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_errors_give_line_and_column(text: str, line: int, column: str | None) -> None:
    error = _error(text, known_units={"cg"})
    assert (error.line, error.column) == (line, column)
    where = f"catalogue.csv line {line}" + (f", column {column}" if column else "")
    assert str(error).startswith(where + ": ")


def test_error_message_reads_for_an_operator() -> None:
    error = _error(HEADER + "01,a,,,,,cg,,\n0101,a,b,,,,xx,,\n", known_units={"cg"})
    assert str(error) == (
        "catalogue.csv line 3, column lead_units: unknown unit 'xx'"
        " — add it to units.csv or fix the code"
    )
    assert isinstance(error, ValueError)
    assert error.hint and error.message == "unknown unit 'xx'"


def test_unknown_units_are_accepted_without_a_unit_list() -> None:
    rows = parse_catalogue_csv(HEADER + "01,a,,,,,xx,,\n")
    assert rows[0].lead_units == ("xx",)


def test_empty_file_is_refused() -> None:
    assert _error("").line == 1
    assert _error("\ufeff\n").line == 1
