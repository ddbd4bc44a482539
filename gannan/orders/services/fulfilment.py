"""Seller-order state machine: every transition checked, recorded with who and when."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from gannan.catalog.indexing import queue_reindex
from gannan.catalog.services.products import change_stock, sold_out_changed
from gannan.orders.errors import OrderErrorCode
from gannan.orders.models import (
    Order,
    OrderStatus,
    PaymentMethod,
    SellerOrder,
    SellerOrderEvent,
    SellerOrderStatus,
)
from gannan.orders import signals
from gannan.platform.errors import Conflict, NotFound, PlatformErrorCode
from gannan.platform.extensions import db
from gannan.platform.types import utcnow

S = SellerOrderStatus
# to-status: the statuses it may be reached from
TRANSITIONS: dict[SellerOrderStatus, frozenset[SellerOrderStatus]] = {
    S.PAID: frozenset({S.PENDING_PAYMENT}),
    S.SHIPPED: frozenset({S.PAID, S.PENDING_PAYMENT}),  # unpaid only for cash on delivery
    S.DELIVERED: frozenset({S.SHIPPED}),
    S.COMPLETED: frozenset({S.DELIVERED}),
    S.CANCELLED: frozenset({S.PENDING_PAYMENT, S.PAID}),
    S.REFUNDED: frozenset({S.PAID, S.SHIPPED, S.DELIVERED, S.COMPLETED}),
}


def seller_order_or_404(seller_order_id: int, lock: bool = False) -> SellerOrder:
    query = db.select(SellerOrder).where(SellerOrder.id == seller_order_id)
    seller_order = db.session.scalar(query.with_for_update(of=SellerOrder) if lock else query)
    if seller_order is None:
        raise NotFound("No such seller order.", code=OrderErrorCode.SELLER_ORDER_NOT_FOUND)
    return seller_order


def order_or_404(order_id: int, lock: bool = False) -> Order:
    query = db.select(Order).where(Order.id == order_id)
    order = db.session.scalar(query.with_for_update(of=Order) if lock else query)
    if order is None:
        raise NotFound("No such order.", code=OrderErrorCode.ORDER_NOT_FOUND)
    return order


def buyer_orders(buyer_id: int, status: OrderStatus | None = None):
    query = db.select(Order).where(Order.buyer_id == buyer_id).order_by(Order.id.desc())
    return query.where(Order.status == status) if status else query


def seller_orders(seller_id: int, status: SellerOrderStatus | None = None):
    query = db.select(SellerOrder).where(SellerOrder.seller_id == seller_id) \
        .order_by(SellerOrder.id.desc())
    return query.where(SellerOrder.status == status) if status else query


def transition(seller_order: SellerOrder, target: SellerOrderStatus, actor_id: int | None,
               note: str | None = None) -> None:
    if seller_order.status not in TRANSITIONS[target]:
        raise Conflict(f"A {seller_order.status.value} order cannot become {target.value}.",
                       code=PlatformErrorCode.INVALID_TRANSITION)
    seller_order.events.append(SellerOrderEvent(
        from_status=seller_order.status.value, to_status=target.value, actor_id=actor_id,
        note=note))
    seller_order.status = target


def release_stock(seller_order: SellerOrder) -> None:
    for line in seller_order.lines:
        if sold_out_changed(change_stock(line.sku_id, line.quantity), line.quantity):
            queue_reindex([line.product_id])


def mark_paid(seller_order: SellerOrder, when: datetime, source: str) -> None:
    """Money for the seller order is captured: status, amounts and the ledger, together."""
    transition(seller_order, S.PAID, None, source)
    seller_order.paid_fen = seller_order.total_fen
    seller_order.paid_at = when
    signals.payment_captured.send(seller_order, source=source, when=when)


def ship(seller_order_id: int, actor_id: int, carrier: str, tracking_number: str) -> SellerOrder:
    seller_order = seller_order_or_404(seller_order_id, lock=True)
    cod = seller_order.order.payment_method is PaymentMethod.COD
    if seller_order.status is S.PENDING_PAYMENT and not cod:
        raise Conflict("The order is not paid yet.", code=OrderErrorCode.ORDER_NOT_PAID)
    transition(seller_order, S.SHIPPED, actor_id, f"{carrier} {tracking_number}")
    seller_order.carrier, seller_order.tracking_number = carrier, tracking_number
    seller_order.shipped_at = utcnow()
    db.session.commit()
    return seller_order


def deliver(seller_order_id: int, actor_id: int, cash_collected: bool) -> SellerOrder:
    """Delivered; for cash on delivery only with the cash collected, which makes it paid."""
    seller_order = seller_order_or_404(seller_order_id, lock=True)
    cod = seller_order.order.payment_method is PaymentMethod.COD
    if cod and seller_order.status is S.SHIPPED and not cash_collected:
        raise Conflict("Cash on delivery: deliver with cash_collected once the buyer paid.",
                       code=OrderErrorCode.CASH_NOT_COLLECTED)
    transition(seller_order, S.DELIVERED, actor_id)
    now = utcnow()
    seller_order.delivered_at = now
    if cod:
        seller_order.paid_fen = seller_order.total_fen
        seller_order.paid_at = now
        signals.cash_collected.send(seller_order, source=f"cod:{seller_order.id}", when=now)
    db.session.commit()
    return seller_order


def confirm_receipt(seller_order_id: int, actor_id: int | None) -> SellerOrder:
    seller_order = seller_order_or_404(seller_order_id, lock=True)
    transition(seller_order, S.COMPLETED, actor_id,
               "confirmed by the buyer" if actor_id else "completed automatically")
    seller_order.completed_at = utcnow()
    db.session.commit()
    return seller_order


def complete_delivered(now: datetime | None = None) -> list[int]:
    """Complete what was delivered more than ``ORDER_AUTO_COMPLETE_DAYS`` ago."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["ORDER_AUTO_COMPLETE_DAYS"])
    ids = list(db.session.scalars(db.select(SellerOrder.id).where(
        SellerOrder.status == S.DELIVERED, SellerOrder.delivered_at < cutoff)))
    for seller_order_id in ids:
        confirm_receipt(seller_order_id, None)
    return ids


def cancel_unpaid(order: Order, actor_id: int | None, status: OrderStatus, note: str) -> None:
    """Cancel every seller order of an unpaid order and put its stock back."""
    for seller_order in order.seller_orders:
        transition(seller_order, S.CANCELLED, actor_id, note)
        release_stock(seller_order)
    order.status = status


def expire_unpaid(now: datetime | None = None) -> list[int]:
    """Stripe orders still unpaid after ``ORDER_PAYMENT_MINUTES`` release their stock."""
    ids = list(db.session.scalars(db.select(Order.id).where(
        Order.status == OrderStatus.PENDING_PAYMENT, Order.expires_at < (now or utcnow()))))
    expired = []
    for order_id in ids:
        order = order_or_404(order_id, lock=True)
        if order.status is OrderStatus.PENDING_PAYMENT:  # a payment may have won the race
            cancel_unpaid(order, None, OrderStatus.EXPIRED, "payment time ran out")
            expired.append(order_id)
        db.session.commit()
    return expired
