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

from gannan.reporting.render.csv import to_csv
from gannan.reporting.render.pdf import to_pdf
from gannan.reporting.render.sections import (
    Cell,
    Column,
    Content,
    Kind,
    Section,
    Signature,
    sections,
    share_percent,
    yuan,
    yuan_decimal,
)
from gannan.reporting.render.xlsx import to_xlsx

__all__ = [
    "Cell", "Column", "Content", "Kind", "Section", "Signature", "sections", "share_percent",
    "to_csv", "to_pdf", "to_xlsx", "yuan", "yuan_decimal",
]
