"""My orders: each seller's part, its status, carrier and tracking; confirm, cancel."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from gannan.orders import access
from gannan.orders.models import Order, OrderStatus, SellerOrder, SellerOrderStatus
from gannan.orders.services import fulfilment, refunds
from gannan.platform.auth import authenticated, require_user
from gannan.platform.errors import ProblemError
from gannan.platform.extensions import db
from gannan.platform.models import Notification
from gannan.platform.pagination import paginate
from gannan.web.messages import problem_message
from gannan.web.blueprints import web_blueprint

blp, policy = web_blueprint("web_orders", __name__, default=authenticated)
PAGE_SIZE = 10
RECALL_NOTICES = 5


def may_cancel(order: Order) -> bool:
    """Whether to offer "cancel": what refunds.cancel_order accepts (before anything has
    shipped, not already ended); tests/web/test_orders.py holds the two together."""
    return order.status not in (OrderStatus.CANCELLED, OrderStatus.EXPIRED) and \
        all(part.shipped_at is None for part in order.seller_orders)


def may_confirm(part: SellerOrder) -> bool:
    return part.status in fulfilment.TRANSITIONS[SellerOrderStatus.COMPLETED]


@blp.app_context_processor
def order_actions():
    return {"may_cancel": may_cancel, "may_confirm": may_confirm}


@blp.get("/orders")
def orders():
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) <= 100_000 else 1
    result = paginate(fulfilment.buyer_orders(require_user().id), page, PAGE_SIZE)
    return render_template("web/orders.html", page=result, recalls=_recalls())


def _recalls() -> list[str]:
    """The buyer's latest recall notices (召回), in Chinese: a batch it bought is recalled."""
    messages = db.session.scalars(
        db.select(Notification.message).where(Notification.user_id == require_user().id,
                                              Notification.kind == "batch_recalled")
        .order_by(Notification.id.desc()).limit(RECALL_NOTICES))
    return [message.split(" The batch ")[0] for message in messages]


@blp.get("/orders/<id:order_id>")
@policy.allow(access.order_buyer_or_admin)
def order(order_id: int):
    return render_template("web/order.html", order=fulfilment.order_or_404(order_id),
                           message=None)


def _order_again(order_id: int, error: ProblemError):
    db.session.rollback()
    return render_template("web/order.html", order=fulfilment.order_or_404(order_id),
                           message=problem_message(error)), error.status


@blp.post("/orders/<id:order_id>/cancel")
@policy.allow(access.order_buyer_or_admin)
def cancel(order_id: int):
    try:
        refunds.cancel_order(order_id, require_user().id)
    except ProblemError as error:
        return _order_again(order_id, error)
    flash("订单已取消。已付款项会原路退回。")
    return redirect(url_for("web_orders.order", order_id=order_id))


@blp.post("/orders/parts/<id:seller_order_id>/confirm")
@policy.allow(access.seller_order_buyer)
def confirm_receipt(seller_order_id: int):
    part = fulfilment.seller_order_or_404(seller_order_id)
    order_id = part.order_id
    try:
        fulfilment.confirm_receipt(seller_order_id, require_user().id)
    except ProblemError as error:
        return _order_again(order_id, error)
    flash("已确认收货，感谢你的购买！")
    return redirect(url_for("web_orders.order", order_id=order_id))
