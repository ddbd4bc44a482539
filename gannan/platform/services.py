"""Business actions of the platform: accounts, seller applications and their review.

Plain arguments in, domain objects out; every action commits or changes nothing.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
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
    Qualification,
    QualificationKind,
    ReviewAction,
    Role,
    Seller,
    SellerDecision,
    SellerMember,
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


def register_user(email: str, password: str, display_name: str, roles: list[Role] = ()) -> User:
    email = normalise_email(email)
    if find_user_by_email(email):
        raise Conflict("An account with this e-mail already exists.", code=PlatformErrorCode.EMAIL_TAKEN)
    check_password(password, known=(email, email.split("@")[0], display_name))
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=display_name.strip(),
        role_rows=[UserRole(role=r) for r in set(roles) if r is not Role.CONSUMER],
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


def grant_role(user: User, role: Role) -> None:
    if role is not Role.CONSUMER and not user.has_role(role):
        user.role_rows.append(UserRole(role=role))
    db.session.commit()


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


def list_sellers(*, status: SellerStatus | None = None, county: str | None = None, kind=None):
    query = db.select(Seller).order_by(Seller.id)
    if status is not None:
        query = query.where(Seller.status == status)
    if county:
        query = query.where(Seller.county_code == county)
    if kind is not None:
        query = query.where(Seller.kind == kind)
    return query


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
