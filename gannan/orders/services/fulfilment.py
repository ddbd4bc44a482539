"""Seller-order state machine: every transition checked, recorded with who and when.

Every change of status is a conditional write (``UPDATE … WHERE status = <as read>``),
so of two requests racing to move the same order exactly one wins and the other gets
a 409 having changed nothing; this holds on SQLite, where row locks do not exist, and on
PostgreSQL alike.  Money and stock move only behind a transition that was won.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

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
from gannan.orders.queries import order_parts, seller_order_with_order, with_parts
from gannan.orders.services.batch_flow import assign_batches
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


def seller_order_or_404(seller_order_id: int) -> SellerOrder:
    seller_order = db.session.get(SellerOrder, seller_order_id,
                                  options=seller_order_with_order())
    if seller_order is None:
        raise NotFound("No such seller order.", code=OrderErrorCode.SELLER_ORDER_NOT_FOUND)
    return seller_order


def order_or_404(order_id: int) -> Order:
    order = db.session.get(Order, order_id, options=[order_parts()])
    if order is None:
        raise NotFound("No such order.", code=OrderErrorCode.ORDER_NOT_FOUND)
    return order


def buyer_orders(buyer_id: int, status: OrderStatus | None = None):
    query = with_parts(db.select(Order)).where(Order.buyer_id == buyer_id) \
        .order_by(Order.id.desc())
    return query.where(Order.status == status) if status else query


def seller_orders(seller_id: int, status: SellerOrderStatus | None = None):
    """A seller's orders, newest first; the caller adds the loader options of what it
    shows (the API its whole parts, the console list the order and the lines)."""
    query = db.select(SellerOrder).where(SellerOrder.seller_id == seller_id) \
        .order_by(SellerOrder.id.desc())
    return query.where(SellerOrder.status == status) if status else query


def guarded_update(row, expected, **values) -> bool:
    """Write ``values`` to ``row`` (an order, seller order or refund) only if its status
    is still ``expected``, the status the caller's decision was made on.

    One conditional UPDATE, which the database applies to the row as it is at that
    moment (PostgreSQL re-checks the condition after waiting for a concurrent writer;
    SQLite runs one writer at a time), so of concurrent callers exactly one wins.  The
    winner's object shows the new values; a loser has written nothing.
    """
    model = type(row)
    won = db.session.execute(
        update(model).where(model.id == row.id, model.status == expected).values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if won:
        for name, value in values.items():
            set_committed_value(row, name, value)
    return won


def transition(seller_order: SellerOrder, target: SellerOrderStatus, actor_id: int | None,
               note: str | None = None, **values) -> None:
    """Move a seller order to ``target`` (writing ``values`` with it) from the status it
    was read in; a 409 if the state machine forbids it or another request moved it first."""
    source = seller_order.status
    if source not in TRANSITIONS[target]:
        raise Conflict(f"A {source.value} order cannot become {target.value}.",
                       code=PlatformErrorCode.INVALID_TRANSITION)
    if not guarded_update(seller_order, source, status=target, **values):
        raise Conflict(f"The order was changed by another request while it was to become "
                       f"{target.value}; reload it.", code=PlatformErrorCode.INVALID_TRANSITION)
    seller_order.events.append(SellerOrderEvent(
        from_status=source.value, to_status=target.value, actor_id=actor_id, note=note))


def release_stock(*seller_orders: SellerOrder) -> None:
    """Put the goods of these seller orders back on the shelf.  Only ever called behind a
    transition this request won, so each unit comes back once; SKUs in id order, as
    checkout takes them, so the two cannot deadlock on PostgreSQL."""
    lines = sorted((line for so in seller_orders for line in so.lines),
                   key=lambda line: (line.sku_id, line.id))
    for line in lines:
        if sold_out_changed(change_stock(line.sku_id, line.quantity), line.quantity):
            queue_reindex([line.product_id])


def mark_paid(seller_order: SellerOrder, when: datetime, source: str) -> None:
    """Money for the seller order is captured: status, amounts and the ledger, together."""
    transition(seller_order, S.PAID, None, source, paid_fen=seller_order.total_fen,
               paid_at=when)
    signals.payment_captured.send(seller_order, source=source, when=when)


def ship(seller_order_id: int, actor_id: int, carrier: str, tracking_number: str,
         batches: list[dict[str, int]] | None = None) -> SellerOrder:
    """Hand over to the carrier; ``batches`` names the trace batch of each line
    (:func:`~gannan.orders.services.batch_flow.assign_batches`)."""
    seller_order = seller_order_or_404(seller_order_id)
    cod = seller_order.order.payment_method is PaymentMethod.COD
    if seller_order.status is S.PENDING_PAYMENT and not cod:
        raise Conflict("The order is not paid yet.", code=OrderErrorCode.ORDER_NOT_PAID)
    if seller_order.status in TRANSITIONS[S.SHIPPED]:
        assign_batches(seller_order, batches)
    transition(seller_order, S.SHIPPED, actor_id, f"{carrier} {tracking_number}",
               carrier=carrier, tracking_number=tracking_number, shipped_at=utcnow())
    db.session.commit()
    return seller_order


def deliver(seller_order_id: int, actor_id: int, cash_collected: bool) -> SellerOrder:
    """Delivered; for cash on delivery only with the cash collected, which makes it paid."""
    seller_order = seller_order_or_404(seller_order_id)
    cod = seller_order.order.payment_method is PaymentMethod.COD
    if cod and seller_order.status is S.SHIPPED and not cash_collected:
        raise Conflict("Cash on delivery: deliver with cash_collected once the buyer paid.",
                       code=OrderErrorCode.CASH_NOT_COLLECTED)
    now = utcnow()
    paid = {"paid_fen": seller_order.total_fen, "paid_at": now} if cod else {}
    transition(seller_order, S.DELIVERED, actor_id, delivered_at=now, **paid)
    if cod:  # the cash is counted once: only the request that won the transition gets here
        signals.cash_collected.send(seller_order, source=f"cod:{seller_order.id}", when=now)
    db.session.commit()
    return seller_order


def confirm_receipt(seller_order_id: int, actor_id: int | None) -> SellerOrder:
    seller_order = seller_order_or_404(seller_order_id)
    transition(seller_order, S.COMPLETED, actor_id,
               "confirmed by the buyer" if actor_id else "completed automatically",
               completed_at=utcnow())
    db.session.commit()
    return seller_order


def complete_delivered(now: datetime | None = None) -> list[int]:
    """Complete what was delivered more than ``ORDER_AUTO_COMPLETE_DAYS`` ago."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["ORDER_AUTO_COMPLETE_DAYS"])
    ids = list(db.session.scalars(db.select(SellerOrder.id).where(
        SellerOrder.status == S.DELIVERED, SellerOrder.delivered_at < cutoff)))
    completed = []
    for seller_order_id in ids:
        try:
            confirm_receipt(seller_order_id, None)
        except Conflict:  # the buyer confirmed it at the same moment
            db.session.rollback()
            continue
        completed.append(seller_order_id)
    return completed


def cancel_unpaid(order: Order, actor_id: int | None, status: OrderStatus, note: str) -> None:
    """Cancel an unpaid order and each of its seller orders, and put its stock back.

    The order's status changes only from the one it was read in, and each part only from
    unpaid (a part shipped meanwhile for cash on delivery makes this a 409), so a
    payment, an expiry, a shipment and the buyer cannot both win; the stock comes back
    once.
    """
    if order.status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.PLACED) or \
            not guarded_update(order, order.status, status=status):
        raise Conflict("The order was changed by another request; reload it.",
                       code=PlatformErrorCode.INVALID_TRANSITION)
    for seller_order in order.seller_orders:
        transition(seller_order, S.CANCELLED, actor_id, note)
    release_stock(*order.seller_orders)


def expire_unpaid(now: datetime | None = None) -> list[int]:
    """Stripe orders still unpaid after ``ORDER_PAYMENT_MINUTES`` release their stock."""
    ids = list(db.session.scalars(db.select(Order.id).where(
        Order.status == OrderStatus.PENDING_PAYMENT, Order.expires_at < (now or utcnow()))))
    expired = []
    for order_id in ids:
        order = order_or_404(order_id)
        if order.status is not OrderStatus.PENDING_PAYMENT:  # a payment won the race
            continue
        try:
            cancel_unpaid(order, None, OrderStatus.EXPIRED, "payment time ran out")
        except Conflict:  # paid, cancelled or expired by someone else meanwhile
            db.session.rollback()
            continue
        db.session.commit()
        expired.append(order_id)
    return expired
