"""Complaint text as the duplicate scorer reads it (pure: run with ``-p no:django``)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianqin.triage.text import (
    grams,
    is_weak,
    normalize,
    normalize_reference,
    place_names,
    places_agree,
    shingles,
    weak_grams,
)

# Characters that exercise every path of normalize: CJK, ASCII, full-width forms,
# punctuation of all widths, spaces of all kinds, compatibility characters that NFKC
# turns into letters or digits, combining marks, compatibility ideographs.
TRICKY = (
    "噪音小区搅拌站路灯垃圾谢您好请问尊敬的领导希望有关部门"
    "aZ09 ＡＺａｚ０９，。！？、；：（）《》“”‘’…—～·\t\n\r\xa0\u3000\u200b\u2028"
    "①②⑴ⅰⅱ㎡ﬁ²³¼ＡＢ\u0301\u0308e\u00e9\uf900\uff61\u2f00\U0002f800"
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "abc123"),  # full width folds to half width, letters lower-cased
        ("A5区 劳动东路\t魅力之城\n小区\xa0一楼\u3000油烟", "a5区劳动东路魅力之城小区一楼油烟"),
        ("路灯\u200b不亮！！！……", "路灯不亮"),  # zero-width space, punctuation
        ("①号楼 50㎡", "1号楼50m2"),  # compatibility characters keep their content
        ("电话*****************", "电话"),  # masking stars go
        ("尊敬的领导：您好！请问小区门口的路灯何时修？谢谢！", "小区门口的路灯何时修"),
        ("希望有关部门尽快处理，此致敬礼", "尽快处理"),
        ("谢您好谢", ""),  # removing 您好 makes 谢谢, which goes too
        ("2019年3月1日 A3区", "2019年3月1日a3区"),  # digits and letters stay
        ("", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@given(st.text(alphabet=TRICKY, max_size=40) | st.text(max_size=40))
@settings(max_examples=400, deadline=None)
def test_normalize_fast_path_equals_reference_and_is_idempotent(text: str) -> None:
    out = normalize(text)
    assert out == normalize_reference(text)
    assert normalize(out) == out
    assert unicodedata.is_normalized("NFKC", out)
    assert all(ch.isdigit() or "a" <= ch <= "z" or ord(ch) >= 0x3400 for ch in out)


def test_shingles() -> None:
    assert shingles("路灯不亮") == {"路灯", "灯不", "不亮"}
    assert shingles("路灯不亮", 3) == {"路灯不", "灯不亮"}
    assert shingles("灯") == {"灯"}  # shorter than n: itself
    assert shingles("") == frozenset()
    with pytest.raises(ValueError):
        shingles("路灯", 0)
    assert grams("路灯，不亮", (2, 3)) == {"路灯", "灯不", "不亮", "路灯不", "灯不亮"}


@pytest.mark.parametrize(
    ("gram", "weak"),
    [
        ("的一", True),  # function character
        ("20", True),  # digits: dates
        ("a市", True),  # administrative prefix
        ("3区", True),
        ("问题", True),  # every complaint has it
        ("小区", True),
        ("噪音", False),
        ("搅拌", False),
        ("魅力", False),
    ],
)
def test_is_weak(gram: str, weak: bool) -> None:
    assert is_weak(gram) is weak


@given(st.text(alphabet="的一20a市3区问题小区噪音搅拌站魅力之城", min_size=0, max_size=30))
def test_weak_grams_is_the_filter_of_is_weak(text: str) -> None:
    gs = shingles(text)
    assert weak_grams(gs) == {g for g in gs if is_weak(g)}


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("A5区劳动东路英祥春天小区一楼", {"英祥春天"}),  # cut at the road word
        ("西湖街道茶场村五组何时拆迁", {"茶场"}),
        ("湖路森宇家园，5栋", {"森宇"}),
        ("村民反映领导为我们小区做主", set()),  # 村民 is no village, 为我们 no name
        ("路灯不亮", set()),
    ],
)
def test_place_names(raw: str, names: set[str]) -> None:
    assert place_names(raw) == names


def test_places_agree_reads_the_other_text_not_only_its_names() -> None:
    a = place_names("海伦春天小区附近辅道违停")
    assert places_agree(a, normalize("海伦春天、当代广场附近违章停车较多"))
    assert not places_agree(a, normalize("魅力之城小区门口违停"))
