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
    Integer,
    String,
    Text,
    UniqueConstraint,
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
        lazy="selectin",
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
    sku: Mapped[Sku] = relationship(lazy="joined")


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

    buyer: Mapped[User] = relationship(lazy="joined")
    seller_orders: Mapped[list[SellerOrder]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="SellerOrder.id",
        lazy="selectin",
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
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    order: Mapped[Order] = relationship(back_populates="seller_orders")
    seller: Mapped[Seller] = relationship(lazy="joined")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="seller_order", cascade="all, delete-orphan", order_by="OrderLine.id",
        lazy="selectin",
    )
    events: Mapped[list[SellerOrderEvent]] = relationship(
        back_populates="seller_order", cascade="all, delete-orphan",
        order_by="SellerOrderEvent.id", lazy="selectin",
    )
    refunds: Mapped[list[Refund]] = relationship(
        back_populates="seller_order", order_by="Refund.id", lazy="selectin")


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
