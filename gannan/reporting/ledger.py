"""The one place that writes the sales ledger.

Orders announce when money for a seller order is captured (``payment_captured``: a
Stripe payment succeeded; ``cash_collected``: cash on delivery) and when money goes back
(``refund_recorded``); the listeners here write the rows in the sender's transaction.
"""

from __future__ import annotations

from datetime import datetime

from gannan.orders.models import OrderLine, Refund, SellerOrder
from gannan.orders.signals import cash_collected, payment_captured, refund_recorded
from gannan.platform.extensions import db
from gannan.reporting.models import EntryKind, LedgerEntry


def _entry(kind: EntryKind, source: str, when: datetime, line: OrderLine, amount_fen: int,
           quantity: int) -> LedgerEntry:
    seller_order = line.seller_order
    order = seller_order.order
    return LedgerEntry(
        kind=kind, source=source, business_time=when, amount_fen=amount_fen, quantity=quantity,
        order_id=order.id, seller_order_id=seller_order.id, order_line_id=line.id,
        buyer_id=order.buyer_id, seller_id=seller_order.seller_id, product_id=line.product_id,
        category_id=line.category_id, origin_county_code=line.origin_county_code,
        origin_township=line.origin_township, agricultural=line.agricultural,
        channel=order.channel.value, channel_ref=order.channel_ref,
        buyer_county_code=order.county_code, buyer_province=order.province,
        buyer_city=order.city,
    )


def record_sale(seller_order: SellerOrder, source: str, when: datetime) -> None:
    """One positive row per line: the goods sold (shipping fees are not goods sales)."""
    for line in seller_order.lines:
        db.session.add(_entry(EntryKind.SALE, source, when, line, line.line_total_fen,
                              line.quantity))


def record_refund(refund: Refund, when: datetime) -> None:
    """One negative row per line the refund's goods part was allocated to."""
    lines = {line.id: line for line in refund.seller_order.lines}
    for line_id, amount in sorted(refund.allocation.items(), key=lambda kv: int(kv[0])):
        if amount:
            db.session.add(_entry(EntryKind.REFUND, f"refund:{refund.id}", when,
                                  lines[int(line_id)], -amount, 0))


def _on_sale(seller_order: SellerOrder, *, source: str, when: datetime) -> None:
    record_sale(seller_order, source, when)


def _on_refund(refund: Refund, *, when: datetime) -> None:
    record_refund(refund, when)


def connect_ledger() -> None:
    """Listen to what orders announce (idempotent: blinker keeps one connection each)."""
    payment_captured.connect(_on_sale)
    cash_collected.connect(_on_sale)
    refund_recorded.connect(_on_refund)
