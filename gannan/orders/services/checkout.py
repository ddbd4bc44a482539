"""Checkout: one order for several sellers, stock reserved atomically, idempotent by key."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from enum import Enum
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Delete, Insert, Select, Table, TextClause, Update, bindparam, delete, \
    insert, inspect, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import load_only, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from gannan.catalog.access import listed
from gannan.catalog.models import Product, Sku
from gannan.catalog.services.products import take_stock
from gannan.catalog.indexing import queue_reindex
from gannan.orders.addresses import resolve_address
from gannan.orders.errors import OrderErrorCode
from gannan.orders.gateway import create_payment_intent, stripe_enabled
from gannan.orders.models import (
    Cart,
    CartItem,
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
from gannan.orders.queries import with_parts
from gannan.orders.signals import order_placed
from gannan.platform.errors import Conflict, ProblemError, ValidationFailed
from gannan.platform.extensions import PREPARE_AT_ONCE, db
from gannan.platform.models import Seller, User
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

    The cart is read with the id of the key's order, if any, in one statement: a first
    checkout, the common case, costs no separate lookup of the key; a replay (its cart
    emptied by the checkout it repeats, or the key's order named beside a cart filled
    again) loads the order.  What that read shows decides the refusals made before any
    write (the body, a line no longer for sale, stock already short): no order had the
    key then, and a same-key winner would have emptied the cart in the
    same commit, so they answer without looking the key up again.
    """
    digest = request_hash(body)
    buyer_id = buyer.id  # read once: a rollback below expires the account
    items = _cart_lines(buyer_id, key)
    if not items or items[0].keyed_order_id is not None:
        existing = _by_key(buyer_id, key, digest)
        if existing:
            return _ensure_payment_intent(existing), False
    asked = _order_fields(buyer_id, key, digest, body)
    _check_for_sale(items)
    try:
        if not items:  # perhaps emptied by a same-key winner after the lookup above
            raise ValidationFailed("The cart is empty.", code=OrderErrorCode.CART_EMPTY)
        order = Order(**asked)
        _place(order, items)
    except (ProblemError, IntegrityError):
        db.session.rollback()
        existing = _by_key(buyer_id, key, digest)
        if existing is None:
            raise
        return _ensure_payment_intent(existing), False
    return _ensure_payment_intent(order), True


def _order_fields(buyer_id: int, key: str, digest: str, body: dict[str, Any]) -> dict[str, Any]:
    """The columns of the order the body asks for; a 422 for what it cannot be."""
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
    return dict(
        buyer_id=buyer_id, idempotency_key=key, request_hash=digest,
        number=f"P{uuid.uuid4().hex[:23]}",  # unique until the id is known: no waits
        payment_method=method, channel=channel, channel_ref=body.get("channel_ref"),
        status=OrderStatus.PENDING_PAYMENT if method is PaymentMethod.STRIPE
        else OrderStatus.PLACED,
        created_at=utcnow(), paid_at=None, last_payment_error=None,
        stripe_payment_intent_id=None, stripe_client_secret=None,
        expires_at=utcnow() + timedelta(minutes=current_app.config["ORDER_PAYMENT_MINUTES"])
        if method is PaymentMethod.STRIPE else None,
        **address,
    )


def _place(order: Order, items: list) -> None:
    """Store the order and its parts, empty the cart, take the stock, commit: on
    PostgreSQL in one statement, elsewhere (SQLite) one statement per table, the stock
    taken last so that the SKUs' rows stay locked only until the commit."""
    seller_orders = _split(items)
    order.items_total_fen = sum(so.items_total_fen for so in seller_orders)
    order.shipping_total_fen = sum(so.shipping_fen for so in seller_orders)
    order.total_fen = order.items_total_fen + order.shipping_total_fen
    wanted = {item.Sku.id: item.CartItem.quantity for item in items}
    cart_item_ids = [item.CartItem.id for item in items]
    if db.session.get_bind().dialect.name == "postgresql":
        left = _write_in_one_statement(order, seller_orders, cart_item_ids, wanted)
    else:
        _store(order, seller_orders)
        db.session.execute(_delete_cart_items(), {"item_ids": cart_item_ids})
        left = take_stock(wanted)
    _reserved(items, left)
    order_placed.send(order)
    names = {item.Seller.id: item.Seller.name for item in items}
    db.session.commit()
    _adopt(order, names)


def _adopt(order: Order, seller_names: dict[int, str]) -> None:
    """Make the order just stored, and its parts, persistent in the session as if read
    back (no SQL): a later commit expires them like any loaded row.  The commit expired
    the sellers the answer names; their id and name, read with the cart, are put back
    as loaded (set_committed_value), so naming them costs no statement."""
    parts = [part for so in order.seller_orders for part in (so, *so.lines, *so.events)]
    for obj in (order, *parts):
        make_transient_to_detached(obj)
    db.session.add(order)
    for so in order.seller_orders:
        set_committed_value(so.seller, "id", so.seller_id)
        set_committed_value(so.seller, "name", seller_names[so.seller_id])


def _columns(obj: Any) -> dict[str, Any]:
    """A new row's values as set on the (transient) object, for a Core INSERT."""
    return {c.key: getattr(obj, c.key) for c in inspect(type(obj)).column_attrs
            if c.key != "id"}


def _store(order: Order, seller_orders: list[SellerOrder]) -> None:
    """Insert the order and its parts, one statement per table whatever the cart holds.

    The rows are inserted with Core, on the tables (the ORM inserts one row at a time on
    SQLite, which cannot order a multi-row RETURNING, and its bulk path costs more than
    the statements); the objects, transient until :func:`_adopt`,
    get the ids the inserts returned, each part matched to its id by a key unique within
    the order: the seller, the SKU, the seller order.
    """
    order.id = db.session.execute(_insert(Order.__table__, "id"), _columns(order)).scalar_one()
    order.number = _number(order)
    db.session.execute(_number_order(), {"order_id": order.id, "order_number": order.number})
    for so in seller_orders:
        so.order_id = order.id
    ids = dict(db.session.execute(_insert(SellerOrder.__table__, "seller_id", "id"),
                                  [_columns(so) for so in seller_orders]).all())
    lines, events = [], []
    for so in seller_orders:
        so.id = ids[so.seller_id]
        for part in so.lines + so.events:
            part.seller_order_id = so.id
        lines += so.lines
        events += so.events
    line_ids = dict(db.session.execute(_insert(OrderLine.__table__, "sku_id", "id"),
                                       [_columns(line) for line in lines]).all())
    for line in lines:
        line.id = line_ids[line.sku_id]
    event_ids = dict(db.session.execute(  # one event per seller order
        _insert(SellerOrderEvent.__table__, "seller_order_id", "id"),
        [_columns(event) for event in events]).all())
    for event in events:
        event.id = event_ids[event.seller_order_id]
    order.seller_orders = seller_orders


def _number(order: Order) -> str:
    """The number a shopper sees: GN, the day of the order in Shanghai, the id (at
    least 7 digits); :func:`_one_statement` builds the same in SQL."""
    return f"GN{_number_day(order)}{order.id:07d}"


def _number_day(order: Order) -> str:
    return f"{order.created_at.astimezone(SHANGHAI):%Y%m%d}"


def _write_in_one_statement(order: Order, seller_orders: list[SellerOrder],
                            cart_item_ids: list[int], wanted: dict[int, int]) -> dict[int, int]:
    """PostgreSQL: what :func:`_store`, the cart's DELETE and :func:`take_stock` write,
    in one statement of data-modifying CTEs; returns the new stock of each SKU that had
    enough, as take_stock does.

    Seven statements of a sale become one: under contention most of a sale's cost was
    the app's and PostgreSQL's work per statement, not the rows.  The text is the same
    whatever the cart holds (the rows travel as JSON, read with the tables' own row
    types by ``jsonb_populate_record``), so psycopg prepares it once per connection.
    The stock is taken with the same condition as take_stock's (``stock >= wanted``,
    checked by PostgreSQL on the row it updates); a short SKU is missing from the
    answer and the caller rolls everything back.
    """
    skus = sorted(wanted)
    rows = db.session.execute(_one_statement(), {
        "order": _json(_columns(order)),
        "number_day": _number_day(order),
        "seller_orders": _json([_columns(so) for so in seller_orders]),
        "lines": _json([_columns(line) | {"seller_id": so.seller_id}
                        for so in seller_orders for line in so.lines]),
        "events": _json([_columns(event) | {"seller_id": so.seller_id}
                         for so in seller_orders for event in so.events]),
        "cart_item_ids": cart_item_ids,
        "sku_ids": skus,
        "quantities": [wanted[sku] for sku in skus],
    }).all()
    ids: dict[str, dict[int, int]] = defaultdict(dict)
    for kind, key, value in rows:
        ids[kind][key] = value
    order.id = ids["order"][0]
    order.number = _number(order)
    for so in seller_orders:
        so.order_id, so.id = order.id, ids["seller_order"][so.seller_id]
        for line in so.lines:
            line.seller_order_id, line.id = so.id, ids["line"][line.sku_id]
        for event in so.events:
            event.seller_order_id, event.id = so.id, ids["event"][so.id]
    order.seller_orders = seller_orders
    return ids["stock"]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_value)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not a column value")


@cache
def _one_statement() -> TextClause:
    """The statement of :func:`_write_in_one_statement`, its column lists taken from
    the tables.  Its rows: (kind, key, value) = ('order', 0, id), ('seller_order',
    seller id, id), ('line', SKU id, id), ('event', seller order id, id), ('stock', SKU
    id, stock left)."""
    def columns(model: type, *skip: str) -> list[str]:
        return [c.name for c in model.__table__.c if c.name not in ("id", *skip)]

    def joined(names: list[str], prefix: str = "") -> str:
        return ", ".join(prefix + name for name in names)

    def rows_of_parts(model: type, rows: str, returning: str) -> str:
        """An INSERT of ``model``'s rows from the JSON array ``:rows``, each joined to
        its seller order by the ``seller_id`` it carries."""
        table, names = model.__tablename__, columns(model, "seller_order_id")
        return f"""INSERT INTO {table} (seller_order_id, {joined(names)})
    SELECT parts.id, {joined(names, "r.")}
    FROM jsonb_array_elements(CAST(:{rows} AS jsonb)) e
    CROSS JOIN LATERAL jsonb_populate_record(NULL::{table}, e) r
    JOIN parts ON parts.seller_id = (e ->> 'seller_id')::int
    RETURNING id, {returning}"""

    order = columns(Order, "number")
    seller_order = columns(SellerOrder, "order_id")
    return text(f"""
WITH new_order AS (
    SELECT nextval(pg_get_serial_sequence('orders', 'id')) AS id
), placed AS (
    INSERT INTO orders (id, number, {joined(order)})
    SELECT n.id, 'GN' || CAST(:number_day AS text)
                 || lpad(n.id::text, greatest(7, length(n.id::text)), '0'),
           {joined(order, "r.")}
    FROM new_order n, jsonb_populate_record(NULL::orders, CAST(:order AS jsonb)) r
    RETURNING id
), parts AS (
    INSERT INTO seller_orders (order_id, {joined(seller_order)})
    SELECT placed.id, {joined(seller_order, "r.")}
    FROM placed, jsonb_populate_recordset(NULL::seller_orders, CAST(:seller_orders AS jsonb)) r
    RETURNING id, seller_id
), lines AS (
    {rows_of_parts(OrderLine, "lines", "sku_id")}
), events AS (
    {rows_of_parts(SellerOrderEvent, "events", "seller_order_id")}
), emptied AS (
    DELETE FROM cart_items WHERE id = ANY(CAST(:cart_item_ids AS integer[]))
), taken AS (
    UPDATE skus SET stock = skus.stock - w.quantity
    FROM unnest(CAST(:sku_ids AS integer[]), CAST(:quantities AS integer[])) AS w(id, quantity)
    WHERE skus.id = w.id AND skus.stock >= w.quantity
    RETURNING skus.id, skus.stock
)
SELECT 'order', 0, placed.id FROM placed
UNION ALL SELECT 'seller_order', parts.seller_id, parts.id FROM parts
UNION ALL SELECT 'line', lines.sku_id, lines.id FROM lines
UNION ALL SELECT 'event', events.seller_order_id, events.id FROM events
UNION ALL SELECT 'stock', taken.id, taken.stock FROM taken
""").execution_options(**PREPARE_AT_ONCE)


@cache
def _insert(table: Table, *returning: str) -> Insert:
    """An INSERT of ``table`` returning those columns, built once per process."""
    return insert(table).returning(*(table.c[name] for name in returning))


@cache
def _number_order() -> Update:
    orders = Order.__table__
    return update(orders).where(orders.c.id == bindparam("order_id")) \
        .values(number=bindparam("order_number"))


@cache
def _delete_cart_items() -> Delete:
    items = CartItem.__table__
    return delete(items).where(items.c.id.in_(bindparam("item_ids", expanding=True)))


def _cart_lines(buyer_id: int, key: str) -> list:
    """The buyer's cart items with their SKU, product, seller and the seller's shipping
    rule (None: the default), each row naming the order already placed with this key if
    any, in one statement (by SKU id: the order in which stock is taken)."""
    return db.session.execute(_cart_query(), {"buyer_id": buyer_id, "key": key}).all()


@cache
def _cart_query() -> Select:
    """Built once: constructing the loader options costs more than running the query."""
    keyed_order = (db.select(Order.id)
                   .where(Order.buyer_id == bindparam("buyer_id"),
                          Order.idempotency_key == bindparam("key"))
                   .scalar_subquery())
    return (
        db.select(CartItem, Sku, Product, Seller, ShippingRule,
                  keyed_order.label("keyed_order_id"))
        .join(Cart, Cart.id == CartItem.cart_id)
        .join(Sku, Sku.id == CartItem.sku_id)
        .join(Product, Product.id == Sku.product_id)
        .join(Seller, Seller.id == Product.seller_id)
        .outerjoin(ShippingRule, ShippingRule.seller_id == Seller.id)
        .where(Cart.user_id == bindparam("buyer_id"))
        .options(load_only(CartItem.id, CartItem.sku_id, CartItem.quantity),
                 load_only(Sku.id, Sku.product_id, Sku.spec, Sku.price_fen, Sku.stock),
                 load_only(Product.id, Product.seller_id, Product.category_id, Product.title,
                           Product.status, Product.origin_county_code,
                           Product.origin_township, Product.agricultural, Product.cold_chain),
                 load_only(Seller.id, Seller.name, Seller.status))
        .order_by(CartItem.sku_id)
        .execution_options(**PREPARE_AT_ONCE)
    )


def _by_key(buyer_id: int, key: str, digest: str) -> Order | None:
    order = db.session.scalar(_by_key_query(), {"buyer_id": buyer_id, "key": key})
    if order is not None and order.request_hash != digest:
        raise Conflict("This Idempotency-Key was used for a different checkout.",
                       code=OrderErrorCode.IDEMPOTENCY_KEY_REUSED)
    return order


@cache
def _by_key_query() -> Select:
    return with_parts(db.select(Order)).where(Order.buyer_id == bindparam("buyer_id"),
                                              Order.idempotency_key == bindparam("key"))


def _check_for_sale(items) -> None:
    """A 409 before anything is written when a line is no longer for sale, or when the
    stock read with the cart is already short of it (every short SKU named at once).

    The read takes no lock, so a shopper who comes after the last unit is turned away
    without queueing for the SKU's row; :func:`_reserved` still decides for those who
    pass, since stock read here may be gone by the time the order is stored.
    """
    for item in items:
        if not listed(item.Product.status, item.Seller.status):
            raise Conflict(f"{item.Product.title} is no longer for sale.",
                           code=OrderErrorCode.SKU_UNAVAILABLE, sku_id=item.Sku.id)
    short = [item for item in items if item.Sku.stock < item.CartItem.quantity]
    if short:
        raise _out_of_stock(short, {item.Sku.id: item.Sku.stock for item in short})


def _reserved(items, left: dict[int, int]) -> None:
    """After the conditional UPDATE that took the stock (``left``: the new stock of each
    SKU that had enough): a 409 naming every SKU that is short (the caller's transaction
    is rolled back, the order with it); the products just sold out queued for search."""
    short = [item for item in items if item.Sku.id not in left]
    if short:
        raise _out_of_stock(short, dict(db.session.execute(
            db.select(Sku.id, Sku.stock).where(Sku.id.in_([i.Sku.id for i in short]))).all()))
    queue_reindex(item.Product.id for item in items if left[item.Sku.id] == 0)  # sold out


def _split(items) -> list[SellerOrder]:
    """The cart's lines split per seller, with each seller's shipping fee."""
    by_seller: dict[int, list[OrderLine]] = defaultdict(list)
    sellers = {item.Seller.id: item.Seller for item in items}
    for item in items:
        sku, product, quantity = item.Sku, item.Product, item.CartItem.quantity
        by_seller[product.seller_id].append(OrderLine(
            sku_id=sku.id, product_id=product.id, category_id=product.category_id,
            title=product.title, spec=sku.spec, origin_county_code=product.origin_county_code,
            origin_township=product.origin_township, agricultural=product.agricultural,
            cold_chain=product.cold_chain, unit_price_fen=sku.price_fen, quantity=quantity,
            line_total_fen=sku.price_fen * quantity, refunded_fen=0, batch_id=None,
        ))
    rules = {item.Seller.id: item.ShippingRule for item in items
             if item.ShippingRule is not None}
    seller_orders = []
    for seller_id, lines in sorted(by_seller.items()):
        items_total = sum(line.line_total_fen for line in lines)
        fee = shipping_fee(rules.get(seller_id, DEFAULT_RULE), items_total,
                           any(line.cold_chain for line in lines))
        seller_orders.append(SellerOrder(
            seller_id=seller_id, seller=sellers[seller_id],
            status=SellerOrderStatus.PENDING_PAYMENT, lines=lines,
            items_total_fen=items_total, shipping_fen=fee, total_fen=items_total + fee,
            paid_fen=0, refunded_fen=0, carrier=None, tracking_number=None, paid_at=None,
            shipped_at=None, delivered_at=None, completed_at=None, refunds=[],
            events=[SellerOrderEvent(from_status=None, actor_id=None, created_at=utcnow(),
                                     to_status=SellerOrderStatus.PENDING_PAYMENT.value,
                                     note="checkout")],
        ))
    return seller_orders


def _out_of_stock(short: list, left: dict[int, int]) -> Conflict:
    """One problem naming every short SKU, with what was asked and what is left; what
    this checkout wrote so far goes back (rollback)."""
    skus = [{"sku_id": i.Sku.id, "requested": i.CartItem.quantity, "available": left[i.Sku.id]}
            for i in short]
    names = ", ".join(f"{i.Product.title} {i.Sku.spec} ({left[i.Sku.id]} left)" for i in short)
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
        db.session.scalar(with_parts(db.select(Order)).where(Order.id == order.id)
                          .execution_options(populate_existing=True))  # one SELECT a kind
    return order
