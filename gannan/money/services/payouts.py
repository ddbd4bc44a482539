"""Payouts: a statement's net amount to the seller's Stripe connected account, or by
bank transfer marked paid by an admin (also a seller paying back what it owes).

A payout moves pending/failed → sending → paid by conditional UPDATEs, so of any
number of concurrent attempts exactly one sends the transfer; the transfer's
idempotency key is derived from the statement id, so even a retry after a crash
cannot pay twice at Stripe.  The ledger posting is written with the final UPDATE.

A process that dies after "sending" and before recording the transfer leaves the
payout stuck there; :func:`resolve_stuck` (the ``money.sweep_stuck_payouts`` beat task)
takes such a payout over once it has been sending for ``MONEY_PAYOUT_STUCK_MINUTES``,
asks Stripe for the statement's transfer (or sends it again under the same idempotency
key, which returns the one already made) and records it, or leaves the payout "failed"
(retryable, with the same key) when Stripe cannot answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from gannan.money import gateway
from gannan.money.errors import MoneyErrorCode
from gannan.money.models import (
    Account,
    Payout,
    PayoutAccount,
    PayoutMethod,
    PayoutStatus,
    TransactionKind,
)
from gannan.money.services.ledger import post
from gannan.platform.errors import Conflict, NotFound, ProblemError
from gannan.platform.extensions import db
from gannan.platform.types import utcnow

P = PayoutStatus


def payout_or_404(statement_id: int) -> Payout:
    payout = db.session.get(Payout, statement_id)
    if payout is None:
        raise NotFound("This statement has nothing to pay either way.",
                       code=MoneyErrorCode.NO_PAYOUT)
    return payout


def payout_account(seller_id: int) -> PayoutAccount:
    account = db.session.get(PayoutAccount, seller_id)
    if account is None:
        raise NotFound("The seller has no payout account; it is paid by bank transfer.",
                       code=MoneyErrorCode.PAYOUT_ACCOUNT_NOT_FOUND)
    return account


def connect_account(seller_id: int) -> PayoutAccount:
    """Open (once) a Stripe connected account for the seller's payouts."""
    existing = db.session.get(PayoutAccount, seller_id)
    if existing is not None:
        return existing
    if not gateway.stripe_enabled():
        raise ProblemError("Stripe is not configured here; payouts go by bank transfer.",
                           status=409, code=MoneyErrorCode.PAYOUTS_NOT_CONFIGURED,
                           title="Payouts not configured")
    account_id = gateway.create_connected_account(seller_id, None)
    account = PayoutAccount(seller_id=seller_id, stripe_account_id=account_id)
    db.session.add(account)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent call stored it first (the same Stripe account)
        db.session.rollback()
        return db.session.get(PayoutAccount, seller_id)
    return account


def _claim(payout: Payout) -> int:
    """Take a pending or failed payout for sending; returns its attempt number (1 for
    the first)."""
    claimed = db.session.execute(
        update(Payout)
        .where(Payout.statement_id == payout.statement_id,
               Payout.status.in_([P.PENDING, P.FAILED]))
        .values(status=P.SENDING, attempts=Payout.attempts + 1, sending_since=utcnow())
        .returning(Payout.attempts)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    db.session.commit()
    if claimed is None:
        db.session.refresh(payout)
        if payout.status is P.PAID:
            raise Conflict("This statement is already paid.", code=MoneyErrorCode.ALREADY_PAID)
        raise Conflict("This payout is being sent right now.",
                       code=MoneyErrorCode.PAYOUT_IN_PROGRESS)
    return claimed


def _book(payout: Payout, actor_id: int | None, **values: object) -> Payout:
    """Mark paid (only from the status this caller holds) and post the movement."""
    now = utcnow()
    source_status = P.SENDING if payout.method is PayoutMethod.STRIPE else P.PENDING
    done = db.session.execute(
        update(Payout)
        .where(Payout.statement_id == payout.statement_id, Payout.status == source_status)
        .values(status=P.PAID, paid_at=now, paid_by_id=actor_id, **values)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        raise Conflict("This statement is already paid.", code=MoneyErrorCode.ALREADY_PAID)
    # what the platform owes goes down by what was sent (or up by what the seller paid)
    post(TransactionKind.PAYOUT, f"payout:{payout.statement_id}", payout.seller_id, now,
         [(Account.SELLER_PAYABLE, payout.amount_fen), (Account.PAYOUTS, -payout.amount_fen)],
         statement_id=payout.statement_id)
    db.session.commit()
    db.session.refresh(payout)
    return payout


def pay_statement(statement_id: int, actor_id: int | None = None) -> Payout:
    """Send a statement's payout through Stripe Connect, once."""
    payout = payout_or_404(statement_id)
    if payout.method is not PayoutMethod.STRIPE:
        raise Conflict("This statement is paid by bank transfer: mark it paid with the "
                       "transfer's reference.", code=MoneyErrorCode.WRONG_PAYOUT_METHOD)
    attempt = _claim(payout)
    try:
        # A retry may come days after an attempt that reached Stripe but failed on our
        # side, when Stripe no longer knows the idempotency key.
        transfer_id = _transfer(payout, look_first=attempt > 1)
    except gateway.PayoutProviderError as exc:
        db.session.execute(
            update(Payout).where(Payout.statement_id == statement_id,
                                 Payout.status == P.SENDING)
            .values(status=P.FAILED, last_error=exc.detail[:2000])
            .execution_options(synchronize_session=False))
        db.session.commit()
        raise
    return _book(payout, actor_id, stripe_transfer_id=transfer_id)


def _transfer(payout: Payout, look_first: bool) -> str:
    """The statement's transfer: when an earlier attempt may have reached Stripe, the
    one Stripe already made (found by its group and metadata: Stripe forgets idempotency
    keys after 24 hours), else a new one under the statement's idempotency key."""
    return (look_first and gateway.find_transfer(payout.statement_id)) \
        or gateway.create_transfer(payout.statement_id, payout.stripe_account_id,
                                   payout.amount_fen)


def mark_paid(statement_id: int, actor_id: int, reference: str) -> Payout:
    """An admin records a bank transfer to the seller (or the seller's to the platform)."""
    payout = payout_or_404(statement_id)
    if payout.method is PayoutMethod.STRIPE:
        raise Conflict("This statement is paid through Stripe.",
                       code=MoneyErrorCode.WRONG_PAYOUT_METHOD)
    if payout.status is P.PAID:
        raise Conflict("This statement is already paid.", code=MoneyErrorCode.ALREADY_PAID)
    return _book(payout, actor_id, reference=reference)


def stuck_payouts(now: datetime | None = None) -> list[int]:
    """Statements whose payout has been "sending" for longer than it takes."""
    before = _stuck_before(now or utcnow())
    return list(db.session.scalars(db.select(Payout.statement_id).where(
        Payout.status == P.SENDING, Payout.sending_since < before)
        .order_by(Payout.statement_id)))


def _stuck_before(now: datetime) -> datetime:
    """A payout "sending" since before this is stuck."""
    return now - timedelta(minutes=current_app.config["MONEY_PAYOUT_STUCK_MINUTES"])


def resolve_stuck(statement_id: int, now: datetime | None = None) -> Payout | None:
    """Take over a payout stuck in "sending" and settle it with Stripe: record the
    transfer Stripe has (or makes now, once, under the statement's idempotency key), or
    return the payout to "failed" when Stripe cannot say.  None when the payout is not
    (or no longer) stuck: its own process finished, or another sweep took it."""
    taken_at = now or utcnow()  # from then on it is this sweep's, not stuck
    before = _stuck_before(taken_at)
    taken = db.session.execute(
        update(Payout)
        .where(Payout.statement_id == statement_id, Payout.status == P.SENDING,
               Payout.sending_since < before)
        .values(sending_since=taken_at, attempts=Payout.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if taken.rowcount != 1:
        return None
    payout = payout_or_404(statement_id)
    db.session.refresh(payout)
    try:
        transfer_id = _transfer(payout, look_first=True)
    except gateway.PayoutProviderError as exc:
        db.session.execute(
            update(Payout).where(Payout.statement_id == statement_id,
                                 Payout.status == P.SENDING,
                                 Payout.sending_since == taken_at)
            .values(status=P.FAILED, last_error=exc.detail[:2000])
            .execution_options(synchronize_session=False))
        db.session.commit()
        db.session.refresh(payout)
        return payout
    try:
        return _book(payout, None, stripe_transfer_id=transfer_id)
    except Conflict:  # the first process was only slow and recorded the same transfer
        db.session.refresh(payout)
        return payout
