"""Report export: the files are read back (openpyxl for the workbook, pypdf for the PDF)
and checked for what a reader sees: sheets, headers, typed and formatted values, live
charts over the sheet's own cells, the Chinese text of the PDF, and byte-identical output
for the same report. Pure: no database.

Text extraction works with the CID font (STSong-Light, encoded UniGB-UCS2-H): pypdf
reads the titles, unit names, definitions and page numbers back as written, so the PDF
assertions are on the text itself.
"""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4

from lianqin.errors import InvalidInput
from lianqin.evaluation.export import (
    Chart,
    Column,
    ExportError,
    Report,
    Section,
    Table,
    display_width,
    format_value,
    to_pdf,
    to_xlsx,
)
from lianqin.evaluation.export_pdf import PAD, _p, _styles, column_widths
from lianqin.evaluation.export_xlsx import sheet_names

CHINA = ZoneInfo("Asia/Shanghai")
WHEN = datetime(2025, 1, 6, 9, 30, tzinfo=CHINA)
UNITS = ["区城市管理局", "区市场监督管理局", "区住房和城乡建设局", "区生态环境分局", "区水务局"]
SCORES = [95.2, 92.75, 90.0, 88.4, 70.0]
MONTHS = [f"2024-{m:02d}" for m in range(1, 7)]
SATISFIED = [0.91, 0.92, 0.905, None, 0.94, 0.95]
ON_TIME = [0.88, 0.9, 0.91, 0.9, 0.92, 0.93]
DEFINITION = "(满意 + 0.9 × 基本满意) ÷ 有效回访数"


def ranking_table(rows: int = len(UNITS)) -> Table:
    columns = [
        Column("rank", "排名", "int"),
        Column("unit", "单位"),
        Column("closed", "按期办结率", "percent"),
        Column("score", "综合得分", "score"),
        Column("grade", "等级", "grade"),
        Column("remark", "备注"),
    ]
    data: list[dict[str, object]] = [
        {
            "rank": i + 1,
            "unit": UNITS[i % len(UNITS)],
            "closed": 0.99 - 0.03 * (i % 10),
            "score": SCORES[i % len(SCORES)],
            "grade": "ABCDE"[min(i, 4)],
            "remark": "按期办结率低于全区平均，需整改" if i == 3 else None,
        }
        for i in range(rows)
    ]
    return Table("各单位综合得分排名", columns, data, note="综合得分满分 100 分。")


def report(**changes: object) -> Report:
    base = Report(
        title="2024 年度联勤联动工作考核报告",
        subtitle="各承办单位考核结果与月度趋势",
        generated_at=WHEN,
        sections=[
            Section(
                "一、单位综合排名",
                table=ranking_table(),
                chart=Chart("综合得分", "hbar", UNITS, [("综合得分", SCORES)], value_label="得分"),
                text="本年度共考核 5 个承办单位。",
            ),
            Section(
                "二、月度趋势",
                chart=Chart(
                    "月度满意率与按期办结率",
                    "line",
                    MONTHS,
                    [("满意率", SATISFIED), ("按期办结率", ON_TIME)],
                    percent=True,
                ),
            ),
        ],
        definitions=[
            ("综合得分", "= 0.5 × 按期办结率 + 0.5 × 满意率，满分 100"),
            ("满意率", DEFINITION),
        ],
        footer="数据截至 2024-12-31 ｜ 生成单位：区联勤指挥中心",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def workbook(r: Report) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(to_xlsx(r)))


def pdf_text(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() for page in reader.pages]


# --- shared formatting --------------------------------------------------------------


def test_values_are_shown_as_the_excel_formats_show_them():
    assert format_value(0.925, "percent") == "92.5%"
    assert format_value(92.75, "score") == "92.8"
    assert format_value(3.456, "float") == "3.46"
    assert format_value(3.5, "float") == "3.5"
    assert format_value(3, "float") == "3.0"
    assert format_value(Decimal("12"), "int") == "12"
    assert format_value(None, "score") == "—"
    assert format_value("B", "grade") == "B"
    assert display_width("区水务局 A1") == 11


# --- XLSX ---------------------------------------------------------------------------


def test_the_workbook_has_a_cover_a_sheet_per_section_and_the_definitions_last():
    wb = workbook(report())
    assert wb.sheetnames == ["封面说明", "一、单位综合排名", "二、月度趋势", "指标定义"]
    cover = wb["封面说明"]
    assert cover["A1"].value == "2024 年度联勤联动工作考核报告"
    assert cover["A2"].value == "各承办单位考核结果与月度趋势"
    cells = [c.value for row in cover.iter_rows() for c in row if c.value]
    assert (
        "2025-01-06 09:30" in cells and "数据截至 2024-12-31 ｜ 生成单位：区联勤指挥中心" in cells
    )
    definitions = wb["指标定义"]
    assert [c.value for c in definitions[2]] == ["指标", "定义（口径与公式）"]
    assert definitions["A4"].value == "满意率" and definitions["B4"].value == DEFINITION
    # a definition that begins with "=" stays text, not a broken formula
    assert definitions["B3"].data_type == "s" and definitions["B3"].value.startswith("= 0.5")


def test_a_table_sheet_has_a_frozen_bold_header_typed_values_and_number_formats():
    ws = workbook(report())["一、单位综合排名"]
    assert ws["A1"].value == "一、单位综合排名：各单位综合得分排名"
    assert [c.value for c in ws[2]] == ["排名", "单位", "按期办结率", "综合得分", "等级", "备注"]
    assert all(c.font.b for c in ws[2])
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:F7"
    rank, unit, closed, score, grade, remark = ws[3]
    assert (rank.value, rank.number_format) == (1, "0") and isinstance(rank.value, int)
    assert unit.value == "区城市管理局"
    assert closed.value == pytest.approx(0.99) and closed.number_format == "0.0%"
    assert score.value == pytest.approx(95.2) and score.number_format == "0.0"
    assert grade.value == "A" and grade.alignment.horizontal == "center"
    assert remark.value == "—"  # None
    assert ws["F6"].value == "按期办结率低于全区平均，需整改"
    # widths fitted to CJK text: 区住房和城乡建设局 is 9 characters, 18 columns
    assert ws.column_dimensions["B"].width >= 18
    assert ws.column_dimensions["A"].width < ws.column_dimensions["B"].width
    notes = [ws.cell(r, 1).value for r in range(8, ws.max_row + 1)]
    assert "注：综合得分满分 100 分。" in notes and "本年度共考核 5 个承办单位。" in notes


def test_the_chart_is_native_and_reads_the_tables_own_cells():
    ws = workbook(report())["一、单位综合排名"]
    (chart,) = ws._charts
    assert chart.tagname == "barChart" and chart.barDir == "bar"  # hbar
    assert chart.x_axis.scaling.orientation == "maxMin"  # rank 1 on top
    assert len(chart.series) == 1
    (series,) = chart.series
    assert series.cat.strRef.f == "'一、单位综合排名'!$B$3:$B$7"
    assert series.val.numRef.f == "'一、单位综合排名'!$D$3:$D$7"
    assert series.tx.strRef.f == "'一、单位综合排名'!D2"  # titled by the header cell
    assert chart.anchor._from.col == 7 and chart.anchor._from.row == 1  # H2: right of the table


def test_a_chart_only_section_writes_its_data_and_charts_it_with_gaps():
    ws = workbook(report())["二、月度趋势"]
    assert [c.value for c in ws[2]] == ["分类", "满意率", "按期办结率"]
    assert ws["A3"].value == "2024-01" and ws["B3"].number_format == "0.0%"
    assert ws["B6"].value is None  # a missing month is an empty cell: a gap, not 0
    (chart,) = ws._charts
    assert chart.tagname == "lineChart" and len(chart.series) == 2
    assert [s.val.numRef.f for s in chart.series] == [
        "'二、月度趋势'!$B$3:$B$8",
        "'二、月度趋势'!$C$3:$C$8",
    ]
    assert chart.series[0].cat.strRef.f == "'二、月度趋势'!$A$3:$A$8"
    assert chart.y_axis.numFmt.formatCode == "0%"


def test_a_chart_the_table_cannot_feed_gets_a_data_block_under_the_table():
    other = Chart("得分与目标", "bar", UNITS, [("综合得分", SCORES), ("目标", [90.0] * 5)])
    r = report(sections=[Section("排名", table=ranking_table(), chart=other)])
    ws = workbook(r)["排名"]
    labels = {ws.cell(row, 1).value: row for row in range(1, ws.max_row + 1)}
    top = labels["图表数据：得分与目标"] + 1
    assert [ws.cell(top, c).value for c in (1, 2, 3)] == ["分类", "综合得分", "目标"]
    (chart,) = ws._charts
    assert chart.barDir == "col" and len(chart.series) == 2
    assert chart.series[1].val.numRef.f == f"'排名'!$C${top + 1}:$C${top + 5}"


def test_sheet_names_are_legal_unique_and_at_most_31_characters():
    chart = Chart("c", "bar", ["a"], [("s", [1.0])])
    headings = [
        "a/b:c*d?[e]\\f",
        "A/B:C*D?[E]\\F",
        "封面说明",
        "很" * 40,
        "很" * 40,
        "'",
        "指标定义",
    ]
    names = sheet_names(report(sections=[Section(h, chart=chart) for h in headings]))
    assert names[0] == "a_b_c_d__e__f" and names[1] == "A_B_C_D__E__F(2)"
    assert names[2] == "封面说明(2)" and names[6] == "指标定义(2)"
    assert names[3] == "很" * 31 and names[4] == "很" * 28 + "(2)"
    assert names[5] == "第6节"
    assert all(n is not None and len(n) <= 31 for n in names)
    wb = workbook(report(sections=[Section(h, chart=chart) for h in headings]))
    assert wb.sheetnames[1:-1] == names  # Excel (openpyxl) takes them as they are


def test_a_text_only_section_goes_on_the_cover_and_control_characters_are_dropped():
    r = report(sections=[Section("总体情况", text="全年受理\x0b案件 1200 件。")], definitions=[])
    wb = workbook(r)
    assert wb.sheetnames == ["封面说明"]
    cells = [c.value for row in wb["封面说明"].iter_rows() for c in row if c.value]
    assert "全年受理案件 1200 件。" in cells


# --- PDF ----------------------------------------------------------------------------


def test_the_pdf_opens_and_its_chinese_text_reads_back():
    reader, pages = pdf_text(to_pdf(report()))
    assert 1 <= len(reader.pages) <= 3
    text = "\n".join(pages)
    assert "2024 年度联勤联动工作考核报告" in text
    assert "区城市管理局" in text and "92.8" in text and "99.0%" in text
    assert "指标定义" in text and DEFINITION in text
    assert "数据截至 2024-12-31" in text
    assert f"第 1 页 / 共 {len(reader.pages)} 页" in pages[0]
    assert reader.pages[0].mediabox.width == pytest.approx(A4[0])  # portrait
    assert reader.metadata is not None and reader.metadata.title == "2024 年度联勤联动工作考核报告"
    assert reader.metadata.creation_date == WHEN


def test_a_long_table_repeats_its_header_on_every_page():
    r = report(sections=[Section("排名", table=ranking_table(rows=120))])
    _, pages = pdf_text(to_pdf(r))
    assert 3 <= len(pages) <= 8
    assert all("按期办结率" in page and "综合得分" in page for page in pages[:-1])
    assert all(f"共 {len(pages)} 页" in page for page in pages)


def test_a_wide_table_turns_the_pages_landscape():
    columns = [Column(f"c{i}", f"指标{i}", "score") for i in range(9)]
    wide = Table("九项指标", columns, [{f"c{i}": 80.0 + i for i in range(9)}])
    reader, _ = pdf_text(to_pdf(report(sections=[Section("明细", table=wide)])))
    box = reader.pages[0].mediabox
    assert box.width > box.height


def test_cells_wrap_inside_their_columns():
    long = (
        "按期办结率低于全区平均水平，需在下季度整改并报送整改方案" * 4
        + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 3
    )
    table = ranking_table()
    table = replace(table, rows=[{**table.rows[0], "remark": long}, *table.rows[1:]])
    width = A4[0] - 60
    widths = column_widths(table, width)
    assert sum(widths) == pytest.approx(width)
    assert widths[2] >= display_width("按期办结率") * 4  # numbers keep their width
    cell = _p(long, _styles()["cell"])
    cell.wrap(widths[5] - 2 * PAD, 1000)
    assert max(cell.getActualLineWidths0()) <= widths[5] - 2 * PAD


def test_many_categories_still_fit_one_page_and_odd_charts_draw():
    many = [f"单位{i}" for i in range(150)]
    sections = [
        Section(
            "全部单位",
            chart=Chart("得分", "hbar", many, [("得分", [float(i) for i in range(150)])]),
        ),
        Section("空", chart=Chart("无数据", "line", ["1月", "2月"], [("a", [None, None])])),
        Section(
            "零", chart=Chart("全为零", "bar", ["1月"], [("a", [0.0]), ("b", [None])], percent=True)
        ),
        Section("无行", table=Table("空表", [Column("a", "甲")], [])),
    ]
    _, pages = pdf_text(to_pdf(report(sections=sections)))
    assert "单位149" in "".join(pages) and "（无数据）" in "".join(pages)


# --- determinism and errors ---------------------------------------------------------


def test_the_same_report_gives_the_same_bytes_whatever_the_clock(monkeypatch):
    r = report()
    pdf, xlsx = to_pdf(r), to_xlsx(r)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 86_400 * 400)
    assert to_pdf(r) == pdf
    assert to_xlsx(r) == xlsx
    stamps = {i.date_time for i in zipfile.ZipFile(io.BytesIO(xlsx)).infolist()}
    assert stamps == {(2025, 1, 6, 9, 30, 0)}
    props = openpyxl.load_workbook(io.BytesIO(xlsx)).properties
    assert props.created == props.modified == WHEN.astimezone(UTC).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("broken", "where"),
    [
        (lambda t: t.rows[2].pop("score"), "第 3 行缺少列 'score'（综合得分）"),
        (lambda t: t.rows[0].update(score="95"), "第 1 行「综合得分」须为数值"),
        (lambda t: t.rows[1].update(rank=True), "第 2 行「排名」须为数值"),
        (lambda t: t.rows[1].update(rank=2.5), "第 2 行「排名」须为整数"),
        (lambda t: t.rows[1].update(closed=float("nan")), "第 2 行「按期办结率」须为数值"),
    ],
)
def test_a_bad_row_is_refused_naming_the_table_row_and_key(broken, where):
    table = ranking_table()
    broken(table)
    with pytest.raises(ExportError, match=where) as caught:
        to_xlsx(report(sections=[Section("排名", table=table)]))
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, InvalidInput)
    assert caught.value.field is not None and caught.value.field.startswith(
        "sections[0].table.rows"
    )


def test_bad_charts_empty_reports_and_naive_times_are_refused():
    short = Chart("趋势", "line", MONTHS, [("满意率", SATISFIED[:4])])
    with pytest.raises(ValueError, match="系列「满意率」有 4 个值，分类却有 6 个"):
        to_pdf(report(sections=[Section("趋势", chart=short)]))
    with pytest.raises(ValueError, match="没有任何章节"):
        to_xlsx(report(sections=[]))
    with pytest.raises(ValueError, match="既无表格、图表也无文字"):
        to_pdf(report(sections=[Section("空章节")]))
    with pytest.raises(ValueError, match="须带时区"):
        to_xlsx(report(generated_at=datetime(2025, 1, 6, 9, 30)))  # noqa: DTZ001


def test_a_row_taller_than_a_page_is_a_clear_error_not_a_reportlab_crash():
    columns = [Column(f"c{i}", f"备注{i}") for i in range(12)]
    table = Table("极端", columns, [{f"c{i}": "很长的文字" * 200 for i in range(12)}])
    with pytest.raises(ExportError, match="有一行表格高于一页"):
        to_pdf(report(sections=[Section("极端", table=table)]))
    assert workbook(report(sections=[Section("极端", table=table)]))["极端"]["A3"].value
