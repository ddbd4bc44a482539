"""The sales ledger: append-only, one row per sold or refunded order line."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gannan.platform.extensions import db
from gannan.platform.models import _enum
from gannan.platform.types import UTCDateTime, utcnow


class EntryKind(str, enum.Enum):
    SALE = "sale"
    REFUND = "refund"


class LedgerEntry(db.Model):
    """What the reports count.  Rows are never updated or deleted: a correction is a new
    row.  ``source`` names the business event (a captured payment, a cash collection, a
    refund) and is unique per line, so replaying an event can add nothing."""

    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("source", "order_line_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[EntryKind] = mapped_column(_enum(EntryKind, "entry_kind"))
    source: Mapped[str] = mapped_column(String(80))
    business_time: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # negative for refunds
    quantity: Mapped[int] = mapped_column(Integer)  # negative for refunds, 0 for money only
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    origin_county_code: Mapped[str] = mapped_column(String(6), index=True)
    origin_township: Mapped[str | None] = mapped_column(String(60), nullable=True)
    agricultural: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(20))
    channel_ref: Mapped[str | None] = mapped_column(String(120), nullable=True)
    buyer_county_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    buyer_province: Mapped[str] = mapped_column(String(30))
    buyer_city: Mapped[str] = mapped_column(String(30))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
