"""Reading CSV/XLSX exports into row payloads: encodings, delimiters, header, row numbers.

No Django: ``lianqin.intake.tabular`` is pure. XLSX files are written in memory with
openpyxl, so the tests see exactly what its read-only reader returns.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from lianqin.errors import InvalidInput
from lianqin.intake.contract import ROW_CONTENT_TYPE, Payload
from lianqin.intake.tabular import cell_text, iter_payloads, iter_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
HEADER = ["工单编号", "来电时间", "来电人", "联系电话", "诉求类型", "诉求标题", "诉求内容", "事发地址", "办理时限"]  # fmt: skip
ROW = ["GD1", "2024-05-01 09:00:00", "王先生", "13800000000", "市容环境", "", "路灯不亮。", "幸福路", ""]  # fmt: skip


def _csv(rows: list[list[str]], *, delimiter: str = ",") -> str:
    return "\r\n".join(delimiter.join(r) for r in rows) + "\r\n"


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _records(payloads: Iterator[Payload]) -> list[tuple[str, dict[str, str]]]:
    return [(p.source, json.loads(p.raw)) for p in payloads]


def test_rows_become_payloads_in_column_order() -> None:
    payloads = list(iter_payloads("hotline_12345", _csv([HEADER, ROW]).encode(), "may.csv"))
    assert len(payloads) == 1
    payload = payloads[0]
    assert (payload.channel, payload.content_type) == ("hotline_12345", ROW_CONTENT_TYPE)
    assert payload.source == "file:may.csv#row 2"
    record = json.loads(payload.raw)
    assert list(record) == HEADER and list(record.values()) == ROW
    assert "工单编号" in payload.raw  # kept readable, not \\u-escaped


def test_the_result_is_a_lazy_iterator() -> None:
    result = iter_payloads("hotline_12345", _csv([HEADER, ROW, ROW]).encode(), "a.csv")
    assert iter(result) is result
    assert next(result).source == "file:a.csv#row 2"


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
        lambda t: t.encode("gb18030"),
        lambda t: t.encode("gbk"),
        lambda t: t.encode("utf-16"),
    ],
    ids=["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"],
)
def test_encodings(encode) -> None:  # type: ignore[no-untyped-def]
    data = encode(_csv([HEADER, ROW]))
    assert _records(iter_payloads("hotline_12345", data, "a.csv")) == [
        ("file:a.csv#row 2", dict(zip(HEADER, ROW, strict=True)))
    ]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_delimiters(delimiter: str) -> None:
    data = _csv([HEADER, ROW], delimiter=delimiter).encode()
    assert (
        json.loads(next(iter_payloads("hotline_12345", data, "a.csv")).raw)["诉求内容"]
        == "路灯不亮。"
    )


def test_row_numbers_are_the_spreadsheet_rows() -> None:
    """A quoted cell spanning lines is one row; an empty row is skipped but counted."""
    text = (
        _csv([HEADER, ROW])
        + ",,,,,,,,\r\n\r\n"
        + 'GD2,2024-05-01 10:00,李,1,类型,,"第一行\n第二行",路,\r\n'
    )
    text += _csv([["GD3", *ROW[1:]]])
    sources = [p.source for p in iter_payloads("hotline_12345", text.encode(), "a.csv")]
    assert sources == ["file:a.csv#row 2", "file:a.csv#row 5", "file:a.csv#row 6"]


def test_a_title_line_above_the_header_is_skipped() -> None:
    data = _csv([["12345热线工单导出"], [], HEADER, ROW]).encode()
    assert [p.source for p in iter_payloads("hotline_12345", data, "a.csv")] == ["file:a.csv#row 4"]


def test_header_cells_are_cleaned_and_short_and_long_rows_kept() -> None:
    header = [" 工单编号* ", "诉求内容", "诉求内容", ""]
    rows = [header, ["GD1", "甲"], ["GD2", "乙", "丙", "丁", "", "戊"]]
    records = [r for _, r in _records(iter_payloads("hotline_12345", _csv(rows).encode(), "a.csv"))]
    assert records[0] == {"工单编号": "GD1", "诉求内容": "甲", "诉求内容#3": "", "列4": ""}
    assert records[1] == {
        "工单编号": "GD2",
        "诉求内容": "乙",
        "诉求内容#3": "丙",
        "列4": "丁",
        "列6": "戊",
    }


def test_a_file_path_is_reduced_to_its_name() -> None:
    data = _csv([HEADER, ROW]).encode()
    payload = next(iter_payloads("hotline_12345", data, "C:\\Users\\值班\\五月导出.csv"))
    assert payload.source == "file:五月导出.csv#row 2"


@pytest.mark.parametrize(
    "text",
    ["", "\r\n\r\n", "GD1,2024-05-01,路灯不亮\r\n", _csv([["编号", "内容"], ["1", "x"]]),
     _csv([["工单编号", "来电时间"], ["GD1", "2024-05-01"]])],
    ids=["empty", "blank", "no-header", "other-columns", "no-text-column"],
)  # fmt: skip
def test_no_recognisable_header_lists_the_expected_columns(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        iter_payloads("hotline_12345", text.encode(), "bad.csv")
    message = info.value.message
    assert "bad.csv" in message
    for column in ("工单编号", "来电时间", "诉求内容", "事发地址", "办理时限"):
        assert column in message
    assert "工单编号" in info.value.hint and "诉求内容" in info.value.hint


def test_the_expected_columns_come_from_the_mapping() -> None:
    with pytest.raises(InvalidInput) as info:
        iter_payloads("petition_online", b"a,b\n1,2\n", "x.csv")
    assert "留言编号" in info.value.message and "留言详情" in info.value.message


def test_a_channel_without_files_refuses_them() -> None:
    with pytest.raises(InvalidInput) as info:
        iter_payloads("alarm_110", _csv([HEADER, ROW]).encode(), "a.csv")
    assert info.value.field == "channel"


def test_undecodable_csv() -> None:
    with pytest.raises(InvalidInput) as info:
        iter_payloads("hotline_12345", b"\x81\x30\xff\xff\xff" * 3, "a.csv")
    assert "CSV UTF-8" in info.value.hint


# -------------------------------------------------------------------------- xlsx


def test_xlsx_cells_become_the_text_a_person_reads() -> None:
    data = _xlsx([
        ["导出时间：2024-05-11"],
        HEADER,
        ["GD1", datetime(2024, 5, 11, 8, 40, 12), "马", 13500007777, "类", None, "小广告。", "科苑", 3.5],  # noqa: DTZ001 - Excel cells are naive
        [None] * 9,
        ["GD2", "2024-05-11 09:00", "冯", "136", "类", "", "老鼠多", "海岸城", True],
    ])  # fmt: skip
    records = _records(iter_payloads("hotline_12345", data, "x.xlsx"))
    assert [s for s, _ in records] == ["file:x.xlsx#row 3", "file:x.xlsx#row 5"]
    first = records[0][1]
    assert first["来电时间"] == "2024-05-11 08:40:12"
    assert first["联系电话"] == "13500007777"
    assert first["诉求标题"] == ""
    assert first["办理时限"] == "3.5"
    assert records[1][1]["办理时限"] == "是"


def test_xlsx_fixture() -> None:
    data = (FIXTURES / "hotline_12345" / "export.xlsx").read_bytes()
    rows = list(iter_rows(data, "export.xlsx"))
    assert [n for n, _ in rows] == [1, 2, 3, 4, 6, 7]


def test_xlsx_is_recognised_by_content_whatever_its_name() -> None:
    data = _xlsx([HEADER, ROW])
    assert (
        next(iter_payloads("hotline_12345", data, "export.csv")).source == "file:export.csv#row 2"
    )


@pytest.mark.parametrize(
    ("data", "name", "word"),
    [
        (b"PK\x03\x04 not really a zip", "a.xlsx", "XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "a.xls", ".xls"),
        (b"anything", "old.XLS", ".xls"),
    ],
)
def test_broken_and_old_excel_files_are_refused(data: bytes, name: str, word: str) -> None:
    with pytest.raises(InvalidInput) as info:
        list(iter_payloads("hotline_12345", data, name))
    assert word in info.value.message


def test_cell_text() -> None:
    assert cell_text(None) == ""
    assert cell_text(12.0) == "12"
    assert cell_text(0.1) == "0.1"
    assert cell_text(1e20) == "1e+20"
    assert cell_text(datetime(2019, 2, 28, 11, 25, 5)) == "2019-02-28 11:25:05"  # noqa: DTZ001
    assert cell_text(False) == "否"


# ---------------------------------------------------------------- any bytes at all


@settings(max_examples=200, deadline=None)
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_any_bytes_give_payloads_or_invalid_input(data: bytes) -> None:
    for name in ("x.csv", "x.xlsx"):
        try:
            for payload in iter_payloads("hotline_12345", data, name):
                assert isinstance(json.loads(payload.raw), dict)
        except InvalidInput:
            pass
