"""The one place that writes the sales ledger.

Orders call :func:`record_sale` when money for a seller order is captured (a Stripe
payment succeeded, or cash was collected on delivery) and :func:`record_refund` when
money goes back.  Both join the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import event

from gannan.orders.models import OrderLine, Refund, SellerOrder
from gannan.platform.errors import Conflict
from gannan.platform.extensions import db
from gannan.platform.raises import guard
from gannan.reporting.errors import ReportingErrorCode
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


@event.listens_for(LedgerEntry, "before_update")
@event.listens_for(LedgerEntry, "before_delete")
@guard
def _append_only(mapper, connection, target: LedgerEntry) -> None:
    raise Conflict("The sales ledger is append-only: record a correction as a new row.",
                   code=ReportingErrorCode.LEDGER_APPEND_ONLY)
