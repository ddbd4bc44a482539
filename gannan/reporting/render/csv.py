"""The report as one UTF-8 CSV (with BOM, so that Excel reads the Chinese)."""

from __future__ import annotations

import csv
import io

from gannan.reporting.render.sections import Column, Content, Kind, Signature, cells, sections, yuan

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
                             for column, value in cells(section.columns, row, _csv_money)])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_money(fen: int) -> list[object]:
    return [fen, yuan(fen)]


def _csv_cell(column: Column, value: object) -> object:
    """Free text that a spreadsheet would run as a formula is quoted with a leading '."""
    if column.kind is Kind.TEXT and isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value

