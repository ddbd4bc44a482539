"""Seller console: orders to fulfil by status, ship, deliver (cash collected for cash
on delivery), refund lines, and a CSV of a period's orders.

An order's page is guarded by the API's ``seller_order_staff`` rule; every action is
the API's fulfilment or refund service, loaded by the API's schema.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta, timezone

from flask import Response, flash, redirect, request, url_for
from marshmallow import Schema, ValidationError, fields, validates_schema
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from gannan.catalog.models import TraceBatch
from gannan.orders import access
from gannan.orders.models import Order, PaymentMethod, SellerOrder, SellerOrderStatus
from gannan.orders.schemas import DeliverSchema, RefundCreateSchema, ShipSchema
from gannan.orders.services import fulfilment, refunds
from gannan.orders.services.batch_flow import batches_by_product
from gannan.platform import services
from gannan.platform.auth import require_user
from gannan.platform.errors import ProblemError
from gannan.platform.extensions import db
from gannan.platform.pagination import paginate
from gannan.platform.types import SHANGHAI, shanghai_today
from gannan.web.console.common import fen, invalid, load_form, page_arg, refused, render
from gannan.web.console.seller import blp, policy, seller_context
from gannan.web.errors import error_page
from gannan.web.filters import label, shanghai, yuan
from gannan.web.forms import FormInvalid, payload, typed

S = SellerOrderStatus
PAGE_SIZE = 20
MAX_EXPORT_DAYS = 366
CARRIERS = ("中国邮政", "EMS", "顺丰速运", "京东物流", "中通快递", "圆通速递", "韵达快递", "申通快递")


class OrderExportArgsSchema(Schema):
    """``?from=&to=``: Shanghai dates, both included, at most a year."""

    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)

    @validates_schema
    def _range(self, data, **kwargs):
        if data["to"] < data["from_"]:
            raise ValidationError("The end date is before the start date.", "to")
        if (data["to"] - data["from_"]).days >= MAX_EXPORT_DAYS:
            raise ValidationError(f"At most {MAX_EXPORT_DAYS} days at once.", "to")


def may_ship(part: SellerOrder) -> bool:
    """What fulfilment.ship accepts: paid, or cash on delivery not yet shipped
    (tests/web/console/test_seller_orders.py holds the two together)."""
    return part.status in fulfilment.TRANSITIONS[S.SHIPPED] and (
        part.status is S.PAID or part.order.payment_method is PaymentMethod.COD)


def may_deliver(part: SellerOrder) -> bool:
    return part.status in fulfilment.TRANSITIONS[S.DELIVERED]


def _with_order(query):
    """Each part with its order (address, payment method), not the buyer's account nor
    the other sellers' parts: two queries for a page, whatever its size."""
    return query.options(selectinload(SellerOrder.order))


@blp.get("/seller/<id:seller_id>/orders")
def orders(seller_id: int):
    seller = services.get_seller(seller_id)
    status = request.args.get("status")
    status = S(status) if status in {s.value for s in S} else None
    page = paginate(fulfilment.seller_orders(seller_id, status).options(
        selectinload(SellerOrder.order), selectinload(SellerOrder.lines)), page_arg(), PAGE_SIZE)
    counts = dict(db.session.execute(
        db.select(SellerOrder.status, func.count()).where(SellerOrder.seller_id == seller_id)
        .group_by(SellerOrder.status)).all())
    today = shanghai_today()
    return render("console/seller/orders.html", **seller_context(seller, "orders"), page=page,
                  status=status, statuses=list(S), counts={k.value: v for k, v in counts.items()},
                  may_ship=may_ship, may_deliver=may_deliver,
                  export_from=today.replace(day=1).isoformat(), export_to=today.isoformat())


@blp.get("/seller/orders/<id:seller_order_id>")
@policy.allow(access.seller_order_staff)
def order(seller_order_id: int, status: int = 200, **context):
    part = db.session.scalar(_with_order(db.select(SellerOrder).where(
        SellerOrder.id == seller_order_id)))
    if part is None:
        return error_page(404)
    refundable = part.paid_fen - part.refunded_fen
    shippable = may_ship(part)
    return render("console/seller/order.html", status, **seller_context(part.seller, "orders"),
                  part=part, order=part.order, may_ship=shippable,
                  batches=_batches(part) if shippable else {},
                  shipped_from=_shipped_from(part),
                  may_deliver=may_deliver(part), refundable=refundable, carriers=CARRIERS,
                  cod=part.order.payment_method is PaymentMethod.COD, **context)


def _batches(part: SellerOrder) -> dict[int, list[TraceBatch]]:
    """Per line of a product with batches, the batches it may be packed from (newest
    first, none recalled): the ship form asks only when there is more than one."""
    shippable = {product_id: [b for b in batches if b.recalled_at is None]
                 for product_id, batches in batches_by_product(
                     {line.product_id for line in part.lines}).items()}
    return {line.id: shippable[line.product_id] for line in part.lines
            if shippable.get(line.product_id)}


def _shipped_from(part: SellerOrder) -> dict[int, TraceBatch]:
    """The batch each shipped line was packed from (流向)."""
    ids = {line.batch_id for line in part.lines if line.batch_id}
    if not ids:
        return {}
    batches = {b.id: b for b in db.session.scalars(
        db.select(TraceBatch).where(TraceBatch.id.in_(ids)))}
    return {line.id: batches[line.batch_id] for line in part.lines if line.batch_id}


def _chosen_batches(form) -> list[dict[str, int | str]] | None:
    """``batch_<line id>`` fields of the ship form as the API's ``lines``."""
    chosen = [{"line_id": typed(name.removeprefix("batch_"), True),
               "batch_id": typed(value, True)}
              for name, value in form.items() if name.startswith("batch_") and value]
    return chosen or None


def _again(seller_order_id: int, error: ProblemError | None = None, exc: FormInvalid | None = None,
           **context):
    if exc is not None:
        errors, message = invalid(exc)
        return order(seller_order_id, 422, errors=errors, message=message, **context)
    message, status = refused(error)
    return order(seller_order_id, status, message=message, **context)


@blp.post("/seller/orders/<id:seller_order_id>/ship")
@policy.allow(access.seller_order_staff)
def ship(seller_order_id: int):
    form = request.form
    fields = ("carrier", "tracking_number")
    try:
        data = load_form(ShipSchema(), {**payload(form, fields),
                                        "lines": _chosen_batches(form)})
        part = fulfilment.ship(seller_order_id, require_user().id, data["carrier"],
                               data["tracking_number"], data["lines"])
    except FormInvalid as exc:
        if {"line_id", "batch_id"} & set(exc.errors):  # a batch_<line> field of the form
            exc.errors["lines"] = "请从列表中选择装箱的批次。"
        return _again(seller_order_id, exc=exc, form=form)
    except ProblemError as error:
        return _again(seller_order_id, error, form=form)
    flash(f"已发货：{part.carrier} {part.tracking_number}。")
    return redirect(url_for("console_seller.order", seller_order_id=seller_order_id))


@blp.post("/seller/orders/<id:seller_order_id>/deliver")
@policy.allow(access.seller_order_staff)
def deliver(seller_order_id: int):
    try:
        data = load_form(DeliverSchema(), {"cash_collected": request.form.get("cash_collected")
                                           == "on"})
        part = fulfilment.deliver(seller_order_id, require_user().id, data["cash_collected"])
    except ProblemError as error:
        return _again(seller_order_id, error)
    paid = f"，已收货款 ¥{yuan(part.paid_fen)}" if data["cash_collected"] else ""
    flash(f"已送达{paid}。")
    return redirect(url_for("console_seller.order", seller_order_id=seller_order_id))


@blp.post("/seller/orders/<id:seller_order_id>/refund")
@policy.allow(access.seller_order_staff)
def refund(seller_order_id: int):
    form = request.form
    body = {"amount_fen": fen(form, "amount_fen"), "reason": form.get("reason", "").strip(),
            "line_ids": [typed(v, True) for v in form.getlist("line_ids")] or None}
    try:
        data = load_form(RefundCreateSchema(), body)
        record = refunds.refund(seller_order_id, require_user().id, data["amount_fen"],
                                data["reason"], data["line_ids"])
    except FormInvalid as exc:
        return _again(seller_order_id, exc=exc, refund_form=form)
    except ProblemError as error:
        return _again(seller_order_id, error, refund_form=form)
    flash(f"已退款 ¥{yuan(record.amount_fen)}。")
    return redirect(url_for("console_seller.order", seller_order_id=seller_order_id))


# --- CSV of a period's orders ----------------------------------------------------------

CSV_HEADER = ["订单号", "下单时间", "订单状态", "支付方式", "商品", "规格", "数量", "单价（元）",
              "小计（元）", "本单运费（元）", "本单合计（元）", "已付（元）", "已退（元）",
              "快递公司", "运单号", "发货时间", "送达时间", "收货人", "电话", "收货地址"]


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI).astimezone(timezone.utc)


def _rows(parts: list[SellerOrder]):
    for part in parts:
        order = part.order
        where = "".join(x for x in (order.province, order.city, order.county, order.township,
                                    order.village, order.detail) if x)
        for index, line in enumerate(part.lines):
            first = index == 0  # the part's own amounts once, on its first line
            yield [order.number, shanghai(order.created_at), label(part.status),
                   label(order.payment_method), line.title, line.spec, line.quantity,
                   yuan(line.unit_price_fen).replace(",", ""),
                   yuan(line.line_total_fen).replace(",", ""),
                   *([yuan(v).replace(",", "") for v in (part.shipping_fen, part.total_fen,
                                                         part.paid_fen, part.refunded_fen)]
                     if first else ["", "", "", ""]),
                   part.carrier or "", part.tracking_number or "", shanghai(part.shipped_at),
                   shanghai(part.delivered_at), order.recipient, order.phone, where]


@blp.get("/seller/<id:seller_id>/orders.csv")
def orders_csv(seller_id: int):
    try:
        args = load_form(OrderExportArgsSchema(), {k: request.args.get(k, "")
                                                   for k in ("from", "to")})
    except FormInvalid:
        return error_page(422, "请选择导出的起止日期（最多一年），结束日期不能早于开始日期。")
    start, end = _utc(args["from_"]), _utc(args["to"] + timedelta(days=1))
    parts = list(db.session.scalars(_with_order(
        db.select(SellerOrder).join(SellerOrder.order)
        .where(SellerOrder.seller_id == seller_id, Order.created_at >= start,
               Order.created_at < end)
        .order_by(Order.created_at, SellerOrder.id)
        .options(selectinload(SellerOrder.lines)))))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    writer.writerows(_rows(parts))
    name = f"orders-{seller_id}-{args['from_']:%Y%m%d}-{args['to']:%Y%m%d}.csv"
    # UTF-8 with a byte-order mark, so that Excel opens the Chinese as Chinese
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
