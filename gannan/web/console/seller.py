"""Seller console: apply, see the review, qualifications, shipping rule, staff.

Every page names the seller in its path and is guarded by the API's own rules
(:func:`gannan.platform.auth.seller_member`; the owner alone manages staff); every
form is loaded by the API's schema and handed to the API's service.
"""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, request, url_for
from sqlalchemy import func

from gannan.catalog.models import Certificate, Product
from gannan.orders.models import Order, PaymentMethod, SellerOrder, SellerOrderStatus
from gannan.orders.schemas import ShippingRuleSchema
from gannan.orders.services import checkout
from gannan.platform import services
from gannan.platform.auth import authenticated, require_user, seller_member
from gannan.platform.counties import current_counties
from gannan.platform.errors import ProblemError
from gannan.platform.extensions import db
from gannan.platform.models import (
    MemberRole,
    Notification,
    QualificationKind,
    Seller,
    SellerKind,
)
from gannan.platform.schemas import QualificationCreateSchema, SellerCreateSchema, StaffAddSchema
from gannan.platform.types import shanghai_today
from gannan.web.console.common import (
    console_blueprint,
    fen,
    invalid,
    load_form,
    refused,
    render,
    notification_text,
    yuan_input,
)
from gannan.web.console.messages import problem_text
from gannan.web.forms import FormInvalid, payload

blp, policy = console_blueprint("console_seller", __name__, default=seller_member())

#: Certificates and licences show a warning this many days before they expire.
EXPIRY_WARNING_DAYS = 30
APPLY_FIELDS = ("name", "uscc", "kind", "county_code", "contact_name", "contact_phone", "address")


def my_sellers() -> list[Seller]:
    """The sellers the signed-in account acts for, in one query."""
    ids = [m.seller_id for m in require_user().memberships]
    if not ids:
        return []
    return list(db.session.scalars(db.select(Seller).where(Seller.id.in_(ids))
                                   .order_by(Seller.id)))


def seller_context(seller: Seller, tab: str) -> dict:
    """What the seller console's frame needs: the seller, the tab, the switcher."""
    user = require_user()
    member = next((m for m in user.memberships if m.seller_id == seller.id), None)
    return {"seller": seller, "tab": tab, "my_sellers": my_sellers(),
            "is_owner": member is not None and member.role is MemberRole.OWNER}


def expiring(valid_until, today) -> str | None:
    """``expired``, ``soon`` (within the warning window) or None."""
    if valid_until is None:
        return None
    if valid_until < today:
        return "expired"
    return "soon" if valid_until - today <= timedelta(days=EXPIRY_WARNING_DAYS) else None


# --- choosing and applying ------------------------------------------------------------


@blp.get("/seller")
@policy.allow(authenticated)
def home():
    sellers = my_sellers()
    if len(sellers) == 1:
        return redirect(url_for("console_seller.overview", seller_id=sellers[0].id))
    return render("console/seller/choose.html", my_sellers=sellers, tab=None)


def _apply_page(status: int = 200, **context):
    return render("console/seller/apply.html", status, counties=current_counties(),
                  kinds=list(SellerKind), my_sellers=my_sellers(), tab="apply", **context)


@blp.get("/seller/apply")
@policy.allow(authenticated)
def apply():
    return _apply_page()


@blp.get("/seller/apply/uscc")
@policy.allow(authenticated)
def check_uscc():
    """htmx, as the applicant types: the API's USCC validator (python-stdnum) on the text."""
    raw = request.args.get("uscc", "").strip()[:32]
    verdict, detail = None, None
    if len(raw) >= 18:
        try:
            services.validate_uscc(raw)
            verdict = "ok"
        except ProblemError:
            verdict = "bad"
    elif raw:
        verdict, detail = "short", f"已输入 {len(raw)} 位，共 18 位"
    return render("console/seller/_uscc.html", verdict=verdict, detail=detail, uscc=raw)


@blp.post("/seller/apply")
@policy.allow(authenticated)
def apply_submit():
    form = request.form
    try:
        data = load_form(SellerCreateSchema(), payload(form, APPLY_FIELDS))
        seller = services.apply_as_seller(require_user(), data)
    except FormInvalid as exc:
        errors, message = invalid(exc)
        return _apply_page(422, form=form, errors=errors, message=message)
    except ProblemError as error:
        message, status = refused(error)
        field = (error.errors or {}).keys()
        return _apply_page(status, form=form, message=message,
                           errors={f: message for f in field})
    flash("申请已提交。请上传营业执照，平台审核通过后即可上架商品。")
    return redirect(url_for("console_seller.overview", seller_id=seller.id))


# --- the seller's page -----------------------------------------------------------------


def _overview(seller_id: int, status: int = 200, **context):
    seller = services.get_seller(seller_id)
    today = shanghai_today()
    product_counts = dict(db.session.execute(
        db.select(Product.status, func.count()).where(Product.seller_id == seller_id)
        .group_by(Product.status)).all())
    to_ship = db.session.scalar(
        db.select(func.count()).select_from(SellerOrder).join(SellerOrder.order).where(
            SellerOrder.seller_id == seller_id,
            (SellerOrder.status == SellerOrderStatus.PAID)
            | ((SellerOrder.status == SellerOrderStatus.PENDING_PAYMENT)
               & (Order.payment_method == PaymentMethod.COD))))
    certificates = list(db.session.scalars(
        db.select(Certificate).where(Certificate.seller_id == seller_id)
        .order_by(Certificate.valid_until)))
    warnings = [(c, expiring(c.valid_until, today)) for c in certificates
                if expiring(c.valid_until, today)]
    warnings += [(q, expiring(q.valid_until, today)) for q in seller.qualifications
                 if expiring(q.valid_until, today)]
    notifications = list(db.session.scalars(
        db.select(Notification).where(Notification.seller_id == seller_id)
        .order_by(Notification.id.desc()).limit(5)))
    context.setdefault("qualification_kinds", list(QualificationKind))
    return render("console/seller/overview.html", status, **seller_context(seller, "overview"),
                  product_counts={k.value: v for k, v in product_counts.items()},
                  to_ship=to_ship, warnings=warnings, today=today,
                  has_licence=services.has_valid_business_licence(seller, today),
                  notifications=notifications, expiring=expiring,
                  notification_text=notification_text, **context)


@blp.get("/seller/<id:seller_id>")
def overview(seller_id: int):
    return _overview(seller_id)


@blp.post("/seller/<id:seller_id>/qualifications")
def add_qualification(seller_id: int):
    form = request.form
    fields = ("kind", "number", "valid_from", "valid_until")
    try:
        data = load_form(QualificationCreateSchema(),
                         payload(form, fields))
        services.add_qualification(seller_id, data)
    except FormInvalid as exc:
        errors, message = invalid(exc)
        return _overview(seller_id, 422, form=form, errors=errors, message=message)
    except ProblemError as error:
        message, status = refused(error)
        return _overview(seller_id, status, form=form, message=message,
                         errors={f: message for f in (error.errors or {})})
    flash("资质已登记。")
    return redirect(url_for("console_seller.overview", seller_id=seller_id) + "#qualifications")


# --- shipping rule ----------------------------------------------------------------------


@blp.get("/seller/<id:seller_id>/shipping")
def shipping(seller_id: int, status: int = 200, **context):
    seller = services.get_seller(seller_id)
    rule = checkout.shipping_rule(seller_id)
    context.setdefault("form", {
        "flat_fee_fen": yuan_input(rule.flat_fee_fen),
        "free_above_fen": yuan_input(rule.free_above_fen),
        "cold_chain_surcharge_fen": yuan_input(rule.cold_chain_surcharge_fen)})
    return render("console/seller/shipping.html", status, **seller_context(seller, "shipping"),
                  rule=rule, is_default=rule is checkout.DEFAULT_RULE, **context)


@blp.post("/seller/<id:seller_id>/shipping")
def shipping_submit(seller_id: int):
    form = request.form
    body = {"flat_fee_fen": fen(form, "flat_fee_fen"),
            "free_above_fen": fen(form, "free_above_fen", required=False),
            "cold_chain_surcharge_fen": fen(form, "cold_chain_surcharge_fen", required=False) or 0}
    try:
        checkout.set_shipping_rule(seller_id, load_form(ShippingRuleSchema(), body))
    except FormInvalid as exc:
        errors, message = invalid(exc)
        return shipping(seller_id, 422, form=form, errors=errors, message=message)
    flash("运费规则已保存，新订单按新规则计算运费。")
    return redirect(url_for("console_seller.shipping", seller_id=seller_id))


# --- staff ------------------------------------------------------------------------------


@blp.get("/seller/<id:seller_id>/staff")
def staff(seller_id: int, status: int = 200, **context):
    seller = services.get_seller(seller_id)
    members = sorted(seller.members, key=lambda m: (m.role is not MemberRole.OWNER, m.id))
    return render("console/seller/staff.html", status, **seller_context(seller, "staff"),
                  members=members, **context)


@blp.post("/seller/<id:seller_id>/staff")
@policy.allow(seller_member(MemberRole.OWNER))
def staff_add(seller_id: int):
    form = request.form
    try:
        data = load_form(StaffAddSchema(), payload(form, ("email",)))
        member = services.add_staff(seller_id, data["email"])
    except FormInvalid as exc:
        errors, message = invalid(exc)
        return staff(seller_id, 422, form=form, errors=errors, message=message)
    except ProblemError as error:
        message, status = refused(error)
        return staff(seller_id, status, form=form, message=message, errors={"email": message})
    flash(f"已添加员工 {member.user.display_name}（{member.user.email}）。")
    return redirect(url_for("console_seller.staff", seller_id=seller_id))


@blp.post("/seller/<id:seller_id>/staff/<id:user_id>/remove")
@policy.allow(seller_member(MemberRole.OWNER))
def staff_remove(seller_id: int, user_id: int):
    try:
        services.remove_staff(seller_id, user_id)
    except ProblemError as error:
        return staff(seller_id, error.status, message=problem_text(error))
    flash("已移除员工。")
    return redirect(url_for("console_seller.staff", seller_id=seller_id))
