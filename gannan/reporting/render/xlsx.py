"""The report as an XLSX workbook, one sheet per section, the same bytes for the same content."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from gannan.reporting.render.sections import (
    REPORT_TITLE,
    Column,
    Content,
    Kind,
    Section,
    Signature,
    cells,
    sections,
    yuan_decimal,
)

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
        row_cells = cells(section.columns, row, _xlsx_money)
        for column_index, (column, raw) in enumerate(row_cells, start=1):
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

