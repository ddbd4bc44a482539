"""The cart page: the API's cart service, grouped by seller with the shipping to expect."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import flash, redirect, render_template, request, url_for

from gannan.catalog.access import product_or_404
from gannan.catalog.models import Sku
from gannan.catalog.services.products import products_by_ids
from gannan.orders.models import Cart, CartItem, ShippingRule
from gannan.orders.schemas import CartItemCreateSchema, CartItemUpdateSchema
from gannan.orders.services import cart as carts
from gannan.orders.services.checkout import DEFAULT_RULE, shipping_fee
from gannan.platform.auth import authenticated, require_user
from gannan.platform.errors import ProblemError
from gannan.platform.extensions import db
from gannan.platform.models import Seller
from gannan.platform.types import shanghai_today
from gannan.web.forms import FormInvalid, load, payload
from gannan.web.messages import problem_message
from gannan.web.blueprints import web_blueprint

blp, policy = web_blueprint("web_cart", __name__, default=authenticated)


@dataclass
class Line:
    item: CartItem
    problem: str | None = None

    @property
    def total_fen(self) -> int:
        return self.item.sku.price_fen * self.item.quantity


@dataclass
class SellerPart:
    seller: Seller
    lines: list[Line] = field(default_factory=list)
    shipping_fen: int = 0

    @property
    def items_total_fen(self) -> int:
        return sum(line.total_fen for line in self.lines)


@dataclass
class CartView:
    parts: list[SellerPart]
    products: list = field(default_factory=list, repr=False)

    @property
    def items_total_fen(self) -> int:
        return sum(p.items_total_fen for p in self.parts)

    @property
    def shipping_fen(self) -> int:
        return sum(p.shipping_fen for p in self.parts)

    @property
    def count(self) -> int:
        return sum(line.item.quantity for p in self.parts for line in p.lines)

    @property
    def problems(self) -> list[str]:
        return [line.problem for p in self.parts for line in p.lines if line.problem]


def item_name(sku: Sku | None) -> str:
    return f"{sku.product.title} · {sku.spec}" if sku is not None else "这件商品"


def cart_view(cart: Cart) -> CartView:
    """The cart by seller, each line checked by the cart service's own rule, in a
    constant number of queries whatever the cart holds."""
    # One query loads every product (with seller, category, SKUs, certificates) into the
    # session, so ``item.sku.product`` below is found there instead of one query a line.
    # The view holds them: the session's identity map alone would let them be collected.
    products = products_by_ids(sorted({item.sku.product_id for item in cart.items}))
    by_seller: dict[int, SellerPart] = {}
    for item in cart.items:
        product = item.sku.product
        part = by_seller.setdefault(product.seller_id, SellerPart(product.seller))
        line = Line(item)
        try:
            carts.require_buyable(item.sku, item.quantity)
        except ProblemError as error:
            line.problem = problem_message(error, item=item_name(item.sku))
        part.lines.append(line)
    rules = {r.seller_id: r for r in db.session.scalars(
        db.select(ShippingRule).where(ShippingRule.seller_id.in_(list(by_seller))))}
    for seller_id, part in by_seller.items():
        part.shipping_fen = shipping_fee(
            rules.get(seller_id, DEFAULT_RULE), part.items_total_fen,
            any(line.item.sku.product.cold_chain for line in part.lines))
    return CartView(parts=[by_seller[k] for k in sorted(by_seller)], products=products)


def render_cart(message: str | None = None, status: int = 200, line_errors=None):
    view = cart_view(carts.cart_of(require_user().id))
    return render_template("web/cart.html", cart=view, message=message,
                           line_errors=line_errors or {}), status


@blp.get("/cart")
def cart():
    return render_cart()


@blp.post("/cart/add")
def add():
    user = require_user()
    body = payload(request.form, ("sku_id", "quantity"), integers=("sku_id", "quantity"))
    try:
        data = load(CartItemCreateSchema(), body)
        carts.add_item(user.id, data["sku_id"], data["quantity"])
    except FormInvalid as invalid:
        return _product_again(invalid.errors, next(iter(invalid.errors.values())), 422)
    except ProblemError as error:
        db.session.rollback()
        sku = db.session.get(Sku, body["sku_id"]) if isinstance(body.get("sku_id"), int) \
            else None
        return _product_again({}, problem_message(error, item=item_name(sku)), error.status)
    flash("已加入购物车。")
    return redirect(url_for("web_cart.cart"))


def _product_again(errors: dict[str, str], message: str, status: int):
    """The product page again, with the message and the shopper's choice kept."""
    product_id = request.form.get("product_id", "")
    if not product_id.isdigit():
        return render_cart(message, status)
    product = product_or_404(int(product_id))
    return render_template("web/product.html", product=product, seller=product.seller,
                           batches=product.latest_batches, today=shanghai_today(),
                           message=message, errors=errors, form=request.form), status


@blp.post("/cart/items/<id:item_id>")
def update(item_id: int):
    user = require_user()
    try:
        data = load(CartItemUpdateSchema(), payload(request.form, ("quantity",),
                                                    integers=("quantity",)))
        carts.set_quantity(user.id, item_id, data["quantity"])
    except FormInvalid as invalid:
        return render_cart(None, 422, {item_id: invalid.errors["quantity"]})
    except ProblemError as error:
        db.session.rollback()
        item = db.session.get(CartItem, item_id)
        name = item_name(item.sku) if item is not None and item.cart.user_id == user.id \
            else None
        return render_cart(None, error.status,
                           {item_id: problem_message(error, item=name or "这件商品")})
    return redirect(url_for("web_cart.cart"))


@blp.post("/cart/items/<id:item_id>/remove")
def remove(item_id: int):
    try:
        carts.remove_item(require_user().id, item_id)
    except ProblemError as error:
        db.session.rollback()
        return render_cart(problem_message(error), error.status)
    flash("已从购物车移除。")
    return redirect(url_for("web_cart.cart"))
