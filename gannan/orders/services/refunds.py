"""Refunds and cancellation: never more than was paid, written to the ledger when made.

A refund moves money in three short steps, and no database lock is held while Stripe
is asked:

1. *reserve*: one transaction takes the amount from what is left to refund with a
   conditional UPDATE (``refunded_fen + x <= paid_fen``), splits it over the lines the
   same way, and writes the refund row as ``pending``.  Concurrent refunds can never
   take the same fen, on SQLite as on PostgreSQL.
2. Stripe is asked, outside any transaction, with the refund row's own id as the
   idempotency key (``refund-{id}``).
3. *settle*: the refund becomes ``succeeded`` by a conditional UPDATE (``WHERE status =
   'pending'``); only the request that wins it writes the ledger and ends a fully
   refunded order.

If Stripe fails or the process stops between the steps, the refund stays pending with
its amount reserved, and :func:`settle_pending` (on Celery beat) asks Stripe again
under the same key: the buyer gets the money once, never twice, and never not at all.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from gannan.orders.errors import OrderErrorCode
from gannan.orders.gateway import PaymentProviderError, create_refund
from gannan.orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Refund,
    RefundStatus,
    SellerOrder,
    SellerOrderStatus,
)
from gannan.orders.services.fulfilment import (
    cancel_unpaid,
    guarded_update,
    order_or_404,
    release_stock,
    seller_order_or_404,
    transition,
)
from gannan.orders.signals import refund_recorded
from gannan.platform.errors import Conflict, PlatformErrorCode, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.types import utcnow

log = logging.getLogger(__name__)
S = SellerOrderStatus
# Seller orders with money on them that a refund may go to.
REFUNDABLE = (S.PAID, S.SHIPPED, S.DELIVERED, S.COMPLETED)
# A pending refund older than this is taken to be abandoned and is settled by beat.
SETTLE_AFTER = timedelta(minutes=2)


def allocate(seller_order: SellerOrder, amount_fen: int, line_ids: list[int] | None,
             reserved_fen: int = 0) -> dict[int, int]:
    """Split a refund over the goods of the chosen lines (all by default), in proportion
    to what is left of each, exact to the fen (largest remainders get the odd fen).
    What exceeds the goods left is shipping, and must fit in the shipping paid.
    ``reserved_fen``: the part of ``seller_order.refunded_fen`` that is this refund's
    own reservation, not an earlier refund."""
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
    shipping_left = seller_order.shipping_fen - (seller_order.refunded_fen - reserved_fen - sum(
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


def refundable_fen(seller_order_id: int) -> int:
    """What is left to refund, as the database has it now (not as this session read it)."""
    return db.session.execute(
        db.select(SellerOrder.paid_fen - SellerOrder.refunded_fen)
        .where(SellerOrder.id == seller_order_id)).scalar_one()


def reserve(seller_order: SellerOrder, amount_fen: int, line_ids: list[int] | None,
            statuses: tuple[SellerOrderStatus, ...] = REFUNDABLE) -> dict[int, int] | None:
    """Take ``amount_fen`` from what is left to refund on a seller order and split it over
    its lines, in the caller's transaction; None (nothing written) when it does not fit.

    The first UPDATE is the guard: it adds the amount only where ``refunded_fen + x <=
    paid_fen`` still holds for the row as it is now.  Having written the row, this
    transaction is the only one refunding this seller order until it ends (PostgreSQL
    holds the row, SQLite the whole database), so the lines are read afresh and the
    split is exact; each line's own UPDATE is guarded too.
    """
    taken = db.session.execute(
        update(SellerOrder)
        .where(SellerOrder.id == seller_order.id,
               SellerOrder.refunded_fen + amount_fen <= SellerOrder.paid_fen,
               SellerOrder.status.in_(statuses))
        .values(refunded_fen=SellerOrder.refunded_fen + amount_fen)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        return None
    db.session.refresh(seller_order, ["refunded_fen", "paid_fen", "shipping_fen"])
    db.session.scalars(db.select(OrderLine).where(OrderLine.seller_order_id == seller_order.id)
                       .execution_options(populate_existing=True)).all()
    allocation = allocate(seller_order, amount_fen, line_ids, reserved_fen=amount_fen)
    lines = {line.id: line for line in seller_order.lines}
    for line_id, fen in sorted(allocation.items()):
        fits = db.session.execute(
            update(OrderLine)
            .where(OrderLine.id == line_id,
                   OrderLine.refunded_fen + fen <= OrderLine.line_total_fen)
            .values(refunded_fen=OrderLine.refunded_fen + fen)
            .execution_options(synchronize_session=False)
        ).rowcount
        if fits != 1:
            raise Conflict("Another refund of this order was made at the same moment; "
                           "try again.", code=OrderErrorCode.CONCURRENT_UPDATE)
        set_committed_value(lines[line_id], "refunded_fen", lines[line_id].refunded_fen + fen)
    return allocation


def _pending_refund(seller_order: SellerOrder, actor_id: int | None, amount_fen: int,
                    reason: str, line_ids: list[int] | None,
                    statuses: tuple[SellerOrderStatus, ...] = REFUNDABLE) -> Refund | None:
    allocation = reserve(seller_order, amount_fen, line_ids, statuses)
    if allocation is None:
        return None
    record = Refund(seller_order_id=seller_order.id, amount_fen=amount_fen, reason=reason,
                    status=RefundStatus.PENDING,
                    allocation={str(k): v for k, v in allocation.items()}, actor_id=actor_id,
                    created_at=utcnow())
    db.session.add(record)
    db.session.flush()
    return record


def refund(seller_order_id: int, actor_id: int | None, amount_fen: int, reason: str,
           line_ids: list[int] | None = None) -> Refund:
    """Refund part or all of what was paid for a seller order: reserved, then settled."""
    seller_order = seller_order_or_404(seller_order_id)
    if seller_order.paid_fen == 0:
        raise Conflict("Nothing has been paid for this order yet.", code=OrderErrorCode.ORDER_NOT_PAID)
    record = _pending_refund(seller_order, actor_id, amount_fen, reason, line_ids)
    if record is None:
        raise ValidationFailed(f"At most {refundable_fen(seller_order_id)} fen is left to "
                               "refund.", code=OrderErrorCode.REFUND_EXCEEDS_PAID, field="amount_fen")
    db.session.commit()
    return settle(record.id)


def settle(refund_id: int) -> Refund:
    """Finish a pending refund: ask Stripe (again) under the refund's own key, then mark
    it succeeded and write the ledger, once, whichever request or worker gets there first.

    A failing Stripe raises :class:`PaymentProviderError` (502) and leaves the refund
    pending, its amount reserved, for :func:`settle_pending` to finish.
    """
    return _settle(refund_id)[0]


def _settle(refund_id: int) -> tuple[Refund, bool]:
    """The refund, and whether this call is the one that settled it."""
    record = db.session.execute(db.select(Refund).where(Refund.id == refund_id)
                                .execution_options(populate_existing=True)).scalar_one()
    if record.status is not RefundStatus.PENDING:
        return record, False
    seller_order = record.seller_order
    order = seller_order.order
    stripe_refund_id = None
    if order.payment_method is PaymentMethod.STRIPE:
        intent_id, amount_fen = order.stripe_payment_intent_id, record.amount_fen
        db.session.commit()  # nothing is held open while Stripe answers
        try:
            stripe_refund_id = create_refund(intent_id, amount_fen, f"refund-{refund_id}")
        except PaymentProviderError as exc:
            retried = PaymentProviderError(
                f"{exc.detail} The refund is recorded and will be sent to Stripe again.",
                refund_id=refund_id)
            retried.status = exc.status  # 503 when Stripe was unreachable, 502 if it refused
            raise retried from exc
    if not guarded_update(record, RefundStatus.PENDING, status=RefundStatus.SUCCEEDED,
                          stripe_refund_id=stripe_refund_id):
        db.session.rollback()  # settled meanwhile by another request or worker
        return db.session.get(Refund, refund_id), False
    refund_recorded.send(record, when=record.created_at)
    end_if_fully_refunded(seller_order, record.actor_id, f"refunded {record.amount_fen} fen")
    db.session.commit()
    return record, True


def end_if_fully_refunded(seller_order: SellerOrder, actor_id: int | None, note: str) -> None:
    """A seller order refunded in full becomes ``refunded``; unshipped goods go back on the
    shelf.  Guarded like every transition: whoever wins it releases the stock, once."""
    for _ in range(3):  # a shipment may move it meanwhile: look again (bounded)
        db.session.refresh(seller_order)
        if seller_order.refunded_fen != seller_order.paid_fen or \
                seller_order.status not in REFUNDABLE:
            return
        unshipped = seller_order.status is S.PAID
        try:
            transition(seller_order, S.REFUNDED, actor_id, note)
        except Conflict:
            continue
        if unshipped:
            release_stock(seller_order)
        return


def settle_pending(now: datetime | None = None) -> list[int]:
    """Settle the refunds left pending (Stripe failed, or the process stopped between the
    steps) for longer than ``SETTLE_AFTER``; returns the ids settled now."""
    cutoff = (now or utcnow()) - SETTLE_AFTER
    ids = list(db.session.scalars(db.select(Refund.id).where(
        Refund.status == RefundStatus.PENDING, Refund.created_at < cutoff).order_by(Refund.id)))
    settled = []
    for refund_id in ids:
        try:
            if _settle(refund_id)[1]:
                settled.append(refund_id)
        except PaymentProviderError as exc:
            db.session.rollback()
            log.warning("refund %s still pending: %s", refund_id, exc.detail)
    return settled


def cancel_order(order_id: int, actor_id: int) -> Order:
    """Cancel before anything shipped: stock goes back, whatever was paid is refunded.

    For a paid order one transaction decides it: the order leaves ``paid`` and each part
    leaves ``paid`` for ``refunded`` by conditional UPDATEs (a part shipped meanwhile
    makes it a 409 and changes nothing), the stock comes back and each part's refund is
    reserved.  Of concurrent cancels and shipments exactly one wins.  The refunds are
    then settled one by one; one Stripe cannot take stays pending and is retried.
    """
    order = order_or_404(order_id)
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
    if not guarded_update(order, OrderStatus.PAID, status=OrderStatus.CANCELLED):
        raise Conflict("The order was changed by another request; reload it.",
                       code=PlatformErrorCode.INVALID_TRANSITION)
    parts = [so for so in order.seller_orders if so.status is not S.REFUNDED]
    pending = []
    for seller_order in parts:
        if seller_order.status is not S.PAID:
            raise Conflict("Part of the order has shipped; ask the seller for a refund.",
                           code=OrderErrorCode.ALREADY_SHIPPED)
        try:
            transition(seller_order, S.REFUNDED, actor_id, "order cancelled before shipping")
        except Conflict as exc:  # shipped at this very moment
            raise Conflict("Part of the order has shipped; ask the seller for a refund.",
                           code=OrderErrorCode.ALREADY_SHIPPED) from exc
        left = refundable_fen(seller_order.id)  # read after our transition: nobody else's now
        if left:
            record = _pending_refund(seller_order, actor_id, left,
                                     "order cancelled before shipping", None,
                                     statuses=(S.REFUNDED,))
            if record is None:
                raise Conflict("A refund of this order was made at the same moment; "
                               "try again.", code=OrderErrorCode.CONCURRENT_UPDATE)
            pending.append(record.id)
    release_stock(*parts)
    db.session.commit()
    for refund_id in pending:
        try:
            settle(refund_id)
        except PaymentProviderError as exc:  # the cancellation stands; the refund follows
            db.session.rollback()
            log.warning("order %s cancelled, refund %s pending: %s", order_id, refund_id,
                        exc.detail)
    return order_or_404(order_id)
