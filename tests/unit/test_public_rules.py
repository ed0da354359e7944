"""The pure rules of the citizens' page: rate-limit arithmetic, query codes, and the
public timeline (no names, phones masked, internal steps left out)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lianqin.public import codes
from lianqin.public.ratelimit import Rate, allowed, parse_rate, window
from lianqin.public.timeline import public_state, scrub, steps


@pytest.mark.parametrize(
    ("text", "rate"),
    [("10/hour", Rate(10, 3600)), ("60/h", Rate(60, 3600)), ("1000/min", Rate(1000, 60)),
     ("5/30s", Rate(5, 30)), (" 100 / day ", Rate(100, 86400)), ("3/2小时", Rate(3, 7200))],
)  # fmt: skip
def test_rates_parse(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "lots", "10", "10/fortnight", "0/hour", "10/0min", "-1/h"])
def test_bad_rates_are_refused_with_the_accepted_forms(text):
    with pytest.raises(ValueError, match="10/hour"):
        parse_rate(text)


def test_windows_are_fixed_and_retry_after_counts_to_their_end():
    rate = Rate(10, 3600)
    assert window(7200.0, rate).index == 2 and window(7200.0, rate).retry_after == 3600
    assert window(10799.5, rate).index == 2 and window(10799.5, rate).retry_after == 1
    assert window(10800.0, rate).index == 3
    assert all(1 <= window(t / 7, Rate(1, 1)).retry_after <= 1 for t in range(100))


def test_the_limit_lets_through_exactly_n():
    rate = Rate(3, 60)
    assert [allowed(n, rate) for n in range(1, 6)] == [True, True, True, False, False]


def test_codes_are_stable_per_browser_and_differ_between_browsers():
    a = codes.derive_code("secret", "key-1", "browser-a")
    assert a == codes.derive_code("secret", "key-1", "browser-a")
    assert a != codes.derive_code("secret", "key-1", "browser-b")
    assert a != codes.derive_code("other-secret", "key-1", "browser-a")
    assert len(a) == codes.LENGTH and set(a) <= set(codes.ALPHABET)
    assert not set("01OIL") & set(codes.ALPHABET)


def test_codes_read_back_however_they_are_typed():
    code = codes.derive_code("s", "k", "n")
    shown = codes.display(code)
    assert shown[4] == "-" and codes.normalise(shown.lower()) == code
    assert codes.well_formed(f" {shown.lower()} ")
    assert not codes.well_formed("ABC") and not codes.well_formed("ABCD-EFG0")
    assert codes.code_hash("s", 1, shown) == codes.code_hash("s", 1, code.lower())
    assert codes.code_hash("s", 1, code) != codes.code_hash("s", 2, code)
    assert code not in codes.code_hash("s", 1, code)


def test_scrub_masks_phones_and_id_numbers():
    text = (
        "联系王师傅 13800001111 或 +86 139-1234-5678，座机 025-58881234，身份证 320111199001011234"
    )
    out = scrub(text)
    for clear in ["13800001111", "1234-5678", "58881234", "199001011234"]:
        assert clear not in out
    assert "138****1111" in out and "025-****1234" in out and "320111********1234" in out
    assert scrub("案件 320111-20261128-000123 已办结") == "案件 320111-20261128-000123 已办结"


AT = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def event(action, note="", **data):
    return {"action": action, "at": AT, "note": note, "data": data, "actor_name": "张网格"}


def test_the_timeline_keeps_the_main_steps_and_names_departments_not_people():
    history = [
        event("create"), event("accept"), event("categorize"), event("urge", "快点"),
        event("dispatch", lead="cg", assist=["hb"]), event("escalate"),
        event("resolve", "已处理，联系人 13800001111",
              evidence=["/media/photos/ab/x.jpg", "http://x/y.jpg"]),
        event("verify"), event("inspection", "抽查通过"), event("citizen_rating"),
    ]  # fmt: skip
    shown = steps(history, {"cg": "区城管局", "hb": "区环保局"}, photo_prefix="/media/photos/")
    assert [s.action for s in shown] == ["create", "accept", "dispatch", "resolve", "verify"]
    assert shown[2].detail == "承办部门：区城管局；协办：区环保局"
    assert shown[3].detail == "答复：已处理，联系人 138****1111"
    assert shown[3].photos == ["/media/photos/ab/x.jpg"]
    assert all("张网格" not in f"{s.label}{s.detail}" for s in shown)


def test_reasons_are_shown_for_rejection_but_not_for_internal_notes():
    shown = steps([event("reject", "不属于政府职责"), event("accept", "内部备注")], {},
                  photo_prefix="/media/photos/")  # fmt: skip
    assert shown[0].detail == "理由：不属于政府职责" and shown[1].detail == ""


def test_every_state_has_a_public_label():
    from lianqin.cases.workflow import State
    from lianqin.public.timeline import PUBLIC_STATE

    assert {s.value for s in State} <= set(PUBLIC_STATE)
    assert public_state("closed") == "已办结"
