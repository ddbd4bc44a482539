"""Renderers for the monthly sales report: CSV, XLSX and PDF.

The report's canonical content is the JSON-able dict the report builder makes
(format ``gannan-monthly-report/1``); these functions only present it, and present
the same content as the same bytes.  Money in the content is integer fen: every
renderer shows 元 with two decimals by integer arithmetic, and CSV and XLSX keep the
fen beside it so that an analyst can re-add exactly.

All three formats are built from one list of :class:`Section` tables (totals, by
county, by seller …), so they cannot disagree.  A certified report passes its
:class:`Signature`; without one the output says "未签名草稿 Unsigned draft".
"""

from __future__ import annotations

import csv
import enum
import io
import math
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache, lru_cache, partial
from itertools import groupby
from typing import Any, TypedDict
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter
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
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
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

Content = Mapping[str, Any]
Cell = str | int | None

REPORT_TITLE = "赣南特色产品网络销售月报"
REPORT_TITLE_EN = "Ganzhou Specialty Products Online Sales — Monthly Report"
UNSIGNED = "未签名草稿 Unsigned draft"
CJK_FONT = "STSong-Light"  # a standard Adobe CJK font: the reader supplies it, none embedded
LATIN_FONT = "Helvetica"

CHANNEL_NAMES = {
    "storefront": "店铺 Storefront",
    "livestream": "直播 Livestream",
    "short_video": "短视频 Short video",
    "campaign": "活动 Campaign",
}


class Signature(TypedDict):
    """What certifies a report version (the fields of the stored version)."""

    sha256: str
    key_id: str
    signature: str
    certified_at: str | None
    version: int


class Kind(enum.Enum):
    """How a column's values are written."""

    TEXT = "text"  # free text, possibly typed by a seller: CSV-escaped against formulas
    CODE = "code"  # identifiers, periods, digests: written exactly as they are
    INTEGER = "integer"
    MONEY = "money"  # integer fen: CSV/XLSX write a fen and a 元 column, the PDF 元 only
    PERCENT = "percent"  # a decimal string such as "12.34", meaning 12.34 %


@dataclass(frozen=True)
class Column:
    zh: str
    en: str
    kind: Kind = Kind.TEXT

    def labels(self) -> list[str]:
        """CSV/XLSX header labels: two for a money column (fen, 元), one otherwise."""
        if self.kind is Kind.MONEY:
            return [f"{self.zh} 分 {self.en} (fen)", f"{self.zh} 元 {self.en} (CNY)"]
        unit = " (%)" if self.kind is Kind.PERCENT else ""
        return [f"{self.zh} {self.en}{unit}"]


@dataclass(frozen=True)
class Section:
    """One table of the report: a CSV section, an XLSX sheet, a PDF table."""

    key: str
    zh: str
    en: str
    sheet: str  # XLSX sheet name: unique, at most 31 characters
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]

    @property
    def title(self) -> str:
        return f"{self.zh} {self.en}"


# --- numbers --------------------------------------------------------------------------------


def yuan(fen: int) -> str:
    """Fen as 元 with thousands separators and two decimals, exactly: -1234567 → -12,345.67."""
    whole, cents = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}{whole:,}.{cents:02d}"


def yuan_decimal(fen: int) -> Decimal:
    """Fen as an exact Decimal of 元: 1234567 → Decimal('12345.67')."""
    return Decimal(fen).scaleb(-2)


def share_percent(part: int, whole: int) -> str | None:
    """``part`` as a percentage of ``whole`` with two decimals, None when whole is 0."""
    if whole == 0:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_EVEN))


# --- sections -------------------------------------------------------------------------------

METRIC = Column("指标", "Metric")
AMOUNT = Column("金额", "Amount", Kind.MONEY)
NUMBER = Column("数量", "Number", Kind.INTEGER)
PERCENT = Column("比例", "Share", Kind.PERCENT)
ONLINE = Column("网络零售额", "Online retail", Kind.MONEY)
AGRICULTURAL = Column("农产品", "Agricultural", Kind.MONEY)
UPSTREAM = Column("农产品上行", "Upstream", Kind.MONEY)
ORDERS = Column("订单", "Orders", Kind.INTEGER)


def sections(content: Content, signature: Signature | None = None) -> list[Section]:
    """The report as tables, in reading order; the seller list, the longest, last."""
    return [
        _report_section(content, signature),
        _totals_section(content),
        _destination_section(content),
        _comparison_section(content),
        _year_to_date_section(content),
        _county_section(content),
        _trend_section(content),
        _category_section(content),
        _channel_section(content),
        _plan_section(content),
        _township_section(content),
        _award_lines_section(content),
        _award_summary_section(content),
        _seller_section(content),
    ]


def _report_section(content: Content, signature: Signature | None) -> Section:
    rows: list[tuple[Cell, ...]] = [
        ("格式 Format", content["format"]),
        ("报告期 Period", content["period"]),
        ("时区 Time zone", content["timezone"]),
        ("币种 Currency", content["currency"]),
        ("金额单位 Amounts", "分 fen (1 元 = 100 分)"),
        ("平台 Platform", content["platform"]),
        ("状态 Status", "已认证 Certified" if signature else UNSIGNED),
    ]
    if signature:
        rows += [
            ("内容摘要 SHA-256", signature["sha256"]),
            ("签名密钥 Key id", signature["key_id"]),
            ("版本 Version", str(signature["version"])),
            ("认证时间 Certified at", signature.get("certified_at") or ""),
            ("签名 Signature", signature["signature"]),
        ]
    return Section("report", "报告信息与签名", "Report and signature", "签名 Signature",
                   (Column("项目", "Field"), Column("内容", "Value", Kind.CODE)), tuple(rows))


def _totals_section(content: Content) -> Section:
    totals = content["totals"]
    rows = (
        ("网络零售额 Online retail sales", totals["online_retail_fen"], None),
        ("赣州特色产品销售额 Ganzhou specialty sales", totals["specialty_fen"], None),
        ("农产品网络零售额 Agricultural online sales", totals["agricultural_fen"], None),
        ("农产品上行 Agricultural upstream sales", totals["upstream_fen"], None),
        ("退款 Refunds", totals["refunds_fen"], None),
        ("订单数 Orders", None, totals["orders"]),
        ("买家数 Buyers", None, totals["buyers"]),
        ("活跃店铺 Active sellers", None, totals["active_sellers"]),
    )
    return Section("totals", "本月合计", "Totals of the month", "合计 Totals",
                   (METRIC, AMOUNT, NUMBER), rows)


def _destination_section(content: Content) -> Section:
    split = content["upstream_destination"]
    parts = (
        ("本县区 Same county", split["same_county_fen"]),
        ("赣州市内其他县区 Elsewhere in Ganzhou", split["elsewhere_in_ganzhou_fen"]),
        ("赣州市外 Outside Ganzhou", split["outside_ganzhou_fen"]),
    )
    whole = sum(fen for _, fen in parts)
    return Section("upstream_destination", "农产品上行 买家去向", "Upstream sales by buyer destination",
                   "上行去向 Upstream",
                   (Column("去向", "Destination"), AMOUNT, PERCENT),
                   tuple((label, fen, share_percent(fen, whole)) for label, fen in parts))


def _comparison_section(content: Content) -> Section:
    current = content["totals"]["online_retail_fen"]

    def row(label: str, change: Mapping[str, Any] | None) -> tuple[Cell, ...]:
        if change is None:
            return (label, None, current, None, None, None)
        return (label, change["previous_period"], current, change["online_retail_fen"],
                change["change_fen"], change["change_percent"])

    return Section("comparison", "环比与同比", "Month-on-month and year-on-year", "环比同比 MoM YoY",
                   (Column("比较", "Comparison"), Column("对比期", "Previous period", Kind.CODE),
                    Column("本期网络零售额", "Online retail", Kind.MONEY),
                    Column("对比期网络零售额", "Previous", Kind.MONEY),
                    Column("变化", "Change", Kind.MONEY),
                    Column("变化率", "Change", Kind.PERCENT)),
                   (row("环比 Month-on-month", content.get("month_on_month")),
                    row("同比 Year-on-year", content.get("year_on_year"))))


def _year_to_date_section(content: Content) -> Section:
    ytd = content["year_to_date"]
    rows = (
        ("网络零售额 Online retail sales", ytd["online_retail_fen"], None),
        ("赣州特色产品销售额 Ganzhou specialty sales", ytd["specialty_fen"], None),
        ("农产品网络零售额 Agricultural online sales", ytd["agricultural_fen"], None),
        ("农产品上行 Agricultural upstream sales", ytd["upstream_fen"], None),
        ("订单数 Orders", None, ytd["orders"]),
    )
    span = f"{ytd['from']} – {ytd['to']}"
    return Section("year_to_date", f"年初至今 {span}", "Year to date", "年初至今 YTD",
                   (METRIC, AMOUNT, NUMBER), rows)


def _county_section(content: Content) -> Section:
    rows = tuple(
        (c["county_code"], c["county"], c["online_retail_fen"], c["agricultural_fen"],
         c["upstream_fen"], c["orders"], c["sellers"])
        for c in content["by_county"])
    return Section("by_county", "按县区（产品产地）", "By county of origin", "县区 Counties",
                   (Column("代码", "Code", Kind.CODE), Column("县区", "County"), ONLINE, AGRICULTURAL,
                    UPSTREAM, ORDERS, Column("店铺", "Sellers", Kind.INTEGER)), rows)


def _trend_section(content: Content) -> Section:
    rows = tuple((m["period"], m["online_retail_fen"], m["agricultural_fen"])
                 for m in content["monthly_trend"])
    return Section("monthly_trend", "月度趋势", "Monthly trend", "月度趋势 Trend",
                   (Column("月份", "Month", Kind.CODE), ONLINE, AGRICULTURAL), rows)


def _category_section(content: Content) -> Section:
    rows = tuple((c["category"], c["category_name"], c["online_retail_fen"], c["agricultural_fen"],
                  c["orders"]) for c in content["by_category"])
    return Section("by_category", "按品类", "By category", "品类 Categories",
                   (Column("品类代码", "Category", Kind.CODE), Column("品类", "Name"), ONLINE,
                    AGRICULTURAL, ORDERS), rows)


def _channel_section(content: Content) -> Section:
    rows = tuple((c["channel"], CHANNEL_NAMES.get(c["channel"], c["channel"]),
                  c["online_retail_fen"], c["orders"]) for c in content["by_channel"])
    return Section("by_channel", "按销售渠道", "By sales channel", "渠道 Channels",
                   (Column("渠道代码", "Channel", Kind.CODE), Column("渠道", "Name"), ONLINE, ORDERS),
                   rows)


def _plan_section(content: Content) -> Section:
    plan = content["plan_targets"]
    firms = plan["enterprises_over_10m_upstream"]
    rows = (
        ("全市网络零售额目标 City online retail target", plan["city_online_retail_target_fen"],
         None, None),
        ("全市农产品网络零售额目标 City agricultural target", plan["city_agricultural_target_fen"],
         None, None),
        ("平台年初至今网络零售额 Platform YTD online retail",
         plan["platform_ytd_online_retail_fen"], None, None),
        ("平台年初至今农产品网络零售额 Platform YTD agricultural",
         plan["platform_ytd_agricultural_fen"], None, None),
        ("占全市网络零售额目标 Share of city online target", None, None,
         plan["share_of_city_online_target_percent"]),
        ("占全市农产品目标 Share of city agricultural target", None, None,
         plan["share_of_city_agricultural_target_percent"]),
        ("上行超千万元企业 本年新增 Upstream > 10M 元 firms, new this year", None,
         firms["new_this_year"], None),
        ("上行超千万元企业 2024年以来累计 Same, cumulative since 2024", None,
         firms["cumulative_since_2024"], None),
        ("2024年目标 Target 2024", None, firms["target_2024"], None),
        ("2026年累计目标 Cumulative target 2026", None, firms["target_cumulative_2026"], None),
    )
    return Section("plan_targets", "行动计划目标", "Action plan targets", "规划目标 Plan",
                   (METRIC, AMOUNT, NUMBER, PERCENT), rows)


def _township_section(content: Content) -> Section:
    rows = tuple((t["county"], t["township"], t["online_retail_fen"])
                 for t in content["plan_targets"]["townships_over_100m"])
    return Section("townships", "电商强镇（年网络销售额超1亿元）", "Townships with online sales > 100M 元",
                   "电商强镇 Townships",
                   (Column("县区", "County"), Column("乡镇", "Township"), ONLINE), rows)


def _award_lines_section(content: Content) -> Section:
    award = content["award_estimate"]
    rows = tuple((line["recipient"], line["kind"], line["amount_fen"], line["rule"])
                 for line in award["lines"])
    return Section("award_lines", f"{award['year']}年奖励测算（截至 {award['as_of']}）",
                   f"Award estimate {award['year']}, as of {award['as_of']}", "奖励明细 Awards",
                   (Column("获奖对象", "Recipient"), Column("类型", "Kind", Kind.CODE), AMOUNT,
                    Column("依据", "Rule")), rows)


def _award_summary_section(content: Content) -> Section:
    award = content["award_estimate"]
    rows = (("测算合计 Estimated total", award["total_fen"]),
            ("年度预算 Annual budget", award["budget_fen"]))
    return Section("award_summary", "奖励合计与预算", "Award total and budget", "奖励合计 Award totals",
                   (METRIC, AMOUNT), rows)


def _seller_section(content: Content) -> Section:
    names = {c["county_code"]: c["county"] for c in content["by_county"]}
    ranked = sorted(content["by_seller"], key=lambda s: (-s["online_retail_fen"], s["seller_id"]))
    rows = tuple(
        (rank, s["seller_id"], s["seller"], s["county_code"], names.get(s["county_code"], ""),
         s["online_retail_fen"], s["agricultural_fen"], s["upstream_fen"], s["orders"])
        for rank, s in enumerate(ranked, start=1))
    return Section("by_seller", "按店铺（按网络零售额排名）", "By seller, ranked by online retail",
                   "店铺 Sellers",
                   (Column("排名", "Rank", Kind.INTEGER), Column("店铺编号", "Seller id", Kind.INTEGER),
                    Column("店铺", "Seller"), Column("县区代码", "County code", Kind.CODE),
                    Column("县区", "County"), ONLINE, AGRICULTURAL, UPSTREAM, ORDERS), rows)


def _cells(columns: Sequence[Column], row: Sequence[Cell],
           money: Callable[[int], list[object]]) -> Iterable[tuple[Column, object]]:
    """A row's cells paired with their columns, a money value expanded by ``money``."""
    for column, value in zip(columns, row):
        if column.kind is Kind.MONEY:
            for part in (money(int(value)) if value is not None else [None, None]):
                yield column, part
        else:
            yield column, value


# --- CSV ------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def to_csv(content: Content, signature: Signature | None = None) -> bytes:
    """The report as one UTF-8 CSV with BOM (Excel reads the Chinese): each section is a
    title row, a header row and its rows, and sections are separated by a blank row.
    Money is a fen column (exact, re-addable) and a 元 column (``12,345.67``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for index, section in enumerate(sections(content, signature)):
        if index:
            writer.writerow([])
        writer.writerow([section.title])
        writer.writerow([label for c in section.columns for label in c.labels()])
        for row in section.rows:
            writer.writerow([_csv_cell(column, value)
                             for column, value in _cells(section.columns, row, _csv_money)])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_money(fen: int) -> list[object]:
    return [fen, yuan(fen)]


def _csv_cell(column: Column, value: object) -> object:
    """Free text that a spreadsheet would run as a formula is quoted with a leading '."""
    if column.kind is Kind.TEXT and isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


# --- XLSX -----------------------------------------------------------------------------------

YUAN_FORMAT = "#,##0.00"
FEN_FORMAT = "#,##0"
PERCENT_FORMAT = "0.00##"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
MAX_COLUMN_WIDTH = 60


def to_xlsx(content: Content, signature: Signature | None = None) -> bytes:
    """The report as a workbook, one sheet per section: a bold frozen header row, fen as
    integers, 元 as exact decimals shown ``#,##0.00``.  The workbook's dates and its zip
    entries' are the first moment of the following month, so the same content gives the
    same bytes."""
    stamp = _following_month(content["period"])
    workbook = Workbook()
    workbook.remove(workbook.active)
    for section in sections(content, signature):
        _write_sheet(workbook.create_sheet(section.sheet), section)
    props = workbook.properties
    props.title = f"{REPORT_TITLE} {content['period']}"
    props.creator = content["platform"]
    props.created = props.modified = stamp
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()  # save_workbook() would stamp "modified" now
    return _restamped(buffer.getvalue(), stamp)


def _restamped(data: bytes, stamp: datetime) -> bytes:
    """The zip ``data`` with every entry dated ``stamp`` instead of the clock's time."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(zipfile.ZipInfo(entry.filename, stamp.timetuple()[:6]),
                            source.read(entry), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _following_month(period: str) -> datetime:
    year, month = (int(part) for part in period.split("-"))
    return datetime(year + month // 12, month % 12 + 1, 1)


def _write_sheet(sheet: Worksheet, section: Section) -> None:
    sheet.append([label for c in section.columns for label in c.labels()])
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for row_index, row in enumerate(section.rows, start=2):
        cells = _cells(section.columns, row, _xlsx_money)
        for column_index, (column, raw) in enumerate(cells, start=1):
            value = _xlsx_value(column, raw)
            _style_cell(sheet.cell(row_index, column_index, value), column, value)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    _fit_column_widths(sheet)


def _xlsx_money(fen: int) -> list[object]:
    return [fen, yuan_decimal(fen)]


def _xlsx_value(column: Column, value: object) -> object:
    if column.kind is Kind.PERCENT and value is not None:
        return Decimal(str(value))
    return value


def _style_cell(cell: Any, column: Column, value: object) -> None:
    """Text stays text (never a formula); numbers get their display format."""
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, Decimal):
        cell.number_format = YUAN_FORMAT if column.kind is Kind.MONEY else PERCENT_FORMAT
    elif column.kind is Kind.MONEY:
        cell.number_format = FEN_FORMAT


def _fit_column_widths(sheet: Worksheet) -> None:
    """Widths from the longest shown value; a CJK character counts as two."""
    for index, column in enumerate(sheet.iter_cols(), start=1):
        longest = max(_display_width(_shown(cell)) for cell in column)
        sheet.column_dimensions[get_column_letter(index)].width = min(longest + 2, MAX_COLUMN_WIDTH)


def _shown(cell: Any) -> str:
    value = cell.value
    if isinstance(value, Decimal) and cell.number_format == YUAN_FORMAT:
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def _display_width(text: str) -> int:
    return sum(2 if ord(char) >= 0x2E80 else 1 for char in text)


# --- PDF ------------------------------------------------------------------------------------

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


@cache
def _register_fonts() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


# Chinese is set in STSong-Light and Latin in Helvetica: STSong's Latin glyphs are
# replaced by whatever font a reader substitutes for it, and look ragged there.


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
