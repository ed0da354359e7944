"""The report as an .xlsx workbook (openpyxl). Pure: no Django; called through
:func:`lianqin.evaluation.export.to_xlsx`, which validates the report first.

Layout: 封面说明 (title, subtitle, generated time, footer, contents and the text of the
sections that have neither table nor chart), one sheet per section with a table or a
chart, then 指标定义 when the report has definitions. On a section sheet row 1 is the
heading, row 2 the (bold, frozen, filtered) header, the rows under it, then the note and
the text. The chart sits to the right of the table and reads the sheet's own cells: the
table's, when its categories are a text column and each series is a numeric column of
the same title with the same values (and no gap); otherwise a 图表数据 block under the
table, whose empty cells are gaps.

What must hold: sheet names are unique (case-insensitively, as Excel compares them), at
most 31 characters, without ``[]:*?/\\``; numbers are stored as numbers with the format of
their kind; the file depends only on the report (document dates are ``generated_at`` and
every zip entry carries the same timestamp, taken from it).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import UTC

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from lianqin.evaluation.export import (
    DEFINITIONS_HEADING,
    NUMBER_FORMATS,
    NUMERIC_KINDS,
    Chart,
    Column,
    ColumnKind,
    Report,
    Section,
    Table,
    cell_value,
    display_width,
    format_value,
    when,
)

COVER_SHEET = "封面说明"  # "封面/说明" is not a legal sheet name ("/")
CHART_DATA_LABEL = "图表数据"
MAX_SHEET_NAME = 31
MAX_WIDTH = 50  # a column wider than this wraps instead
HEADER_ROW = 2  # row 1 is the section heading

_ILLEGAL = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="7F7F7F"))
_WRAP = Alignment(wrap_text=True, vertical="top")

# Where a chart reads its data: (header row, last row, category column, series columns),
# 1-based sheet coordinates; the header cells are the series' titles.
_Links = tuple[int, int, int, list[int]]


def write_xlsx(report: Report) -> bytes:
    """The workbook's bytes; see the module docstring for the layout."""
    wb = Workbook()
    names = sheet_names(report)
    _cover(wb.active, report, names)
    for section, name in zip(report.sections, names, strict=True):
        if name is not None:
            _section_sheet(wb.create_sheet(name), section)
    if report.definitions:
        _definitions_sheet(wb.create_sheet(DEFINITIONS_HEADING), report.definitions)
    stamp = report.generated_at.astimezone(UTC).replace(tzinfo=None)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = wb.properties.lastModifiedBy = "Lianqin 联勤"
    wb.properties.title = report.title
    wb.properties.subject = report.subtitle
    buffer = io.BytesIO()
    # ExcelWriter, not wb.save(): save_workbook stamps "modified" with the clock.
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    wall = report.generated_at
    stamp6 = (max(wall.year, 1980), wall.month, wall.day, wall.hour, wall.minute, wall.second)
    return _restamp(buffer.getvalue(), stamp6)


def sheet_names(report: Report) -> list[str | None]:
    """The sheet of each section, or None for a section with neither table nor chart."""
    taken = {COVER_SHEET.casefold(), DEFINITIONS_HEADING.casefold(), "history"}
    names: list[str | None] = []
    for i, section in enumerate(report.sections):
        if section.table is None and section.chart is None:
            names.append(None)
            continue
        base = " ".join(_ILLEGAL.sub("_", clean(section.heading)).split())
        base = base[:MAX_SHEET_NAME].strip().strip("'") or f"第{i + 1}节"
        name, n = base, 2
        while name.casefold() in taken:
            suffix = f"({n})"
            name, n = base[: MAX_SHEET_NAME - len(suffix)] + suffix, n + 1
        taken.add(name.casefold())
        names.append(name)
    return names


def _cover(ws: Worksheet, report: Report, names: list[str | None]) -> None:
    ws.title = COVER_SHEET
    _put(ws, 1, 1, report.title).font = Font(bold=True, size=18)
    _put(ws, 2, 1, report.subtitle).font = Font(size=12, color="595959")
    lines: list[tuple[str, str]] = [("生成时间", when(report))]
    if report.footer:
        lines.append(("说明", report.footer))
    lines.append(("", ""))
    lines.append(("目录", "工作表"))
    for section, name in zip(report.sections, names, strict=True):
        lines.append((section.heading, name or "（文字，见下）"))
    if report.definitions:
        lines.append((DEFINITIONS_HEADING, DEFINITIONS_HEADING))
    for section, name in zip(report.sections, names, strict=True):
        if name is None:
            lines += [("", ""), (section.heading, section.text)]
    for row, (label, value) in enumerate(lines, start=4):
        _put(ws, row, 1, label or None).font = _BOLD
        _put(ws, row, 2, value or None).alignment = _WRAP
    ws.column_dimensions["A"].width = min(
        MAX_WIDTH, 2 + max(display_width(s.heading) for s in report.sections)
    )
    ws.column_dimensions["B"].width = 70


def _section_sheet(ws: Worksheet, section: Section) -> None:
    """Heading, table (or the chart's data), note, text, chart; widths fitted last."""
    table, chart = section.table, section.chart
    heading = section.heading
    if table is not None and table.title and table.title != heading:
        heading = f"{heading}：{table.title}"
    _put(ws, 1, 1, heading).font = Font(bold=True, size=13)
    widths: dict[int, int] = {}
    links: _Links | None = None
    if table is not None:
        last = _write_block(ws, HEADER_ROW, table.columns, table.rows, widths)
        ncols = len(table.columns)
        if table.rows:
            ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(ncols)}{last}"
        if chart is not None:
            links = _table_links(table, chart)
    elif chart is not None:
        links = _write_chart_data(ws, HEADER_ROW, chart, widths)
        last, ncols = links[1], 1 + len(chart.series)
    else:
        return  # sheet_names gives such a section no sheet
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    last = _write_notes(ws, last, table.note if table else "", section.text)
    if chart is not None:
        if links is None:  # the table cannot feed the chart: its data goes under the table
            _put(ws, last + 2, 1, f"{CHART_DATA_LABEL}：{chart.title}").font = _BOLD
            links = _write_chart_data(ws, last + 3, chart, widths)
        anchor = f"{get_column_letter(ncols + 2)}{HEADER_ROW}"
        ws.add_chart(_excel_chart(ws, chart, links), anchor)
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(MAX_WIDTH, width + 2)


def clean(text: str) -> str:
    """``text`` without the control characters an .xlsx cannot hold (openpyxl refuses
    them; a report must not fail on a stray \\x0b pasted into a unit's remark)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _put(ws: Worksheet, row: int, col: int, value: object) -> Cell:
    """Write one cell; text is always text: a remark or a definition that begins with
    "=" (= 0.4 × …) stays a string instead of becoming a broken formula."""
    if isinstance(value, str):
        value = clean(value)
    cell = ws.cell(row, col, value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def _write_block(
    ws: Worksheet,
    top: int,
    columns: Sequence[Column],
    rows: Sequence[Mapping[str, object]],
    widths: dict[int, int],
    *,
    blank_missing: bool = False,
) -> int:
    """A header at row ``top`` and the rows under it; returns the last row written and
    widens ``widths`` (display width per column) to fit what was written."""
    for j, column in enumerate(columns, start=1):
        cell = _put(ws, top, j, column.title)
        cell.font, cell.fill, cell.border = _BOLD, _HEADER_FILL, _HEADER_BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        widths[j] = max(widths.get(j, 0), display_width(column.title))
    for i, row in enumerate(rows, start=top + 1):
        for j, column in enumerate(columns, start=1):
            value = row[column.key]
            stored = None if value is None and blank_missing else cell_value(value, column.kind)
            cell = _put(ws, i, j, stored)
            if value is None:
                cell.alignment = Alignment(horizontal="center")
            elif column.kind in NUMERIC_KINDS:
                cell.number_format = NUMBER_FORMATS[column.kind]
            elif column.kind == "grade":
                cell.alignment = Alignment(horizontal="center")
            shown = format_value(value, column.kind)
            if display_width(shown) > MAX_WIDTH:
                cell.alignment = _WRAP
            widths[j] = max(widths.get(j, 0), display_width(shown))
    return top + len(rows)


def _write_notes(ws: Worksheet, last: int, note: str, text: str) -> int:
    """The table's note and the section's text under the table; returns the last row."""
    lines = [f"注：{note}"] if note else []
    lines += [line for line in text.splitlines() if line.strip()]
    for k, line in enumerate(lines):
        _put(ws, last + 2 + k, 1, line)
    return last + 1 + len(lines) if lines else last


def _write_chart_data(ws: Worksheet, top: int, chart: Chart, widths: dict[int, int]) -> _Links:
    """The chart's data as a block at row ``top`` (a None is an empty cell: a gap)."""
    last = _write_block(ws, top, *_chart_block(chart), widths, blank_missing=True)
    return top, last, 1, list(range(2, 2 + len(chart.series)))


def _chart_block(chart: Chart) -> tuple[list[Column], list[dict[str, object]]]:
    """The chart's data as a table: categories, then one column per series."""
    kind: ColumnKind = "percent" if chart.percent else "float"
    columns = [Column("category", "分类")]
    columns += [Column(f"s{k}", name, kind) for k, (name, _) in enumerate(chart.series)]
    rows: list[dict[str, object]] = []
    for i, category in enumerate(chart.categories):
        row: dict[str, object] = {"category": category}
        row.update({f"s{k}": values[i] for k, (_, values) in enumerate(chart.series)})
        rows.append(row)
    return columns, rows


def _table_links(table: Table, chart: Chart) -> _Links | None:
    """Where the chart's data already stands in the table, or None when it does not."""
    if not table.rows or len(table.rows) != len(chart.categories):
        return None
    category_col = next(
        (
            j
            for j, c in enumerate(table.columns, start=1)
            if c.kind not in NUMERIC_KINDS
            and [cell_value(r[c.key], c.kind) for r in table.rows] == list(chart.categories)
        ),
        None,
    )
    series_cols: list[int] = []
    for name, values in chart.series:
        col = next(
            (
                j
                for j, c in enumerate(table.columns, start=1)
                if c.title == name and c.kind in NUMERIC_KINDS and _same(table, c, values)
            ),
            None,
        )
        if col is None:
            return None
        series_cols.append(col)
    if category_col is None:
        return None
    return HEADER_ROW, HEADER_ROW + len(table.rows), category_col, series_cols


def _same(table: Table, column: Column, values: Sequence[float | None]) -> bool:
    """The column holds exactly ``values`` (no None: "—" would be charted as 0)."""
    cells = [row[column.key] for row in table.rows]
    return all(
        a is not None and b is not None and float(a) == float(b)  # type: ignore[arg-type]
        for a, b in zip(cells, values, strict=True)
    )


def _excel_chart(ws: Worksheet, chart: Chart, links: _Links) -> BarChart | LineChart:
    """A native chart over the cells ``links`` names; series titled by their headers."""
    header, last, category_col, series_cols = links
    excel: BarChart | LineChart = LineChart() if chart.kind == "line" else BarChart()
    if isinstance(excel, BarChart):
        excel.type = "bar" if chart.kind == "hbar" else "col"
        excel.gapWidth = 60
    for col in series_cols:
        data = Reference(ws, min_col=col, min_row=header, max_row=last)
        excel.add_data(data, titles_from_data=True)
    categories = Reference(ws, min_col=category_col, min_row=header + 1, max_row=last)
    for series in excel.series:  # text categories: a string reference, as Excel writes them
        series.cat = AxDataSource(strRef=StrRef(f=str(categories)))
    excel.title = clean(chart.title)
    excel.y_axis.title = clean(chart.value_label) or None
    excel.y_axis.number_format = "0%" if chart.percent else "General"
    excel.x_axis.delete = excel.y_axis.delete = False  # openpyxl ≥ 3.1 hides axes otherwise
    if len(series_cols) == 1:
        excel.legend = None
    n = len(chart.categories)
    if chart.kind == "hbar":  # first category (rank 1) on top, value axis at the bottom
        excel.x_axis.scaling.orientation = "maxMin"
        excel.y_axis.crosses = "max"
        excel.x_axis.tickLblSkip = 1  # every unit named, not every other one
        excel.width, excel.height = 16, min(40, max(7.5, 0.8 * n + 3))
    else:
        excel.width, excel.height = min(30, max(16, 1.2 * n)), 8
    return excel


def _definitions_sheet(ws: Worksheet, definitions: Sequence[tuple[str, str]]) -> None:
    _put(ws, 1, 1, DEFINITIONS_HEADING).font = Font(bold=True, size=13)
    columns = [Column("name", "指标"), Column("meaning", "定义（口径与公式）")]
    rows: list[dict[str, object]] = [{"name": n, "meaning": m} for n, m in definitions]
    widths: dict[int, int] = {}
    last = _write_block(ws, HEADER_ROW, columns, rows, widths)
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, max_row=last):
        for cell in row:
            cell.alignment = _WRAP
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.column_dimensions["A"].width = min(30, widths[1] + 2)
    ws.column_dimensions["B"].width = 80


def _restamp(data: bytes, stamp: tuple[int, int, int, int, int, int]) -> bytes:
    """The same zip with every entry dated ``stamp`` and the same permissions: openpyxl
    dates each entry with the clock (and sheets with a temporary file's mtime)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
