"""Settlement: the ledger's unsettled movements of settleable orders become statements.

A seller order is settleable ``MONEY_SETTLEMENT_DAYS`` after it completed (the buyer
confirmed receipt, or it completed automatically), or once fully refunded, and
never while an after-sales request on it is open.  A run
issues one statement per seller with anything to settle; a movement is settled once
(``statement_lines.transaction_id`` is unique), so two runs at once cannot both
settle it, and whatever happens to an order later lands in a later statement.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, and_, or_
from sqlalchemy.exc import IntegrityError

from gannan.money.errors import MoneyErrorCode
from gannan.money.gateway import stripe_enabled
from gannan.money.models import (
    Account,
    MoneyTransaction,
    Payout,
    PayoutAccount,
    PayoutMethod,
    PayoutStatus,
    Statement,
    StatementLine,
    TransactionKind,
)
from gannan.money.services.ledger import post
from gannan.orders.models import (
    AFTERSALES_OPEN,
    AfterSalesRequest,
    SellerOrder,
    SellerOrderStatus,
)
from gannan.platform.errors import NotFound
from gannan.platform.extensions import db
from gannan.platform.types import SHANGHAI, utcnow

log = logging.getLogger(__name__)
A = Account
ORDER_KINDS = (TransactionKind.SALE, TransactionKind.COD_SALE, TransactionKind.REFUND)


def settleable_condition(as_of: datetime):
    """SQL condition on SellerOrder: may be settled at ``as_of``."""
    cutoff = as_of - timedelta(days=current_app.config["MONEY_SETTLEMENT_DAYS"])
    open_request = db.select(AfterSalesRequest.id).where(
        AfterSalesRequest.seller_order_id == SellerOrder.id,
        AfterSalesRequest.status.in_(AFTERSALES_OPEN))
    return and_(~open_request.exists(), or_(
        and_(SellerOrder.completed_at.is_not(None), SellerOrder.completed_at <= cutoff),
        and_(SellerOrder.status == SellerOrderStatus.REFUNDED,
             SellerOrder.refunded_fen == SellerOrder.paid_fen),
    ))


def unsettled(as_of: datetime, seller_id: int | None = None) -> Select:
    """Movements of settleable orders, up to ``as_of``, not in any statement yet."""
    query = (db.select(MoneyTransaction)
             .join(SellerOrder, SellerOrder.id == MoneyTransaction.seller_order_id)
             .outerjoin(StatementLine, StatementLine.transaction_id == MoneyTransaction.id)
             .where(StatementLine.id.is_(None), MoneyTransaction.kind.in_(ORDER_KINDS),
                    MoneyTransaction.business_time <= as_of, settleable_condition(as_of))
             .order_by(MoneyTransaction.id))
    return query.where(MoneyTransaction.seller_id == seller_id) if seller_id else query


def run_settlement(as_of: datetime | None = None, actor_id: int | None = None
                   ) -> list[Statement]:
    """Issue the statements due at ``as_of`` (now by default), one per seller."""
    as_of = as_of or utcnow()
    by_seller: dict[int, list[int]] = defaultdict(list)
    for transaction in db.session.scalars(unsettled(as_of)):
        by_seller[transaction.seller_id].append(transaction.id)
    db.session.rollback()
    issued = []
    for seller_id in sorted(by_seller):
        try:
            issued.append(issue_statement(seller_id, by_seller[seller_id], as_of, actor_id))
        except IntegrityError:  # a concurrent run settled these movements first
            db.session.rollback()
            log.info("seller %s: movements already settled by another run", seller_id)
    return issued


def _figures(transaction: MoneyTransaction) -> dict[str, int]:
    by_account: dict[Account, int] = defaultdict(int)
    for posting in transaction.postings:
        by_account[posting.account] += posting.amount_fen
    commission = -by_account[A.PLATFORM_COMMISSION]
    return {"sales": by_account[A.BUYER_PAYMENTS], "cod": by_account[A.COD_CASH_HELD],
            "refunds": -by_account[A.REFUNDS], "commission": commission,
            # what the platform owes for it, once the seller's COD cash is counted
            "net": -by_account[A.SELLER_PAYABLE] - by_account[A.COD_CASH_HELD]}


def issue_statement(seller_id: int, transaction_ids: list[int], as_of: datetime,
                    actor_id: int | None) -> Statement:
    transactions = db.session.scalars(db.select(MoneyTransaction).where(
        MoneyTransaction.id.in_(transaction_ids)).order_by(MoneyTransaction.id)).all()
    previous = db.session.scalar(db.select(db.func.max(Statement.period_end)).where(
        Statement.seller_id == seller_id))
    totals: dict[str, int] = defaultdict(int)
    lines = []
    for transaction in transactions:
        figures = _figures(transaction)
        for name, fen in figures.items():
            totals[name] += fen
        lines.append(StatementLine(
            transaction_id=transaction.id, seller_order_id=transaction.seller_order_id,
            kind=transaction.kind.value, business_time=transaction.business_time,
            amount_fen=figures["sales"] + figures["cod"] - figures["refunds"],
            commission_fen=figures["commission"], net_fen=figures["net"]))
    net = totals["net"]
    account = db.session.get(PayoutAccount, seller_id)
    method = (PayoutMethod.NONE if net == 0 else PayoutMethod.RECEIVABLE if net < 0
              else PayoutMethod.STRIPE if account and stripe_enabled()
              else PayoutMethod.BANK_TRANSFER)
    local = as_of.astimezone(SHANGHAI)
    statement = Statement(
        number=f"ST{local:%Y%m%d}-{seller_id}-{local:%H%M%S%f}", seller_id=seller_id, period_start=previous,
        period_end=as_of, orders_count=len({t.seller_order_id for t in transactions}),
        sales_fen=totals["sales"], cod_fen=totals["cod"], refunds_fen=totals["refunds"],
        commission_fen=totals["commission"], net_fen=net, payout_method=method,
        issued_at=utcnow(), issued_by_id=actor_id, lines=lines)
    db.session.add(statement)
    db.session.flush()
    if totals["cod"]:
        # The cash the seller collected is set against what the platform owes it.
        post(TransactionKind.SETTLEMENT, f"statement:{statement.id}", seller_id, as_of,
             [(A.SELLER_PAYABLE, totals["cod"]), (A.COD_CASH_HELD, -totals["cod"])],
             statement_id=statement.id)
    if method is not PayoutMethod.NONE:
        db.session.add(Payout(
            statement_id=statement.id, seller_id=seller_id, method=method,
            status=PayoutStatus.PENDING, amount_fen=net, attempts=0,
            stripe_account_id=account.stripe_account_id if method is PayoutMethod.STRIPE
            else None))
    db.session.commit()
    return statement


def statement_or_404(statement_id: int) -> Statement:
    statement = db.session.get(Statement, statement_id)
    if statement is None:
        raise NotFound("No such statement.", code=MoneyErrorCode.STATEMENT_NOT_FOUND)
    return statement


def statements(seller_id: int | None = None) -> Select:
    query = db.select(Statement).order_by(Statement.id.desc())
    return query.where(Statement.seller_id == seller_id) if seller_id else query
