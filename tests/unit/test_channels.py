"""The seven channel parsers, driven by the payload fixtures, plus what must hold for any input.

No Django: ``lianqin.intake.channels`` is pure. Every file in
``tests/fixtures/channels/<channel>/`` is a payload as a source system sends it, and its
expectation (``expected.json`` in the folder, or a ``<file>.expected.json`` beside it)
gives either the report's fields or the error's ``field`` and ``code``. A CSV/XLSX
export is read with ``intake.tabular`` and its expectation is keyed by row number.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
import math
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianqin.choices import CHANNEL_LABELS
from lianqin.choices import Channel as ChannelCode
from lianqin.errors import InvalidInput
from lianqin.intake.channels import CHANNELS, default_mapping, get, parse
from lianqin.intake.channels.convert import derive_title, one_line, readable
from lianqin.intake.channels.decode import FORM, JSON
from lianqin.intake.contract import ROW_CONTENT_TYPE, ParsedReport, ParseError, Payload
from lianqin.intake.mapping import PRIORITY_VALUES, load_mapping
from lianqin.intake.tabular import iter_payloads
from tests.shared_data import TIPDM

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "channels"
MEDIA = {".json": JSON, ".xml": "application/xml", ".form": FORM}
TABLES = (".csv", ".xlsx")
DEFAULTS = {f.name: f.default for f in ParsedReport.__dataclass_fields__.values()}


# ------------------------------------------------------------------------ fixtures


def _expectations(channel: str) -> dict[str, Any]:
    folder = FIXTURES / channel
    found: dict[str, Any] = {}
    combined = folder / "expected.json"
    if combined.exists():
        found.update(json.loads(combined.read_text(encoding="utf-8")))
    for sidecar in folder.glob("*.expected.json"):
        found[sidecar.name.removesuffix(".expected.json")] = json.loads(
            sidecar.read_text(encoding="utf-8")
        )
    return found


def _payload_files(channel: str) -> list[Path]:
    return sorted(
        p for p in (FIXTURES / channel).iterdir() if p.suffix in (*MEDIA, *TABLES) and p.is_file()
        and not p.name.endswith("expected.json")
    )  # fmt: skip


def _cases() -> list[Any]:
    return [
        pytest.param(channel, path.name, id=f"{channel}/{path.name}")
        for channel in CHANNELS
        for path in _payload_files(channel)
    ]


def _visible(report: ParsedReport) -> dict[str, Any]:
    """The report's fields that differ from the dataclass defaults, as JSON values."""
    out: dict[str, Any] = {}
    for name, value in report.__dict__.items():
        if name == "channel" or value in ("", None, [], {}, False):
            continue
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def _outcome(payload: Payload) -> ParsedReport | ParseError:
    try:
        return parse(payload)
    except ParseError as exc:
        return exc


def _check(outcome: ParsedReport | ParseError, expected: dict[str, Any], where: str) -> None:
    if "error_code" in expected:
        assert isinstance(outcome, ParseError), f"{where}: expected an error, got {outcome}"
        assert outcome.code == expected["error_code"], where
        assert outcome.field == expected["error_field"], (where, outcome.as_dict())
        assert outcome.message, where
        return
    assert isinstance(outcome, ParsedReport), f"{where}: {outcome.as_dict()}"
    assert _visible(outcome) == expected, where
    assert outcome.reported_at is None or outcome.reported_at.utcoffset() is not None
    assert outcome.due_at is None or outcome.due_at.utcoffset() is not None
    assert outcome.crs in ("wgs84", "gcj02", "bd09")
    assert outcome.priority in ("", *PRIORITY_VALUES)


@pytest.mark.parametrize(("channel", "name"), _cases())
def test_fixture(channel: str, name: str) -> None:
    path = FIXTURES / channel / name
    expected = _expectations(channel)[name]
    if path.suffix in TABLES:
        rows = expected["rows"]
        payloads = list(iter_payloads(channel, path.read_bytes(), name))
        assert [p.source for p in payloads] == [f"file:{name}#row {n}" for n in rows]
        for payload in payloads:
            assert payload.content_type == ROW_CONTENT_TYPE
            number = payload.source.rsplit(" ", 1)[1]
            outcome = _outcome(payload)
            if isinstance(outcome, ParseError):  # a row's error says which row
                assert outcome.message.startswith(f"{name} 第 {number} 行：")
            _check(outcome, rows[number], f"{name} row {number}")
        return
    payload = Payload(channel, path.read_text(encoding="utf-8"), MEDIA[path.suffix])
    outcome = _outcome(payload)
    _check(outcome, expected, name)
    if isinstance(outcome, ParsedReport):  # a replay parses to the same report
        assert parse(payload) == outcome


@pytest.mark.parametrize("channel", list(CHANNELS))
def test_every_channel_has_enough_fixtures(channel: str) -> None:
    files = _payload_files(channel)
    expectations = _expectations(channel)
    assert len(files) >= 6
    assert {p.name for p in files} == set(expectations), "every fixture has an expectation"
    malformed = [n for n, e in expectations.items() if "error_code" in e]
    valid = [n for n, e in expectations.items() if "error_code" not in e]
    assert len(malformed) >= 2 and len(valid) >= 3


def test_tabular_fixtures_for_the_exporting_channels() -> None:
    for channel in ("hotline_12345", "petition_online"):
        suffixes = {p.suffix for p in _payload_files(channel)}
        assert {".csv", ".xlsx"} <= suffixes, channel
        for name, expectation in _expectations(channel).items():
            if name.endswith(TABLES):
                assert any("error_code" in r for r in expectation["rows"].values()), name


# ------------------------------------------------------------------ the registry


def test_the_seven_channels() -> None:
    assert list(CHANNELS) == [
        "hotline_12345", "alarm_110", "petition_online", "portal", "zongzhi", "patrol", "video",
    ]  # fmt: skip
    for name, channel in CHANNELS.items():
        assert channel.name == name
        assert channel.label == CHANNEL_LABELS[ChannelCode(name)].zh
        assert JSON in channel.content_types
        assert get(name) is channel
    assert {n for n, c in CHANNELS.items() if c.files} == {"hotline_12345", "petition_online"}
    assert FORM in CHANNELS["portal"].content_types
    assert "application/xml" in CHANNELS["zongzhi"].content_types


def test_unknown_channel_lists_the_channels() -> None:
    with pytest.raises(InvalidInput) as info:
        get("weibo")
    assert isinstance(info.value, ParseError)
    assert info.value.field == "channel"
    assert all(name in info.value.hint for name in CHANNELS)
    with pytest.raises(ParseError):
        parse(Payload("weibo", "{}"))


def test_default_mapping_is_cached() -> None:
    assert default_mapping("video") is default_mapping("video")


def test_content_type_is_checked_and_parameters_ignored() -> None:
    raw = (FIXTURES / "alarm_110" / "noise.json").read_text(encoding="utf-8")
    report = parse(Payload("alarm_110", raw, "Application/JSON; charset=utf-8"))
    assert report.external_id == "J4403050520240512000318"
    with pytest.raises(ParseError) as info:
        parse(Payload("alarm_110", raw, "application/xml"))
    assert info.value.field == "Content-Type"
    with pytest.raises(ParseError) as info:  # 110 takes no files
        parse(Payload("alarm_110", raw, ROW_CONTENT_TYPE))
    assert info.value.field == "Content-Type"


def test_a_mapping_of_another_channel_is_a_programming_error() -> None:
    raw = (FIXTURES / "alarm_110" / "noise.json").read_text(encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        get("alarm_110").parse(Payload("alarm_110", raw), load_mapping("video"))
    assert not isinstance(info.value, ParseError)  # not the payload's fault: no quarantine


def test_a_row_error_names_the_file_and_row() -> None:
    row = json.dumps(
        {"工单编号": "GD1", "诉求内容": "路灯不亮", "来电时间": "明天"}, ensure_ascii=False
    )
    with pytest.raises(ParseError) as info:
        parse(Payload("hotline_12345", row, ROW_CONTENT_TYPE, "file:五月.xlsx#row 17"))
    assert info.value.message.startswith("五月.xlsx 第 17 行：来电时间")
    assert info.value.field == "来电时间"
    assert info.value.hint


# -------------------------------------------------------------- channel specifics


def _hotline(**fields: Any) -> ParsedReport:
    base = {"工单编号": "GD440305202405010001", "诉求内容": "路灯不亮。"}
    return parse(Payload("hotline_12345", json.dumps({**base, **fields}, ensure_ascii=False)))


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("东经113度", "经度"),
        ("nan", "经度"),
        ("inf", "经度"),
        ("-Infinity", "经度"),
        (180.0001, "经度"),
        (True, "经度"),
        ([113.9], "经度"),
        ({"x": 1}, "经度"),
        (10**400, "经度"),
    ],
)
def test_bad_longitudes_are_refused_naming_the_field(value: Any, field: str) -> None:
    with pytest.raises(ParseError) as info:
        _hotline(经度=value, 纬度=22.5)
    assert info.value.field == field


@pytest.mark.parametrize("lat", [90.5, -91, "１２３"])
def test_bad_latitudes_are_refused(lat: Any) -> None:
    with pytest.raises(ParseError) as info:
        _hotline(经度=113.9, 纬度=lat)
    assert info.value.field == "纬度"


def test_coordinates_are_kept_as_sent() -> None:
    """(0, 0), swapped or far-away points are the geo layer's to refuse, not ours."""
    assert (_hotline(经度=0, 纬度=0).lon, _hotline(经度=0, 纬度=0).lat) == (0.0, 0.0)
    swapped = _hotline(经度="22.54", 纬度="-80")
    assert (swapped.lon, swapped.lat) == (22.54, -80.0)
    assert _hotline(经度=-180, 纬度=90).lon == -180.0
    assert _hotline(经度="", 纬度="").lon is None  # no position: address only


def test_a_half_position_is_refused() -> None:
    with pytest.raises(ParseError) as info:
        _hotline(经度=113.9)
    assert info.value.field == "纬度"


def test_title_from_the_first_sentence() -> None:
    assert _hotline(诉求内容="井盖丢了！小孩差点掉进去。").title == "井盖丢了"
    long = "请问" + "很长的句子" * 20
    title = _hotline(诉求内容=long).title
    assert len(title) == 40 and title.endswith("…")
    assert _hotline(诉求标题="  标题\t在此 ").title == "标题 在此"
    assert len(_hotline(诉求标题="长" * 500).title) == 200


def test_priority_words_are_translated_and_unknown_words_refused() -> None:
    assert _hotline(紧急程度="特急").priority == "urgent"
    assert _hotline(紧急程度="URGENT").priority == "urgent"
    assert _hotline(紧急程度="low").priority == "low"
    with pytest.raises(ParseError) as info:
        _hotline(紧急程度="十万火急")
    assert info.value.field == "紧急程度"
    assert "[values.priority]" in info.value.hint


def test_deadline_forms() -> None:
    assert _hotline(办理时限="2024-05-10").due_at.isoformat() == "2024-05-10T23:59:59+08:00"
    assert _hotline(办理时限="2024-05-10 12:00").due_at.isoformat() == "2024-05-10T12:00:00+08:00"
    report = _hotline(办理时限="15个工作日")
    assert report.due_at is None and report.extra["due_in"] == "15个工作日"


def test_external_ids_are_text_whatever_their_json_type() -> None:
    assert _hotline(工单编号=20240501123).external_id == "20240501123"
    assert _hotline(工单编号=20240501123.0).external_id == "20240501123"
    for bad in (True, ["GD1"], {"id": 1}, float("nan")):
        with pytest.raises(ParseError) as info:
            _hotline(工单编号=bad)
        assert info.value.field == "工单编号"


def test_petition_whitespace_is_collapsed_in_the_title_and_readable_in_the_text() -> None:
    row = {
        "留言编号": "1",
        "留言用户": "A0001",
        "留言主题": "\tA3区\u00a0\u00a0某路\u3000路灯\u200b不亮\n",
        "留言时间": "2019/2/8 7:05:09",
        "留言详情": "\n\t\t\t\t\n\t\t\t\t\t第一段，\u00a0说明。\r\n\r\n\r\n\r\n\u3000\u3000第二段。\n\t\t\t\t",
        "反对数": "0",
        "点赞数": "7",
    }
    report = parse(
        Payload("petition_online", json.dumps(row, ensure_ascii=False), ROW_CONTENT_TYPE)
    )
    assert report.title == "A3区 某路 路灯不亮"
    assert report.description == "第一段，说明。\n\n第二段。"
    assert report.reported_at is not None
    assert report.reported_at.isoformat() == "2019-02-08T07:05:09+08:00"
    assert report.extra == {"account": "A0001", "likes": 7, "dislikes": 0}
    assert report.reporter_name == ""  # 留言用户 is an account, not a name


def test_patrol_keys_are_canonical_uuids() -> None:
    base = json.loads((FIXTURES / "patrol" / "report_full.json").read_text(encoding="utf-8"))
    forms = ["3F9D2C1E-8A4B-4C6D-9E2F-1A7B5C3D9E80", "urn:uuid:3f9d2c1e-8a4b-4c6d-9e2f-1a7b5c3d9e80",
             "3f9d2c1e8a4b4c6d9e2f1a7b5c3d9e80"]  # fmt: skip
    for key in forms:
        report = parse(Payload("patrol", json.dumps({**base, "client_id": key})))
        assert report.external_id == "3f9d2c1e-8a4b-4c6d-9e2f-1a7b5c3d9e80"


def test_patrol_defaults_to_gcj02() -> None:
    base = json.loads((FIXTURES / "patrol" / "report_full.json").read_text(encoding="utf-8"))
    assert parse(Payload("patrol", json.dumps(base))).crs == "gcj02"
    base["location"]["crs"] = "BD09"
    assert parse(Payload("patrol", json.dumps(base))).crs == "bd09"
    base["location"]["crs"] = "北京54"
    with pytest.raises(ParseError) as info:
        parse(Payload("patrol", json.dumps(base)))
    assert info.value.field == "location.crs"


@pytest.mark.parametrize(
    ("confidence", "needs"),
    [(0.0, True), (0.7999, True), (0.8, False), (1, False), ("0.95", False)],
)
def test_video_confirmation_threshold(confidence: Any, needs: bool) -> None:
    base = json.loads((FIXTURES / "video" / "road_occupation.json").read_text(encoding="utf-8"))
    report = parse(Payload("video", json.dumps({**base, "confidence": confidence})))
    assert report.needs_confirmation is needs
    assert 0.0 <= report.extra["confidence"] <= 1.0


@pytest.mark.parametrize("confidence", [-0.01, 1.01, "高", float("nan"), float("inf")])
def test_video_confidence_outside_0_1_is_refused(confidence: Any) -> None:
    base = json.loads((FIXTURES / "video" / "road_occupation.json").read_text(encoding="utf-8"))
    with pytest.raises(ParseError) as info:
        parse(Payload("video", json.dumps({**base, "confidence": confidence})))
    assert info.value.field == "confidence"


def test_video_threshold_and_scale_come_from_the_mapping(tmp_path: Path) -> None:
    text = Path(load_mapping("video").origin).read_text(encoding="utf-8")
    text = text.replace("confirm_below = 0.80", "confirm_below = 0.95").replace(
        "confidence_scale = 1.0", "confidence_scale = 100"
    )
    (tmp_path / "video.toml").write_text(text, encoding="utf-8")
    mapping = load_mapping("video", tmp_path)
    base = json.loads((FIXTURES / "video" / "road_occupation.json").read_text(encoding="utf-8"))
    report = parse(Payload("video", json.dumps({**base, "confidence": 93})), mapping)
    assert report.extra["confidence"] == pytest.approx(0.93)
    assert report.needs_confirmation  # 0.93 < 0.95


def test_zongzhi_xml_refuses_every_dtd() -> None:
    external_dtd = (
        '<?xml version="1.0"?><!DOCTYPE 事件 SYSTEM "http://evil.example/e.dtd">'
        "<事件><事件编号>ZZ1</事件编号><事件描述>x</事件描述></事件>"
    )
    for raw in (external_dtd, "<a>", "", "<事件>只有文字</事件>", "<事件/>"):
        with pytest.raises(ParseError):
            parse(Payload("zongzhi", raw, "text/xml; charset=utf-8"))


def test_zongzhi_xml_with_a_gbk_declaration_is_read_from_text() -> None:
    raw = (
        '<?xml version="1.0" encoding="GBK"?><事件><事件编号>ZZ2</事件编号>'
        "<事件类型>治安隐患</事件类型><事件描述>围墙破损</事件描述></事件>"
    )
    report = parse(Payload("zongzhi", raw, "application/xml"))
    assert (report.external_id, report.category_code) == ("ZZ2", "0401")


def test_portal_form_repeated_fields_and_gbk() -> None:
    body = urlencode([("信件编号", "X1"), ("内容", "路面坑洼"), ("是否公开", "否")], encoding="gbk")
    report = parse(Payload("portal", body, FORM))
    assert (report.external_id, report.title, report.extra["public"]) == ("X1", "路面坑洼", False)
    body = urlencode([("信件编号", "X1"), ("信件编号", "X2"), ("内容", "路面坑洼")])
    with pytest.raises(ParseError) as info:  # two ids: ambiguous, refused
        parse(Payload("portal", body, FORM))
    assert info.value.field == "信件编号"


# ------------------------------------------------------------------ text helpers


def test_text_helpers() -> None:
    assert one_line(" a\t\u00a0b\u3000c\u200b\n") == "a b c"
    assert one_line("路灯， 不亮 。") == "路灯，不亮。"
    assert readable("a\r\n\r\n\r\n\r\nb \n c\x00") == "a\n\nb\nc"
    assert derive_title("第一句。第二句。", 40) == "第一句"
    assert derive_title("甲乙丙丁戊己庚辛，壬癸子丑寅卯辰巳午未", 12) == "甲乙丙丁戊己庚辛"
    assert derive_title("一二三四五六七八九十", 5) == "一二三四…"


# ----------------------------------------------------------- any input whatsoever

_MEDIA_BY_CHANNEL = [
    (name, media)
    for name, channel in CHANNELS.items()
    for media in (*channel.content_types, *([ROW_CONTENT_TYPE] if channel.files else []))
]
_texts = st.one_of(
    st.text(),
    st.binary().map(lambda b: b.decode("latin-1")),
    st.sampled_from(["{", "[]", "null", '{"a":', "<a>", "<?xml?>", "a=1&b", "NaN", '"x"']),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(_MEDIA_BY_CHANNEL), raw=_texts)
def test_any_text_gives_a_report_or_a_parse_error(case: tuple[str, str], raw: str) -> None:
    channel, media = case
    try:
        report = parse(Payload(channel, raw, media))
    except ParseError:
        return
    assert report.external_id and report.title


def _names(channel: str) -> list[str]:
    """Every key a channel's mapping reads, and every part of its dotted paths."""
    mapping = default_mapping(channel)
    names: set[str] = set()
    for rule in (*mapping.fields, *mapping.extra):
        for source in rule.sources:
            names.add(source.name)
            names.update(source.parts)
    return sorted(names)


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["2024-05-01 09:00:00", "1714525200000", "113.9", "22.5", "紧急", "0.9",
                     "3f9d2c1e-8a4b-4c6d-9e2f-1a7b5c3d9e80", "5个工作日", "是", "gcj02"]),
)  # fmt: skip


@st.composite
def _objects(draw: st.DrawFn, channel: str) -> dict[str, Any]:
    keys = st.one_of(st.sampled_from(_names(channel)), st.text(max_size=8))
    values = st.recursive(
        _scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=8,
    )
    return draw(st.dictionaries(keys, values, max_size=12))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), channel=st.sampled_from(list(CHANNELS)))
def test_any_json_object_gives_a_report_or_a_parse_error(data: st.DataObject, channel: str) -> None:
    obj = data.draw(_objects(channel))
    raw = json.dumps(obj, ensure_ascii=False)
    media = [JSON] + ([ROW_CONTENT_TYPE] if CHANNELS[channel].files else [])
    for content_type in media:
        try:
            report = parse(Payload(channel, raw, content_type))
        except ParseError as exc:
            assert exc.message
            continue
        assert report.external_id and report.title
        assert report.lon is None or math.isfinite(report.lon)
        assert report.priority in ("", *PRIORITY_VALUES)
        assert report.reported_at is None or report.reported_at.utcoffset() is not None


def _valid_objects(channel: str) -> list[dict[str, Any]]:
    expectations = _expectations(channel)
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in _payload_files(channel)
        if path.suffix == ".json" and "error_code" not in expectations[path.name]
    ]


_VALID = {channel: _valid_objects(channel) for channel in CHANNELS}
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
)


@st.composite
def _mutated(draw: st.DrawFn, channel: str) -> dict[str, Any]:
    """A valid fixture with a few of its fields replaced by anything, or removed."""
    obj = copy.deepcopy(draw(st.sampled_from(_VALID[channel])))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        key = draw(st.sampled_from(sorted(obj) or ["x"]))
        if draw(st.booleans()):
            obj[key] = draw(_values)
        else:
            obj.pop(key, None)
    return obj


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), channel=st.sampled_from(list(CHANNELS)))
def test_a_valid_payload_with_any_field_spoiled_gives_a_report_or_a_parse_error(
    data: st.DataObject, channel: str
) -> None:
    obj = data.draw(_mutated(channel))
    try:
        report = parse(Payload(channel, json.dumps(obj, ensure_ascii=False)))
    except ParseError as exc:
        assert exc.message and (exc.field is None or isinstance(exc.field, str))
        return
    assert report.external_id and report.title and len(report.title) <= 200
    assert all(isinstance(p, str) and p for p in report.photos)
    assert report.lat is None or -90 <= report.lat <= 90
    json.dumps(report.extra)  # what is kept must be storable as JSON


_tag = st.text(alphabet="事件编号类型描述发生时间经度纬度网格abcxyz", min_size=1, max_size=6)


@settings(max_examples=100, deadline=None)
@given(
    fields=st.dictionaries(
        st.one_of(st.sampled_from(_names("zongzhi")).filter(lambda n: "." not in n), _tag),
        st.text(max_size=20),
        max_size=10,
    )
)
def test_any_zongzhi_xml_gives_a_report_or_a_parse_error(fields: dict[str, str]) -> None:
    body = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items() if not k.startswith("@"))
    with contextlib.suppress(ParseError):
        parse(Payload("zongzhi", f"<事件>{body}</事件>", "application/xml"))


@settings(max_examples=100, deadline=None)
@given(fields=st.dictionaries(st.sampled_from(_names("portal")), st.text(max_size=20), max_size=10))
def test_any_portal_form_gives_a_report_or_a_parse_error(fields: dict[str, str]) -> None:
    with contextlib.suppress(ParseError):
        parse(Payload("portal", urlencode(fields), FORM))


# ---------------------------------------------------------------- the real data

HOT_MESSAGES = TIPDM / "hot_messages.csv"


@pytest.mark.skipif(not HOT_MESSAGES.exists(), reason="shared TipDM data not present")
def test_every_real_hot_message_parses() -> None:
    data = HOT_MESSAGES.read_bytes()
    reports = [parse(p) for p in iter_payloads("petition_online", data, HOT_MESSAGES.name)]
    assert len(reports) == 4326
    with io.StringIO(data.decode("utf-8-sig"), newline="") as handle:
        distinct = {row["留言编号"].strip() for row in csv.DictReader(handle)}
    assert len({r.external_id for r in reports}) == len(distinct)
    for report in reports:
        assert report.title and report.description
        assert report.title == one_line(report.title)
        assert report.reported_at is not None and report.reported_at.utcoffset() is not None
        assert isinstance(report.extra["likes"], int) and isinstance(report.extra["dislikes"], int)
        assert report.extra["account"]
        assert not report.reporter_name


def test_docs_cover_every_channel() -> None:
    text = (REPO / "docs" / "channels.md").read_text(encoding="utf-8")
    for name in CHANNELS:
        assert f"`{name}`" in text
        assert f"mappings/{name}.toml" in text
    for word in ("LIANQIN_CHANNEL_MAPPINGS", "lianqin quarantine", "replay", "confirm_below"):
        assert word in text
