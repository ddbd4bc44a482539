"""After-sales (售后): a buyer's request about a delivered order, to a refund or not.

requested ──seller accepts──▶ accepted ──refund──▶ refunded        (refund only)
          └─seller accepts──▶ awaiting_return ─buyer ships─▶ return_shipped
                                 (not shipped within AFTERSALES_RETURN_DAYS ─▶ closed)
                                 ─seller confirms receipt─▶ accepted ─▶ refunded
          └─seller rejects──▶ rejected ─buyer escalates─▶ escalated ─admin─▶ accepted | closed
No answer within ``AFTERSALES_RESPONSE_HOURS`` is an acceptance; a rejection not
escalated within ``AFTERSALES_ESCALATION_DAYS`` closes, and so does a return not shipped
within ``AFTERSALES_RETURN_DAYS`` (:func:`run_timeouts`).

Every move is a conditional UPDATE from the status the request was read in, so of
two concurrent answers exactly one wins; each move writes an event with its actor.
The refund goes through :func:`gannan.orders.services.refunds.refund`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from gannan.orders.errors import OrderErrorCode
from gannan.orders.models import (
    AFTERSALES_OPEN,
    AfterSalesEvent,
    AfterSalesKind,
    AfterSalesPhoto,
    AfterSalesReason,
    AfterSalesRequest,
    AfterSalesStatus,
    Refund,
)
from gannan.orders.services import refunds
from gannan.orders.services.fulfilment import seller_order_or_404
from gannan.orders.services.photos import attach_photo
from gannan.platform.errors import (
    Conflict,
    NotFound,
    PlatformErrorCode,
    ProblemError,
    ValidationFailed,
)
from gannan.platform.extensions import db
from gannan.platform.storage import storage
from gannan.platform.types import utcnow

S = AfterSalesStatus


def request_or_404(request_id: int) -> AfterSalesRequest:
    found = db.session.get(AfterSalesRequest, request_id)
    if found is None:
        raise NotFound("No such after-sales request.", code=OrderErrorCode.AFTERSALES_NOT_FOUND)
    return found


def requests_of_seller_order(seller_order_id: int) -> list[AfterSalesRequest]:
    return list(db.session.scalars(db.select(AfterSalesRequest).where(
        AfterSalesRequest.seller_order_id == seller_order_id).order_by(AfterSalesRequest.id)))


def listing(status: S | None = None, seller_id: int | None = None):
    query = db.select(AfterSalesRequest).order_by(AfterSalesRequest.id.desc())
    if status:
        query = query.where(AfterSalesRequest.status == status)
    if seller_id:
        query = query.where(AfterSalesRequest.seller_id == seller_id)
    return query


def open_request(seller_order_id: int, buyer_id: int, data: dict[str, Any],
                 now: datetime | None = None) -> AfterSalesRequest:
    now = now or utcnow()
    seller_order = seller_order_or_404(seller_order_id)
    if seller_order.delivered_at is None:
        raise Conflict("Only a delivered order can have an after-sales request.",
                       code=OrderErrorCode.NOT_DELIVERED)
    window = timedelta(days=current_app.config["AFTERSALES_WINDOW_DAYS"])
    if now > seller_order.delivered_at + window:
        raise Conflict(f"After-sales requests are open for {window.days} days after delivery.",
                       code=OrderErrorCode.AFTERSALES_WINDOW_CLOSED)
    if db.session.scalar(db.select(AfterSalesRequest.id).where(
            AfterSalesRequest.seller_order_id == seller_order_id,
            AfterSalesRequest.status.in_(AFTERSALES_OPEN))):
        raise Conflict("This order already has an open after-sales request.",
                       code=OrderErrorCode.AFTERSALES_ALREADY_OPEN)
    refundable = seller_order.paid_fen - seller_order.refunded_fen
    if data["amount_fen"] > refundable:
        raise ValidationFailed(f"At most {refundable} fen is left to refund.",
                               code=OrderErrorCode.REFUND_EXCEEDS_PAID, field="amount_fen")
    refunds.allocate(seller_order, data["amount_fen"], data.get("line_ids"))  # lines exist
    request = AfterSalesRequest(
        seller_order_id=seller_order.id, seller_id=seller_order.seller_id, buyer_id=buyer_id,
        kind=AfterSalesKind(data["kind"]), reason=AfterSalesReason(data["reason"]),
        description=data["description"], requested_fen=data["amount_fen"],
        line_ids=data.get("line_ids") or [], status=S.REQUESTED, created_at=now,
        respond_by=now + timedelta(hours=current_app.config["AFTERSALES_RESPONSE_HOURS"]))
    request.events = [AfterSalesEvent(action="open", to_status=S.REQUESTED.value,
                                      actor_id=buyer_id, note=data["description"],
                                      created_at=now)]
    db.session.add(request)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent request for the same order was stored first
        db.session.rollback()
        raise Conflict("This order already has an open after-sales request.",
                       code=OrderErrorCode.AFTERSALES_ALREADY_OPEN) from None
    return request


def _move(request: AfterSalesRequest, allowed: tuple[S, ...], target: S, actor_id: int | None,
          action: str, note: str | None = None, **values: Any) -> AfterSalesRequest:
    """Move from the status the request was read in, if allowed and still that status."""
    current = request.status
    if current not in allowed:
        raise Conflict(f"A {current.value} request cannot be {action}ed.",
                       code=PlatformErrorCode.INVALID_TRANSITION)
    now = values.pop("now", None) or utcnow()
    if target in (S.REFUNDED, S.CLOSED):
        values["closed_at"] = now
    moved = db.session.execute(
        update(AfterSalesRequest)
        .where(AfterSalesRequest.id == request.id, AfterSalesRequest.status == current)
        .values(status=target, **values).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.rollback()
        raise Conflict("The request changed meanwhile; reload it.",
                       code=PlatformErrorCode.INVALID_TRANSITION)
    db.session.add(AfterSalesEvent(request_id=request.id, action=action,
                                   from_status=current.value, to_status=target.value,
                                   actor_id=actor_id, note=note, created_at=now))
    db.session.commit()
    db.session.refresh(request)
    return request


def accept(request_id: int, actor_id: int | None, amount_fen: int | None = None,
           now: datetime | None = None) -> AfterSalesRequest:
    """The seller agrees (to all, or part, of the amount): refund now, or once the
    goods are back."""
    request = request_or_404(request_id)
    agreed = amount_fen or request.requested_fen
    if agreed > request.requested_fen:
        raise ValidationFailed(f"The buyer asked for {request.requested_fen} fen.",
                               code=OrderErrorCode.AMOUNT_EXCEEDS_REQUESTED, field="amount_fen")
    target = S.AWAITING_RETURN if request.kind is AfterSalesKind.RETURN_AND_REFUND \
        else S.ACCEPTED
    note = "accepted: no answer in time" if actor_id is None else f"accepted {agreed} fen"
    _move(request, (S.REQUESTED,), target, actor_id, "accept", note, agreed_fen=agreed, now=now,
          **_return_by(target, now))
    return _refund_if_due(request, actor_id)


def _return_by(target: S, now: datetime | None) -> dict[str, datetime]:
    """Awaiting a return: the buyer ships it within ``AFTERSALES_RETURN_DAYS``."""
    if target is not S.AWAITING_RETURN:
        return {}
    days = current_app.config["AFTERSALES_RETURN_DAYS"]
    return {"return_by": (now or utcnow()) + timedelta(days=days)}


def reject(request_id: int, actor_id: int, reason: str) -> AfterSalesRequest:
    request = request_or_404(request_id)
    days = current_app.config["AFTERSALES_ESCALATION_DAYS"]
    return _move(request, (S.REQUESTED,), S.REJECTED, actor_id, "reject", reason,
                 rejection_reason=reason, escalate_by=utcnow() + timedelta(days=days))


def escalate(request_id: int, actor_id: int, note: str | None) -> AfterSalesRequest:
    request = request_or_404(request_id)
    if request.escalate_by is not None and utcnow() > request.escalate_by:
        raise Conflict("The time to escalate this rejection has passed.",
                       code=OrderErrorCode.ESCALATION_CLOSED)
    return _move(request, (S.REJECTED,), S.ESCALATED, actor_id, "escalate", note)


def arbitrate(request_id: int, actor_id: int, refund: bool, amount_fen: int | None,
              note: str) -> AfterSalesRequest:
    """A platform admin decides an escalated request: a refund (after the return, for
    return and refund) of all or part of the amount, or no refund."""
    request = request_or_404(request_id)
    if not refund:
        return _move(request, (S.ESCALATED,), S.CLOSED, actor_id, "arbitrate", note)
    agreed = amount_fen or request.requested_fen
    if agreed > request.requested_fen:
        raise ValidationFailed(f"The buyer asked for {request.requested_fen} fen.",
                               code=OrderErrorCode.AMOUNT_EXCEEDS_REQUESTED, field="amount_fen")
    target = S.AWAITING_RETURN if request.kind is AfterSalesKind.RETURN_AND_REFUND \
        else S.ACCEPTED
    _move(request, (S.ESCALATED,), target, actor_id, "arbitrate", note, agreed_fen=agreed,
          **_return_by(target, None))
    return _refund_if_due(request, actor_id)


def return_shipped(request_id: int, actor_id: int, carrier: str,
                   tracking_number: str) -> AfterSalesRequest:
    request = request_or_404(request_id)
    return _move(request, (S.AWAITING_RETURN,), S.RETURN_SHIPPED, actor_id, "ship_return",
                 f"{carrier} {tracking_number}", return_carrier=carrier,
                 return_tracking_number=tracking_number)


def confirm_return(request_id: int, actor_id: int) -> AfterSalesRequest:
    request = request_or_404(request_id)
    _move(request, (S.RETURN_SHIPPED,), S.ACCEPTED, actor_id, "confirm_return",
          "the returned goods arrived")
    return _refund_if_due(request, actor_id)


def withdraw(request_id: int, actor_id: int) -> AfterSalesRequest:
    request = request_or_404(request_id)
    return _move(request, (S.REQUESTED, S.REJECTED, S.AWAITING_RETURN), S.CLOSED, actor_id,
                 "withdraw", "withdrawn by the buyer")


def _refund_reason(request: AfterSalesRequest) -> str:
    return f"after-sales #{request.id}: {request.reason.value}"


def _refund_if_due(request: AfterSalesRequest, actor_id: int | None) -> AfterSalesRequest:
    """An accepted request ends in its refund, made once: a refund already recorded
    for it (a crash after the refund, before this step) is found, not repeated."""
    if request.status is not S.ACCEPTED:
        return request
    reason = _refund_reason(request)
    made = db.session.scalar(db.select(Refund).where(
        Refund.seller_order_id == request.seller_order_id, Refund.reason == reason))
    if made is None:
        made = refunds.refund(request.seller_order_id, actor_id, request.agreed_fen, reason,
                              request.line_ids or None)
    return _move(request, (S.ACCEPTED,), S.REFUNDED, actor_id, "refund",
                 f"refunded {made.amount_fen} fen", refund_id=made.id)


def add_photo(request_id: int, data: bytes) -> AfterSalesRequest:
    request = request_or_404(request_id)
    if request.status not in (S.REQUESTED, S.REJECTED, S.ESCALATED):
        raise Conflict("Photos can be added while the request is being decided.",
                       code=PlatformErrorCode.INVALID_TRANSITION)
    attach_photo(request.photos, data, partial(AfterSalesPhoto, request_id=request.id))
    db.session.refresh(request)
    return request


def photo(request_id: int, position: int) -> tuple[bytes, str]:
    request = request_or_404(request_id)
    found = next((p for p in request.photos if p.position == position), None)
    if found is None:
        raise NotFound("No such photo.")
    return storage().read(found.storage_key), found.content_type


def run_timeouts(now: datetime | None = None) -> dict[str, list[int]]:
    """Silence is consent after 48 h; an unescalated rejection closes, and so does a
    return the buyer never shipped; an accepted request whose refund failed (Stripe
    down) is refunded again."""
    now = now or utcnow()
    done: dict[str, list[int]] = {"accepted": [], "closed": [], "returns_closed": [],
                                  "refunded": []}
    for request in db.session.scalars(db.select(AfterSalesRequest).where(
            AfterSalesRequest.status == S.REQUESTED, AfterSalesRequest.respond_by < now)).all():
        try:
            accept(request.id, None, now=now)
            done["accepted"].append(request.id)
        except ProblemError:  # the seller answered meanwhile, or the refund failed (retried)
            db.session.rollback()
    for request in db.session.scalars(db.select(AfterSalesRequest).where(
            AfterSalesRequest.status == S.REJECTED, AfterSalesRequest.escalate_by < now)).all():
        try:
            _move(request, (S.REJECTED,), S.CLOSED, None, "close", "not escalated in time",
                  now=now)
            done["closed"].append(request.id)
        except Conflict:
            db.session.rollback()
    for request in db.session.scalars(db.select(AfterSalesRequest).where(
            AfterSalesRequest.status == S.AWAITING_RETURN,
            AfterSalesRequest.return_by < now)).all():
        try:
            _move(request, (S.AWAITING_RETURN,), S.CLOSED, None, "close",
                  "the return was not shipped in time", now=now)
            done["returns_closed"].append(request.id)
        except Conflict:  # the buyer shipped it meanwhile
            db.session.rollback()
    for request in db.session.scalars(db.select(AfterSalesRequest).where(
            AfterSalesRequest.status == S.ACCEPTED)).all():
        try:
            _refund_if_due(request, None)
            done["refunded"].append(request.id)
        except Exception:  # noqa: BLE001 - Stripe still down: the next run tries again
            db.session.rollback()
    return done
