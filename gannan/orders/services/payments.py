"""Stripe webhook events, each processed exactly once whatever the delivery order.

The event id is stored in the same transaction as the event's effects, so a second
delivery finds it and changes nothing.  An event that cannot be applied yet (a
refund of a payment whose success has not arrived) is refused with a 409 and not
stored, so Stripe delivers it again later.  Two deliveries of the same news under
different event ids race on conditional writes, like any other request: the order
becomes paid once, a refund is recorded once, and the loser is told to come again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.exc import IntegrityError

from gannan.orders.errors import OrderErrorCode
from gannan.orders.gateway import create_refund
from gannan.orders.models import Order, OrderStatus, Refund, RefundStatus, WebhookEvent
from gannan.orders.services.fulfilment import guarded_update, mark_paid
from gannan.orders.services.refunds import end_if_fully_refunded, refundable_fen, reserve
from gannan.orders.signals import refund_recorded
from gannan.platform.errors import Conflict
from gannan.platform.extensions import db

log = logging.getLogger(__name__)


def _order_by_intent(intent_id: str | None) -> Order | None:
    if not intent_id:
        return None
    return db.session.scalar(db.select(Order).where(Order.stripe_payment_intent_id == intent_id))


def _payment_succeeded(intent: dict[str, Any], when: datetime) -> str:
    order = _order_by_intent(intent["id"])
    if order is None:
        return "unknown_payment_intent"
    if intent.get("amount_received", intent.get("amount")) != order.total_fen:
        log.error("order %s: Stripe captured %s fen, order total %s", order.id,
                  intent.get("amount_received"), order.total_fen)
        return "amount_mismatch"
    if order.status is OrderStatus.PENDING_PAYMENT:
        if guarded_update(order, OrderStatus.PENDING_PAYMENT, status=OrderStatus.PAID,
                          paid_at=when):
            for seller_order in order.seller_orders:
                mark_paid(seller_order, when, f"stripe:{intent['id']}")
            return "paid"
        # Paid by another delivery, or expired or cancelled a moment ago: nothing is
        # written yet, so start afresh and see which.
        db.session.rollback()
    if order.status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
        # The stock went back to the shelf; the money goes back to the buyer.
        create_refund(intent["id"], order.total_fen, f"late-payment-{order.id}")
        order.last_payment_error = "paid after the order was cancelled; refunded in full"
        return "refunded_late_payment"
    return "already_paid"


def _payment_failed(intent: dict[str, Any], when: datetime) -> str:
    order = _order_by_intent(intent["id"])
    if order is None:
        return "unknown_payment_intent"
    if order.status is not OrderStatus.PENDING_PAYMENT:
        return "stale"  # a later success (or a cancellation) already decided the order
    error = intent.get("last_payment_error") or {}
    order.last_payment_error = error.get("message") or "the payment failed"
    return "payment_failed"


def _charge_refunded(charge: dict[str, Any], when: datetime) -> str:
    """Record refunds made outside the platform (e.g. in the Stripe dashboard)."""
    order = _order_by_intent(charge.get("payment_intent"))
    if order is None:
        return "unknown_payment_intent"
    if order.status is OrderStatus.PENDING_PAYMENT:
        raise Conflict("The payment's success has not arrived yet; deliver this event later.",
                       code=OrderErrorCode.EVENT_OUT_OF_ORDER)
    recorded = db.session.execute(db.select(Refund.id, Refund.stripe_refund_id).where(
        Refund.seller_order.has(order_id=order.id))).all()
    known = {stripe_id.split("/")[0] for _, stripe_id in recorded if stripe_id}
    # Ours carry our key: a refund still pending here (Stripe answered, we have not
    # marked it yet) is not one made in the dashboard.
    ours = {f"refund-{refund_id}" for refund_id, _ in recorded} | {f"late-payment-{order.id}"}
    new = [r for r in (charge.get("refunds") or {}).get("data", [])
           if r["id"] not in known and (r.get("metadata") or {}).get("gannan_key") not in ours]
    for stripe_refund in new:
        _record_external_refund(order, stripe_refund, when)
    return f"recorded_{len(new)}_refunds"


def _record_external_refund(order: Order, stripe_refund: dict[str, Any], when: datetime) -> None:
    remaining = stripe_refund["amount"]
    for seller_order in order.seller_orders:
        part = min(remaining, refundable_fen(seller_order.id))
        if part <= 0:
            continue
        allocation = reserve(seller_order, part, None)
        if allocation is None:  # another refund took it first: deliver again later
            raise Conflict("Another refund of this order was made at the same moment; "
                           "deliver this event again.", code=OrderErrorCode.CONCURRENT_UPDATE)
        # One Stripe refund may span seller orders: each part keeps the id, made unique.
        record = Refund(seller_order=seller_order, amount_fen=part,
                        reason="refunded in Stripe", status=RefundStatus.SUCCEEDED,
                        stripe_refund_id=f"{stripe_refund['id']}/{seller_order.id}",
                        allocation={str(k): v for k, v in allocation.items()}, created_at=when)
        db.session.add(record)
        db.session.flush()
        refund_recorded.send(record, when=when)
        end_if_fully_refunded(seller_order, None, f"refunded {part} fen in Stripe")
        remaining -= part


HANDLERS: dict[str, Callable[[dict[str, Any], datetime], str]] = {
    "payment_intent.succeeded": _payment_succeeded,
    "payment_intent.payment_failed": _payment_failed,
    "charge.refunded": _charge_refunded,
}


def handle_event(event: dict[str, Any]) -> str:
    """Apply a verified event once; returns what happened (kept with the event id)."""
    if db.session.get(WebhookEvent, event["id"]) is not None:
        return "duplicate"
    when = datetime.fromtimestamp(event["created"], tz=timezone.utc)
    handler = HANDLERS.get(event["type"])
    outcome = handler(event["data"]["object"], when) if handler else "ignored"
    db.session.add(WebhookEvent(event_id=event["id"], type=event["type"], outcome=outcome))
    try:
        db.session.commit()
    except IntegrityError:  # the same event, delivered concurrently, was applied first
        db.session.rollback()
        return "duplicate"
    return outcome
