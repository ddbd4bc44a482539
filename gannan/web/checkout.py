"""Checkout and payment pages: the API's checkout service, one idempotency key per form."""

from __future__ import annotations

import secrets

from flask import current_app, flash, redirect, render_template, request, url_for

from gannan.catalog.models import Sku
from gannan.orders import access
from gannan.orders.addresses import PROVINCES
from gannan.orders.gateway import confirm_payment_intent
from gannan.orders.models import OrderStatus, PaymentMethod
from gannan.orders.schemas import CheckoutSchema
from gannan.orders.services import checkout as checkouts
from gannan.orders.services.cart import cart_of
from gannan.orders.services.fulfilment import order_or_404
from gannan.platform.auth import authenticated, require_user
from gannan.platform.counties import current_counties
from gannan.platform.errors import ProblemError
from gannan.platform.extensions import db
from gannan.web.cart import cart_view, item_name
from gannan.web.forms import FormInvalid, load, payload
from gannan.web.messages import LABELS, MESSAGES, field_errors, problem_message
from gannan.web.blueprints import web_blueprint

blp, policy = web_blueprint("web_checkout", __name__, default=authenticated)

ADDRESS_FIELDS = ("recipient", "phone", "township", "detail")
ELSEWHERE_FIELDS = ("province", "city", "county")
# Stripe's test card; only ever sent with a test key (see stripe_mode).
TEST_PAYMENT_METHOD = "pm_card_visa"


def new_key() -> str:
    return secrets.token_urlsafe(24)


def render_checkout(form, message: str | None = None, errors=None, status: int = 200):
    view = cart_view(cart_of(require_user().id))
    return render_template(
        "web/checkout.html", cart=view, form=form, message=message, errors=errors or {},
        key=form.get("idempotency_key") or new_key(), methods=checkouts.payment_methods(),
        counties=current_counties(), provinces=PROVINCES,
    ), status


@blp.get("/checkout")
def checkout():
    if not cart_of(require_user().id).items:
        flash(MESSAGES["cart_empty"], "error")
        return redirect(url_for("web_cart.cart"))
    return render_checkout({"where": "ganzhou", "payment_method": "cod"})


def address_body(form) -> dict:
    """The API's ``address`` object from the form: a Ganzhou county by code, or the
    province, city and county typed for anywhere else."""
    if form.get("where") == "elsewhere":
        return payload(form, ADDRESS_FIELDS + ELSEWHERE_FIELDS)
    if not form.get("county_code", "").strip():
        raise FormInvalid({"county_code": "请选择区县。"})  # the picker the form shows
    return payload(form, ADDRESS_FIELDS + ("county_code",))


@blp.post("/checkout")
def place_order():
    form = request.form
    key = form.get("idempotency_key", "").strip()
    if not key or len(key) > 255:
        return render_checkout({**form, "idempotency_key": new_key()},
                               "结算单已失效，请重新提交。", status=422)
    try:
        body = {"address": address_body(form), **payload(form, ("payment_method",))}
        data = load(CheckoutSchema(), body)
        order, _created = checkouts.checkout(require_user(), key, data)
    except FormInvalid as invalid:
        return render_checkout(form, "请检查标红的项目。", invalid.errors, 422)
    except ProblemError as error:
        db.session.rollback()
        return _refused(form, error)
    if order.payment_method is PaymentMethod.STRIPE and order.status is OrderStatus.PENDING_PAYMENT:
        return redirect(url_for("web_checkout.pay", order_id=order.id))
    flash(f"下单成功！订单号 {order.number}，货到付款。")
    return redirect(url_for("web_orders.order", order_id=order.id))


def _refused(form, error: ProblemError):
    """The checkout form again, input kept, saying what the service refused."""
    sku_id = error.extra.get("sku_id")
    sku = db.session.get(Sku, sku_id) if isinstance(sku_id, int) else None
    context = {"item": item_name(sku)}
    if sku is not None and error.code == "out_of_stock":
        context["available_text"] = f"（只剩 {sku.stock} 件）" if sku.stock else "（已售罄）"
    if error.code == "idempotency_key_reused":
        form = {**form, "idempotency_key": new_key()}
    if error.code == "cart_empty":
        flash(MESSAGES["cart_empty"], "error")
        return redirect(url_for("web_cart.cart"))
    errors = {name: problem_message(error) for name in field_errors(error.errors)}
    if error.code == "address_incomplete":  # the one left blank, by its name
        errors = {name: f"请填写{LABELS.get(name, name)}。" for name in errors}
    return render_checkout(form, problem_message(error, **context), errors, error.status)


# --- paying online -------------------------------------------------------------------


def stripe_mode() -> str | None:
    """How this page takes a card: ``element`` (Stripe's Payment Element, production),
    ``test`` (a test key: confirmed on the server with Stripe's test card, as against
    stripe-mock in development and tests), or None (not offered)."""
    config = current_app.config
    if not config.get("STRIPE_API_KEY"):
        return None
    if config.get("STRIPE_PUBLISHABLE_KEY"):
        return "element"
    return "test" if config["STRIPE_API_KEY"].startswith("sk_test_") else None


@blp.get("/orders/<id:order_id>/pay")
@policy.allow(access.order_buyer_or_admin)
def pay(order_id: int):
    order = order_or_404(order_id)
    if order.status is not OrderStatus.PENDING_PAYMENT or \
            order.payment_method is not PaymentMethod.STRIPE:
        return redirect(url_for("web_orders.order", order_id=order.id))
    return render_template("web/pay.html", order=order, mode=stripe_mode(),
                           publishable_key=current_app.config.get("STRIPE_PUBLISHABLE_KEY"))


@blp.post("/orders/<id:order_id>/pay")
@policy.allow(access.order_buyer_or_admin)
def pay_test(order_id: int):
    order = order_or_404(order_id)
    if stripe_mode() != "test" or order.status is not OrderStatus.PENDING_PAYMENT \
            or not order.stripe_payment_intent_id:
        return redirect(url_for("web_orders.order", order_id=order.id))
    try:
        status = confirm_payment_intent(order.stripe_payment_intent_id, TEST_PAYMENT_METHOD)
    except ProblemError as error:
        return render_template("web/pay.html", order=order, mode="test",
                               message=problem_message(error)), error.status
    if status == "requires_action":
        flash("这张卡需要额外验证，请在正式支付页面完成。", "error")
    else:
        # The order turns paid when Stripe's signed webhook arrives, never on our say-so.
        flash("付款已提交。Stripe 确认到账后，订单会变为“已付款”。")
    return redirect(url_for("web_orders.order", order_id=order.id))
