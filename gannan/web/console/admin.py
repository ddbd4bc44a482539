"""Platform admin console: the seller review queue, spot checks and blocks, the
brand-licence sweep.  (Monthly reports: :mod:`gannan.web.console.admin_reports`.)

Every page needs the platform_admin role, the rule of the API's admin blueprints;
every action is the API's service, loaded by the API's schema.
"""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, request, url_for
from sqlalchemy import func
from sqlalchemy.orm import joinedload, lazyload, selectinload

from gannan.catalog.models import Product, ProductStatus, SpotCheck
from gannan.catalog.schemas import SpotCheckCreateSchema
from gannan.catalog.services import spot_checks
from gannan.catalog.services.products import brand_covered
from gannan.platform import services
from gannan.platform.auth import require_user, role
from gannan.platform.errors import ProblemError
from gannan.platform.extensions import db
from gannan.platform.models import (
    Notification,
    ReviewAction,
    Role,
    Seller,
    SellerStatus,
)
from gannan.platform.pagination import paginate
from gannan.platform.schemas import OptionalReasonSchema, ReasonSchema
from gannan.platform.types import shanghai_today
from gannan.reporting.models import MonthlyReport, ReportStatus
from gannan.web.console.common import console_blueprint, invalid, load_form, \
    notification_text, page_arg, refused, render
from gannan.web.errors import error_page
from gannan.web.forms import FormInvalid, payload, typed

blp, policy = console_blueprint("console_admin", __name__, default=role(Role.PLATFORM_ADMIN))
PAGE_SIZE = 20
#: The schema each review action is loaded with: the API's (a reason is optional only
#: when approving).
REVIEW_SCHEMAS = {ReviewAction.APPROVE: OptionalReasonSchema, ReviewAction.REJECT: ReasonSchema,
                  ReviewAction.SUSPEND: ReasonSchema}
SWEEP_WARNING_DAYS = 30


def _frame(tab: str) -> dict:
    return {"tab": tab, "pending_count": db.session.scalar(
        db.select(func.count()).select_from(Seller).where(Seller.status == SellerStatus.PENDING))}


@blp.get("/admin")
def overview():
    blocked = db.session.scalar(db.select(func.count()).select_from(Product)
                                .where(Product.status == ProductStatus.BLOCKED))
    drafts = db.session.scalar(db.select(func.count(func.distinct(MonthlyReport.period)))
                               .where(MonthlyReport.status == ReportStatus.DRAFT))
    recent = list(db.session.scalars(
        db.select(Seller).where(Seller.status == SellerStatus.PENDING)
        .order_by(Seller.created_at).limit(5).options(lazyload("*"))))
    return render("console/admin/overview.html", **_frame("overview"), blocked=blocked,
                  drafts=drafts, recent=recent)


# --- seller review -----------------------------------------------------------------------


@blp.get("/admin/sellers")
def sellers():
    status = request.args.get("status", SellerStatus.PENDING.value)
    status = SellerStatus(status) if status in {s.value for s in SellerStatus} else None
    query = services.list_sellers(status=status).options(
        lazyload(Seller.members), lazyload(Seller.decisions), selectinload(Seller.qualifications))
    if status is SellerStatus.PENDING:
        query = query.order_by(None).order_by(Seller.created_at, Seller.id)  # oldest first
    page = paginate(query, page_arg(), PAGE_SIZE)
    counts = dict(db.session.execute(db.select(Seller.status, func.count())
                                     .group_by(Seller.status)).all())
    today = shanghai_today()
    licensed = {s.id: services.has_valid_business_licence(s, today) for s in page.items}
    return render("console/admin/sellers.html", **_frame("sellers"), page=page, status=status,
                  statuses=list(SellerStatus), counts={k.value: v for k, v in counts.items()},
                  licensed=licensed)


def _actions(seller: Seller) -> list[ReviewAction]:
    """The decisions the review service accepts from the seller's status."""
    return [action for action, (_, sources) in services.TRANSITIONS.items()
            if seller.status in sources]


@blp.get("/admin/sellers/<id:seller_id>")
def seller(seller_id: int, status: int = 200, **context):
    item = services.get_seller(seller_id)
    product_counts = dict(db.session.execute(
        db.select(Product.status, func.count()).where(Product.seller_id == seller_id)
        .group_by(Product.status)).all())
    checks = list(db.session.scalars(
        db.select(SpotCheck).where(SpotCheck.seller_id == seller_id)
        .order_by(SpotCheck.id.desc()).limit(10).options(lazyload("*"))))
    return render("console/admin/seller.html", status, **_frame("sellers"), seller=item,
                  actions=_actions(item), today=shanghai_today(), checks=checks,
                  recommendation=services.current_recommendation(item),
                  awaiting_recommendation=services.needs_recommendation(item),
                  product_counts={k.value: v for k, v in product_counts.items()}, **context)


@blp.post("/admin/sellers/<id:seller_id>/<string:action>")
def review(seller_id: int, action: str):
    if action not in {a.value for a in ReviewAction}:
        return error_page(404)
    decision = ReviewAction(action)
    form = request.form
    try:
        data = load_form(REVIEW_SCHEMAS[decision](), payload(form, ("reason",)))
        services.review_seller(seller_id, require_user(), decision, data.get("reason"))
    except FormInvalid:
        db.session.rollback()
        return seller(seller_id, 422, form=form, review_action=action,
                      message="驳回和暂停须写明原因，商家会看到它。",
                      errors={f"reason_{action}": "请填写原因。"})
    except ProblemError as error:
        message, status = refused(error)
        return seller(seller_id, status, form=form, message=message)
    flash({"approve": "已通过审核，商家现在可以上架商品。", "reject": "已驳回申请，商家会看到原因。",
           "suspend": "已暂停该商家，其商品不再对顾客展示。"}[action])
    return redirect(url_for("console_admin.seller", seller_id=seller_id))


# --- spot checks ---------------------------------------------------------------------------


@blp.get("/admin/spot-checks")
def checks(status: int = 200, **context):
    page = paginate(db.select(SpotCheck).order_by(SpotCheck.id.desc()).options(
        joinedload(SpotCheck.product), joinedload(SpotCheck.batch)), page_arg(), PAGE_SIZE)
    blocked = list(db.session.scalars(
        db.select(Product).where(Product.status == ProductStatus.BLOCKED)
        .order_by(Product.updated_at.desc()).options(joinedload(Product.seller))))
    context.setdefault("form", {"sampled_on": shanghai_today().isoformat(), "passed": "no"})
    return render("console/admin/spot_checks.html", status, **_frame("checks"), page=page,
                  blocked=blocked, **context)


@blp.post("/admin/spot-checks")
def check_record():
    form = request.form
    body = payload(form, ("sampled_on", "lab", "report_number", "notes"))
    target = form.get("target", "").strip()
    if target.isdigit():
        body["product_id"] = typed(target, True)
    elif target:
        body["trace_code"] = target.upper()
    if form.get("passed") in ("yes", "no"):
        body["passed"] = form.get("passed") == "yes"
    try:
        check = spot_checks.record_spot_check(require_user(), load_form(SpotCheckCreateSchema(),
                                                                         body))
    except FormInvalid as exc:
        errors, message = invalid(exc)
        if "product_id" in errors or "trace_code" in errors:
            errors["target"] = "请填写商品编号或 16 位溯源码。"
        return checks(422, form=form, errors=errors, message=message)
    except ProblemError as error:
        message, status = refused(error)
        return checks(status, form=form, message=message, errors={"target": message}
                      if error.code in ("target_required", "product_not_found",
                                        "trace_code_not_found") else {})
    flash("已记录抽检结果。" if check.passed else
          f"已记录：不合格。《{check.product.title}》已下架并封禁，商家已收到通知。")
    return redirect(url_for("console_admin.checks"))


@blp.post("/admin/products/<id:product_id>/unblock")
def unblock(product_id: int):
    form = request.form
    try:
        data = load_form(ReasonSchema(), payload(form, ("reason",)))
        product = spot_checks.lift_block(product_id, data["reason"])
    except FormInvalid:
        db.session.rollback()
        return checks(422, message="解除封禁须写明原因（如复检合格的报告编号）。",
                      errors={f"unblock_{product_id}": "请填写原因。"})
    except ProblemError as error:
        message, status = refused(error)
        return checks(status, message=message)
    flash(f"已解除《{product.title}》的封禁；商家可以重新上架。")
    return redirect(url_for("console_admin.checks"))


# --- brand-licence sweep ---------------------------------------------------------------------


@blp.get("/admin/brand-licences")
def brand_licences():
    """What the daily sweep took off sale, and what it will take off within 30 days unless
    a licence is renewed: the catalog's own ``brand_covered`` rule, asked for today and
    for 30 days from now."""
    today = shanghai_today()
    swept = list(db.session.execute(
        db.select(Notification, Seller.name).join(Seller, Seller.id == Notification.seller_id)
        .where(Notification.kind == "brand_licence_expired")
        .order_by(Notification.id.desc()).limit(50)))
    branded = list(db.session.scalars(
        db.select(Product).where(Product.status == ProductStatus.PUBLISHED,
                                 Product.regional_brand.is_not(None))
        .order_by(Product.id).options(joinedload(Product.seller),
                                      selectinload(Product.certificates))))
    horizon = today + timedelta(days=SWEEP_WARNING_DAYS)
    at_risk = [p for p in branded if not brand_covered(p, horizon)]
    uncovered = [p for p in branded if not brand_covered(p, today)]
    return render("console/admin/brand_licences.html", **_frame("brands"), swept=swept,
                  notification_text=notification_text,
                  at_risk=at_risk, uncovered=uncovered, branded=len(branded), today=today,
                  horizon=horizon)
