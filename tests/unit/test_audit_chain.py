"""The audit chain (lianqin.audit.chain): any edit, removal, insertion or swap breaks it,
and verification says where."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from lianqin.audit.chain import canonical, link, verify

KEY = b"k" * 32


def chain(rows):
    out, prev = [], ""
    for fields in rows:
        c = link(KEY, prev, fields)
        out.append((prev, c, fields))
        prev = c
    return out


ROWS = [{"seq": i, "kind": "login", "detail": {"n": i, "名": "值"}} for i in range(1, 6)]


def test_an_untouched_chain_verifies():
    assert verify(KEY, chain(ROWS), start="", where="log") is None


def test_an_edited_line_is_found_at_its_position():
    lines = chain(ROWS)
    prev, c, fields = lines[2]
    lines[2] = (prev, c, {**fields, "detail": {"n": 99}})
    found = verify(KEY, lines, start="", where="log")
    assert found is not None and found.position == 3 and "内容" in found.reason


def test_a_removed_or_swapped_line_is_found():
    lines = chain(ROWS)
    assert verify(KEY, lines[:2] + lines[3:], start="", where="log").position == 3
    assert verify(KEY, [lines[1], lines[0], *lines[2:]], start="", where="log").position == 1


def test_a_chain_rebuilt_without_the_key_does_not_verify():
    forged, prev = [], ""
    for fields in ROWS:
        c = link(b"guess", prev, fields)
        forged.append((prev, c, fields))
        prev = c
    assert verify(KEY, forged, start="", where="log").position == 1


def test_canonical_form_ignores_key_order_and_time_zone():
    at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    shanghai = at.astimezone(timezone(timedelta(hours=8)))
    assert canonical({"a": 1, "at": at}) == canonical({"at": shanghai, "a": 1})


@settings(max_examples=100, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=5), st.integers() | st.text()), max_size=8))
def test_any_chain_of_any_lines_verifies(rows):
    assert verify(KEY, chain(rows), start="", where="x") is None


def test_numbers_read_back_from_jsonb_keep_their_chain():
    """jsonb returns 1e16 as the integer 10000000000000000 and 2.0 as 2.0: same form."""
    assert canonical({"d": {"x": [1e16, 2.0, 0.5]}}) == canonical({"d": {"x": [10**16, 2, 0.5]}})
