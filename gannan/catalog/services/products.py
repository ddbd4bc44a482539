"""Products and SKUs: create, edit, publish, stock."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import defaultload

from gannan.catalog.categories import require_category
from gannan.catalog.indexing import queue_reindex
from gannan.catalog.models import BRAND_KINDS, Product, ProductStatus, Sku
from gannan.catalog.access import product_or_404
from gannan.platform.counties import require_current_county
from gannan.platform.errors import Conflict, NotFound, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import Notification, SellerStatus
from gannan.platform.types import shanghai_today, utcnow

#: Units a SKU may hold; far below the INTEGER column's limit, so no addition overflows it.
MAX_STOCK = 10**8
EDITABLE = ("title", "description", "origin_township", "regional_brand", "cold_chain", "images")


def brand_covered(product: Product, today: date) -> bool:
    """A regional brand may be shown only under a valid brand licence or GI certificate."""
    return any(
        c.kind in BRAND_KINDS and c.brand == product.regional_brand and c.valid_on(today)
        for c in product.certificates
    )


def _sku_from(data: dict[str, Any]) -> Sku:
    return Sku(code=data["code"], spec=data["spec"].strip(), price_fen=data["price_fen"],
               stock=data["stock"], weight_g=data.get("weight_g", 0))


def create_product(data: dict[str, Any]) -> Product:
    category = require_category(data["category"])
    county = require_current_county(data["origin_county_code"], field="origin_county_code")
    codes = [s["code"] for s in data["skus"]]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise ValidationFailed(f"SKU code used twice: {', '.join(repeated)}.",
                               code="duplicate_sku_code", field="skus")
    agricultural = data.get("agricultural")
    product = Product(
        seller_id=data["seller_id"],
        category=category,
        origin_county_code=county.code,
        agricultural=category.agricultural if agricultural is None else agricultural,
        status=ProductStatus.DRAFT,
        skus=[_sku_from(s) for s in data["skus"]],
        **{k: data[k] for k in EDITABLE if k in data},
    )
    db.session.add(product)
    db.session.commit()
    return product


def update_product(product_id: int, data: dict[str, Any]) -> Product:
    product = product_or_404(product_id)
    if "category" in data:
        product.category = require_category(data["category"])
        if data.get("agricultural") is None:
            product.agricultural = product.category.agricultural
    if data.get("agricultural") is not None:
        product.agricultural = data["agricultural"]
    if "origin_county_code" in data:
        product.origin_county_code = require_current_county(
            data["origin_county_code"], field="origin_county_code").code
    for key in EDITABLE:
        if key in data:
            setattr(product, key, data[key])
    if product.status is ProductStatus.PUBLISHED and product.regional_brand:
        _require_brand_cover(product)
    queue_reindex([product.id])
    db.session.commit()
    return product


def _require_brand_cover(product: Product) -> None:
    if not brand_covered(product, shanghai_today()):
        raise Conflict(
            f"The regional brand {product.regional_brand} needs a valid brand licence or "
            "geographical-indication certificate covering this product.",
            code="brand_licence_required",
        )


def publish_product(product_id: int) -> Product:
    product = product_or_404(product_id)
    if product.seller.status is not SellerStatus.APPROVED:
        raise Conflict("Only an approved seller can publish.", code="seller_not_approved")
    if product.status is ProductStatus.BLOCKED:
        raise Conflict(f"The product is blocked: {product.blocked_reason}",
                       code="product_blocked")
    if not product.skus:
        raise Conflict("A product needs at least one SKU to be sold.", code="no_skus")
    if product.regional_brand:
        _require_brand_cover(product)
    if product.status is not ProductStatus.PUBLISHED:
        product.status = ProductStatus.PUBLISHED
        product.published_at = product.published_at or utcnow()
        queue_reindex([product.id])
        db.session.commit()
    return product


def unpublish_product(product_id: int) -> Product:
    product = product_or_404(product_id)
    if product.status is ProductStatus.BLOCKED:
        raise Conflict("A blocked product is already off sale.", code="product_blocked")
    if product.status is ProductStatus.PUBLISHED:
        product.status = ProductStatus.UNPUBLISHED
        queue_reindex([product.id])
        db.session.commit()
    return product


# --- SKUs and stock -----------------------------------------------------------------------


def sku_or_404(product_id: int, sku_id: int) -> Sku:
    sku = db.session.get(Sku, sku_id)
    if sku is None or sku.product_id != product_id:
        raise NotFound("No such SKU in this product.", code="sku_not_found")
    return sku


def add_sku(product_id: int, data: dict[str, Any]) -> Sku:
    product = product_or_404(product_id)
    if any(s.code == data["code"] for s in product.skus):
        raise Conflict(f"SKU code {data['code']} is already used in this product.",
                       code="duplicate_sku_code")
    sku = _sku_from(data)
    product.skus.append(sku)
    queue_reindex([product.id])
    db.session.commit()
    return sku


def update_sku(product_id: int, sku_id: int, data: dict[str, Any]) -> Sku:
    sku = sku_or_404(product_id, sku_id)
    for key in ("spec", "price_fen", "weight_g"):
        if key in data:
            setattr(sku, key, data[key])
    queue_reindex([product_id])
    db.session.commit()
    return sku


def change_stock(sku_id: int, delta: int, ceiling: int | None = None) -> int | None:
    """Add ``delta`` to a SKU's stock in one conditional UPDATE, inside the caller's
    transaction; None when the stock would go negative (or above ``ceiling``).

    The condition is checked by the database on the row it updates, so concurrent
    callers can never take the same unit twice or drive the stock below zero.
    Checkout reserves stock through this function too.
    """
    within = [Sku.stock + delta >= 0]
    if ceiling is not None:
        within.append(Sku.stock + delta <= ceiling)
    return db.session.execute(
        update(Sku)
        .where(Sku.id == sku_id, *within)
        .values(stock=Sku.stock + delta)
        .returning(Sku.stock)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()


def sold_out_changed(new_stock: int, delta: int) -> bool:
    """Whether a stock change made the SKU sold out, or available again: the only
    stock changes search has to hear about."""
    return new_stock == 0 if delta < 0 else new_stock == delta


def adjust_stock(product_id: int, sku_id: int, delta: int) -> Sku:
    sku = sku_or_404(product_id, sku_id)
    new_stock = change_stock(sku.id, delta, ceiling=MAX_STOCK)
    if new_stock is None and delta > 0:
        db.session.rollback()
        raise Conflict(f"A SKU holds at most {MAX_STOCK} units; {sku.stock} are in stock.",
                       code="stock_limit")
    if new_stock is None:
        db.session.rollback()
        raise Conflict(f"Only {sku.stock} in stock; cannot remove {-delta}.",
                       code="insufficient_stock")
    if sold_out_changed(new_stock, delta):
        queue_reindex([product_id])
    db.session.commit()
    db.session.refresh(sku)
    return sku


# --- listings -------------------------------------------------------------------------


def seller_products(seller_id: int, status: ProductStatus | None = None):
    query = db.select(Product).where(Product.seller_id == seller_id).order_by(Product.id.desc())
    if status is not None:
        query = query.where(Product.status == status)
    return query


def products_by_ids(ids: list[int]) -> list[Product]:
    """Products in the order of ``ids`` (a search's ranking), in a constant number of queries."""
    # A summary shows the seller's name only: leave its members, licences and review
    # trail unloaded (six queries a page otherwise).
    query = db.select(Product).where(Product.id.in_(ids)).options(
        defaultload(Product.seller).lazyload("*"))
    found = {p.id: p for p in db.session.scalars(query)}
    return [found[i] for i in ids if i in found]


def unpublish_uncovered_brand_products(today: date | None = None) -> list[int]:
    """The daily sweep: a product whose brand licence expired goes off sale; its seller
    is told why.  Returns the ids taken off sale."""
    today = today or shanghai_today()
    candidates = db.session.scalars(
        db.select(Product).where(Product.status == ProductStatus.PUBLISHED,
                                 Product.regional_brand.is_not(None))
    ).all()
    taken_down = [p for p in candidates if not brand_covered(p, today)]
    for product in taken_down:
        product.status = ProductStatus.UNPUBLISHED
        db.session.add(Notification(
            seller_id=product.seller_id,
            kind="brand_licence_expired",
            message=(f"《{product.title}》已下架：区域公用品牌“{product.regional_brand}”的授权或"
                     f"地理标志证书已过期。Product {product.id} was unpublished: no valid licence "
                     f"covers the regional brand {product.regional_brand}."),
        ))
    queue_reindex(p.id for p in taken_down)
    db.session.commit()
    return [p.id for p in taken_down]
