"""Accounts, roles, counties, sellers and their review trail."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gannan.platform.extensions import db
from gannan.platform.types import UTCDateTime, utcnow


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value, as a portable VARCHAR + CHECK."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class Role(str, enum.Enum):
    CONSUMER = "consumer"  # every account; never stored
    PLATFORM_ADMIN = "platform_admin"
    BUREAU = "bureau"
    COUNTY_OFFICER = "county_officer"  # a county's commerce office (县级商务部门), bound to it


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    memberships: Mapped[list[SellerMember]] = relationship(
        back_populates="user"
    )

    @property
    def roles(self) -> list[str]:
        return [Role.CONSUMER.value] + sorted(r.role.value for r in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return role is Role.CONSUMER or any(r.role is role for r in self.role_rows)

    @property
    def county_office(self) -> str | None:
        """The county whose commerce office this account acts for, if any."""
        return next((r.county_code for r in self.role_rows if r.role is Role.COUNTY_OFFICER),
                    None)


class UserRole(db.Model):
    """A role of an account; the county officer role names its one county."""

    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint("(role = 'county_officer') = (county_code IS NOT NULL)",
                        name="county_officer_has_county"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), primary_key=True)
    county_code: Mapped[str | None] = mapped_column(ForeignKey("counties.code"), nullable=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="role_rows")


class CountyKind(str, enum.Enum):
    DISTRICT = "district"
    CITY = "city"
    COUNTY = "county"


class County(db.Model):
    """A county-level division of Ganzhou by its GB/T 2260 code; retired codes are kept
    so that an old code gets a precise error naming its successor."""

    __tablename__ = "counties"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    pinyin: Mapped[str] = mapped_column(String(40))
    kind: Mapped[CountyKind] = mapped_column(_enum(CountyKind, "county_kind"))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    replaced_by: Mapped[str | None] = mapped_column(String(6), nullable=True)


class SellerKind(str, enum.Enum):
    ENTERPRISE = "enterprise"
    COOPERATIVE = "cooperative"
    FAMILY_FARM = "family_farm"
    INDIVIDUAL_BUSINESS = "individual_business"


class SellerStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class Seller(db.Model):
    __tablename__ = "sellers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    kind: Mapped[SellerKind] = mapped_column(_enum(SellerKind, "seller_kind"))
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"))
    contact_name: Mapped[str] = mapped_column(String(60))
    contact_phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(255))
    status: Mapped[SellerStatus] = mapped_column(
        _enum(SellerStatus, "seller_status"), default=SellerStatus.PENDING, index=True
    )
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    county: Mapped[County] = relationship()
    members: Mapped[list[SellerMember]] = relationship(
        back_populates="seller", cascade="all, delete-orphan"
    )
    qualifications: Mapped[list[Qualification]] = relationship(
        back_populates="seller",
        cascade="all, delete-orphan",
        order_by="Qualification.id",
    )
    decisions: Mapped[list[SellerDecision]] = relationship(
        back_populates="seller", order_by="SellerDecision.id"
    )
    # loaded where shown (county listings, the admin's review), not with every seller
    recommendations: Mapped[list[SellerRecommendation]] = relationship(
        back_populates="seller", order_by="SellerRecommendation.id"
    )


class MemberRole(str, enum.Enum):
    OWNER = "owner"
    STAFF = "staff"


class SellerMember(db.Model):
    """Makes an account act for a seller: its owner, or staff the owner added."""

    __tablename__ = "seller_members"
    __table_args__ = (UniqueConstraint("seller_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(_enum(MemberRole, "member_role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    seller: Mapped[Seller] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="memberships")


class QualificationKind(str, enum.Enum):
    BUSINESS_LICENCE = "business_licence"  # 营业执照
    FOOD_BUSINESS_LICENCE = "food_business_licence"  # 食品经营许可证 JY…
    FOOD_PRODUCTION_LICENCE = "food_production_licence"  # 食品生产许可证 SC…


class Qualification(db.Model):
    __tablename__ = "qualifications"
    __table_args__ = (
        CheckConstraint(
            "valid_until IS NULL OR valid_until >= valid_from", name="valid_range"
        ),
        UniqueConstraint("seller_id", "kind", "number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[QualificationKind] = mapped_column(_enum(QualificationKind, "qualification_kind"))
    number: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date] = mapped_column(Date)
    # None: valid without end date (长期), as many business licences are.
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    seller: Mapped[Seller] = relationship(back_populates="qualifications")

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class ReviewAction(str, enum.Enum):
    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"


class SellerDecision(db.Model):
    """Audit record of one review decision: who, when, why, from which status to which."""

    __tablename__ = "seller_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[ReviewAction] = mapped_column(_enum(ReviewAction, "review_action"))
    from_status: Mapped[SellerStatus] = mapped_column(_enum(SellerStatus, "from_status"))
    to_status: Mapped[SellerStatus] = mapped_column(_enum(SellerStatus, "to_status"))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    seller: Mapped[Seller] = relationship(back_populates="decisions")
    actor: Mapped[User] = relationship()


class SellerRecommendation(db.Model):
    """推荐: the seller's county commerce office recommends its application, the step
    before the platform admin approves (主体自愿申请、县级部门推荐、平台审核)."""

    __tablename__ = "seller_recommendations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    seller: Mapped[Seller] = relationship(back_populates="recommendations")
    officer: Mapped[User] = relationship()


class Notification(db.Model):
    """A message to a seller's staff (a product taken offline because a licence expired),
    or to one account (the buyer of a recalled batch)."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("seller_id IS NOT NULL OR user_id IS NOT NULL", name="has_recipient"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id"), index=True,
                                                  nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True,
                                                nullable=True)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
