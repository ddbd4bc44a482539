"""Carts, orders split per seller, payments, refunds, webhook receipts, shipping rules."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gannan.catalog.models import Sku
from gannan.platform.extensions import db
from gannan.platform.models import Seller, User, _enum
from gannan.platform.types import UTCDateTime, utcnow


class Cart(db.Model):
    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    items: Mapped[list[CartItem]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartItem.id",
    )


class CartItem(db.Model):
    __tablename__ = "cart_items"
    __table_args__ = (UniqueConstraint("cart_id", "sku_id"),
                      CheckConstraint("quantity > 0", name="quantity_positive"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="items")
    sku: Mapped[Sku] = relationship()


class PaymentMethod(str, enum.Enum):
    STRIPE = "stripe"
    COD = "cod"  # cash on delivery


class Channel(str, enum.Enum):
    STOREFRONT = "storefront"
    LIVESTREAM = "livestream"
    SHORT_VIDEO = "short_video"
    CAMPAIGN = "campaign"


class OrderStatus(str, enum.Enum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"  # Stripe captured (COD orders are "placed" until delivered)
    PLACED = "placed"  # cash on delivery, confirmed, payable on delivery
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Order(db.Model):
    """One checkout: the shopper's view, split into one :class:`SellerOrder` per seller."""

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("buyer_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus, "order_status"), index=True)
    payment_method: Mapped[PaymentMethod] = mapped_column(_enum(PaymentMethod, "payment_method"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    channel_ref: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # delivery address; county_code only for Ganzhou, where it decides "same county" sales
    recipient: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20))
    province: Mapped[str] = mapped_column(String(30))
    city: Mapped[str] = mapped_column(String(30))
    county: Mapped[str] = mapped_column(String(30))
    county_code: Mapped[str | None] = mapped_column(ForeignKey("counties.code"), nullable=True)
    township: Mapped[str | None] = mapped_column(String(60), nullable=True)
    village: Mapped[str | None] = mapped_column(String(60), nullable=True)
    detail: Mapped[str] = mapped_column(String(255))
    items_total_fen: Mapped[int] = mapped_column(BigInteger)
    shipping_total_fen: Mapped[int] = mapped_column(BigInteger)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(64), unique=True,
                                                                 nullable=True)
    stripe_client_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)
    last_payment_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    buyer: Mapped[User] = relationship()
    seller_orders: Mapped[list[SellerOrder]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="SellerOrder.id",
    )

    @property
    def refunded_fen(self) -> int:
        return sum(so.refunded_fen for so in self.seller_orders)


class SellerOrderStatus(str, enum.Enum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class SellerOrder(db.Model):
    """One seller's part of an order: shipped, delivered and refunded on its own."""

    __tablename__ = "seller_orders"
    __table_args__ = (
        CheckConstraint("refunded_fen >= 0 AND refunded_fen <= paid_fen", name="refund_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    status: Mapped[SellerOrderStatus] = mapped_column(
        _enum(SellerOrderStatus, "seller_order_status"), index=True)
    items_total_fen: Mapped[int] = mapped_column(BigInteger)
    shipping_fen: Mapped[int] = mapped_column(BigInteger)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    carrier: Mapped[str | None] = mapped_column(String(40), nullable=True)
    tracking_number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # indexed: the logistics report reads the parcels shipped in a month
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    order: Mapped[Order] = relationship(back_populates="seller_orders")
    seller: Mapped[Seller] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="seller_order", cascade="all, delete-orphan", order_by="OrderLine.id",
    )
    events: Mapped[list[SellerOrderEvent]] = relationship(
        back_populates="seller_order", cascade="all, delete-orphan",
        order_by="SellerOrderEvent.id",
    )
    refunds: Mapped[list[Refund]] = relationship(
        back_populates="seller_order", order_by="Refund.id")


class OrderLine(db.Model):
    """A bought SKU, with what the ledger needs frozen at the time of sale."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("refunded_fen >= 0 AND refunded_fen <= line_total_fen",
                        name="refund_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    title: Mapped[str] = mapped_column(String(120))
    spec: Mapped[str] = mapped_column(String(80))
    origin_county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"))
    origin_township: Mapped[str | None] = mapped_column(String(60), nullable=True)
    agricultural: Mapped[bool] = mapped_column(Boolean)
    cold_chain: Mapped[bool] = mapped_column(Boolean)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    line_total_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # 流向: the trace batch the line was packed from, recorded when it ships
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("trace_batches.id"), nullable=True,
                                                 index=True)

    seller_order: Mapped[SellerOrder] = relationship(back_populates="lines")


class SellerOrderEvent(db.Model):
    """Every status change of a seller order: from, to, who (None: the system), when."""

    __tablename__ = "seller_order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_status: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    seller_order: Mapped[SellerOrder] = relationship(back_populates="events")


class RefundStatus(str, enum.Enum):
    # the amount is reserved on the seller order; Stripe has not confirmed it yet
    PENDING = "pending"
    SUCCEEDED = "succeeded"  # the money went back, the ledger has it


class Refund(db.Model):
    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[RefundStatus] = mapped_column(_enum(RefundStatus, "refund_status"),
                                                 server_default=RefundStatus.SUCCEEDED.value,
                                                 index=True)
    reason: Mapped[str] = mapped_column(Text)
    # {line_id: fen} of the goods refunded; what exceeds the goods is shipping
    allocation: Mapped[dict] = mapped_column(JSON, default=dict)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    seller_order: Mapped[SellerOrder] = relationship(back_populates="refunds")


class WebhookEvent(db.Model):
    """A Stripe event processed once: its id is the primary key, written in the same
    transaction as the event's effects."""

    __tablename__ = "webhook_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShippingRule(db.Model):
    """A seller's shipping fee: a flat fee, free above an amount, a cold-chain surcharge."""

    __tablename__ = "shipping_rules"
    __table_args__ = (
        CheckConstraint("flat_fee_fen >= 0 AND cold_chain_surcharge_fen >= 0",
                        name="fees_non_negative"),
    )

    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), primary_key=True)
    flat_fee_fen: Mapped[int] = mapped_column(Integer)
    free_above_fen: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cold_chain_surcharge_fen: Mapped[int] = mapped_column(Integer, default=0)


# --- after-sales (售后) ------------------------------------------------------------------

class AfterSalesKind(str, enum.Enum):
    REFUND_ONLY = "refund_only"
    RETURN_AND_REFUND = "return_and_refund"


class AfterSalesReason(str, enum.Enum):
    QUALITY = "quality"
    DAMAGED_IN_TRANSIT = "damaged_in_transit"
    WRONG_ITEM = "wrong_item"
    NOT_RECEIVED = "not_received"


class AfterSalesStatus(str, enum.Enum):
    REQUESTED = "requested"  # waiting for the seller (48 h, then accepted)
    ACCEPTED = "accepted"  # the refund is due (made at once; retried if Stripe failed)
    AWAITING_RETURN = "awaiting_return"  # accepted; the buyer sends the goods back
    RETURN_SHIPPED = "return_shipped"  # tracking number given; the seller confirms receipt
    REJECTED = "rejected"  # the buyer may escalate (for a few days)
    ESCALATED = "escalated"  # a platform admin arbitrates
    REFUNDED = "refunded"  # ended in a refund (the existing refund path)
    CLOSED = "closed"  # ended without one (rejection upheld, not escalated, withdrawn)


#: Statuses in which a request is still open: the order cannot be settled meanwhile.
AFTERSALES_OPEN = (AfterSalesStatus.REQUESTED, AfterSalesStatus.ACCEPTED,
                   AfterSalesStatus.AWAITING_RETURN,
                   AfterSalesStatus.RETURN_SHIPPED, AfterSalesStatus.REJECTED,
                   AfterSalesStatus.ESCALATED)
#: The same, as SQL (the partial unique index that keeps one open request per order).
OPEN_REQUEST_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in AFTERSALES_OPEN))


class AfterSalesRequest(db.Model):
    """A buyer's request about a delivered seller order.  Its status moves only by
    conditional UPDATEs (from the status it was read in), each with an event."""

    __tablename__ = "after_sales_requests"
    __table_args__ = (
        CheckConstraint("requested_fen > 0", name="requested_positive"),
        CheckConstraint("agreed_fen IS NULL OR agreed_fen > 0", name="agreed_positive"),
        # at most one open request per seller order, however many buyers' clicks race
        Index("uq_after_sales_requests_one_open", "seller_order_id", unique=True,
              sqlite_where=text(OPEN_REQUEST_SQL), postgresql_where=text(OPEN_REQUEST_SQL)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[AfterSalesKind] = mapped_column(_enum(AfterSalesKind, "after_sales_kind"))
    reason: Mapped[AfterSalesReason] = mapped_column(
        _enum(AfterSalesReason, "after_sales_reason"))
    description: Mapped[str] = mapped_column(Text)
    requested_fen: Mapped[int] = mapped_column(BigInteger)
    line_ids: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[AfterSalesStatus] = mapped_column(
        _enum(AfterSalesStatus, "after_sales_status"), index=True)
    agreed_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    return_carrier: Mapped[str | None] = mapped_column(String(40), nullable=True)
    return_tracking_number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"), nullable=True)
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    escalate_by: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # return and refund: the buyer ships the goods back by then, or the request closes
    return_by: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    seller_order: Mapped[SellerOrder] = relationship()
    events: Mapped[list[AfterSalesEvent]] = relationship(
        back_populates="request", order_by="AfterSalesEvent.id")
    photos: Mapped[list[AfterSalesPhoto]] = relationship(
        order_by="AfterSalesPhoto.position")


class AfterSalesPhoto(db.Model):
    """One of at most six photos; (request, position) is unique, so two uploads at
    once cannot both take the sixth place."""

    __tablename__ = "after_sales_photos"
    __table_args__ = (UniqueConstraint("request_id", "position"),
                      CheckConstraint("position >= 0 AND position < 6", name="at_most_six"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("after_sales_requests.id"))
    position: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AfterSalesEvent(db.Model):
    """Every step of a request: from, to, who (None: the system's time-outs), when."""

    __tablename__ = "after_sales_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("after_sales_requests.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_status: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[AfterSalesRequest] = relationship(back_populates="events")


# --- reviews ---------------------------------------------------------------------------

class Review(db.Model):
    """A buyer's review of a completed seller order: the seller's rating and one per
    line, once (verified purchase by construction).  Hidden, never deleted."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("seller_order_id"),
        CheckConstraint("seller_rating BETWEEN 1 AND 5", name="seller_rating_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    seller_rating: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    lines: Mapped[list[ReviewLine]] = relationship(
        back_populates="review", order_by="ReviewLine.id")
    photos: Mapped[list[ReviewPhoto]] = relationship(
        order_by="ReviewPhoto.position")

    @property
    def verified_purchase(self) -> bool:
        return True  # only the buyer of a completed order can write one


class ReviewLine(db.Model):
    __tablename__ = "review_lines"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    rating: Mapped[int] = mapped_column(Integer)

    review: Mapped[Review] = relationship(back_populates="lines")


class ReviewPhoto(db.Model):
    """One of at most six photos of a review (as for after-sales requests)."""

    __tablename__ = "review_photos"
    __table_args__ = (UniqueConstraint("review_id", "position"),
                      CheckConstraint("position >= 0 AND position < 6", name="at_most_six"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"))
    position: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
