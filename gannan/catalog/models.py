"""Categories, products and SKUs, certificates, trace batches, spot checks, search outbox."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gannan.platform.extensions import db
from gannan.platform.models import County, Seller, _enum
from gannan.platform.types import UTCDateTime, shanghai_today, utcnow


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), nullable=True)
    # docs/awards.md: whether products of this category count as agricultural by default.
    agricultural: Mapped[bool] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Category | None] = relationship(remote_side="Category.id", lazy="joined",
                                                   join_depth=2)

    @property
    def lineage(self) -> list[Category]:
        """The category and its ancestors, root first."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]


class ProductStatus(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    BLOCKED = "blocked"  # a failed spot check; only an admin lifts it


certificate_products = Table(
    "certificate_products",
    db.metadata,
    Column("certificate_id", ForeignKey("certificates.id", ondelete="CASCADE"), primary_key=True),
    # Product pages and searches look certificates up by product: it needs its own index.
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


def mean_rating(rating_sum: int, rating_count: int) -> float | None:
    """The rating shown, filtered on and sorted by: the mean of the stars to two
    decimals (None: not rated yet).  One function, so page and index agree."""
    return round(rating_sum / rating_count, 2) if rating_count else None


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("rating_count >= 0 AND rating_sum >= rating_count "
                        "AND rating_sum <= 5 * rating_count", name="rating_in_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    origin_county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"), index=True)
    origin_township: Mapped[str | None] = mapped_column(String(60), nullable=True)
    regional_brand: Mapped[str | None] = mapped_column(String(40), nullable=True)
    agricultural: Mapped[bool] = mapped_column(Boolean)
    cold_chain: Mapped[bool] = mapped_column(Boolean, default=False)
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[ProductStatus] = mapped_column(
        _enum(ProductStatus, "product_status"), default=ProductStatus.DRAFT, index=True
    )
    blocked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # what blocks it: "spot_check" (an admin lifts it) or "recall" (a new batch lifts it)
    block_cause: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The visible reviews' stars of this product: how many and their sum, moved by
    # relative UPDATEs in the review's transaction (gannan.catalog.services.ratings).
    rating_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rating_sum: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    seller: Mapped[Seller] = relationship()
    category: Mapped[Category] = relationship()
    origin_county: Mapped[County] = relationship()
    skus: Mapped[list[Sku]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Sku.id",
    )
    certificates: Mapped[list[Certificate]] = relationship(
        secondary=certificate_products, back_populates="products"
    )

    @property
    def in_stock(self) -> bool:
        return any(s.stock > 0 for s in self.skus)

    @property
    def rating(self) -> float | None:
        return mean_rating(self.rating_sum, self.rating_count)

    @property
    def min_price_fen(self) -> int | None:
        return min((s.price_fen for s in self.skus), default=None)

    @property
    def valid_certificates(self) -> list[Certificate]:
        """Certificates that count today: an expired one stops counting at once."""
        today = shanghai_today()
        return [c for c in self.certificates if c.valid_on(today)]

    @property
    def valid_certification_kinds(self) -> list[str]:
        return sorted({c.kind.value for c in self.valid_certificates})

    @property
    def latest_batches(self) -> list[TraceBatch]:
        return list(db.session.scalars(
            db.select(TraceBatch).where(TraceBatch.product_id == self.id)
            .order_by(TraceBatch.id.desc()).limit(5)
        ))


class Sku(db.Model):
    __tablename__ = "skus"
    __table_args__ = (
        UniqueConstraint("product_id", "code"),
        CheckConstraint("price_fen >= 0", name="price_non_negative"),
        CheckConstraint("stock >= 0", name="stock_non_negative"),
        CheckConstraint("weight_g >= 0", name="weight_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    code: Mapped[str] = mapped_column(String(40))
    spec: Mapped[str] = mapped_column(String(80))
    price_fen: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    weight_g: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship(back_populates="skus")


class CertificateKind(str, enum.Enum):
    GREEN_FOOD = "green_food"  # 绿色食品
    ORGANIC = "organic"  # 有机产品
    GEOGRAPHICAL_INDICATION = "geographical_indication"  # 地理标志
    BRAND_LICENCE = "brand_licence"  # 区域公用品牌授权


# Kinds that entitle a product to carry a regional public brand such as 赣南脐橙.
BRAND_KINDS = (CertificateKind.BRAND_LICENCE, CertificateKind.GEOGRAPHICAL_INDICATION)


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("seller_id", "kind", "number"),
        CheckConstraint("valid_until >= valid_from", name="valid_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    kind: Mapped[CertificateKind] = mapped_column(_enum(CertificateKind, "certificate_kind"))
    number: Mapped[str] = mapped_column(String(40))
    issuer: Mapped[str] = mapped_column(String(120))
    brand: Mapped[str | None] = mapped_column(String(40), nullable=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    products: Mapped[list[Product]] = relationship(
        secondary=certificate_products, back_populates="certificates"
    )

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_until


class TraceBatch(db.Model):
    """One harvest or production batch, with its unguessable public trace code."""

    __tablename__ = "trace_batches"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    trace_code: Mapped[str] = mapped_column(String(32), unique=True)
    harvest_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    production_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))
    base_name: Mapped[str] = mapped_column(String(120))  # 基地
    producer_name: Mapped[str] = mapped_column(String(120))  # 合作社/农户
    producer_kind: Mapped[str] = mapped_column(String(20))
    farm_inputs: Mapped[list[dict]] = mapped_column(JSON, default=list)
    compliance_certificate: Mapped[dict] = mapped_column(JSON)  # 承诺达标合格证
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # 召回: a recalled batch is shipped no more; its buyers are told why
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recall_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    recalled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    product: Mapped[Product] = relationship()
    inspections: Mapped[list[Inspection]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="Inspection.id",
    )


class Inspection(db.Model):
    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("trace_batches.id", ondelete="CASCADE"),
                                          index=True)
    lab: Mapped[str] = mapped_column(String(120))
    report_number: Mapped[str] = mapped_column(String(60))
    passed: Mapped[bool] = mapped_column(Boolean)
    inspected_on: Mapped[date] = mapped_column(Date)

    batch: Mapped[TraceBatch] = relationship(back_populates="inspections")


class SpotCheck(db.Model):
    """网销产品抽检: a regulator's sample of a product sold online, kept on the seller's record."""

    __tablename__ = "spot_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("trace_batches.id"), nullable=True,
                                                 index=True)
    sampled_on: Mapped[date] = mapped_column(Date)
    lab: Mapped[str] = mapped_column(String(120))
    report_number: Mapped[str] = mapped_column(String(60))
    passed: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
    batch: Mapped[TraceBatch | None] = relationship()


class SearchOutbox(db.Model):
    """Products whose search document must be rebuilt.

    Written in the same transaction as the change, drained after commit by a task
    (and by a periodic sweep), so a crash between the database write and the index
    write loses nothing.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
