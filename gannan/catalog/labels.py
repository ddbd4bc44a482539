"""Printable QR labels for a trace batch: A4 sheets of 3 × 8 labels, 70 × 37 mm each.

A label carries the QR code of the batch's short trace URL, the product, the harvest
(or production) date, the base, the origin and the trace code in letters, for a packing
shed to stick on its boxes.  All labels of a batch are alike, so the PDF draws the label
once (a form XObject) and places it on every spot: a sheet of 24 costs little more than
one label.  All text is set in the embedded CJK font (:mod:`gannan.platform.fonts`),
the Latin too, so the sheet prints the same from any computer; ReportLab's invariant
mode gives the same batch the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from itertools import groupby

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from gannan.catalog.access import batch_or_404
from gannan.catalog.models import TraceBatch
from gannan.catalog.qr import qr_modules
from gannan.catalog.services.trace import trace_url
from gannan.platform.errors import ValidationFailed
from gannan.platform.fonts import CJK_FONT, register_cjk_font

COLUMNS, ROWS = 3, 8
PER_SHEET = COLUMNS * ROWS
MAX_COUNT = 10 * PER_SHEET
PAGE_WIDTH, PAGE_HEIGHT = A4
LABEL_WIDTH = PAGE_WIDTH / COLUMNS  # 70 mm
LABEL_HEIGHT = 37 * mm  # the common 24-up A4 label stock
SHEET_TOP = (PAGE_HEIGHT - ROWS * LABEL_HEIGHT) / 2  # 0.5 mm above and below
PADDING = 3 * mm
QR_SIZE = 25 * mm
TEXT_LEFT = PADDING + QR_SIZE + 2.5 * mm
TEXT_WIDTH = LABEL_WIDTH - TEXT_LEFT - PADDING
INK = colors.black
QUIET = colors.HexColor("#555555")
CUT_GUIDE = colors.HexColor("#D0D0D0")


@dataclass(frozen=True)
class Label:
    """What one label says, as text."""

    url: str
    code: str
    title: str
    date: str
    base: str
    origin: str


def label_sheet(batch_id: int, count: int = PER_SHEET) -> bytes:
    """``count`` labels of the batch as a PDF, 24 to an A4 sheet."""
    if not 1 <= count <= MAX_COUNT:
        raise ValidationFailed(f"count must be between 1 and {MAX_COUNT} ({MAX_COUNT // PER_SHEET}"
                               " sheets).", code="label_count_out_of_range", field="count")
    return render_labels(batch_label(batch_or_404(batch_id)), count)


def batch_label(batch: TraceBatch) -> Label:
    product = batch.product
    if batch.harvest_date:
        date = f"采收日期 {batch.harvest_date.isoformat()}"
    else:
        date = f"生产日期 {batch.production_date.isoformat()}" if batch.production_date else ""
    return Label(
        url=trace_url(batch.trace_code), code=batch.trace_code, title=product.title, date=date,
        base=f"基地 {batch.base_name}",
        origin=f"产地 赣州市{product.origin_county.name}{product.origin_township or ''}",
    )


def render_labels(label: Label, count: int) -> bytes:
    """The sheets: the label drawn once, placed ``count`` times row by row from the top left."""
    register_cjk_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1,
                    initialFontName=CJK_FONT)  # not Helvetica: no font the reader must have
    canvas.setTitle(f"追溯标签 {label.code}")
    canvas.setSubject(label.title)
    canvas.setCreator("gannan labels")
    canvas.beginForm("label", 0, 0, LABEL_WIDTH, LABEL_HEIGHT)
    _draw_label(canvas, label)
    canvas.endForm()
    for index in range(count):
        if index and index % PER_SHEET == 0:
            canvas.showPage()
        row, column = divmod(index % PER_SHEET, COLUMNS)
        canvas.saveState()
        canvas.translate(column * LABEL_WIDTH, PAGE_HEIGHT - SHEET_TOP - (row + 1) * LABEL_HEIGHT)
        canvas.doForm("label")
        canvas.restoreState()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_label(canvas: Canvas, label: Label) -> None:
    canvas.setStrokeColor(CUT_GUIDE)
    canvas.setLineWidth(0.3)
    canvas.rect(0, 0, LABEL_WIDTH, LABEL_HEIGHT, stroke=1, fill=0)
    _draw_qr(canvas, label.url, PADDING, (LABEL_HEIGHT - QR_SIZE) / 2, QR_SIZE)
    y = LABEL_HEIGHT - PADDING - 8.5
    canvas.setFillColor(INK)
    for line in _fit(label.title, 8.5, lines=2):
        _text(canvas, y, line, 8.5)
        y -= 10.5
    y -= 1.5
    for line in (label.date, label.base, label.origin):
        _text(canvas, y, _fit(line, 6.5)[0], 6.5)
        y -= 8.6
    y -= 2
    _text(canvas, y, "追溯码", 6.5)
    code_left = stringWidth("追溯码 ", CJK_FONT, 6.5)
    size = _largest_fitting(label.code, 8, TEXT_WIDTH - code_left)
    canvas.setFont(CJK_FONT, size)
    canvas.drawString(TEXT_LEFT + code_left, y, label.code)
    canvas.setFillColor(QUIET)
    _text(canvas, PADDING, "手机扫码 查看产地与检测", 5.5)


def _draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """Dark modules as one filled path, a rectangle per run of a row; the label's
    padding is the quiet zone."""
    modules = qr_modules(url)
    step = size / len(modules)
    path = canvas.beginPath()
    for row_index, row in enumerate(modules):
        top = y + size - (row_index + 1) * step
        column = 0
        for dark, run in groupby(row):
            length = len(list(run))
            if dark:
                path.rect(x + column * step, top, length * step, step)
            column += length
    canvas.setFillColor(INK)
    canvas.drawPath(path, stroke=0, fill=1)


def _text(canvas: Canvas, y: float, text: str, size: float) -> None:
    canvas.setFont(CJK_FONT, size)
    canvas.drawString(TEXT_LEFT, y, text)


def _fit(text: str, size: float, lines: int = 1) -> list[str]:
    """``text`` in at most ``lines`` lines of the text column, broken between any two
    characters (Chinese has no spaces); what does not fit ends in "…"."""
    result: list[str] = []
    rest = " ".join(text.split())
    while rest and len(result) < lines:
        cut = _fitting_prefix(rest, size, TEXT_WIDTH)
        if len(result) == lines - 1 and cut < len(rest):
            cut = _fitting_prefix(rest, size, TEXT_WIDTH - stringWidth("…", CJK_FONT, size))
            result.append(rest[:cut].rstrip() + "…")
            break
        result.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return result or [""]


def _fitting_prefix(text: str, size: float, width: float) -> int:
    """How many leading characters of ``text`` fit in ``width`` (at least one)."""
    for end in range(1, len(text) + 1):
        if stringWidth(text[:end], CJK_FONT, size) > width:
            return max(end - 1, 1)
    return len(text)


def _largest_fitting(text: str, size: float, width: float) -> float:
    """The code is never cut: it shrinks, half a point at a time, until it fits."""
    while size > 5 and stringWidth(text, CJK_FONT, size) > width:
        size -= 0.5
    return size
