"""The report as an A4 PDF for reading: tables, two charts, a footer on every page."""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cache, lru_cache, partial
from itertools import groupby
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.axes import ValueAxis
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Group, Rect, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from gannan.platform.fonts import CJK_FONT, FontFile, register_cjk_font
from gannan.reporting.render.sections import (
    REPORT_TITLE,
    REPORT_TITLE_EN,
    UNSIGNED,
    Cell,
    Column,
    Content,
    Kind,
    Section,
    Signature,
    sections,
    yuan,
)

LATIN_FONT = "Helvetica"
PAGE_WIDTH = A4[0]
MARGIN = 15 * mm
FOOTER_HEIGHT = 14 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
TABLE_FONT_SIZE = 7
TABLE_LEADING = 8.4
CELL_PADDING = 3
MIN_TEXT_COLUMN = 40
LATIN_EXTRAS = "—–·"  # non-ASCII characters Helvetica has
INK = colors.HexColor("#1F3A5F")
RULE = colors.HexColor("#B8C4D0")
HEADER_BACKGROUND = colors.HexColor("#DDE7F0")
ZEBRA = colors.HexColor("#F4F7FA")
SERIES_COLORS = (colors.HexColor("#E07B00"), colors.HexColor("#3B7D23"))
NO_DATA = "无数据 No data"


def to_pdf(content: Content, signature: Signature | None = None) -> bytes:
    """The report as an A4 PDF for reading: title block, tables, a bar chart of sales
    by county and a line chart of the monthly trend, every seller, and on every page a
    footer with the report's SHA-256 and signing key (or "Unsigned draft").  Built in
    ReportLab's invariant mode, so the same content gives the same bytes."""
    _register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER_HEIGHT, invariant=1,
        title=f"{REPORT_TITLE} {content['period']}", author=content["platform"],
        subject=REPORT_TITLE_EN, creator=content["format"])
    footer = partial(_draw_footer, lines=_footer_lines(content, signature))
    document.build(_story(content, signature), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


_measured_with: list[FontFile] = []  # the font the cached widths were measured in


def _register_fonts() -> None:
    """Embed the configured CJK font (FontMissing says what to install when there is none)."""
    font = register_cjk_font()
    if _measured_with != [font]:
        _width.cache_clear()
        _measured_with[:] = [font]


# Chinese is set in the embedded CJK font and Latin in Helvetica, one of the standard
# fonts every PDF reader has: numbers and codes keep their familiar look and add no
# glyphs to the embedded subset.


def _font_of(char: str) -> str:
    return LATIN_FONT if char.isascii() or char in LATIN_EXTRAS else CJK_FONT


def _runs(text: str) -> list[tuple[str, str]]:
    """``text`` as (font, chunk) runs."""
    return [(font, "".join(chars)) for font, chars in groupby(text, _font_of)]


@lru_cache(maxsize=8192)
def _width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(chunk, font, size) for font, chunk in _runs(text))


def _markup(text: str) -> str:
    """Paragraph markup for ``text``, escaped, each run in its font."""
    return "".join(f'<font face="{font}">{escape(chunk)}</font>' for font, chunk in _runs(text))


def _draw_text(canvas: Canvas, x: float, y: float, text: str, size: float) -> None:
    """One text object for the whole line, so that copied or extracted text stays whole."""
    line = canvas.beginText(x, y)
    for font, chunk in _runs(text):
        line.setFont(font, size)
        line.textOut(chunk)
    canvas.drawText(line)


@cache
def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=CJK_FONT, fontSize=9, leading=13, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", base, fontSize=20, leading=26, textColor=INK),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=11, leading=15, textColor=INK,
                                   spaceAfter=6),
        "line": base,
        "draft": ParagraphStyle("draft", base, textColor=colors.HexColor("#B00020"), spaceBefore=4),
        "heading": ParagraphStyle("heading", base, fontSize=11, leading=15, textColor=INK,
                                  spaceBefore=10, spaceAfter=4, keepWithNext=1),
    }


def _paragraph(text: str, style: str) -> Paragraph:
    return Paragraph(_markup(text), _styles()[style])


def _story(content: Content, signature: Signature | None) -> list[Flowable]:
    story = _title_block(content, signature)
    charts: dict[str, Callable[[Content], Flowable]] = {
        "by_county": _county_chart, "monthly_trend": _trend_chart}
    for section in sections(content, signature):
        if section.key == "by_seller":
            story.append(PageBreak())
        elif section.key in charts:
            story.append(CondPageBreak(CHART_HEIGHT + 25 * mm))
        story.append(_paragraph(section.title, "heading"))
        if section.key in charts and section.rows:
            story.append(charts[section.key](content))
        story.append(_pdf_table(section))
    return story


def _title_block(content: Content, signature: Signature | None) -> list[Flowable]:
    zone = content["timezone"]
    block = [
        _paragraph(REPORT_TITLE, "title"),
        _paragraph(REPORT_TITLE_EN, "subtitle"),
        _paragraph(f"报告期 Period：{content['period']}（{zone}）", "line"),
        _paragraph(f"平台 Platform：{content['platform']}", "line"),
        _paragraph("金额单位 Amounts：元 CNY，由分精确换算 exact from fen", "line"),
    ]
    if signature is None:
        block.append(_paragraph(f"{UNSIGNED}：本文件未经认证，不得作为申报依据 — "
                                "not certified, not valid for award claims.", "draft"))
    return [*block, Spacer(1, 4 * mm)]


# --- PDF tables -----------------------------------------------------------------------------


class _CellText(Flowable):
    """Lines of mixed Chinese and Latin text in a table cell, drawn run by run."""

    def __init__(self, lines: list[str], align_right: bool) -> None:
        super().__init__()
        self.lines, self.align_right = lines, align_right
        self.line_widths = [_width(line, TABLE_FONT_SIZE) for line in lines]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = max(self.line_widths)
        self.height = len(self.lines) * TABLE_LEADING
        return self.width, self.height

    def draw(self) -> None:
        for index, (line, width) in enumerate(zip(self.lines, self.line_widths)):
            x = self.width - width if self.align_right else 0
            y = self.height - TABLE_FONT_SIZE - index * TABLE_LEADING
            _draw_text(self.canv, x, y, line, TABLE_FONT_SIZE)


def _pdf_table(section: Section) -> Flowable:
    """A compact table: 元 only for money, numbers right-aligned, header repeated on
    every page, long text wrapped within its column."""
    if not section.rows:
        return _paragraph(NO_DATA, "line")
    header = [f"{c.zh}\n{c.en}{_pdf_unit(c)}" for c in section.columns]
    body = [[_pdf_text(c, v) for c, v in zip(section.columns, row)] for row in section.rows]
    widths = _column_widths(section.columns, header, body)
    numeric = [_is_numeric(c) for c in section.columns]
    data: list[list[Flowable | str]] = [
        [_CellText(_wrap(text, width - 2 * CELL_PADDING), right)
         for text, width, right in zip(header, widths, numeric)]]
    data += [[text if right else _text_cell(text, width) for text, width, right
              in zip(row, widths, numeric)] for row in body]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(_table_style(numeric))
    return table


def _text_cell(text: str, width: float) -> Flowable | str:
    """Wrapped text; Latin text that fits stays a plain string, which draws faster."""
    lines = _wrap(text, width - 2 * CELL_PADDING)
    if len(lines) == 1 and all(font == LATIN_FONT for font, _ in _runs(text)):
        return text
    return _CellText(lines, False)


def _is_numeric(column: Column) -> bool:
    return column.kind in (Kind.MONEY, Kind.INTEGER, Kind.PERCENT)


def _pdf_unit(column: Column) -> str:
    return {Kind.MONEY: " (元)", Kind.PERCENT: " (%)"}.get(column.kind, "")


def _pdf_text(column: Column, value: Cell) -> str:
    if value is None:
        return "—"
    if column.kind is Kind.MONEY:
        return yuan(int(value))
    if column.kind is Kind.INTEGER:
        return f"{value:,}"
    return str(value)


def _column_widths(columns: Sequence[Column], header: Sequence[str],
                   body: Sequence[Sequence[str]]) -> list[float]:
    """Natural widths fill the frame; when they overflow it, the text and code columns
    shrink (their cells wrap) and the numbers keep their width."""
    natural = [max(_width(line, TABLE_FONT_SIZE) for line in title.split("\n"))
               for title in header]
    for row in body:
        natural = [max(width, _width(text, TABLE_FONT_SIZE)) for width, text in zip(natural, row)]
    # whole points, so that no rounding leaves a cell a hair too narrow for its own text
    natural = [math.ceil(width) + 2 * CELL_PADDING for width in natural]
    total = sum(natural)
    if total <= FRAME_WIDTH:
        return [width * FRAME_WIDTH / total for width in natural]
    flexible = [not _is_numeric(c) for c in columns]
    fixed = sum(width for width, flex in zip(natural, flexible) if not flex)
    cap = _cap([width for width, flex in zip(natural, flexible) if flex], FRAME_WIDTH - fixed)
    cap = max(cap, MIN_TEXT_COLUMN)
    return [min(width, cap) if flex else width for width, flex in zip(natural, flexible)]


def _cap(widths: Sequence[float], room: float) -> float:
    """The width above which columns are cut so that ``widths`` take ``room``: the
    widest columns shrink first, narrow ones keep their width."""
    count = len(widths)
    for width in sorted(widths):
        if width * count > room:
            return room / count
        room -= width
        count -= 1
    return max(widths)  # they all fit


def _wrap(text: str, width: float) -> list[str]:
    """``text`` in lines no wider than ``width``: Latin words break at spaces, Chinese
    (which has none) between any two characters."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if _width(paragraph, TABLE_FONT_SIZE) <= width:
            lines.append(paragraph)
            continue
        line = ""
        for char in paragraph:
            if line and _width(line + char, TABLE_FONT_SIZE) > width:
                cut = line.rfind(" ") if char.isascii() and char != " " else -1
                lines.append(line[:cut] if cut > 0 else line)
                line = line[cut + 1:] if cut > 0 else ""
            line += char
        lines.append(line.strip())
    return lines


def _table_style(numeric: Sequence[bool]) -> TableStyle:
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), LATIN_FONT, TABLE_FONT_SIZE, TABLE_LEADING),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
    ]
    commands += [("ALIGN", (index, 0), (index, -1), "RIGHT")
                 for index, right in enumerate(numeric) if right]
    return TableStyle(commands)


# --- PDF charts -----------------------------------------------------------------------------

CHART_HEIGHT = 62 * mm
PLOT_LEFT = 48


def _county_chart(content: Content) -> Flowable:
    """Online retail sales of each county, in 元 or 万元."""
    counties = content["by_county"]
    values = [c["online_retail_fen"] for c in counties]
    chart = VerticalBarChart()
    chart.x, chart.y = PLOT_LEFT, 28
    chart.width, chart.height = FRAME_WIDTH - PLOT_LEFT - 8, CHART_HEIGHT - 44
    chart.data = [values]
    chart.bars[0].fillColor = INK
    chart.groupSpacing = 4
    chart.categoryAxis.categoryNames = [c["county"] for c in counties]
    _style_labels(chart.categoryAxis.labels, CJK_FONT)
    chart.categoryAxis.labels.dy = -3
    _scale_value_axis(chart.valueAxis, values)
    drawing = Drawing(FRAME_WIDTH, CHART_HEIGHT)
    drawing.add(chart)
    drawing.add(_label(0, CHART_HEIGHT - 10, _unit(values)[1], INK))
    return drawing


def _trend_chart(content: Content) -> Flowable:
    """Online retail and agricultural sales per month, in 元 or 万元."""
    months = content["monthly_trend"]
    series = [[m["online_retail_fen"] for m in months], [m["agricultural_fen"] for m in months]]
    crowded = len(months) > 12
    chart = HorizontalLineChart()
    chart.x, chart.y = PLOT_LEFT, 34
    chart.width, chart.height = FRAME_WIDTH - PLOT_LEFT - 8, CHART_HEIGHT - 60
    chart.data = series
    chart.joinedLines = 1
    for index, color in enumerate(SERIES_COLORS):
        chart.lines[index].strokeColor = color
        chart.lines[index].strokeWidth = 1.5
        chart.lines[index].symbol = makeMarker("FilledCircle", size=3, fillColor=color)
    chart.categoryAxis.categoryNames = [m["period"] for m in months]
    _style_labels(chart.categoryAxis.labels, LATIN_FONT)
    chart.categoryAxis.labels.angle = 30 if crowded else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if crowded else "n"
    values = series[0] + series[1]
    _scale_value_axis(chart.valueAxis, values)
    drawing = Drawing(FRAME_WIDTH, CHART_HEIGHT)
    drawing.add(chart)
    drawing.add(_label(0, CHART_HEIGHT - 10, _unit(values)[1], INK))
    drawing.add(_legend(FRAME_WIDTH - 230, CHART_HEIGHT - 10,
                        ["网络零售额 Online retail", "农产品 Agricultural"]))
    return drawing


def _style_labels(labels: Any, font: str) -> None:
    labels.fontName, labels.fontSize = font, 7


def _unit(values: Sequence[int]) -> tuple[int, str]:
    """Fen per axis unit and its label: 万元 once amounts reach a million 元."""
    return (1_000_000, "万元 10k CNY") if max(map(abs, values)) >= 100_000_000 else (100, "元 CNY")


def _scale_value_axis(axis: ValueAxis, values: Sequence[int]) -> None:
    """Plot fen, label ticks in the unit; zero always shown, an all-zero chart kept drawable."""
    divisor, _ = _unit(values)
    axis.valueMin = min(0, *values)
    if max(values) <= axis.valueMin:
        axis.valueMax = axis.valueMin + divisor
    axis.labelTextFormat = lambda tick: f"{Decimal(round(tick)) / divisor:,f}"
    _style_labels(axis.labels, LATIN_FONT)
    axis.gridStrokeColor, axis.visibleGrid = RULE, 1


def _label(x: float, y: float, text: str, color: colors.Color) -> Group:
    """Chart text, each run in its font."""
    group = Group()
    for font, chunk in _runs(text):
        group.add(String(x, y, chunk, fontName=font, fontSize=7, fillColor=color))
        x += pdfmetrics.stringWidth(chunk, font, 7)
    return group


def _legend(x: float, y: float, names: Sequence[str]) -> Group:
    group = Group()
    for color, name in zip(SERIES_COLORS, names):
        group.add(Rect(x, y - 1, 10, 7, fillColor=color, strokeColor=None))
        group.add(_label(x + 14, y, name, colors.black))
        x += 14 + _width(name, 7) + 16
    return group


# --- PDF footer -----------------------------------------------------------------------------


def _footer_lines(content: Content, signature: Signature | None) -> tuple[str, str, str]:
    first = (f"{content['platform']} · {REPORT_TITLE} {content['period']} · "
             f"{content['timezone']}")
    if signature is None:
        return first, UNSIGNED, "未经认证 Not certified"
    return (first, f"SHA-256 {signature['sha256']}",
            f"密钥 Key {signature['key_id']} · 版本 Version {signature['version']} · "
            f"认证 Certified {signature.get('certified_at') or '—'}")


def _draw_footer(canvas: Canvas, document: SimpleDocTemplate, lines: tuple[str, str, str]) -> None:
    canvas.saveState()
    top = MARGIN + FOOTER_HEIGHT - 4 * mm
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, top, PAGE_WIDTH - MARGIN, top)
    canvas.setFillColor(INK)
    for index, line in enumerate(lines):
        _draw_text(canvas, MARGIN, top - 9 - index * 8.5, line, 6.5)
    page = f"第 {document.page} 页 Page {document.page}"
    _draw_text(canvas, PAGE_WIDTH - MARGIN - _width(page, 7), top - 9, page, 7)
    canvas.restoreState()
