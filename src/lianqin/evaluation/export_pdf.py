"""The report as a PDF (reportlab platypus and graphics). Pure: no Django; called through
:func:`lianqin.evaluation.export.to_pdf`, which validates the report first.

Layout: title, subtitle, generated time; for each section its heading, text, chart (a
reportlab drawing: vertical bars, horizontal bars with the first category on top, or
lines) and table (header repeated on every page, zebra rows, numbers right-aligned, grades
centred); then 指标定义. Every page has the footer on the left and "第 N 页 / 共 M 页" on
the right (the document is laid out twice: once to count the pages). A4 portrait, or
landscape for the whole document when a table has more than :data:`WIDE_TABLE` columns.

Chinese text uses reportlab's built-in CID font STSong-Light: nothing to download and no
system font needed, text stays extractable (and searchable); it is not embedded, so the
viewer draws it with its own Song/Ming face (every mainstream viewer has one).

What must hold: no text leaves its cell (cells are paragraphs wrapped the CJK way, at
any character; the column widths add up to the frame); nothing is taller than a page (an
hbar chart with many categories gets thinner bars); the same report gives the same bytes
(``invariant``, and the document date is ``generated_at``).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeAlias
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import BaseDocTemplate, LayoutError

from lianqin.evaluation.export import (
    DEFINITIONS_HEADING,
    NUMERIC_KINDS,
    Chart,
    ExportError,
    Report,
    Section,
    chart_values,
    display_width,
    format_value,
    when,
)
from lianqin.evaluation.export import Table as DataTable

FONT = "STSong-Light"
WIDE_TABLE = 8  # more columns than this: the document is landscape
MARGIN = 16 * mm
CELL_SIZE = 8.5  # table text, points
CHART_SIZE = 8  # chart labels, points
PAD = 4  # cell padding, points
ORPHAN = 90  # a heading or caption with less room than this under it starts a new page
MAX_CELL = 600  # display columns of a PDF cell (the workbook has the whole text)
MAX_SLANTED = 22  # display columns of a slanted category label; longer ones are cut
PRODUCER = "Lianqin 联勤"

_INK = colors.HexColor("#262626")
_GREY = colors.HexColor("#595959")
_BRAND = colors.HexColor("#2F5597")
_ZEBRA = colors.HexColor("#F2F5FA")
_RULE = colors.HexColor("#BFBFBF")
PALETTE = [
    colors.HexColor(c) for c in ("#2F5597", "#C55A11", "#548235", "#BF9000", "#7030A0", "#1F7A8C")
]
Styles = dict[str, ParagraphStyle]


def write_pdf(report: Report) -> bytes:
    """The PDF's bytes; see the module docstring for the layout."""
    register_font()
    wide = any(s.table is not None and len(s.table.columns) > WIDE_TABLE for s in report.sections)
    pagesize = landscape(A4) if wide else A4
    _, pages = _build(report, pagesize, total=None)
    data, _ = _build(report, pagesize, total=pages)
    return data


def register_font() -> str:
    """Register the CID font once (registration is process-wide) and return its name."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _build(report: Report, pagesize: tuple[float, float], total: int | None) -> tuple[bytes, int]:
    """Lay the report out once; returns the bytes and the number of pages."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=report.title,
        subject=report.subtitle,
        author=PRODUCER,
        creator=PRODUCER,
        invariant=1,
    )
    styles = _styles()
    decorate = _decorator(report, total, styles)
    story = _story(report, doc.width, doc.height, styles)
    try:
        doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    except LayoutError as e:  # a row taller than a page: a very long text in a narrow column
        raise ExportError(
            "报表无法排版：有一行表格高于一页（单元格文字太长而列太窄）",
            field="sections",
            hint="缩短该单元格的文字，或减少该表的列数",
        ) from e
    return buffer.getvalue(), doc.page


def _styles() -> Styles:
    body = ParagraphStyle(
        "body", fontName=FONT, fontSize=10, leading=15, wordWrap="CJK", textColor=_INK
    )
    cell = ParagraphStyle("cell", parent=body, fontSize=CELL_SIZE, leading=CELL_SIZE * 1.3)
    return {
        "title": ParagraphStyle(
            "title", parent=body, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=4
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=body, fontSize=12, leading=18, alignment=TA_CENTER, textColor=_GREY
        ),
        "meta": ParagraphStyle(
            "meta", parent=body, fontSize=9, alignment=TA_CENTER, textColor=_GREY, spaceAfter=10
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=body,
            fontSize=14,
            leading=20,
            spaceBefore=12,
            spaceAfter=6,
            textColor=_BRAND,
        ),
        "caption": ParagraphStyle(
            "caption", parent=body, fontSize=10.5, spaceBefore=4, spaceAfter=3
        ),
        "body": ParagraphStyle("para", parent=body, firstLineIndent=20, spaceAfter=4),
        "note": ParagraphStyle("note", parent=body, fontSize=8, leading=11, textColor=_GREY),
        "cell": cell,
        "right": ParagraphStyle("right", parent=cell, alignment=TA_RIGHT),
        "center": ParagraphStyle("center", parent=cell, alignment=TA_CENTER),
        "head": ParagraphStyle("head", parent=cell, alignment=TA_CENTER, textColor=colors.white),
        "footer": ParagraphStyle(
            "footer", parent=body, fontSize=8, leading=10, textColor=_GREY, alignment=TA_LEFT
        ),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (markup characters escaped, line breaks kept)."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _story(report: Report, width: float, height: float, st: Styles) -> list[Flowable]:
    story: list[Flowable] = [_p(report.title, st["title"])]
    if report.subtitle:
        story.append(_p(report.subtitle, st["subtitle"]))
    story.append(_p(f"生成时间：{when(report)}", st["meta"]))
    for section in report.sections:
        story += _section(section, width, height, st)
    if report.definitions:
        story += [CondPageBreak(ORPHAN), _p(DEFINITIONS_HEADING, st["heading"])]
        header = [_p("指标", st["head"]), _p("定义（口径与公式）", st["head"])]
        body = [
            [_p(name, st["cell"]), _p(meaning, st["cell"])] for name, meaning in report.definitions
        ]
        story.append(_grid([header, *body], [width * 0.26, width * 0.74]))
    return story


def _section(section: Section, width: float, height: float, st: Styles) -> list[Flowable]:
    """Heading, text and chart kept on one page when they fit; then the table."""
    lead: list[Flowable] = [_p(section.heading, st["heading"])]
    lead += [_p(line, st["body"]) for line in section.text.splitlines() if line.strip()]
    if section.chart is not None:
        lead.append(_p(section.chart.title, st["caption"]))
        lead.append(chart_drawing(section.chart, width, height - 80))
    out: list[Flowable] = [CondPageBreak(ORPHAN), KeepTogether(lead)]
    if section.table is not None:
        out += _table(section.table, width, st)
    return out


def _table(table: DataTable, width: float, st: Styles) -> list[Flowable]:
    """Caption, the table (one paragraph per cell), and its note."""
    # Not keepWithNext: reportlab would move a long table whole to the next page.
    out: list[Flowable] = [CondPageBreak(ORPHAN)]
    if table.title:
        out.append(_p(table.title, st["caption"]))
    header = [_p(c.title, st["head"]) for c in table.columns]
    rows: list[list[Flowable | str]] = []
    for row in table.rows:
        cells: list[Flowable | str] = []
        for c in table.columns:
            value = row[c.key]
            align = "right" if c.kind in NUMERIC_KINDS else "cell"
            if value is None or c.kind == "grade":
                align = "center"
            cells.append(_p(clip(format_value(value, c.kind), MAX_CELL), st[align]))
        rows.append(cells)
    spans: list[tuple[object, ...]] = []
    if not rows:
        rows = [[_p("（无数据）", st["center"])] + [""] * (len(table.columns) - 1)]
        spans = [("SPAN", (0, 1), (-1, 1))]
    out.append(_grid([header, *rows], column_widths(table, width), spans))
    if table.note:
        out.append(Spacer(1, 2))
        out.append(_p(f"注：{table.note}", st["note"]))
    return out


def _grid(
    rows: list[list[Flowable | str]], widths: list[float], extra: Sequence[tuple[object, ...]] = ()
) -> Table:
    """A table with the house look: dark header repeated on each page, zebra rows."""
    grid = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style: list[tuple[object, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), _BRAND),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, _ZEBRA]),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, _RULE),
        ("BOX", (0, 0), (-1, -1), 0.5, _RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        *extra,
    ]
    grid.setStyle(TableStyle(style))
    return grid


def column_widths(table: DataTable, width: float) -> list[float]:
    """Widths that add up to ``width``: each column's natural width (its widest text, a
    CJK character counting as two half-ems; a header over 12 wraps), stretched to fill;
    when too wide, numbers and grades keep theirs and the text columns share the rest
    (they wrap), or, with too little left, every column shrinks alike."""
    half_em = CELL_SIZE / 2
    natural: list[float] = []
    for c in table.columns:
        texts = [format_value(r[c.key], c.kind) for r in table.rows]
        chars = max([min(display_width(c.title), 12), *map(display_width, texts)])
        natural.append(min(chars, 60) * half_em + 2 * PAD + 2)
    total = sum(natural)
    if total <= width:
        return [w * width / total for w in natural]
    fixed = [c.kind in NUMERIC_KINDS or c.kind == "grade" for c in table.columns]
    kept = sum(w for w, f in zip(natural, fixed, strict=True) if f)
    flexible = [j for j, f in enumerate(fixed) if not f]
    rest = width - kept
    if not flexible or rest < sum(natural[j] for j in flexible) * 0.25:
        return [w * width / total for w in natural]
    widths = list(natural)
    # Water-filling: the narrowest text columns keep their width, the wide ones share.
    for left, j in enumerate(sorted(flexible, key=lambda j: natural[j])):
        widths[j] = min(natural[j], rest / (len(flexible) - left))
        rest -= widths[j]
    return widths


# --- charts -------------------------------------------------------------------------


def chart_drawing(chart: Chart, width: float, max_height: float) -> Drawing:
    """The chart as a drawing ``width`` wide and at most ``max_height`` tall, with its
    value-axis label on top, and a legend when it has more than one series."""
    top = 14 if chart.value_label else 4
    legend = 16 if len(chart.series) > 1 else 0
    if chart.kind == "hbar":
        plot, height = _hbar(chart, width, max_height - top - legend)
    else:
        plot, height = _columns_or_lines(chart, width)
    drawing = Drawing(width, height + top + legend)
    drawing.add(plot)
    if chart.value_label:
        label = String(plot.x, plot.y + plot.height + legend + 4, chart.value_label)
        label.fontName, label.fontSize, label.fillColor = FONT, CHART_SIZE, _GREY
        drawing.add(label)
    if legend:
        drawing.add(_legend(chart, width, plot.y + plot.height + 4))
    return drawing


_Plot: TypeAlias = HorizontalBarChart | VerticalBarChart | HorizontalLineChart


def _hbar(chart: Chart, width: float, max_height: float) -> tuple[_Plot, float]:
    """Horizontal bars, first category on top; returns the plot and the height it needs."""
    n = len(chart.categories)
    size = CHART_SIZE
    label_width = min(width * 0.35, max(map(display_width, chart.categories)) * size / 2 + 8)
    plot = HorizontalBarChart()
    plot.x, plot.y = label_width, 22
    plot.width = width - plot.x - 36  # room for the bar labels
    per_row = 8 + 8 * len(chart.series)
    plot.height = min(max_height - plot.y, max(60, n * per_row))
    if plot.height / n < size + 2:  # many categories: smaller labels rather than a second page
        size = max(4, plot.height / n - 2)
    _style_plot(plot, chart, size)
    plot.categoryAxis.categoryNames = [
        clip(c, (label_width - 8) / (size / 2)) for c in chart.categories
    ]
    plot.categoryAxis.reverseDirection = 1
    plot.categoryAxis.labels.boxAnchor = "e"
    plot.categoryAxis.labels.dx = -4
    return plot, plot.y + plot.height


def _columns_or_lines(chart: Chart, width: float) -> tuple[_Plot, float]:
    """Vertical bars or lines; the category labels slant when they do not fit flat."""
    plot: _Plot = HorizontalLineChart() if chart.kind == "line" else VerticalBarChart()
    label_chars = min(MAX_SLANTED, max(map(display_width, chart.categories)))
    plot.x = 46
    plot.width = width - plot.x - 10
    slot = plot.width / len(chart.categories)
    bottom: float = 18
    if label_chars * CHART_SIZE / 2 > slot - 4:
        plot.categoryAxis.labels.angle = 30
        plot.categoryAxis.labels.boxAnchor = "ne"
        bottom = min(90, 12 + label_chars * CHART_SIZE / 2 * math.sin(math.radians(30)) + 8)
    plot.y, plot.height = bottom, 170
    _style_plot(plot, chart, CHART_SIZE)
    plot.categoryAxis.categoryNames = [clip(c, MAX_SLANTED) for c in chart.categories]
    return plot, plot.y + plot.height


def clip(label: str, columns: float) -> str:
    """``label`` cut to ``columns`` display columns, with "…" when cut."""
    if display_width(label) <= columns:
        return label
    out = ""
    for ch in label:
        if display_width(out + ch) + 1 > columns:
            break
        out += ch
    return out + "…"


def _style_plot(plot: _Plot, chart: Chart, size: float) -> None:
    """Data, fonts, colours, the value axis (0-based for bars, % when percent)."""
    rows = [
        (k, row)
        for k, (_, values) in enumerate(chart.series)
        for row in (_runs(values) if chart.kind == "line" else [_floats(values)])
    ]
    plot.data = [row for _, row in rows]
    plot.categoryAxis.categoryNames = list(chart.categories)
    for axis in (plot.categoryAxis.labels, plot.valueAxis.labels):
        axis.fontName, axis.fontSize, axis.fillColor = FONT, size, _INK
    plot.valueAxis.labels.fontSize = CHART_SIZE
    plot.valueAxis.visibleGrid = 1
    plot.valueAxis.gridStrokeColor = colors.HexColor("#E0E0E0")
    plot.valueAxis.labelTextFormat = _value_format(chart)
    values = chart_values(chart)
    if chart.kind != "line" or (values and min(values) >= 0 and not chart.percent):
        plot.valueAxis.valueMin = min([0.0, *values])
    if not values or max(map(abs, values)) == 0:
        plot.valueAxis.valueMin, plot.valueAxis.valueMax = 0, 1
    for row, (k, _) in enumerate(rows):
        color = PALETTE[k % len(PALETTE)]
        if isinstance(plot, HorizontalLineChart):
            joined = sum(v is not None for v in plot.data[row]) > 1  # else: a marker alone
            plot.lines[row].strokeColor = color if joined else None
            plot.lines[row].strokeWidth = 1.6
            plot.lines[row].symbol = makeMarker("FilledCircle", size=3, fillColor=color)
        else:
            plot.bars[row].fillColor, plot.bars[row].strokeColor = color, None
    if not isinstance(plot, HorizontalLineChart) and len(chart.series) == 1:
        _bar_labels(plot, chart, size)


def _floats(values: Sequence[float | None]) -> list[float | None]:
    return [None if v is None else float(v) for v in values]


def _runs(values: Sequence[float | None]) -> list[list[float | None]]:
    """A line's unbroken runs, each as a full-length row that is None outside the run:
    reportlab would join the points on either side of a missing value, which reads as
    if the month had been measured."""
    runs: list[list[float | None]] = []
    previous: float | None = None
    for i, v in enumerate(values):
        if v is not None and previous is None:
            runs.append([None] * len(values))
        if v is not None:
            runs[-1][i] = float(v)
        previous = v
    return runs or [[None] * len(values)]


def _bar_labels(plot: HorizontalBarChart | VerticalBarChart, chart: Chart, size: float) -> None:
    """A single series' values printed at the end of its bars."""
    plot.barLabelFormat = _value_format(chart, precise=True)
    plot.barLabels.fontName, plot.barLabels.fontSize = FONT, min(size, 7)
    plot.barLabels.fillColor = _GREY
    if isinstance(plot, HorizontalBarChart):
        plot.barLabels.boxAnchor, plot.barLabels.dx = "w", 3
    else:
        plot.barLabels.boxAnchor, plot.barLabels.dy = "s", 2


def _value_format(chart: Chart, precise: bool = False) -> Callable[[float], str]:
    """Axis (or, ``precise``, bar) labels: whole % or one decimal for small ranges when
    ``percent``; otherwise the number without needless decimals."""
    values = chart_values(chart) or [0.0]
    spread = max(values) - min(values)
    digits = 1 if precise or (chart.percent and 0 < spread < 0.03) else 0

    def percent(v: float) -> str:
        return f"{v * 100:.{digits}f}%"

    def number(v: float) -> str:  # as a score: one decimal, none when whole
        return str(int(v)) if float(v).is_integer() else f"{v:.1f}"

    return percent if chart.percent else number


def _legend(chart: Chart, width: float, y: float) -> Legend:
    legend = Legend()
    legend.colorNamePairs = [
        (PALETTE[k % len(PALETTE)], name) for k, (name, _) in enumerate(chart.series)
    ]
    legend.fontName, legend.fontSize = FONT, CHART_SIZE
    legend.alignment = "right"
    legend.columnMaximum = 1  # one row: each column holds one series
    legend.variColumn, legend.deltax = 1, 0  # each column as wide as its own name
    legend.autoXPadding = 14
    legend.dx = legend.dy = 7
    legend.boxAnchor = "se"
    legend.x, legend.y = width - 4, y + 2
    return legend


# --- page furniture -----------------------------------------------------------------


def _decorator(
    report: Report, total: int | None, st: Styles
) -> Callable[[Canvas, BaseDocTemplate], None]:
    """Draws the footer, the page number and (after page 1) the title on every page, and
    dates the document ``generated_at``."""
    stamp = pdf_date(report.generated_at)

    def decorate(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setDateFormatter(lambda *_: stamp)
        canvas.setFont(FONT, 8)
        canvas.setFillColor(_GREY)
        right = doc.leftMargin + doc.width
        number = f"第 {doc.page} 页" + (f" / 共 {total} 页" if total else "")
        canvas.drawRightString(right, MARGIN - 2, number)
        if report.footer:
            footer = _p(report.footer, st["footer"])
            _, h = footer.wrap(doc.width - 90, MARGIN)
            footer.drawOn(canvas, doc.leftMargin, MARGIN + 6 - h)
        if doc.page > 1:
            canvas.drawString(doc.leftMargin, doc.pagesize[1] - MARGIN + 6, report.title)
        canvas.restoreState()

    return decorate


def pdf_date(moment: datetime) -> str:
    """``moment`` as a PDF date string, ``D:YYYYMMDDHHmmSS+HH'mm'``."""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return moment.strftime("D:%Y%m%d%H%M%S") + f"{sign}{hours:02d}'{mins:02d}'"
