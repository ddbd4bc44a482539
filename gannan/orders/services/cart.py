"""The shopper's cart: what is in it can be bought right now, or is refused with a reason."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from gannan.catalog.access import is_listed
from gannan.catalog.models import Product, Sku
from gannan.orders.errors import OrderErrorCode
from gannan.orders.models import Cart, CartItem
from gannan.platform.errors import Conflict, NotFound
from gannan.platform.extensions import db

MAX_QUANTITY = 999


def cart_of(user_id: int) -> Cart:
    """The user's cart with its items, their SKU, product and seller: two statements."""
    cart = db.session.scalar(db.select(Cart).where(Cart.user_id == user_id).options(
        selectinload(Cart.items).joinedload(CartItem.sku).joinedload(Sku.product)
        .joinedload(Product.seller)))
    if cart is None:
        cart = Cart(user_id=user_id, items=[])
        db.session.add(cart)
        db.session.flush()
    return cart


def require_buyable(sku: Sku | None, quantity: int) -> Sku:
    """The SKU if it is for sale in that quantity; else a 4xx saying why."""
    if sku is None or not is_listed(sku.product):
        raise Conflict("This item is not for sale.", code=OrderErrorCode.SKU_UNAVAILABLE)
    if sku.stock < quantity:
        raise Conflict(f"Only {sku.stock} left of {sku.product.title} {sku.spec}.",
                       code=OrderErrorCode.OUT_OF_STOCK, sku_id=sku.id, available=sku.stock)
    return sku


def add_item(user_id: int, sku_id: int, quantity: int) -> Cart:
    cart = cart_of(user_id)
    item = next((i for i in cart.items if i.sku_id == sku_id), None)
    total = quantity + (item.quantity if item else 0)
    if total > MAX_QUANTITY:
        raise Conflict(f"At most {MAX_QUANTITY} of one item.",
                       code=OrderErrorCode.QUANTITY_TOO_LARGE)
    require_buyable(db.session.get(Sku, sku_id), total)
    if item:
        item.quantity = total
    else:
        cart.items.append(CartItem(sku_id=sku_id, quantity=quantity))
    db.session.commit()
    return cart


def _item(user_id: int, item_id: int) -> tuple[Cart, CartItem]:
    cart = cart_of(user_id)
    item = next((i for i in cart.items if i.id == item_id), None)
    if item is None:
        raise NotFound("No such item in your cart.", code=OrderErrorCode.CART_ITEM_NOT_FOUND)
    return cart, item


def set_quantity(user_id: int, item_id: int, quantity: int) -> Cart:
    cart, item = _item(user_id, item_id)
    require_buyable(item.sku, quantity)
    item.quantity = quantity
    db.session.commit()
    return cart


def remove_item(user_id: int, item_id: int) -> Cart:
    cart, item = _item(user_id, item_id)
    cart.items.remove(item)
    db.session.commit()
    return cart
