"""Commission rates, the double-entry money ledger, statements and payouts.

The money ledger is not the sales ledger the bureau reads (``reporting``): it records
who owes whom, as balanced postings between accounts.  A seller's balance is the sum
of its postings; nothing stores a balance that could drift.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gannan.money.errors import MoneyErrorCode
from gannan.platform.errors import Conflict
from gannan.platform.extensions import db
from gannan.platform.models import _enum
from gannan.platform.raises import guard
from gannan.platform.types import UTCDateTime, utcnow


class CommissionRate(db.Model):
    """A commission rate in basis points, in force from a date (Asia/Shanghai) until a
    later row for the same target.  Rows are never changed: the history is the table."""

    __tablename__ = "commission_rates"
    __table_args__ = (
        CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name="rate_range"),
        CheckConstraint("category_id IS NOT NULL OR seller_id IS NOT NULL", name="has_target"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), nullable=True,
                                                    index=True)
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id"), nullable=True,
                                                  index=True)
    rate_bp: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommissionTerms(db.Model):
    """The rates of a seller order, frozen when its money first moves (looked up for
    the day the order was placed): later rate changes never touch it."""

    __tablename__ = "commission_terms"

    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id"),
                                                 primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    line_rates: Mapped[dict] = mapped_column(JSON)  # {line_id: basis points}
    commission_fen: Mapped[int] = mapped_column(BigInteger)  # on the goods as sold
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Account(str, enum.Enum):
    BUYER_PAYMENTS = "buyer_payments"  # money received from buyers (Stripe)
    COD_CASH_HELD = "cod_cash_held"  # cash on delivery, in the seller's hands
    SELLER_PAYABLE = "seller_payable"  # what the platform owes the seller (credit)
    PLATFORM_COMMISSION = "platform_commission"  # the platform's revenue (credit)
    REFUNDS = "refunds"  # money returned to buyers
    PAYOUTS = "payouts"  # money sent to (or received from) sellers


#: Accounts that belong to one seller (the others are the platform's).
SELLER_ACCOUNTS = frozenset({Account.COD_CASH_HELD, Account.SELLER_PAYABLE})


class TransactionKind(str, enum.Enum):
    SALE = "sale"  # a Stripe payment captured
    COD_SALE = "cod_sale"  # cash collected on delivery
    REFUND = "refund"
    SETTLEMENT = "settlement"  # a statement nets the COD cash the seller holds
    PAYOUT = "payout"  # a Stripe transfer, a bank transfer, or a seller paying us


class MoneyTransaction(db.Model):
    """One movement of money: a set of postings that sums to zero.  ``source`` names
    the business event and is unique, so replaying an event can add nothing."""

    __tablename__ = "money_transactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[TransactionKind] = mapped_column(_enum(TransactionKind, "money_tx_kind"))
    source: Mapped[str] = mapped_column(String(80), unique=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    seller_order_id: Mapped[int | None] = mapped_column(ForeignKey("seller_orders.id"),
                                                        nullable=True, index=True)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"), nullable=True)
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statements.id"), nullable=True)
    business_time: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    postings: Mapped[list[Posting]] = relationship(
        back_populates="transaction", order_by="Posting.id", lazy="selectin")


class Posting(db.Model):
    """One leg: debit positive, credit negative, in fen."""

    __tablename__ = "money_postings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("money_transactions.id"), index=True)
    account: Mapped[Account] = mapped_column(_enum(Account, "money_account"))
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id"), nullable=True,
                                                  index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)

    transaction: Mapped[MoneyTransaction] = relationship(back_populates="postings")


class PayoutMethod(str, enum.Enum):
    STRIPE = "stripe"  # a transfer to the seller's connected account
    BANK_TRANSFER = "bank_transfer"  # to pay by bank transfer; an admin marks it paid
    RECEIVABLE = "receivable"  # the seller owes the platform (COD commission)
    NONE = "none"  # nothing to pay either way


class Statement(db.Model):
    """One seller's settlement for a period.  Issued once, never changed: what happens
    to its orders later lands in a later statement."""

    __tablename__ = "statements"
    __table_args__ = (UniqueConstraint("seller_id", "period_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    orders_count: Mapped[int] = mapped_column(Integer)
    sales_fen: Mapped[int] = mapped_column(BigInteger)  # paid through the platform
    cod_fen: Mapped[int] = mapped_column(BigInteger)  # collected by the seller itself
    refunds_fen: Mapped[int] = mapped_column(BigInteger)
    commission_fen: Mapped[int] = mapped_column(BigInteger)
    net_fen: Mapped[int] = mapped_column(BigInteger)  # > 0 payable to the seller, < 0 owed
    payout_method: Mapped[PayoutMethod] = mapped_column(_enum(PayoutMethod, "payout_method"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    lines: Mapped[list[StatementLine]] = relationship(
        back_populates="statement", order_by="StatementLine.id", lazy="selectin")
    payout: Mapped[Payout | None] = relationship(back_populates="statement", lazy="selectin")


class StatementLine(db.Model):
    """A ledger transaction a statement settles; each is settled exactly once."""

    __tablename__ = "statement_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), index=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("money_transactions.id"),
                                                unique=True)
    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id"))
    kind: Mapped[str] = mapped_column(String(32))
    business_time: Mapped[datetime] = mapped_column(UTCDateTime)
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # paid (+) or refunded (-)
    commission_fen: Mapped[int] = mapped_column(BigInteger)  # charged (+) or returned (-)
    net_fen: Mapped[int] = mapped_column(BigInteger)  # what it adds to the statement

    statement: Mapped[Statement] = relationship(back_populates="lines")


class PayoutStatus(str, enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    FAILED = "failed"
    PAID = "paid"


class Payout(db.Model):
    """The payment of a statement's net amount; its status moves only by conditional
    UPDATEs, so one statement is never paid twice."""

    __tablename__ = "payouts"

    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    method: Mapped[PayoutMethod] = mapped_column(_enum(PayoutMethod, "payout_method"))
    status: Mapped[PayoutStatus] = mapped_column(_enum(PayoutStatus, "payout_status"),
                                                 index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    stripe_account_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stripe_transfer_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reference: Mapped[str | None] = mapped_column(String(120), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # when the current attempt took the payout to "sending" (the stuck-payout sweep)
    sending_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    statement: Mapped[Statement] = relationship(back_populates="payout")


class PayoutAccount(db.Model):
    """A seller's Stripe connected account, where its payouts go."""

    __tablename__ = "payout_accounts"

    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), primary_key=True)
    stripe_account_id: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- guards: the ledger, rate history and statements never change ----------------------

APPEND_ONLY = (MoneyTransaction, Posting, StatementLine, CommissionRate)


def _changed(target) -> bool:
    """before_update also fires for a row whose collections alone changed (postings
    added to a transaction, lines to a statement): that is not a change of the row."""
    return db.session.is_modified(target, include_collections=False)


@guard
def _money_ledger_append_only(mapper, connection, target) -> None:
    raise Conflict("The money ledger is append-only: record a correction as a new row.",
                   code=MoneyErrorCode.MONEY_LEDGER_APPEND_ONLY)


@guard
def _statements_never_change(mapper, connection, target) -> None:
    raise Conflict("An issued statement cannot change; corrections go in a later statement.",
                   code=MoneyErrorCode.STATEMENT_IMMUTABLE)


def _refuse_updates(refuse):
    def before_update(mapper, connection, target) -> None:
        if _changed(target):
            refuse(mapper, connection, target)
    return before_update


for _model in APPEND_ONLY:
    event.listen(_model, "before_update", _refuse_updates(_money_ledger_append_only))
    event.listen(_model, "before_delete", _money_ledger_append_only)
event.listen(Statement, "before_update", _refuse_updates(_statements_never_change))
event.listen(Statement, "before_delete", _statements_never_change)
