"""流向可追踪: the batch each shipped line was packed from, where a batch went, recalls.

When a seller ships, every line of a product that has trace batches records the batch
it was packed from: the one the ship request names, or the product's only shippable
batch.  The public trace then shows how much of the batch was shipped and to which
provinces (never to whom); a recall notifies the batch's buyers, blocks its product
until the seller lists a new batch, and gives the seller the list of orders to call
back.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import distinct, func

from gannan.catalog.access import batch_or_404
from gannan.catalog.indexing import queue_reindex
from gannan.catalog.models import ProductStatus, Sku, TraceBatch
from gannan.orders.errors import OrderErrorCode
from gannan.orders.models import Order, OrderLine, SellerOrder
from gannan.platform.errors import Conflict, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import Notification, User
from gannan.platform.types import utcnow

KG_PER_UNIT = {"kg": Decimal(1), "jin": Decimal("0.5")}  # 1 斤 = 0.5 kg


def batches_by_product(product_ids: set[int]) -> dict[int, list[TraceBatch]]:
    """Each product's trace batches, newest first, recalled ones included (one
    statement): what a line of the product may be packed from, and what it may not."""
    batches: dict[int, list[TraceBatch]] = {}
    for batch in db.session.scalars(db.select(TraceBatch).where(
            TraceBatch.product_id.in_(product_ids)).order_by(TraceBatch.id.desc())):
        batches.setdefault(batch.product_id, []).append(batch)
    return batches


def assign_batches(seller_order: SellerOrder, chosen: list[dict[str, int]] | None) -> None:
    """Record on each line the batch it ships from (inside the caller's transaction).

    ``chosen``: ``[{"line_id", "batch_id"}]``.  A line of a product with batches needs
    one, unless the product has exactly one batch that is not recalled (the default);
    a product without batches ships without."""
    chosen_by_line = {c["line_id"]: c["batch_id"] for c in chosen or []}
    lines = {line.id: line for line in seller_order.lines}
    strangers = sorted(set(chosen_by_line) - set(lines))
    if strangers:
        raise ValidationFailed(f"Lines {strangers} are not in this order.",
                               code=OrderErrorCode.LINE_NOT_IN_ORDER, field="lines")
    batches = batches_by_product({line.product_id for line in lines.values()})
    missing = []
    for line in lines.values():
        options = batches.get(line.product_id, [])
        shippable = [b for b in options if b.recalled_at is None]
        if line.id in chosen_by_line:
            batch = next((b for b in options if b.id == chosen_by_line[line.id]), None)
            if batch is None:
                raise ValidationFailed(f"Batch {chosen_by_line[line.id]} is not a batch of "
                                       f"line {line.id}'s product.", code=OrderErrorCode.BATCH_NOT_OF_PRODUCT,
                                       field="lines")
        elif len(shippable) == 1:
            batch = shippable[0]
        elif options:
            missing.append(line.id)
            continue
        else:
            continue
        if batch.recalled_at is not None:
            raise Conflict(f"Batch {batch.trace_code} is recalled and ships no more.",
                           code=OrderErrorCode.BATCH_RECALLED)
        line.batch_id = batch.id
    if missing:
        raise ValidationFailed(f"Say which batch lines {missing} are packed from "
                               "(lines: [{line_id, batch_id}]).", code=OrderErrorCode.BATCH_REQUIRED,
                               field="lines")


def batch_flow(batch: TraceBatch) -> dict[str, Any]:
    """The public ``flow`` of a batch: parcels, units, weight and provinces it was shipped
    to (a receiver of :data:`gannan.catalog.signals.batch_traced`)."""
    rows = db.session.execute(
        db.select(Order.province, func.count(distinct(OrderLine.seller_order_id)),
                  func.sum(OrderLine.quantity))
        .join(SellerOrder, SellerOrder.id == OrderLine.seller_order_id)
        .join(Order, Order.id == SellerOrder.order_id)
        .where(OrderLine.batch_id == batch.id).group_by(Order.province)).all()
    parcels = db.session.scalar(db.select(func.count(distinct(OrderLine.seller_order_id)))
                                .where(OrderLine.batch_id == batch.id)) or 0
    weights = db.session.execute(
        db.select(OrderLine.quantity, Sku.weight_g).join(Sku, Sku.id == OrderLine.sku_id)
        .where(OrderLine.batch_id == batch.id)).all()
    grams = sum(q * w for q, w in weights) if weights and all(w for _, w in weights) else None
    weight_kg = None if grams is None else Decimal(grams) / 1000
    share = None
    if weight_kg is not None and batch.unit in KG_PER_UNIT:
        batch_kg = batch.quantity * KG_PER_UNIT[batch.unit]
        share = str((weight_kg * 100 / batch_kg).quantize(Decimal("0.01")))
    provinces = sorted(({"province": province, "parcels": n, "units": int(units)}
                        for province, n, units in rows),
                       key=lambda p: (-p["units"], p["province"]))
    return {"flow": {"parcels": parcels, "units": sum(p["units"] for p in provinces),
                     "weight_kg": None if weight_kg is None else f"{weight_kg:f}",
                     "share_of_batch_percent": share, "provinces": provinces}}


def _flow_of(batch: TraceBatch, **_: Any) -> dict[str, Any]:
    return batch_flow(batch)


def connect_batch_flow() -> None:
    from gannan.catalog.signals import batch_traced

    batch_traced.connect(_flow_of)


# --- recalls ---------------------------------------------------------------------------------


def recall_batch(batch_id: int, actor: User, reason: str) -> TraceBatch:
    """Recall a batch: it ships no more, its product is blocked until the seller lists a
    new batch, its buyers and its seller are notified."""
    batch = batch_or_404(batch_id)
    if batch.recalled_at is not None:
        raise Conflict("This batch is already recalled.", code=OrderErrorCode.ALREADY_RECALLED)
    reason = reason.strip()
    batch.recalled_at, batch.recall_reason, batch.recalled_by_id = utcnow(), reason, actor.id
    product = batch.product
    if product.status is not ProductStatus.BLOCKED:
        product.status, product.block_cause = ProductStatus.BLOCKED, "recall"
        product.blocked_reason = f"批次 {batch.trace_code} 已召回：{reason}"
        queue_reindex([product.id])
    buyers = db.session.scalars(
        db.select(Order.buyer_id).distinct().join(SellerOrder, SellerOrder.order_id == Order.id)
        .join(OrderLine, OrderLine.seller_order_id == SellerOrder.id)
        .where(OrderLine.batch_id == batch.id).order_by(Order.buyer_id)).all()
    message = (f"您购买的《{product.title}》批次 {batch.trace_code} 已召回：{reason}。"
               f"请停止食用并联系商家 {product.seller.name}。 The batch {batch.trace_code} of "
               f"{product.title} you bought is recalled: {reason}")
    db.session.add_all([Notification(user_id=buyer, kind="batch_recalled", message=message)
                        for buyer in buyers])
    db.session.add(Notification(seller_id=product.seller_id, kind="batch_recalled",
                                message=f"批次 {batch.trace_code}《{product.title}》已召回：{reason}；"
                                        f"{len(buyers)} 位买家已收到通知。"))
    db.session.commit()
    batch.buyers_notified = len(buyers)
    return batch


def recall_list(batch_id: int) -> dict[str, Any]:
    """Who to call back: every shipped line of the batch with its order and delivery
    contact (the seller's and admins' eyes only)."""
    batch = batch_or_404(batch_id)
    rows = db.session.execute(
        db.select(OrderLine, SellerOrder, Order)
        .join(SellerOrder, SellerOrder.id == OrderLine.seller_order_id)
        .join(Order, Order.id == SellerOrder.order_id)
        .where(OrderLine.batch_id == batch.id).order_by(SellerOrder.id, OrderLine.id)).all()
    return {
        "batch_id": batch.id, "trace_code": batch.trace_code, "recalled_at": batch.recalled_at,
        "recall_reason": batch.recall_reason,
        "items": [{
            "order_number": order.number, "seller_order_id": part.id,
            "status": part.status.value, "line_id": line.id, "title": line.title,
            "spec": line.spec, "quantity": line.quantity, "shipped_at": part.shipped_at,
            "carrier": part.carrier, "tracking_number": part.tracking_number,
            "contact": {"recipient": order.recipient, "phone": order.phone,
                        "province": order.province, "city": order.city, "county": order.county,
                        "township": order.township, "village": order.village,
                        "detail": order.detail},
        } for line, part, order in rows],
    }
