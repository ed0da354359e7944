"""The field mappings: the packaged defaults load, an override replaces them, and a bad file
is refused at load time naming the file and the line or key. No Django."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianqin.errors import InvalidInput
from lianqin.intake.channels import CHANNELS, parse
from lianqin.intake.contract import ROW_CONTENT_TYPE, Payload
from lianqin.intake.mapping import (
    DEFAULTS_DIR,
    Rule,
    Source,
    channels_with_defaults,
    compile_time_format,
    load_mapping,
)

MINIMAL = """
[fields]
external_id = "单号"
description = ["正文", "body.text"]
"""


def _write(directory: Path, channel: str, text: str) -> Path:
    path = directory / f"{channel}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _refused(tmp_path: Path, text: str, channel: str = "hotline_12345") -> InvalidInput:
    path = _write(tmp_path, channel, text)
    with pytest.raises(InvalidInput) as info:
        load_mapping(channel, tmp_path)
    assert str(path) in info.value.message  # names the file
    assert info.value.hint
    return info.value


# ------------------------------------------------------------------- the defaults


def test_every_channel_has_a_default_mapping_and_no_other() -> None:
    assert set(channels_with_defaults()) == set(CHANNELS)


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_default_mapping_loads(channel: str) -> None:
    mapping = load_mapping(channel)
    assert mapping.channel == channel
    assert mapping.origin == str(DEFAULTS_DIR / f"{channel}.toml")
    assert mapping.rule("external_id") is not None
    assert mapping.rule("external_id").default is None  # type: ignore[union-attr]
    assert mapping.columns()
    assert mapping.time.zone_name == "Asia/Shanghai"
    assert load_mapping(channel) is mapping  # cached


def test_expected_columns_of_the_exports() -> None:
    hotline = load_mapping("hotline_12345").columns()
    for column in ("工单编号", "来电时间", "来电人", "联系电话", "诉求类型", "诉求标题", "诉求内容",
                   "事发地址", "办理时限"):  # fmt: skip
        assert column in hotline
    assert set(load_mapping("petition_online").columns()) == {
        "留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "反对数", "点赞数",
    }  # fmt: skip


def test_declared_settings() -> None:
    assert load_mapping("video").settings["confirm_below"] == pytest.approx(0.8)
    assert load_mapping("patrol").settings["require_uuid"] is True
    assert load_mapping("hotline_12345").settings["title_length"] == 40


# ------------------------------------------------------------------- overriding


def test_an_override_replaces_the_default_whole(tmp_path: Path) -> None:
    _write(tmp_path, "hotline_12345", MINIMAL)
    mapping = load_mapping("hotline_12345", tmp_path)
    assert mapping.origin == str(tmp_path / "hotline_12345.toml")
    assert [r.target for r in mapping.fields] == ["external_id", "description"]
    body = {"单号": "A-1", "body": {"text": "楼道灯坏了。请修"}, "工单编号": "ignored"}
    report = parse(Payload("hotline_12345", json.dumps(body, ensure_ascii=False)), mapping)
    assert (report.external_id, report.title) == ("A-1", "楼道灯坏了")
    # the other channels keep their defaults
    assert load_mapping("video", tmp_path).origin == str(DEFAULTS_DIR / "video.toml")


def test_an_override_is_reloaded_when_it_changes(tmp_path: Path) -> None:
    path = _write(tmp_path, "portal", MINIMAL)
    first = load_mapping("portal", tmp_path)
    assert load_mapping("portal", tmp_path) is first
    path.write_text(MINIMAL.replace("单号", "编号号码"), encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different mtime even on a coarse clock
    second = load_mapping("portal", tmp_path)
    assert second is not first
    assert second.source_names("external_id") == ("编号号码",)


def test_a_missing_override_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as info:
        load_mapping("portal", tmp_path / "nope")
    assert info.value.field == "LIANQIN_CHANNEL_MAPPINGS"


def test_an_unknown_channel_lists_the_channels() -> None:
    with pytest.raises(InvalidInput) as info:
        load_mapping("weibo")
    assert "hotline_12345" in info.value.hint


# --------------------------------------------------------------- refusing bad files


def test_broken_toml_names_the_line(tmp_path: Path) -> None:
    error = _refused(tmp_path, '[fields]\nexternal_id = "单号"\ndescription = \n')
    assert "line 3" in error.message


def test_unknown_section_names_the_key_and_line(tmp_path: Path) -> None:
    error = _refused(tmp_path, MINIMAL + "\n[feilds]\ntitle = '标题'\n")
    assert "feilds" in error.message and "第 6 行" in error.message


def test_unknown_target_field_names_the_key_and_line(tmp_path: Path) -> None:
    error = _refused(tmp_path, MINIMAL + 'titel = "标题"\n')
    assert "titel" in error.message and "第 5 行" in error.message
    assert error.field == "[fields] titel"
    assert "reporter_phone" in error.hint


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ('[fields]\ndescription = "正文"\n', "external_id"),
        ('[fields]\nexternal_id = "单号"\n', "title"),
        (MINIMAL + 'address = ""\n', "非空"),
        (MINIMAL + "address = []\n", "address"),
        (MINIMAL + 'address = "a..b"\n', "空的段"),
        (MINIMAL + "address = 3\n", "address"),
        (MINIMAL + '[values.priority]\n"紧急" = "asap"\n', "asap"),
        (MINIMAL + '[values.nothing]\n"a" = "b"\n', "nothing"),
        (MINIMAL + '[defaults]\nexternal_id = "X"\n', "external_id"),
        (MINIMAL + '[defaults]\ncrs = "utm"\n', "utm"),
        (MINIMAL + "[defaults]\naddress = 3\n", "字符串"),
        (MINIMAL + '[extra]\nlikes = { from = "赞", type = "integer" }\n', "integer"),
        (MINIMAL + '[extra]\nlikes = { path = "赞" }\n', "likes"),
        (MINIMAL + '[time]\ntimezone = "Mars/Olympus"\n', "Mars/Olympus"),
        (MINIMAL + '[time]\nformats = ["%d.%m.%y"]\n', "%y"),
        (MINIMAL + '[time]\nformats = ["%H:%M"]\n', "年月日"),
        (MINIMAL + '[time]\nzone = "UTC"\n', "zone"),
        (MINIMAL + "[settings]\nconfirm_below = 0.5\n", "confirm_below"),
        (MINIMAL + '[settings]\ntitle_length = "四十"\n', "title_length"),
        (MINIMAL + "fields = 1\n", "fields"),
    ],
)
def test_bad_mappings_are_refused(tmp_path: Path, text: str, word: str) -> None:
    error = _refused(tmp_path, text)
    assert word in error.message + (error.field or "")


def test_settings_of_the_channel_may_be_changed(tmp_path: Path) -> None:
    text = (DEFAULTS_DIR / "video.toml").read_text(encoding="utf-8")
    _write(tmp_path, "video", text.replace("confirm_below = 0.80", "confirm_below = 1"))
    mapping = load_mapping("video", tmp_path)
    assert mapping.settings["confirm_below"] == 1.0
    assert isinstance(mapping.settings["confirm_below"], float)
    # a setting the override leaves out keeps the declared default
    assert mapping.settings["confidence_scale"] == 1.0


# ---------------------------------------------------------------------- values


def _row(channel: str, **cells: str) -> Payload:
    return Payload(channel, json.dumps(cells, ensure_ascii=False), ROW_CONTENT_TYPE)


def test_translation_tables_and_the_star_fallback(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "hotline_12345",
        MINIMAL
        + 'category_hint = "类型"\ncategory_code = "类型"\npriority = "急"\n'
        + '[values.category_code]\n"占道" = "0201"\n"*" = ""\n'
        + '[values.priority]\n"!!" = "urgent"\n"*" = "normal"\n'
        + '[defaults]\naddress = "地址不详"\n',
    )
    mapping = load_mapping("hotline_12345", tmp_path)
    known = parse(_row("hotline_12345", 单号="1", 正文="x", 类型="占道", 急="!!"), mapping)
    assert (known.category_hint, known.category_code, known.priority) == ("占道", "0201", "urgent")
    assert known.address == "地址不详"
    other = parse(_row("hotline_12345", 单号="2", 正文="x", 类型="别的", 急="?"), mapping)
    assert (other.category_hint, other.category_code, other.priority) == ("别的", "", "normal")


def test_rule_find() -> None:
    rule = Rule(
        "address",
        "line",
        (Source("地址", ()), Source("loc.addr", ("loc", "addr")), Source("list.1", ("list", "1"))),
    )
    assert rule.find({"地址": "甲"}) == ("地址", "甲")
    assert rule.find({"地址": " \t", "loc": {"addr": "乙"}}) == ("loc.addr", "乙")
    assert rule.find({"loc.addr": "丙"}) == ("loc.addr", "丙")  # a column name with a dot
    assert rule.find({"loc": "not an object", "list": ["x", "丁"]}) == ("list.1", "丁")
    assert rule.find({"list": ["x"]}) is None
    assert rule.find({"地址": [], "loc": {}, "list": {"1": None}}) is None


# ----------------------------------------------------------------------- times

SHANGHAI = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019/2/28 11:25:05", datetime(2019, 2, 28, 11, 25, 5, tzinfo=SHANGHAI)),
        ("2019-08-01 00:00:00", datetime(2019, 8, 1, tzinfo=SHANGHAI)),
        ("2024年5月6日 14:05", datetime(2024, 5, 6, 14, 5, tzinfo=SHANGHAI)),
        ("2024-05-06T14:05:00Z", datetime(2024, 5, 6, 14, 5, tzinfo=UTC)),
        ("2024-05-06T14:05:00+09:00", datetime(2024, 5, 6, 5, 5, tzinfo=UTC)),
        ("2024-05-06T14:05:00.250", datetime(2024, 5, 6, 14, 5, 0, 250000, tzinfo=SHANGHAI)),
        ("1714525200", datetime(2024, 5, 1, 1, 0, tzinfo=UTC)),
        ("1714525200000", datetime(2024, 5, 1, 1, 0, tzinfo=UTC)),
        (1714525200, datetime(2024, 5, 1, 1, 0, tzinfo=UTC)),
        (1714525200123, datetime(2024, 5, 1, 1, 0, 0, 123000, tzinfo=UTC)),
        ("2024-05-06", datetime(2024, 5, 6, tzinfo=SHANGHAI)),
    ],
)
def test_times_are_read_aware(text: object, expected: datetime) -> None:
    parsed = load_mapping("hotline_12345").time.parse(text)
    assert parsed == expected and parsed.utcoffset() is not None


def test_a_deadline_date_runs_to_the_end_of_the_day() -> None:
    spec = load_mapping("hotline_12345").time
    for text in ("2024-05-10", "2024/5/10", "2024年5月10日"):
        assert spec.parse(text, end_of_day=True) == datetime(
            2024, 5, 10, 23, 59, 59, tzinfo=SHANGHAI
        )


@pytest.mark.parametrize(
    "text",
    ["2024-02-30 10:00:00", "2024-05-06 24:00:00", "昨天", "", True, None, [], "12345", "1e400"],
)
def test_bad_times_raise_value_error(text: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        load_mapping("hotline_12345").time.parse(text)


def test_epoch_only_where_listed() -> None:
    with pytest.raises(ValueError):
        load_mapping("petition_online").time.parse("1714525200")


def test_compile_time_format() -> None:
    fmt = compile_time_format("%Y%m%d%H%M%S")
    assert fmt.regex.fullmatch("20240513213005") and fmt.has_clock
    assert not compile_time_format("%Y年%m月%d日").has_clock
    assert compile_time_format("%Y-%m-%d  %H:%M").regex.fullmatch("2024-05-01 \t9:05")
    for bad in ("%Y-%m", "%Y-%m-%d %I", "%Y-%m-%d %H %H", "%Y-%m-%d %"):
        with pytest.raises(ValueError):
            compile_time_format(bad)


NAIVE_RANGE = {"min_value": datetime(1971, 1, 1), "max_value": datetime(2099, 12, 31)}  # noqa: DTZ001


@given(st.datetimes(**NAIVE_RANGE))
def test_every_listed_format_round_trips(moment: datetime) -> None:
    spec = load_mapping("hotline_12345").time
    moment = moment.replace(microsecond=0)
    for fmt in spec.formats:
        if not fmt.has_clock or "%S" not in fmt.pattern:
            continue
        text = moment.strftime(fmt.pattern)
        assert spec.parse(text) == moment.replace(tzinfo=spec.zone)
