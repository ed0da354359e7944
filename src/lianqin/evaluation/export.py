"""Report export (报表导出): an appraisal or indicator report as an XLSX workbook and as a
PDF with charts, from one small data model. Pure: standard library, openpyxl and
reportlab only, no Django, no clock, no I/O (bytes in memory; the caller stores or serves
them).

The model says *what* is reported, not how it looks: a :class:`Report` is a title, a
list of :class:`Section` (a heading, a :class:`Table`, a :class:`Chart`, some text), the
indicator definitions (指标定义, printed at the end so every figure can be defended from
its formula) and a footer (数据截至 … / 生成单位 …). :func:`to_xlsx` (``export_xlsx``)
and :func:`to_pdf` (``export_pdf``) lay it out.

What must hold:

* the same report gives byte-identical files (no clock, no random ids: the files carry
  ``generated_at``, never the time they were made), so an export can be checked in,
  compared and re-issued;
* a cell is shown the same way in both files: percent (fractions 0..1) as ``92.5%``,
  score with one decimal, float with one or two, int as a whole number, grade as given,
  a missing value (None) as "—";
* bad input is refused before anything is drawn, with an :class:`ExportError` (both a
  ``ValueError`` and a ``lianqin.errors.InvalidInput``) that names the section, the row
  and the key: a row missing a column, a value of the wrong kind, a chart series whose
  length is not the number of categories, a report without sections, a naive
  ``generated_at``.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from lianqin.errors import InvalidInput

ColumnKind = Literal["text", "int", "float", "percent", "score", "grade"]
ChartKind = Literal["bar", "line", "hbar"]

MISSING = "—"  # how a None cell is shown in both files
NUMERIC_KINDS = frozenset({"int", "float", "percent", "score"})
# Excel number formats; the PDF's text (format_value) must read the same.
NUMBER_FORMATS: dict[str, str] = {
    "int": "0",
    "float": "0.0#",
    "percent": "0.0%",
    "score": "0.0",
}
DEFINITIONS_HEADING = "指标定义"


class ExportError(InvalidInput, ValueError):
    """A report that cannot be exported as given; ``field`` says where (``sections[1]…``)."""


@dataclass(frozen=True)
class Column:
    """One column of a table: ``key`` into each row, ``title`` shown, ``kind`` of value.

    ``percent`` values are fractions (0.925 is shown 92.5%); ``grade`` is a short text
    (A–E) shown centred; numeric kinds take int, float or Decimal (never bool, NaN or a
    numeric string, which would silently lose its number format)."""

    key: str
    title: str
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class Table:
    """Rows of values under titled columns; every row must have every column key (extra
    keys are ignored, so callers may pass richer dicts). ``note`` is printed under it."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, object]]
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """Named series over categories: ``bar`` (vertical), ``hbar`` (horizontal, first
    category on top, for rankings) or ``line`` (trends; None is a gap). ``percent``:
    values are fractions and the value axis reads in %. ``value_label`` names the value
    axis (e.g. 综合得分). In the workbook a series named like a column title of the
    section's table is read from the table's own cells."""

    title: str
    kind: ChartKind
    categories: Sequence[str]
    series: Sequence[tuple[str, Sequence[float | None]]]
    percent: bool = False
    value_label: str = ""


@dataclass(frozen=True)
class Section:
    """A heading with any of a table, a chart and some text (at least one of them)."""

    heading: str
    table: Table | None = None
    chart: Chart | None = None
    text: str = ""


@dataclass(frozen=True)
class Report:
    """The whole report. ``generated_at`` must be timezone-aware and is shown in its own
    timezone (pass local time); it is also the files' creation date."""

    title: str
    subtitle: str
    generated_at: datetime
    sections: Sequence[Section]
    definitions: Sequence[tuple[str, str]] = ()
    footer: str = ""


def to_xlsx(report: Report) -> bytes:
    """The report as an .xlsx workbook: 封面说明, one sheet per section with a table or a
    chart (native, live Excel charts), then 指标定义."""
    validate(report)
    # Imported here: the writer imports this module's model (and the PDF path need not
    # pay for openpyxl, nor the XLSX path for reportlab).
    from lianqin.evaluation.export_xlsx import write_xlsx

    return write_xlsx(report)


def to_pdf(report: Report) -> bytes:
    """The report as an A4 PDF (landscape when a table has more than 8 columns)."""
    validate(report)
    from lianqin.evaluation.export_pdf import write_pdf

    return write_pdf(report)


# --- checks -------------------------------------------------------------------------


def validate(report: Report) -> None:
    """Refuse a report that cannot be laid out, naming where (see the module docstring)."""
    if report.generated_at.utcoffset() is None:
        raise ExportError(
            "generated_at 须带时区（naive datetime 无法确定生成时间）",
            field="generated_at",
            hint="传入 timezone.localtime(...) 或带 tzinfo 的时间",
        )
    if not report.title.strip():
        raise ExportError("报表标题为空", field="title")
    if not report.sections:
        raise ExportError("报表没有任何章节，无内容可导出", field="sections")
    for i, section in enumerate(report.sections):
        where = f"sections[{i}]（{section.heading}）"
        if section.table is None and section.chart is None and not section.text.strip():
            raise ExportError(f"{where} 既无表格、图表也无文字", field=f"sections[{i}]")
        if section.table is not None:
            _check_table(section.table, where, f"sections[{i}].table")
        if section.chart is not None:
            _check_chart(section.chart, where, f"sections[{i}].chart")
    for j, pair in enumerate(report.definitions):
        if len(pair) != 2 or not all(isinstance(x, str) for x in pair):
            raise ExportError(
                f"指标定义第 {j + 1} 项须为（指标名, 定义）两段文字", field=f"definitions[{j}]"
            )


def _check_table(table: Table, where: str, path: str) -> None:
    if not table.columns:
        raise ExportError(f"{where} 的表格「{table.title}」没有列", field=f"{path}.columns")
    keys = [c.key for c in table.columns]
    doubled = sorted({k for k in keys if keys.count(k) > 1})
    if doubled:
        raise ExportError(f"{where} 的表格列键重复：{'、'.join(doubled)}", field=f"{path}.columns")
    for c in table.columns:
        if c.kind not in NUMERIC_KINDS | {"text", "grade"}:
            raise ExportError(f"{where} 的列「{c.title}」类型未知：{c.kind!r}", field=path)
    for r, row in enumerate(table.rows):
        for c in table.columns:
            if c.key not in row:
                raise ExportError(
                    f"{where} 的表格「{table.title}」第 {r + 1} 行缺少列 {c.key!r}（{c.title}）",
                    field=f"{path}.rows[{r}].{c.key}",
                )
            problem = _value_problem(row[c.key], c.kind)
            if problem:
                raise ExportError(
                    f"{where} 的表格「{table.title}」第 {r + 1} 行「{c.title}」{problem}",
                    field=f"{path}.rows[{r}].{c.key}",
                )


def _value_problem(value: object, kind: ColumnKind) -> str:
    """Why ``value`` cannot stand in a column of ``kind``, or "" when it can."""
    if value is None or kind == "text":
        return ""
    if kind == "grade":
        return "" if isinstance(value, str) else f"等级须为文字，得到 {value!r}"
    if not is_number(value):
        return f"须为数值（{kind}），得到 {value!r}"
    if kind == "int" and float(value) != int(float(value)):  # type: ignore[arg-type]
        return f"须为整数，得到 {value!r}"
    return ""


def _check_chart(chart: Chart, where: str, path: str) -> None:
    if chart.kind not in ("bar", "line", "hbar"):
        raise ExportError(f"{where} 的图表类型未知：{chart.kind!r}", field=f"{path}.kind")
    if not chart.categories:
        raise ExportError(f"{where} 的图表「{chart.title}」没有分类", field=f"{path}.categories")
    if not chart.series:
        raise ExportError(f"{where} 的图表「{chart.title}」没有数据系列", field=f"{path}.series")
    n = len(chart.categories)
    for s, (name, values) in enumerate(chart.series):
        if len(values) != n:
            raise ExportError(
                f"{where} 的图表「{chart.title}」系列「{name}」有 {len(values)} 个值，"
                f"分类却有 {n} 个",
                field=f"{path}.series[{s}]",
            )
        for k, v in enumerate(values):
            if v is not None and not is_number(v):
                raise ExportError(
                    f"{where} 的图表「{chart.title}」系列「{name}」第 {k + 1} 个值"
                    f"（{chart.categories[k]}）须为数值或 None，得到 {v!r}",
                    field=f"{path}.series[{s}][{k}]",
                )


def is_number(value: object) -> bool:
    """A finite int, float or Decimal, and not a bool (True is not a score)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    return math.isfinite(value)


# --- shared by both writers ---------------------------------------------------------


def format_value(value: object, kind: ColumnKind) -> str:
    """A cell as text, the way Excel's NUMBER_FORMATS show it (the PDF's cell text)."""
    if value is None:
        return MISSING
    if kind not in NUMERIC_KINDS:
        return str(value)
    number = float(value)  # type: ignore[arg-type]
    if kind == "int":
        return str(int(number))
    if kind == "percent":
        return f"{number * 100:.1f}%"
    if kind == "score":
        return f"{number:.1f}"
    text = f"{number:.2f}"  # float: one or two decimals, as "0.0#"
    return text[:-1] if text.endswith("0") else text


def cell_value(value: object, kind: ColumnKind) -> object:
    """A cell as the workbook stores it: numbers as numbers (so they sum and chart),
    None as "—", anything else in a text column as its text."""
    if value is None:
        return MISSING
    if kind == "int":
        return int(float(value))  # type: ignore[arg-type]
    if kind in NUMERIC_KINDS:
        return float(value)  # type: ignore[arg-type]
    return value if isinstance(value, str) else str(value)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospace grid: a CJK (wide or fullwidth) character
    counts as 2, anything else as 1; the widest line of a multi-line text counts."""
    return max(
        (sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line))
        for line in text.split("\n")
    )


def chart_values(chart: Chart) -> list[float]:
    """Every value of every series that is not None, as floats (axis ranges)."""
    return [float(v) for _, values in chart.series for v in values if v is not None]


def when(report: Report) -> str:
    """``generated_at`` as shown in both files (its own timezone, to the minute)."""
    return report.generated_at.strftime("%Y-%m-%d %H:%M")
