"""Checkout: one order for several sellers, stock reserved atomically, idempotent by key."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from gannan.catalog.access import is_listed
from gannan.catalog.models import Sku
from gannan.catalog.services.products import change_stock, sold_out_changed
from gannan.catalog.indexing import queue_reindex
from gannan.orders.addresses import resolve_address
from gannan.orders.errors import OrderErrorCode
from gannan.orders.gateway import create_payment_intent, stripe_enabled
from gannan.orders.models import (
    Channel,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    SellerOrder,
    SellerOrderEvent,
    SellerOrderStatus,
    ShippingRule,
)
from gannan.orders.services.cart import cart_of
from gannan.orders.signals import order_placed
from gannan.platform.errors import Conflict, ProblemError, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import User
from gannan.platform.types import SHANGHAI, utcnow

# Used for a seller that has not set a rule of its own.
DEFAULT_RULE = ShippingRule(flat_fee_fen=1000, free_above_fen=9900, cold_chain_surcharge_fen=0)


def request_hash(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def payment_methods() -> list[str]:
    """Cash on delivery always; Stripe when it is configured."""
    return ([PaymentMethod.STRIPE.value] if stripe_enabled() else []) + [PaymentMethod.COD.value]


def shipping_fee(rule: ShippingRule, items_total_fen: int, cold_chain: bool) -> int:
    fee = 0 if rule.free_above_fen is not None and items_total_fen >= rule.free_above_fen \
        else rule.flat_fee_fen
    return fee + (rule.cold_chain_surcharge_fen if cold_chain else 0)


def shipping_rule(seller_id: int) -> ShippingRule:
    return db.session.get(ShippingRule, seller_id) or DEFAULT_RULE


def set_shipping_rule(seller_id: int, data: dict[str, Any]) -> ShippingRule:
    rule = db.session.get(ShippingRule, seller_id) or ShippingRule(seller_id=seller_id)
    for key, value in data.items():
        setattr(rule, key, value)
    db.session.add(rule)
    db.session.commit()
    return rule


def checkout(buyer: User, key: str, body: dict[str, Any]) -> tuple[Order, bool]:
    """The order for this Idempotency-Key, and whether this call created it.

    The same key with the same body returns the same order (and the same Stripe
    intent); with another body it is a 409.  Stock is taken by conditional updates in
    the order's transaction, so it can neither go negative nor be sold twice.  Requests
    racing with one key: the first to commit wins; every other one fails on what the
    winner took (the cart, the stock, the key's unique constraint) and answers with the
    winner's order instead.
    """
    digest = request_hash(body)
    existing = _by_key(buyer.id, key, digest)
    if existing:
        return _ensure_payment_intent(existing), False
    try:
        order = _place(buyer, key, digest, body)
    except (ProblemError, IntegrityError):
        db.session.rollback()
        existing = _by_key(buyer.id, key, digest)
        if existing is None:
            raise
        return _ensure_payment_intent(existing), False
    return _ensure_payment_intent(order), True


def _place(buyer: User, key: str, digest: str, body: dict[str, Any]) -> Order:
    method = PaymentMethod(body["payment_method"])
    if method.value not in payment_methods():
        raise ValidationFailed(f"{method.value} is not offered here; choose one of "
                               f"{', '.join(payment_methods())}.",
                               code=OrderErrorCode.PAYMENT_METHOD_UNAVAILABLE,
                               field="payment_method")
    channel = Channel(body["channel"])
    if channel is not Channel.STOREFRONT and not body.get("channel_ref"):
        raise ValidationFailed("Name the live room, video or campaign (channel_ref).",
                               code=OrderErrorCode.CHANNEL_REF_REQUIRED, field="channel_ref")
    address = resolve_address(body["address"])
    cart = cart_of(buyer.id)
    if not cart.items:
        raise ValidationFailed("The cart is empty.", code=OrderErrorCode.CART_EMPTY)

    order = Order(
        buyer_id=buyer.id, idempotency_key=key, request_hash=digest, number="pending",
        payment_method=method, channel=channel, channel_ref=body.get("channel_ref"),
        status=OrderStatus.PENDING_PAYMENT if method is PaymentMethod.STRIPE
        else OrderStatus.PLACED,
        expires_at=utcnow() + timedelta(minutes=current_app.config["ORDER_PAYMENT_MINUTES"])
        if method is PaymentMethod.STRIPE else None,
        **address,
    )
    order.seller_orders = _reserve_and_split(cart.items)
    order.items_total_fen = sum(so.items_total_fen for so in order.seller_orders)
    order.shipping_total_fen = sum(so.shipping_fen for so in order.seller_orders)
    order.total_fen = order.items_total_fen + order.shipping_total_fen
    db.session.add(order)
    for item in list(cart.items):
        cart.items.remove(item)
    db.session.flush()
    order.number = f"GN{order.created_at.astimezone(SHANGHAI):%Y%m%d}{order.id:07d}"
    order_placed.send(order)
    db.session.commit()
    return order


def _by_key(buyer_id: int, key: str, digest: str) -> Order | None:
    order = db.session.scalar(db.select(Order).where(Order.buyer_id == buyer_id,
                                                     Order.idempotency_key == key))
    if order is not None and order.request_hash != digest:
        raise Conflict("This Idempotency-Key was used for a different checkout.",
                       code=OrderErrorCode.IDEMPOTENCY_KEY_REUSED)
    return order


def _reserve_and_split(items) -> list[SellerOrder]:
    by_seller: dict[int, list[OrderLine]] = defaultdict(list)
    short: list[tuple[Sku, int]] = []
    # Lock rows in one global order (by SKU id) so concurrent checkouts cannot deadlock.
    for item in sorted(items, key=lambda i: i.sku_id):
        sku: Sku = item.sku
        if not is_listed(sku.product):
            raise Conflict(f"{sku.product.title} is no longer for sale.",
                           code=OrderErrorCode.SKU_UNAVAILABLE, sku_id=sku.id)
        left = change_stock(sku.id, -item.quantity)
        if left is None:
            short.append((sku, item.quantity))  # go on: the shopper hears of every short SKU
            continue
        if sold_out_changed(left, -item.quantity):
            queue_reindex([sku.product_id])
        product = sku.product
        by_seller[product.seller_id].append(OrderLine(
            sku_id=sku.id, product_id=product.id, category_id=product.category_id,
            title=product.title, spec=sku.spec, origin_county_code=product.origin_county_code,
            origin_township=product.origin_township, agricultural=product.agricultural,
            cold_chain=product.cold_chain, unit_price_fen=sku.price_fen, quantity=item.quantity,
            line_total_fen=sku.price_fen * item.quantity,
        ))
    if short:
        raise _out_of_stock(short)
    rules = {r.seller_id: r for r in db.session.scalars(
        db.select(ShippingRule).where(ShippingRule.seller_id.in_(list(by_seller))))}
    seller_orders = []
    for seller_id, lines in sorted(by_seller.items()):
        items_total = sum(line.line_total_fen for line in lines)
        fee = shipping_fee(rules.get(seller_id, DEFAULT_RULE), items_total,
                           any(line.cold_chain for line in lines))
        seller_orders.append(SellerOrder(
            seller_id=seller_id, status=SellerOrderStatus.PENDING_PAYMENT, lines=lines,
            items_total_fen=items_total, shipping_fen=fee, total_fen=items_total + fee,
            paid_fen=0, refunded_fen=0,
            events=[SellerOrderEvent(to_status=SellerOrderStatus.PENDING_PAYMENT.value,
                                     note="checkout")],
        ))
    return seller_orders


def _out_of_stock(short: list[tuple[Sku, int]]) -> Conflict:
    """One problem naming every short SKU, with what was asked and what is left; the
    stock this checkout took for the other SKUs goes back (rollback)."""
    left = dict(db.session.execute(
        db.select(Sku.id, Sku.stock).where(Sku.id.in_([sku.id for sku, _ in short]))).all())
    skus = [{"sku_id": sku.id, "requested": quantity, "available": left[sku.id]}
            for sku, quantity in short]
    names = ", ".join(f"{sku.product.title} {sku.spec} ({left[sku.id]} left)" for sku, _ in short)
    db.session.rollback()
    return Conflict(f"Not enough stock: {names}.", code=OrderErrorCode.OUT_OF_STOCK,
                    sku_id=skus[0]["sku_id"], skus=skus)


def _ensure_payment_intent(order: Order) -> Order:
    """Create the Stripe intent after the order is safely stored; a retry finishes it."""
    if order.payment_method is PaymentMethod.STRIPE and order.stripe_payment_intent_id is None \
            and order.status is OrderStatus.PENDING_PAYMENT:
        intent_id, secret = create_payment_intent(order.id, order.number, order.total_fen)
        # Concurrent replays may all get here: the first intent stored is the order's.
        db.session.execute(update(Order).where(Order.id == order.id,
                                               Order.stripe_payment_intent_id.is_(None))
                           .values(stripe_payment_intent_id=intent_id,
                                   stripe_client_secret=secret)
                           .execution_options(synchronize_session=False))
        db.session.commit()  # expires the order: it is read again with the stored intent
    return order
