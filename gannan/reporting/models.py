"""The sales ledger: append-only, one row per sold or refunded order line."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column

from gannan.platform.errors import Conflict
from gannan.platform.extensions import db
from gannan.platform.models import _enum
from gannan.platform.raises import guard
from gannan.platform.types import UTCDateTime, utcnow
from gannan.reporting.errors import ReportingErrorCode


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


class ReportStatus(str, enum.Enum):
    DRAFT = "draft"
    CERTIFIED = "certified"


class MonthlyReport(db.Model):
    """One version of a month's report.  A certified version never changes: its content,
    hash and signature are written once; a correction is a new version that names the
    one it supersedes and why."""

    __tablename__ = "monthly_reports"
    __table_args__ = (UniqueConstraint("period", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM, Asia/Shanghai
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[ReportStatus] = mapped_column(_enum(ReportStatus, "report_status"))
    content: Mapped[str] = mapped_column(Text)  # canonical JSON
    sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(128), nullable=True)  # base64
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("monthly_reports.id"),
                                                      nullable=True)
    correction_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    certified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    certified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class SigningKey(db.Model):
    """Public half of every key that ever signed a report, so old reports stay verifiable
    after a rotation."""

    __tablename__ = "signing_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))  # raw Ed25519, base64
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LivestreamBase(db.Model):
    """A live-streaming base; its sales are the ledger's livestream sales whose channel
    reference is one of its live rooms."""

    __tablename__ = "livestream_bases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    operator_name: Mapped[str] = mapped_column(String(120))  # the enterprise paid the award
    operator_uscc: Mapped[str] = mapped_column(String(18))
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"))
    area_m2: Mapped[int] = mapped_column(Integer)
    rooms: Mapped[int] = mapped_column(Integer)
    resident_enterprises: Mapped[int] = mapped_column(Integer)
    hosts: Mapped[int] = mapped_column(Integer)
    live_rooms: Mapped[list[str]] = mapped_column(JSON, default=list)
    awarded_tiers: Mapped[list[int]] = mapped_column(JSON, default=list)  # tiers already paid
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AwardSettingsRecord(db.Model):
    """The bureau's award settings, a new row per change (the latest one applies)."""

    __tablename__ = "award_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    settings: Mapped[dict] = mapped_column(JSON)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- guards: rows the bureau relies on never change ---------------------------------------

@event.listens_for(LedgerEntry, "before_update")
@event.listens_for(LedgerEntry, "before_delete")
@guard
def _ledger_append_only(mapper, connection, target: LedgerEntry) -> None:
    raise Conflict("The sales ledger is append-only: record a correction as a new row.",
                   code=ReportingErrorCode.LEDGER_APPEND_ONLY)


IMMUTABLE = ("period", "version", "status", "content", "sha256", "signature", "key_id",
             "supersedes_id", "correction_reason", "certified_at", "certified_by_id")


@event.listens_for(MonthlyReport, "before_update")
@guard
def _certified_reports_never_change(mapper, connection, target: MonthlyReport) -> None:
    state = inspect(target)
    was_certified = state.attrs.status.history.deleted or [target.status]
    if ReportStatus.CERTIFIED in was_certified and any(
            state.attrs[name].history.has_changes() for name in IMMUTABLE):
        raise Conflict("A certified report cannot change; certify a correction instead.",
                       code=ReportingErrorCode.REPORT_IMMUTABLE)
