"""The intake's readers under arbitrary input, beyond ``tests/unit/test_channels.py``
(which throws whole payloads at the channels): the pieces one by one -- the time
reader every channel uses, the format compiler a deployer's mapping feeds, the form and
XML decoders, the Open311 form reader, and CSV exports written cell by cell.

What must hold: any input gives a value or the documented refusal (``ValueError`` from
the time reader, which the channel turns into a ``ParseError``; ``ParseError`` or
``InvalidInput`` with a message and a hint elsewhere), and what goes in comes out:
a time written in a listed format reads back as that time, a form's fields and a CSV's
cells arrive as sent, Open311's stamped token is the report's identifier.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianqin.errors import InvalidInput
from lianqin.intake import open311
from lianqin.intake.channels import CHANNELS, default_mapping
from lianqin.intake.channels.decode import decode_form, decode_json, decode_row, decode_xml
from lianqin.intake.contract import ParseError, Payload
from lianqin.intake.mapping import compile_time_format
from lianqin.intake.tabular import iter_payloads

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)

# ------------------------------------------------------------------ times


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([c for c in CHANNELS]),
    st.one_of(
        _json,
        st.integers(min_value=-(10**400), max_value=10**400),
        st.from_regex(r"-?\d{9,14}(\.\d{0,4})?", fullmatch=True),
        st.from_regex(
            r"\d{4}[-/年]\d{1,2}[-/月]\d{1,2}日?( \d{1,2}:\d{1,2}(:\d{1,2})?)?", fullmatch=True
        ),
        st.from_regex(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?([+-]\d\d:?\d\d|Z)?", fullmatch=True),
    ),
    st.booleans(),
)
def test_any_value_is_an_aware_time_or_a_value_error(channel: str, value: Any, end: bool) -> None:
    spec = default_mapping(channel).time
    try:
        moment = spec.parse(value, end_of_day=end)
    except (ValueError, TypeError, OverflowError):  # what convert._time turns into ParseError
        return
    assert moment.utcoffset() is not None


@FAST
@given(
    st.sampled_from(list(CHANNELS)),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)),  # noqa: DTZ001
)
def test_a_time_in_a_listed_format_reads_back(channel: str, moment: datetime) -> None:
    spec = default_mapping(channel).time
    for fmt in spec.formats:
        text = moment.strftime(fmt.pattern.replace("%z", "+0800"))
        read = spec.parse(text)
        expected = moment.replace(microsecond=moment.microsecond if "%f" in fmt.pattern else 0)
        if not fmt.has_clock:
            expected = expected.replace(hour=0, minute=0, second=0, microsecond=0)
        elif "%S" not in fmt.pattern:
            expected = expected.replace(second=0, microsecond=0)
        zone = timezone(timedelta(hours=8)) if "%z" in fmt.pattern else spec.zone
        assert read == expected.replace(tzinfo=zone)


@FAST
@given(st.text(st.sampled_from("%YmdHMSfzZa-: /年月日%"), max_size=14), st.text(max_size=25))
def test_any_format_compiles_or_is_refused_and_never_misreads(pattern: str, text: str) -> None:
    try:
        fmt = compile_time_format(pattern)
    except ValueError as exc:
        assert "格式" in str(exc)
        return
    match = fmt.regex.fullmatch(text)
    if match:
        try:
            moment = fmt.build(match, UTC, end_of_day=False)
        except ValueError:
            return  # e.g. 2024-02-30: the reader tries the next format
        assert moment.utcoffset() is not None


# ------------------------------------------------------------------ decoders


@FAST
@given(st.lists(st.tuples(st.text(max_size=8), st.text(max_size=12)), min_size=1, max_size=8))
def test_a_form_reads_back_its_fields(pairs: list[tuple[str, str]]) -> None:
    try:
        record = decode_form(urlencode(pairs))
    except ParseError as exc:
        assert exc.message
        return
    for key, value in pairs:
        got = record[key.strip()]
        assert got == value or (isinstance(got, list) and value in got)


@FAST
@given(_json)
def test_json_and_row_decoders_take_objects_only(value: Any) -> None:
    raw = json.dumps(value, ensure_ascii=False)
    for decode in (decode_json, decode_row):
        try:
            record = decode(raw)
        except ParseError as exc:
            assert not isinstance(value, dict) and exc.message
            continue
        assert record == json.loads(raw)


def _xml(value: Any, tag: str = "事件") -> str:
    if isinstance(value, dict):
        inner = "".join(_xml(v, f"k{abs(hash(k)) % 97}") for k, v in value.items())
    elif isinstance(value, list):
        inner = "".join(_xml(v, "item") for v in value)
    else:
        inner = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<{tag}>{inner}</{tag}>"


@FAST
@given(
    st.one_of(
        _json.map(_xml),
        st.text(max_size=60),
        st.sampled_from(
            ["<a/>", "<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>", "<a>" * 2000, "<a b='1'>t</a>"]
        ),
    )
)
def test_any_xml_is_a_record_or_a_parse_error(raw: str) -> None:
    try:
        record = decode_xml(raw)
    except ParseError as exc:
        assert exc.message
        return
    assert isinstance(record, dict)


# ------------------------------------------------------------------ Open311

_O311_NAMES = ["service_code", "lat", "long", "address_string", "address_id", "description",
               "media_url", "first_name", "last_name", "phone", "email", "api_key",
               "attribute[WHISPAWN]", "attribute[x][]", "lianqin_token", "device_id"]  # fmt: skip
_o311_values = st.one_of(
    st.text(max_size=20),
    st.floats().map(repr),
    st.sampled_from(["32.05", "118.6", "nan", "inf", "1e400", "-91", "http://x/1.jpg", ""]),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_O311_NAMES) | st.text(max_size=6), _o311_values), max_size=12
    ),
    st.from_regex(r"[A-Za-z0-9_-]{8,20}", fullmatch=True),
)
def test_any_open311_form_is_a_report_or_a_parse_error(
    pairs: list[tuple[str, str]], token: str
) -> None:
    raw = open311.stamp(urlencode(pairs), token)
    # the client's key is never kept, however it is spelt on the wire
    assert all(k.strip() != "api_key" for k, _ in parse_qsl(raw, keep_blank_values=True))
    try:
        report = open311.parse(Payload("open311", raw, open311.FORM))
    except ParseError as exc:
        assert exc.message and exc.field != "lianqin_token"
        return
    assert report.external_id == token
    assert report.title and len(report.title) <= open311.TITLE_LENGTH + 20
    assert (report.lat is None) == (report.lon is None)
    if report.lat is not None and report.lon is not None:
        assert math.isfinite(report.lat) and -90 <= report.lat <= 90
        assert math.isfinite(report.lon) and -180 <= report.lon <= 180
    assert all(p.lower().startswith(("http://", "https://")) for p in report.photos)


@FAST
@given(st.text(max_size=80), st.sampled_from([open311.FORM, "application/json", ""]))
def test_any_open311_body_is_a_report_or_a_parse_error(raw: str, content_type: str) -> None:
    try:
        open311.parse(Payload("open311", raw, content_type))
    except ParseError as exc:
        assert exc.message


# ------------------------------------------------------------------ CSV exports

_cell = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=15
)


@FAST
@given(
    st.sampled_from([c.name for c in CHANNELS.values() if c.files]),
    st.lists(st.lists(_cell, min_size=1, max_size=6), max_size=6),
    st.sampled_from([",", "\t", ";"]),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
)
def test_a_csv_export_reads_back_cell_by_cell(
    channel: str, rows: list[list[str]], delimiter: str, encoding: str
) -> None:
    mapping = default_mapping(channel)
    header = list(mapping.columns())
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    try:
        data = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return
    try:
        payloads = list(iter_payloads(channel, data, "export.csv"))
    except InvalidInput as exc:
        assert exc.message and exc.hint
        return
    kept = [r for r in rows if any(c.strip() for c in r)]
    assert len(payloads) == len(kept)
    for payload, row in zip(payloads, kept, strict=True):
        record = json.loads(payload.raw)
        assert [record[h] for h in header[: len(row)]] == row[: len(header)]
        try:
            report = CHANNELS[channel].parse(payload, mapping)
        except ParseError as exc:
            assert "export.csv" in exc.message
            continue
        assert report.external_id and report.title
