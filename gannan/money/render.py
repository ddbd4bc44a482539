"""A statement as CSV (UTF-8 with BOM, for Excel) or as an A4 PDF with the embedded font."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from gannan.money.models import Statement
from gannan.orders.models import Order, SellerOrder
from gannan.platform.extensions import db
from gannan.platform.fonts import CJK_FONT, register_cjk_font
from gannan.platform.models import Seller
from gannan.platform.types import SHANGHAI

KINDS = {"sale": "在线支付", "cod_sale": "货到付款(卖家已收现金)", "refund": "退款"}
METHODS = {"stripe": "Stripe 转账", "bank_transfer": "待银行转账", "receivable": "卖家应付平台",
           "none": "无需付款"}


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def _local(moment) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""


def _order_numbers(statement: Statement) -> dict[int, str]:
    ids = {line.seller_order_id for line in statement.lines}
    return dict(db.session.execute(
        db.select(SellerOrder.id, Order.number).join(Order, Order.id == SellerOrder.order_id)
        .where(SellerOrder.id.in_(ids))).all())


def _summary(statement: Statement) -> list[tuple[str, str]]:
    seller = db.session.get(Seller, statement.seller_id)
    return [
        ("结算单 Statement", statement.number),
        ("卖家 Seller", f"{seller.name} (#{seller.id})"),
        ("期间 Period (Asia/Shanghai)",
         f"{_local(statement.period_start) or '—'} – {_local(statement.period_end)}"),
        ("订单数 Orders", str(statement.orders_count)),
        ("在线收款 Paid online (元)", yuan(statement.sales_fen)),
        ("货到付款(卖家已收) COD collected (元)", yuan(statement.cod_fen)),
        ("退款 Refunds (元)", yuan(statement.refunds_fen)),
        ("平台佣金 Commission (元)", yuan(statement.commission_fen)),
        ("净额 Net (元)", yuan(statement.net_fen)),
        ("付款方式 Payout", METHODS[statement.payout_method.value]),
    ]


HEADER = ["订单号 order", "分单 seller_order_id", "类型 kind", "时间 time", "金额 amount_fen",
          "佣金 commission_fen", "净额 net_fen"]


def _rows(statement: Statement) -> list[list[object]]:
    numbers = _order_numbers(statement)
    return [[numbers.get(line.seller_order_id, ""), line.seller_order_id,
             KINDS.get(line.kind, line.kind), _local(line.business_time), line.amount_fen,
             line.commission_fen, line.net_fen] for line in statement.lines]


def to_csv(statement: Statement) -> tuple[bytes, str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for label, value in _summary(statement):
        writer.writerow([label, value])
    writer.writerow([])
    writer.writerow(HEADER)
    writer.writerows(_rows(statement))
    return buffer.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"


def to_pdf(statement: Statement) -> tuple[bytes, str]:
    register_cjk_font()
    style = ParagraphStyle("body", fontName=CJK_FONT, fontSize=9, leading=12)
    title = ParagraphStyle("title", parent=style, fontSize=14, leading=18)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                 title=f"结算单 {statement.number}", invariant=True)
    table_style = TableStyle([("FONT", (0, 0), (-1, -1), CJK_FONT, 8),
                              ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                              ("ALIGN", (4, 1), (-1, -1), "RIGHT")])
    rows = [[*map(str, row[:4]), *map(yuan, row[4:])] for row in _rows(statement)]
    header = [h.split(" ")[0] + ("(元)" if "fen" in h else "") for h in HEADER]
    story = [Paragraph("赣南特色产品 卖家结算单", title), Spacer(1, 4 * mm),
             Table([[k, v] for k, v in _summary(statement)],
                   style=TableStyle([("FONT", (0, 0), (-1, -1), CJK_FONT, 9)])),
             Spacer(1, 6 * mm)]
    if rows:
        story.append(Table([header, *rows], repeatRows=1, style=table_style))
    document.build(story)
    return buffer.getvalue(), "application/pdf"


RENDERERS: dict[str, Callable[[Statement], tuple[bytes, str]]] = {"csv": to_csv, "pdf": to_pdf}
