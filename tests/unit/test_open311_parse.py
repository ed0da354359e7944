"""The Open311 parser, against payload files with their expectations (pure: runs with
``-p no:django``). Each ``<name>.txt`` is a ``POST requests`` body as the view hands it
to the intake; ``<name>.txt.expected.json`` says what it must parse to, or which field
the error names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lianqin.intake.contract import ParseError, Payload
from lianqin.intake.open311 import FORM, TOKEN_FIELD, parse, read_form, stamp

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels" / "open311"
CASES = sorted(FIXTURES.glob("*.txt"))
TOKEN = "0123456789abcdef0123456789abcdef"


def _payload(raw: str, content_type: str = FORM) -> Payload:
    return Payload("open311", raw, content_type, source="open311")


def test_there_are_enough_fixtures():
    assert len(CASES) >= 6
    assert all(Path(f"{p}.expected.json").is_file() for p in CASES)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_fixture(path: Path):
    raw = path.read_text(encoding="utf-8")
    expected = json.loads(Path(f"{path}.expected.json").read_text(encoding="utf-8"))
    if "error" in expected:
        with pytest.raises(ParseError) as caught:
            parse(_payload(raw))
        assert caught.value.field == expected["error"]["field"]
        assert caught.value.message
        return
    report = parse(_payload(raw))
    for name, value in expected["report"].items():
        assert getattr(report, name) == value, name
    kept = json.dumps([report.extra, report.description, report.title], ensure_ascii=False)
    for secret in expected.get("absent", []):
        assert secret not in kept


def test_same_body_same_report():
    raw = (FIXTURES / "full.txt").read_text(encoding="utf-8")
    assert parse(_payload(raw)) == parse(_payload(raw))


def test_content_type_must_be_a_form():
    with pytest.raises(ParseError) as caught:
        parse(_payload(f"service_code=1&lat=1&long=1&{TOKEN_FIELD}={TOKEN}", "application/json"))
    assert caught.value.field == "Content-Type"
    # a charset parameter is fine
    body = f"service_code=1&lat=1&long=1&{TOKEN_FIELD}={TOKEN}"
    assert parse(_payload(body, f"{FORM}; charset=utf-8")).category_code == "1"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("", None),
        (f"service_code=&lat=1&long=1&{TOKEN_FIELD}={TOKEN}", "service_code"),
        (f"service_code=1&lat=nan&long=1&{TOKEN_FIELD}={TOKEN}", "lat"),
        (f"service_code=1&lat=1&long=inf&{TOKEN_FIELD}={TOKEN}", "long"),
        (f"service_code=1&lat=1&long=181&{TOKEN_FIELD}={TOKEN}", "long"),
        (f"service_code=1&long=1&{TOKEN_FIELD}={TOKEN}", "lat"),
        (f"service_code=1&address_string=%20%20&{TOKEN_FIELD}={TOKEN}", "lat"),
        ("service_code=1&lat=1&long=1&lianqin_token=short", TOKEN_FIELD),
        ("service_code=1&lat=1&long=1&lianqin_token=has%20space%20inside%20it", TOKEN_FIELD),
    ],
)
def test_refused(body: str, field: str | None):
    with pytest.raises(ParseError) as caught:
        parse(_payload(body))
    assert caught.value.field == field


def test_attribute_forms():
    body = (
        "service_code=S&address_id=7&attribute[A]=1&attribute%5BB%5D=x&attribute[B]=y"
        f"&attribute[C][]=only&{TOKEN_FIELD}={TOKEN}"
    )
    attributes = parse(_payload(body)).extra["attributes"]
    assert attributes == {"A": "1", "B": ["x", "y"], "C": ["only"]}


def test_text_is_cleaned_and_long_descriptions_make_short_titles():
    long = "占" * 60
    body = f"service_code=S&address_string=%E6%B1%9F%09%E6%B5%A6&description={long}&{TOKEN_FIELD}={TOKEN}"
    report = parse(_payload(body))
    assert report.address == "江 浦"
    assert report.title == "占" * 39 + "…"
    assert report.description == long


def test_title_length_comes_from_the_mapping_settings():
    class Mapping:
        settings = {"title_length": 5}

    body = f"service_code=S&address_id=1&description=abcdefghij&{TOKEN_FIELD}={TOKEN}"
    assert parse(_payload(body), Mapping()).title == "abcd…"


def test_the_first_value_of_a_repeated_field_wins_and_every_media_url_is_kept():
    body = (
        f"service_code=A&service_code=B&address_id=1&media_url=https://a/1.jpg"
        f"&media_url=http://a/2.jpg&{TOKEN_FIELD}={TOKEN}"
    )
    report = parse(_payload(body))
    assert report.category_code == "A"
    assert report.photos == ["https://a/1.jpg", "http://a/2.jpg"]


def test_read_form_keeps_order_and_blank_values():
    assert read_form("a=1&b=&c=%E4%B8%AD") == [("a", "1"), ("b", ""), ("c", "中")]


def test_stamp_drops_the_key_and_any_client_token_and_keeps_the_rest_verbatim():
    raw = "service_code=01&api%5Fkey=lq_x_y&description=a+b%21&lianqin_token=mine&api_key=k"
    stamped = stamp(raw, TOKEN)
    assert stamped == f"service_code=01&description=a+b%21&{TOKEN_FIELD}={TOKEN}"
    assert stamp("", TOKEN) == f"{TOKEN_FIELD}={TOKEN}"


# ---------------------------------------------------------------- what the public sees
# (api/open311/public.py and render.py are pure too: the rules are tested here, without
# a database; tests/integration/test_open311.py runs them through the endpoints)


def test_every_state_has_an_open311_status():
    from lianqin.api.open311.public import request_status
    from lianqin.cases.workflow import FINAL, State

    closed = {s for s in State if request_status(s) == "closed"}
    assert closed == set(FINAL) | {State.CLOSED}
    assert request_status(State.RESOLVED) == "open"  # verification may still send it back


def test_public_actions_are_workflow_actions_and_comments_only_from_open311():
    from lianqin.api.open311.public import PUBLIC_ACTIONS, is_public, update_text
    from lianqin.cases.workflow import Action

    assert set(PUBLIC_ACTIONS) - {"comment"} <= {a.value for a in Action}
    for internal in ("urge", "supervise", "suspend", "escalate", "callback", "return"):
        assert not is_public(internal, {})
    assert is_public("comment", {"source": "open311"})
    assert not is_public("comment", {"source": "hotline_12345"})
    assert update_text("accept", "内部：电话打不通", {}) == "已受理，正在核实处理"
    assert update_text("resolve", "已清理", {}) == "已清理"
    assert update_text("merge", "", {"into": "X-1"}) == "重复诉求，已并入案件 X-1 一并办理"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("电话13812345678", "电话138****5678"),
        ("call +86 138-1234-5678 now", "call 861****5678 now"),
        ("座机025-58123456", "座机025****3456"),
        ("身份证32011119800101123X", "身份证320***********123X"),
        ("mail zhang.san@example.cn", "mail z***@example.cn"),
        ("订单号 2024050112345678901234 不动", "订单号 2024050112345678901234 不动"),
    ],
)
def test_scrub(text, shown):
    from lianqin.api.open311.public import scrub

    assert scrub(text) == shown


def test_window_defaults_and_refusals():
    from datetime import UTC, datetime, timedelta

    from lianqin.api.open311.public import SPAN, parse_w3, window

    now = datetime(2026, 5, 1, tzinfo=UTC)
    day = timedelta(days=1)
    assert window(None, None, now) == (now - SPAN, now)
    assert window(now - day, None, now) == (now - day, now - day + SPAN)
    assert window(None, now - day, now) == (now - day - SPAN, now - day)
    with pytest.raises(ValueError):
        window(now - 91 * day, now, now)
    with pytest.raises(ValueError):
        window(now, now - day, now)
    assert parse_w3("2026-05-01T08:00:00Z", UTC) == datetime(2026, 5, 1, 8, tzinfo=UTC)
    assert parse_w3("2026-05-01 08:00", UTC).tzinfo is UTC


def test_created_returns_the_id_or_the_token_never_both():
    from lianqin.api.open311.public import created

    assert created("new", "N-1", "tok", [])["service_request_id"] == "N-1"
    assert "token" not in created("merged", "N-1", "tok", [])
    held = created("awaiting", "", "tok", [])
    assert held["token"] == "tok" and "service_request_id" not in held


def test_xml_names_escapes_and_nulls():
    from defusedxml.ElementTree import fromstring

    from lianqin.api.open311.render import to_json, to_xml

    data = [{"code": "A&B", "metadata": True, "note": None, "values": [{"key": "<1>"}]}]
    text = to_xml("services", data)
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<services><service>')
    doc = fromstring(text.encode())
    assert doc.findtext("service/code") == "A&B" and doc.findtext("service/metadata") == "true"
    assert doc.find("service/note").text is None
    assert doc.findtext("service/values/value/key") == "<1>"
    assert to_json(data).startswith('[{"code":"A&B","metadata":true,"note":null')
