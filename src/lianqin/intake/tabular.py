"""Read a CSV or XLSX export into one :class:`Payload` per row. Pure: no Django.

Operators upload what the 12345 and 网络问政 platforms export; each row then goes
through the same parser, quarantine and replay as a webhook payload. So a row becomes a
payload whose raw text is the JSON object column -> cell text (``ROW_CONTENT_TYPE``), in
the file's column order, and whose source says where it was:
``file:<name>#row <n>``, ``n`` being the row number a spreadsheet shows (header = 1 when
the header is the first row; a quoted CSV cell spanning lines is still one row).

What must hold:

* streaming: rows are yielded as they are read (``csv`` module, openpyxl ``read_only``),
  so a 100,000-row export never sits in memory as parsed objects;
* CSV bytes are decoded as UTF-8 with or without BOM, UTF-16 with BOM (Excel's
  "Unicode text"), else GB18030 (what Chinese Excel saves as "CSV"); the delimiter is
  comma, tab or semicolon, whichever the header line holds most;
* the header is the first row (among the first 20 non-empty ones, so a title line above
  it is tolerated) that holds one of the mapping's identifier columns and one of its
  text columns; without one the file is refused with an InvalidInput listing the
  columns the channel's mapping expects;
* fully empty rows are skipped (their numbers are not reused); XLSX cells become text the
  way a person reads them: a whole number without ``.0``, a date as ISO 8601.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any

from lianqin.errors import InvalidInput
from lianqin.intake.channels import get as get_channel
from lianqin.intake.contract import ROW_CONTENT_TYPE, Payload
from lianqin.intake.mapping import Mapping, load_mapping

__all__ = ["HEADER_SEARCH_ROWS", "cell_text", "iter_payloads", "iter_rows"]

#: How many non-empty rows may precede the header (a title line, an export date…).
HEADER_SEARCH_ROWS = 20
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


def iter_payloads(
    channel: str, data: bytes, filename: str, mapping: Mapping | None = None
) -> Iterator[Payload]:
    """One payload per non-empty row after the header of the CSV/XLSX file ``data``.

    Raises InvalidInput when the channel takes no files, when the file is neither CSV
    nor XLSX, or when no header row is found (checked before the first row is yielded).
    """
    if not get_channel(channel).files:
        raise InvalidInput(
            f"渠道 {channel} 不接受表格文件",
            field="channel",
            hint="表格导入只用于 12345 热线与网络问政的导出文件",
        )
    mapping = mapping if mapping is not None else load_mapping(channel)
    name = PurePath(filename.replace("\\", "/")).name or "upload"
    rows = iter_rows(data, name)
    header = _find_header(rows, mapping, name)
    return _payloads(channel, name, header, rows)


def _payloads(
    channel: str, name: str, header: list[str], rows: Iterator[tuple[int, list[str]]]
) -> Iterator[Payload]:
    width = len(header)
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    for number, cells in rows:
        record = dict(zip(header, cells, strict=False))
        if len(cells) < width:
            for column in header[len(cells) :]:
                record[column] = ""
        elif len(cells) > width:
            for index in range(width, len(cells)):
                if cells[index]:
                    record[f"列{index + 1}"] = cells[index]
        yield Payload(channel, dumps(record), ROW_CONTENT_TYPE, f"file:{name}#row {number}")


def iter_rows(data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts) of every non-empty row of a CSV or XLSX file."""
    lower = filename.lower()
    if data.startswith(_OLE_MAGIC) or lower.endswith(".xls"):
        raise InvalidInput(
            f"{filename} 是旧的 Excel 97-2003（.xls）格式，无法读取",
            field="file",
            hint="在 Excel 中另存为 .xlsx 或 CSV（UTF-8）后再上传",
        )
    if data.startswith(_XLSX_MAGIC) or lower.endswith((".xlsx", ".xlsm")):
        return _xlsx_rows(data, filename)
    return _csv_rows(data, filename)


def _decode(data: bytes, filename: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{filename} 的编码无法识别（既不是 UTF-8 也不是 GB18030）",
            field="file",
            hint="在 Excel 或 WPS 中另存为“CSV UTF-8”后再上传",
        ) from exc


def _csv_rows(data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data, filename)
    first_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = max(",\t;", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, 1):
            if any(c.strip() for c in cells):
                yield number, cells
    except csv.Error as exc:
        raise InvalidInput(
            f"{filename} 不是有效的 CSV：{exc}", field="file", hint="检查引号是否成对"
        ) from exc


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a person reads in it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _xlsx_rows(data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # imported when needed: it costs ~0.2 s

    # openpyxl reports a damaged workbook with whatever its zip and XML layers raise
    # (BadZipFile, KeyError, ValueError, XML errors…): all of them mean "not a valid file".
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise _bad_xlsx(filename, exc) from exc
    number = 0
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), 1):
            cells = [cell_text(v) for v in values]
            if any(c.strip() for c in cells):
                yield number, cells
    except Exception as exc:
        raise _bad_xlsx(filename, exc, number + 1) from exc
    finally:
        workbook.close()


def _bad_xlsx(filename: str, exc: Exception, row: int | None = None) -> InvalidInput:
    where = f"第 {row} 行附近" if row else ""
    return InvalidInput(
        f"{filename} 不是有效的 XLSX 文件{where}：{type(exc).__name__} {exc}",
        field="file",
        hint="用 Excel 或 WPS 打开后另存为 .xlsx 或 CSV（UTF-8）再上传",
    )


def _normalise_header(cells: Iterable[str]) -> list[str]:
    names: list[str] = []
    for index, cell in enumerate(cells, 1):
        name = cell.replace("\ufeff", "").strip().strip("*＊").strip() or f"列{index}"
        if name in names:
            name = f"{name}#{index}"
        names.append(name)
    return names


def _find_header(
    rows: Iterator[tuple[int, list[str]]], mapping: Mapping, filename: str
) -> list[str]:
    ids, texts = mapping.key_columns()
    for _ in range(HEADER_SEARCH_ROWS):
        item = next(rows, None)
        if item is None:
            break
        header = _normalise_header(item[1])
        present = set(header)
        if present & ids and present & texts:
            return header
    expected = "、".join(mapping.columns())
    raise InvalidInput(
        f"{filename} 中找不到表头：{mapping.channel} 的表格应有这些列：{expected}",
        field="file",
        hint=(
            f"至少要有编号列（{'/'.join(sorted(ids))}）和标题或内容列"
            f"（{'/'.join(sorted(texts))}），列名在第一行；列名不同时请改映射文件"
        ),
    )
