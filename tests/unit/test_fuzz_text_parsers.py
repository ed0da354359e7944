"""Small parsers of outside text under arbitrary input: rates from the configuration,
address text from citizens, masks over personal numbers, duty slots typed by staff.

What must hold: each one either answers or refuses with its documented error
(``ValueError`` for configuration, ``InvalidInput`` for a form) whose message says what
to write instead; and its invariants: a rate reads back from its own spelling, the
normalised address maps every character back into the caller's text, a masked phone or
ID number never shows the whole number.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from lianqin.cases.masking import mask_id_number, mask_in_text, mask_name, mask_phone
from lianqin.duty.schedule import parse_slots
from lianqin.errors import InvalidInput
from lianqin.geo.address_text import (
    chinese_number,
    edit1,
    house_number,
    normalize,
    short_name,
)
from lianqin.public.ratelimit import Rate, allowed, parse_rate, window

FAST = settings(max_examples=200, deadline=None)
digits = st.text("0123456789", min_size=1, max_size=6)

# ------------------------------------------------------------------ rates


@FAST
@given(
    st.one_of(
        st.text(max_size=20),
        st.builds(
            lambda a, b, u: f"{a}/{b}{u}",
            st.one_of(
                st.text("0123456789١٢", max_size=12),
                st.integers(4301, 6000).map(lambda n: "1" * n),
            ),
            st.text("0123456789", max_size=4),
            st.sampled_from(["s", "min", "hour", "天", "x", "H"]),
        ),
    )
)
def test_any_rate_text_is_a_rate_or_a_clear_value_error(text: str) -> None:
    try:
        rate = parse_rate(text)
    except ValueError as exc:
        assert "频率" in str(exc) and "10/hour" in str(exc)
        return
    assert rate.limit >= 1 and rate.period >= 1


@FAST
@given(st.integers(1, 10**6), st.integers(1, 10**6), st.floats(0, 4e9))
def test_a_rate_reads_back_and_its_window_holds_now(limit: int, period: int, now: float) -> None:
    rate = parse_rate(str(Rate(limit, period)))
    assert rate == Rate(limit, period)
    win = window(now, rate)
    assert 1 <= win.retry_after <= rate.period
    assert allowed(limit, rate) and not allowed(limit + 1, rate)


# ------------------------------------------------------------------ address text


@FAST
@given(st.text(max_size=40))
def test_normalize_maps_every_character_back(text: str) -> None:
    folded, origin = normalize(text)
    assert len(folded) == len(origin)
    assert origin == sorted(origin)
    assert all(0 <= i < len(text) for i in origin)
    for ch, i in zip(folded, origin, strict=True):
        if "\u4e00" <= ch <= "\u9fff":
            assert text[i] == ch or not ("\u4e00" <= text[i] <= "\u9fff")


@FAST
@given(
    st.text(st.sampled_from("0123456789零一二两三四五六七八九十百千号栋米第附近-路 "), max_size=30),
    st.integers(0, 30),
)
def test_house_number_is_a_number_or_none(text: str, at: int) -> None:
    at = min(at, len(text))
    number, end = house_number(text, at)
    assert at <= end <= len(text)
    assert number is None or number >= 0


@settings(max_examples=20, deadline=None)
@given(st.text("0123456789", min_size=4301, max_size=6000), st.sampled_from(["", "号"]))
def test_a_runaway_number_is_no_house_number_and_no_crash(run: str, tail: str) -> None:
    number, end = house_number(run + tail, 0)
    assert number is None and end == 0


@settings(max_examples=20, deadline=None)
@given(st.text("一二三", min_size=4301, max_size=5000))
def test_a_runaway_chinese_number_does_not_crash(run: str) -> None:
    assert house_number(run + "号", 0) == (None, 0)
    assert chinese_number("一百零五") == 105


def _levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


@FAST
@given(st.text("ab路街", max_size=6), st.text("ab路街", max_size=6))
def test_edit1_is_levenshtein_at_most_one(a: str, b: str) -> None:
    assert edit1(a, b) == (_levenshtein(a, b) <= 1)


@FAST
@given(
    st.sampled_from(["street", "community", "road", "compound", "landmark"]), st.text(max_size=12)
)
def test_short_name_only_drops_a_suffix(kind: str, name: str) -> None:
    assert name.startswith(short_name(kind, name))


# ------------------------------------------------------------------ masking

SEP = st.sampled_from(["", " ", "-"])
mobile = st.builds(
    lambda p, a, b, s1, s2: (f"1{p}{a}", s1, b[:4], s2, b[4:]),
    st.sampled_from("3456789"),
    st.text("0123456789", min_size=1, max_size=1),
    st.text("0123456789", min_size=8, max_size=8),
    SEP,
    SEP,
)
id_number = st.builds(
    lambda body, check: body + check,
    st.text("0123456789", min_size=17, max_size=17),
    st.sampled_from("0123456789Xx"),
)
around = st.text(st.characters(blacklist_categories=["Nd", "Lu", "Ll"]), max_size=8)


@FAST
@given(mobile, around, around)
def test_a_mobile_number_in_text_is_masked(parts: tuple[str, ...], before: str, after: str) -> None:
    number = "".join(parts)
    masked = mask_in_text(f"{before}{number}{after}")
    assert number not in masked and "".join(parts[::2]) not in masked


@FAST
@given(id_number, around, around)
def test_an_id_number_in_text_is_masked(value: str, before: str, after: str) -> None:
    masked = mask_in_text(f"{before}{value}{after}")
    assert value not in masked and value[6:14] not in masked


@FAST
@given(st.text(max_size=30))
def test_masked_phones_and_ids_never_show_the_whole_value(value: str) -> None:
    phone = mask_phone(value)
    digits = "".join(c for c in value if c.isdigit())
    assert len(digits) < 3 or digits not in phone
    assert len(re.sub(r"\D", "", phone)) <= 7
    ident = mask_id_number(value)
    assert len(value.strip()) < 2 or value.strip() not in ident
    name = mask_name(value)
    assert name == "" or name[1:] == "*" * max(1, len(value.strip()) - 1)


# ------------------------------------------------------------------ duty slots


@FAST
@given(
    st.one_of(
        st.text(max_size=40),
        st.lists(
            st.builds(
                lambda a, b, c, d: f"{a}:{b}-{c}:{d}",
                st.integers(0, 30),
                st.integers(0, 99),
                st.integers(0, 30),
                st.integers(0, 99),
            ),
            min_size=1,
            max_size=14,
        ).map(",".join),
    )
)
def test_any_slot_text_is_slots_or_invalid_input(text: str) -> None:
    try:
        slots = parse_slots(text)
    except InvalidInput as exc:
        assert exc.field == "slots" and exc.hint
        return
    assert slots == sorted(slots)
    for slot in slots:
        assert 0 <= slot.start < 24 * 60 and slot.start < slot.end <= slot.start + 24 * 60


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40) | st.from_regex(r"[0-9]{1,6000}\s*(wd|wh|d|h|m)", fullmatch=True))
def test_a_deadline_duration_is_read_or_refused_with_its_own_message(text):
    """``cases/sla.parse_duration`` (deadline policies typed by an administrator): any text
    gives a duration or a ValueError naming the text — never Python's digit-limit error."""
    from lianqin.cases.sla import parse_duration

    try:
        parse_duration(text)
    except ValueError as exc:
        assert "4300" not in str(exc) and "Exceeds" not in str(exc)
