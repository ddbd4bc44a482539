"""Business actions of the platform: accounts, seller applications and their review.

Plain arguments in, domain objects out; every action commits or changes nothing.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from stdnum.cn import uscc as uscc_std
from stdnum.exceptions import ValidationError as StdnumError

from gannan.platform.auth import hash_password, verify_password
from gannan.platform.counties import require_current_county
from gannan.platform.errors import (
    AuthenticationRequired,
    Conflict,
    NotFound,
    PlatformErrorCode,
    ValidationFailed,
)
from gannan.platform.extensions import db
from gannan.platform.models import (
    MemberRole,
    Notification,
    Qualification,
    QualificationKind,
    ReviewAction,
    Role,
    Seller,
    SellerDecision,
    SellerMember,
    SellerRecommendation,
    SellerStatus,
    User,
    UserRole,
)
from gannan.platform.passwords import check_password
from gannan.platform.signals import seller_status_changed
from gannan.platform.types import shanghai_today, utcnow

# --- accounts -----------------------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == normalise_email(email)))


def register_user(email: str, password: str, display_name: str, roles: list[Role] = (),
                  county_code: str | None = None) -> User:
    """A new account; ``county_code`` is the county of the county officer role."""
    email = normalise_email(email)
    if find_user_by_email(email):
        raise Conflict("An account with this e-mail already exists.", code=PlatformErrorCode.EMAIL_TAKEN)
    check_password(password, known=(email, email.split("@")[0], display_name))
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=display_name.strip(),
        role_rows=[_role_row(r, county_code) for r in set(roles) if r is not Role.CONSUMER],
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as exc:  # a concurrent registration won the race
        db.session.rollback()
        raise Conflict("An account with this e-mail already exists.",
                       code=PlatformErrorCode.EMAIL_TAKEN) from exc
    return user


def authenticate(email: str, password: str) -> User:
    user = find_user_by_email(email)
    if not verify_password(user, password) or not user.is_active:
        raise AuthenticationRequired("E-mail or password is wrong.",
                                     code=PlatformErrorCode.INVALID_CREDENTIALS)
    return user


def _role_row(role: Role, county_code: str | None) -> UserRole:
    """A county officer acts for exactly one current county; no other role has one."""
    if role is Role.COUNTY_OFFICER:
        if not county_code:
            # the API grants no roles: an operator's mistake on the command line
            raise ValueError("a county officer needs the county it acts for (--county)")
        return UserRole(role=role, county_code=require_current_county(county_code).code)
    return UserRole(role=role)


def grant_role(user: User, role: Role, county_code: str | None = None) -> None:
    if role is not Role.CONSUMER and not user.has_role(role):
        user.role_rows.append(_role_row(role, county_code))
    elif role is Role.COUNTY_OFFICER and county_code != user.county_office:
        raise ValueError(f"{user.email} is already the officer of {user.county_office}")
    db.session.commit()


def user_notifications(user_id: int, limit: int = 100) -> list[Notification]:
    return list(db.session.scalars(db.select(Notification).where(
        Notification.user_id == user_id).order_by(Notification.id.desc()).limit(limit)))


# --- sellers ------------------------------------------------------------------

QUALIFICATION_NUMBER = {
    QualificationKind.FOOD_BUSINESS_LICENCE: (re.compile(r"^JY\d{14}$"), "JY followed by 14 digits"),
    QualificationKind.FOOD_PRODUCTION_LICENCE: (re.compile(r"^SC\d{14}$"), "SC followed by 14 digits"),
}


def validate_uscc(raw: str, field: str = "uscc") -> str:
    """The compact 统一社会信用代码, or 422 ``invalid_uscc`` saying what is wrong with it."""
    try:
        return uscc_std.validate(raw)
    except StdnumError as exc:
        raise ValidationFailed(
            f"{raw!r} is not a valid unified social credit code: {exc.message}",
            code=PlatformErrorCode.INVALID_USCC,
            field=field,
        ) from exc


def get_seller(seller_id: int) -> Seller:
    seller = db.session.get(Seller, seller_id)
    if seller is None:
        raise NotFound("No such seller.", code=PlatformErrorCode.SELLER_NOT_FOUND)
    return seller


def apply_as_seller(owner: User, data: dict[str, Any]) -> Seller:
    uscc = validate_uscc(data["uscc"])
    county = require_current_county(data["county_code"])
    if db.session.scalar(db.select(Seller.id).where(Seller.uscc == uscc)):
        raise Conflict(
            "A seller with this unified social credit code is already registered.",
            code=PlatformErrorCode.USCC_TAKEN,
        )
    seller = Seller(
        name=data["name"].strip(),
        uscc=uscc,
        kind=data["kind"],
        county_code=county.code,
        contact_name=data["contact_name"].strip(),
        contact_phone=data["contact_phone"],
        address=data["address"].strip(),
        status=SellerStatus.PENDING,
    )
    seller.members.append(SellerMember(user=owner, role=MemberRole.OWNER))
    db.session.add(seller)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(
            "A seller with this unified social credit code is already registered.",
            code=PlatformErrorCode.USCC_TAKEN,
        ) from exc
    return seller


def add_qualification(seller_id: int, data: dict[str, Any], today: date | None = None) -> Qualification:
    seller = get_seller(seller_id)
    today = today or shanghai_today()
    kind: QualificationKind = data["kind"]
    number = data["number"].strip().upper()
    if kind is QualificationKind.BUSINESS_LICENCE:
        number = validate_uscc(number, field="number")
        if number != seller.uscc:
            raise ValidationFailed(
                "A business licence carries the seller's own unified social credit code.",
                code=PlatformErrorCode.LICENCE_USCC_MISMATCH,
                field="number",
            )
    else:
        pattern, shape = QUALIFICATION_NUMBER[kind]
        if not pattern.match(number):
            raise ValidationFailed(
                f"A {kind.value} number is {shape}.",
                code=PlatformErrorCode.INVALID_LICENCE_NUMBER, field="number"
            )
    valid_from, valid_until = data["valid_from"], data.get("valid_until")
    if valid_until is not None and valid_until < valid_from:
        raise ValidationFailed(
            "valid_until is before valid_from.",
            code=PlatformErrorCode.INVALID_VALIDITY, field="valid_until"
        )
    if valid_until is not None and valid_until < today:
        raise ValidationFailed(
            "This qualification has already expired.",
            code=PlatformErrorCode.QUALIFICATION_EXPIRED,
            field="valid_until",
        )
    duplicate = any(q.kind is kind and q.number == number for q in seller.qualifications)
    if duplicate:
        raise Conflict("This qualification is already on file.",
                       code=PlatformErrorCode.DUPLICATE_QUALIFICATION)
    qualification = Qualification(
        kind=kind, number=number, valid_from=valid_from, valid_until=valid_until
    )
    seller.qualifications.append(qualification)
    db.session.commit()
    return qualification


def has_valid_business_licence(seller: Seller, today: date) -> bool:
    """Approval needs a business licence on file that is valid ``today`` (Shanghai)."""
    return any(q.kind is QualificationKind.BUSINESS_LICENCE and q.valid_on(today)
               for q in seller.qualifications)


# status the action leads to, and the statuses it may start from
TRANSITIONS: dict[ReviewAction, tuple[SellerStatus, frozenset[SellerStatus]]] = {
    ReviewAction.APPROVE: (
        SellerStatus.APPROVED,
        frozenset({SellerStatus.PENDING, SellerStatus.REJECTED, SellerStatus.SUSPENDED}),
    ),
    ReviewAction.REJECT: (SellerStatus.REJECTED, frozenset({SellerStatus.PENDING})),
    ReviewAction.SUSPEND: (SellerStatus.SUSPENDED, frozenset({SellerStatus.APPROVED})),
}


def review_seller(
    seller_id: int, actor: User, action: ReviewAction, reason: str | None,
    today: date | None = None,
) -> Seller:
    """Apply an admin's decision and keep it as an audit record, in one transaction.

    The seller row is locked for the decision, so two admins deciding at once
    cannot both start from the same status.
    """
    seller = db.session.scalar(
        db.select(Seller).where(Seller.id == seller_id).with_for_update(of=Seller)
    )
    if seller is None:
        raise NotFound("No such seller.", code=PlatformErrorCode.SELLER_NOT_FOUND)
    target, sources = TRANSITIONS[action]
    if seller.status not in sources:
        raise Conflict(
            f"A {seller.status.value} seller cannot be {target.value}.",
            code=PlatformErrorCode.INVALID_TRANSITION,
        )
    if action is ReviewAction.APPROVE and needs_recommendation(seller):
        raise Conflict(
            f"A seller of {seller.county.name} is approved once its county commerce office "
            "has recommended it (推荐).",
            code=PlatformErrorCode.COUNTY_RECOMMENDATION_REQUIRED,
        )
    if action is ReviewAction.APPROVE:
        if not has_valid_business_licence(seller, today or shanghai_today()):
            raise Conflict(
                "The seller has no valid business licence on file.",
                code=PlatformErrorCode.BUSINESS_LICENCE_REQUIRED,
            )
    reason = reason.strip() if reason else None
    db.session.add(
        SellerDecision(
            seller=seller,
            actor_id=actor.id,
            action=action,
            from_status=seller.status,
            to_status=target,
            reason=reason,
        )
    )
    seller.status = target
    seller.status_reason = reason
    seller.reviewed_at = utcnow()
    seller_status_changed.send(seller)
    db.session.commit()
    return seller


# --- county commerce offices: 主体自愿申请、县级部门推荐、平台审核 -------------------------------


def county_has_officer(county_code: str) -> bool:
    return db.session.scalar(
        db.select(UserRole.user_id).join(User, User.id == UserRole.user_id).where(
            UserRole.role == Role.COUNTY_OFFICER, UserRole.county_code == county_code,
            User.is_active.is_(True)).limit(1)) is not None


def current_recommendation(seller: Seller) -> SellerRecommendation | None:
    """The county's recommendation of the seller's application now under review: one
    made after its last rejection (a rejected application needs a new one)."""
    rejected = [d.created_at for d in seller.decisions if d.action is ReviewAction.REJECT]
    return next((r for r in reversed(seller.recommendations)
                 if not rejected or r.created_at > rejected[-1]), None)


def needs_recommendation(seller: Seller) -> bool:
    """Approving a new or rejected application of a county that has a commerce office
    on the platform waits for its recommendation (``COUNTY_RECOMMENDATION_REQUIRED``);
    lifting a suspension does not."""
    return (current_app.config["COUNTY_RECOMMENDATION_REQUIRED"]
            and seller.status in (SellerStatus.PENDING, SellerStatus.REJECTED)
            and current_recommendation(seller) is None
            and county_has_officer(seller.county_code))


def county_seller(county_code: str, seller_id: int) -> Seller:
    """A seller of the county, or 404 (a seller of another county is not the office's)."""
    seller = db.session.get(Seller, seller_id)
    if seller is None or seller.county_code != county_code:
        raise NotFound("No such seller in this county.", code=PlatformErrorCode.SELLER_NOT_FOUND)
    return seller


def recommend_seller(county_code: str, seller_id: int, officer: User,
                     reason: str | None) -> Seller:
    seller = county_seller(county_code, seller_id)
    if seller.status not in (SellerStatus.PENDING, SellerStatus.REJECTED):
        raise Conflict(f"A {seller.status.value} seller is not under review.",
                       code=PlatformErrorCode.INVALID_TRANSITION)
    if current_recommendation(seller) is not None:
        raise Conflict("The county has already recommended this application.",
                       code=PlatformErrorCode.ALREADY_RECOMMENDED)
    db.session.add(SellerRecommendation(seller=seller, county_code=county_code,
                                        officer_id=officer.id,
                                        reason=reason.strip() if reason else None))
    db.session.commit()
    return seller


def list_sellers(*, status: SellerStatus | None = None, county: str | None = None, kind=None):
    query = db.select(Seller).order_by(Seller.id).options(
        joinedload(Seller.county), selectinload(Seller.qualifications))  # SellerPublicSchema
    if status is not None:
        query = query.where(Seller.status == status)
    if county:
        query = query.where(Seller.county_code == county)
    if kind is not None:
        query = query.where(Seller.kind == kind)
    return query


def county_sellers(county_code: str, status: SellerStatus | None = None, kind=None):
    """The county's sellers in any status, with their recommendations."""
    return list_sellers(status=status, county=county_code, kind=kind).options(
        selectinload(Seller.recommendations))


# --- staff --------------------------------------------------------------------


def add_staff(seller_id: int, email: str) -> SellerMember:
    seller = get_seller(seller_id)
    user = find_user_by_email(email)
    if user is None:
        raise NotFound(
            "No account has this e-mail; the person must register first.",
            code=PlatformErrorCode.USER_NOT_FOUND
        )
    if any(m.user_id == user.id for m in seller.members):
        raise Conflict("This account already acts for the seller.",
                       code=PlatformErrorCode.ALREADY_MEMBER)
    member = SellerMember(user=user, role=MemberRole.STAFF)
    seller.members.append(member)
    db.session.commit()
    return member


def remove_staff(seller_id: int, user_id: int) -> None:
    seller = get_seller(seller_id)
    member = next((m for m in seller.members if m.user_id == user_id), None)
    if member is None:
        raise NotFound("This account does not act for the seller.",
                       code=PlatformErrorCode.MEMBER_NOT_FOUND)
    if member.role is MemberRole.OWNER:
        raise Conflict("The owner cannot be removed.", code=PlatformErrorCode.OWNER_NOT_REMOVABLE)
    seller.members.remove(member)
    db.session.commit()
