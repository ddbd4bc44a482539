"""Refunds and cancellation: never more than was paid, written to the ledger when made."""

from __future__ import annotations

from gannan.orders.errors import OrderErrorCode
from gannan.orders.gateway import create_refund
from gannan.orders.models import (
    Order,
    OrderStatus,
    PaymentMethod,
    Refund,
    SellerOrder,
    SellerOrderStatus,
)
from gannan.orders.services.fulfilment import (
    cancel_unpaid,
    order_or_404,
    release_stock,
    seller_order_or_404,
    transition,
)
from gannan.orders.signals import refund_recorded
from gannan.platform.errors import Conflict, PlatformErrorCode, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.types import utcnow

S = SellerOrderStatus


def allocate(seller_order: SellerOrder, amount_fen: int, line_ids: list[int] | None
             ) -> dict[int, int]:
    """Split a refund over the goods of the chosen lines (all by default), in proportion
    to what is left of each, exact to the fen (largest remainders get the odd fen).
    What exceeds the goods left is shipping, and must fit in the shipping paid."""
    lines = seller_order.lines
    if line_ids:
        unknown = sorted(set(line_ids) - {line.id for line in lines})
        if unknown:
            raise ValidationFailed(f"Not lines of this order: {unknown}.",
                                   code=OrderErrorCode.UNKNOWN_LINE,
                                   field="line_ids")
        lines = [line for line in lines if line.id in set(line_ids)]
    left = {line.id: line.line_total_fen - line.refunded_fen for line in lines}
    goods_left = sum(left.values())
    goods = min(amount_fen, goods_left)
    shipping_left = seller_order.shipping_fen - (seller_order.refunded_fen - sum(
        line.refunded_fen for line in seller_order.lines))
    if amount_fen - goods > shipping_left:
        raise ValidationFailed(
            f"At most {goods_left + shipping_left} fen can be refunded for these items.",
            code=OrderErrorCode.REFUND_EXCEEDS_PAID, field="amount_fen")
    if goods_left == 0:
        return {}
    shares = {lid: goods * rest // goods_left for lid, rest in left.items()}
    remainders = sorted(left, key=lambda lid: (-(goods * left[lid] % goods_left), lid))
    for lid in remainders[: goods - sum(shares.values())]:
        shares[lid] += 1
    return {lid: fen for lid, fen in shares.items() if fen}


def refund(seller_order_id: int, actor_id: int | None, amount_fen: int, reason: str,
           line_ids: list[int] | None = None) -> Refund:
    """Refund part or all of what was paid for a seller order.

    The refund row is written, Stripe is asked (with the row id as idempotency key),
    and only then is the transaction committed: a refused Stripe call leaves nothing.
    """
    seller_order = seller_order_or_404(seller_order_id, lock=True)
    refundable = seller_order.paid_fen - seller_order.refunded_fen
    if seller_order.paid_fen == 0:
        raise Conflict("Nothing has been paid for this order yet.",
                       code=OrderErrorCode.ORDER_NOT_PAID)
    if amount_fen > refundable:
        raise ValidationFailed(f"At most {refundable} fen is left to refund.",
                               code=OrderErrorCode.REFUND_EXCEEDS_PAID, field="amount_fen")
    allocation = allocate(seller_order, amount_fen, line_ids)
    record = Refund(seller_order=seller_order, amount_fen=amount_fen, reason=reason,
                    allocation={str(k): v for k, v in allocation.items()}, actor_id=actor_id,
                    created_at=utcnow())
    db.session.add(record)
    apply_refund(seller_order, record, allocation, actor_id)
    db.session.flush()
    order = seller_order.order
    if order.payment_method is PaymentMethod.STRIPE:
        record.stripe_refund_id = create_refund(order.stripe_payment_intent_id, amount_fen,
                                                f"refund-{record.id}")
    refund_recorded.send(record, when=record.created_at)
    db.session.commit()
    return record


def apply_refund(seller_order: SellerOrder, record: Refund, allocation: dict[int, int],
                 actor_id: int | None) -> None:
    """Count a refund on its lines and seller order; a full refund ends the order."""
    for line in seller_order.lines:
        line.refunded_fen += allocation.get(line.id, 0)
    seller_order.refunded_fen += record.amount_fen
    if seller_order.refunded_fen == seller_order.paid_fen:
        unshipped = seller_order.status is S.PAID
        transition(seller_order, S.REFUNDED, actor_id, f"refunded {record.amount_fen} fen")
        if unshipped:
            release_stock(seller_order)


def cancel_order(order_id: int, actor_id: int) -> Order:
    """Cancel before anything shipped: stock goes back, whatever was paid is refunded."""
    order = order_or_404(order_id, lock=True)
    if order.status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
        raise Conflict("The order is already cancelled.",
                       code=PlatformErrorCode.INVALID_TRANSITION)
    if any(so.shipped_at is not None for so in order.seller_orders):
        raise Conflict("Part of the order has shipped; ask the seller for a refund.",
                       code=OrderErrorCode.ALREADY_SHIPPED)
    if order.status is not OrderStatus.PAID:
        cancel_unpaid(order, actor_id, OrderStatus.CANCELLED, "cancelled by the buyer")
        db.session.commit()
        return order
    # One refund per seller order, each committed with its Stripe refund; a retry after a
    # failure refunds only what is still unrefunded.
    for seller_order in order.seller_orders:
        left = seller_order.paid_fen - seller_order.refunded_fen
        if left:
            refund(seller_order.id, actor_id, left, "order cancelled before shipping")
    order.status = OrderStatus.CANCELLED
    db.session.commit()
    return order
