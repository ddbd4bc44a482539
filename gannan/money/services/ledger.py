"""The one place that writes the money ledger: balanced postings, never updated.

Orders announce captured payments, collected cash and refunds (``orders.signals``);
the listeners here post them in the sender's transaction, so the ledger commits or
rolls back with the event.  Sign convention: debit positive, credit negative; the
postings of every transaction sum to zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func

from gannan.money.errors import UnbalancedPostings
from gannan.money.models import (
    Account,
    MoneyTransaction,
    Posting,
    SELLER_ACCOUNTS,
    StatementLine,
    TransactionKind,
)
from gannan.money.services.commission import commission_of, freeze
from gannan.orders.models import PaymentMethod, Refund, SellerOrder
from gannan.orders.signals import cash_collected, payment_captured, refund_recorded
from gannan.platform.extensions import db

A = Account
Leg = tuple[Account, int]  # (account, fen); seller accounts are the transaction's seller's


def post(kind: TransactionKind, source: str, seller_id: int, when: datetime,
         legs: Iterable[Leg], **links: int | None) -> MoneyTransaction:
    """Record one balanced movement; an unbalanced one is a bug and is refused."""
    legs = [(account, fen) for account, fen in legs if fen]
    if sum(fen for _, fen in legs) != 0:
        raise UnbalancedPostings(f"postings of {source} do not balance: {legs}")
    transaction = MoneyTransaction(kind=kind, source=source, seller_id=seller_id,
                                   business_time=when, **links)
    transaction.postings = [
        Posting(account=account, amount_fen=fen,
                seller_id=seller_id if account in SELLER_ACCOUNTS else None)
        for account, fen in legs]
    db.session.add(transaction)
    return transaction


def record_sale(seller_order: SellerOrder, when: datetime) -> MoneyTransaction:
    """The buyer paid ``total_fen``: the seller is owed it less the commission on the
    goods.  Cash on delivery stays with the seller, who then owes the commission."""
    terms = freeze(seller_order)
    total, commission = seller_order.paid_fen, terms.commission_fen
    cod = seller_order.order.payment_method is PaymentMethod.COD
    return post(
        TransactionKind.COD_SALE if cod else TransactionKind.SALE, f"sale:{seller_order.id}",
        seller_order.seller_id, when,
        [(A.COD_CASH_HELD if cod else A.BUYER_PAYMENTS, total),
         (A.SELLER_PAYABLE, -(total - commission)),
         (A.PLATFORM_COMMISSION, -commission)],
        seller_order_id=seller_order.id)


def commission_returned(refund: Refund) -> int:
    """The commission on the goods this refund takes back: for each line, commission on
    what was left before it minus commission on what is left after, so that the
    commission of a line is always the commission on its net goods, to the fen."""
    seller_order = refund.seller_order
    rates = freeze(seller_order).line_rates
    earlier: dict[str, int] = {}
    for other in seller_order.refunds:
        if other.id is not None and other.id < refund.id:
            for line_id, fen in other.allocation.items():
                earlier[line_id] = earlier.get(line_id, 0) + fen
    totals = {str(line.id): line.line_total_fen for line in seller_order.lines}
    returned = 0
    for line_id, fen in refund.allocation.items():
        before = totals[line_id] - earlier.get(line_id, 0)
        returned += (commission_of(before, rates[line_id])
                     - commission_of(before - fen, rates[line_id]))
    return returned


def record_refund(refund: Refund, when: datetime) -> MoneyTransaction:
    """Money went back to the buyer: the seller's share comes off what it is owed, the
    platform returns the commission on the refunded goods (shipping carries none)."""
    returned = commission_returned(refund)
    seller_order = refund.seller_order
    return post(
        TransactionKind.REFUND, f"refund:{refund.id}", seller_order.seller_id, when,
        [(A.REFUNDS, -refund.amount_fen),
         (A.SELLER_PAYABLE, refund.amount_fen - returned),
         (A.PLATFORM_COMMISSION, returned)],
        seller_order_id=seller_order.id, refund_id=refund.id)


def _on_sale(seller_order: SellerOrder, *, source: str, when: datetime) -> None:
    record_sale(seller_order, when)


def _on_refund(refund: Refund, *, when: datetime) -> None:
    record_refund(refund, when)


def connect_ledger() -> None:
    """Listen to what orders announce (idempotent: blinker keeps one connection each)."""
    payment_captured.connect(_on_sale)
    cash_collected.connect(_on_sale)
    refund_recorded.connect(_on_refund)


# --- reading ----------------------------------------------------------------------------

def account_sums(seller_id: int) -> dict[Account, int]:
    rows = db.session.execute(db.select(Posting.account, func.sum(Posting.amount_fen))
                              .where(Posting.seller_id == seller_id).group_by(Posting.account))
    return {account: int(total) for account, total in rows}


def balance(seller_id: int) -> dict[str, int]:
    """The seller's position, summed from postings: ``balance_fen`` is what the platform
    owes it (negative: what it owes the platform) net of the COD cash it holds;
    ``unsettled_fen`` the part of that no statement has settled yet."""
    sums = account_sums(seller_id)
    payable = -sums.get(A.SELLER_PAYABLE, 0)
    cod_held = sums.get(A.COD_CASH_HELD, 0)
    unsettled = db.session.scalar(
        db.select(func.coalesce(func.sum(Posting.amount_fen), 0))
        .join(MoneyTransaction, MoneyTransaction.id == Posting.transaction_id)
        .outerjoin(StatementLine, StatementLine.transaction_id == MoneyTransaction.id)
        .where(Posting.seller_id == seller_id, StatementLine.id.is_(None),
               MoneyTransaction.kind.in_([TransactionKind.SALE, TransactionKind.COD_SALE,
                                          TransactionKind.REFUND])))
    return {"seller_id": seller_id, "balance_fen": payable - cod_held,
            "payable_fen": payable, "cod_cash_held_fen": cod_held,
            "unsettled_fen": -int(unsettled)}
