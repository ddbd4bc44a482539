"""Products and SKUs: create, edit, publish, stock."""

from __future__ import annotations

from datetime import date
from functools import cache, lru_cache
from typing import Any, Callable

from sqlalchemy import Integer, String, Update, bindparam, case, func, type_coerce, update
from sqlalchemy.engine import Connection, Dialect, Row

from gannan.catalog.categories import require_category
from gannan.catalog.errors import CatalogErrorCode
from gannan.catalog.indexing import queue_reindex
from gannan.catalog.models import (
    BRAND_KINDS,
    Category,
    Certificate,
    Product,
    ProductStatus,
    Sku,
    certificate_products,
    mean_rating,
)
from gannan.catalog.access import product_or_404
from gannan.catalog.queries import product_page
from gannan.platform.counties import require_current_county
from gannan.platform.errors import Conflict, NotFound, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import County, Notification, Seller, SellerStatus
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
                               code=CatalogErrorCode.DUPLICATE_SKU_CODE, field="skus")
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


def _brand_problem(product: Product) -> Conflict:
    return Conflict(
        f"The regional brand {product.regional_brand} needs a valid brand licence or "
        "geographical-indication certificate covering this product.",
        code=CatalogErrorCode.BRAND_LICENCE_REQUIRED,
    )


def _require_brand_cover(product: Product) -> None:
    if not brand_covered(product, shanghai_today()):
        raise _brand_problem(product)


def publish_problems(product: Product) -> list[Conflict]:
    """Every reason ``product`` cannot be put on sale today, in the order publishing
    checks them; empty when it can.  The seller console shows them all before anyone
    presses "publish"; :func:`publish_product` refuses with the first."""
    problems = []
    if product.seller.status is not SellerStatus.APPROVED:
        problems.append(Conflict("Only an approved seller can publish.",
                                 code=CatalogErrorCode.SELLER_NOT_APPROVED))
    if product.status is ProductStatus.BLOCKED:
        problems.append(Conflict(f"The product is blocked: {product.blocked_reason}",
                                 code=CatalogErrorCode.PRODUCT_BLOCKED))
    if not product.skus:
        problems.append(Conflict("A product needs at least one SKU to be sold.", code=CatalogErrorCode.NO_SKUS))
    if product.regional_brand and not brand_covered(product, shanghai_today()):
        problems.append(_brand_problem(product))
    return problems


def publish_product(product_id: int) -> Product:
    product = product_or_404(product_id)
    problems = publish_problems(product)
    if problems:
        raise problems[0]
    if product.status is not ProductStatus.PUBLISHED:
        product.status = ProductStatus.PUBLISHED
        product.published_at = product.published_at or utcnow()
        queue_reindex([product.id])
        db.session.commit()
    return product


def unpublish_product(product_id: int) -> Product:
    product = product_or_404(product_id)
    if product.status is ProductStatus.BLOCKED:
        raise Conflict("A blocked product is already off sale.",
                       code=CatalogErrorCode.PRODUCT_BLOCKED)
    if product.status is ProductStatus.PUBLISHED:
        product.status = ProductStatus.UNPUBLISHED
        queue_reindex([product.id])
        db.session.commit()
    return product


# --- SKUs and stock -----------------------------------------------------------------------


def sku_or_404(product_id: int, sku_id: int) -> Sku:
    sku = db.session.get(Sku, sku_id)
    if sku is None or sku.product_id != product_id:
        raise NotFound("No such SKU in this product.", code=CatalogErrorCode.SKU_NOT_FOUND)
    return sku


def add_sku(product_id: int, data: dict[str, Any]) -> Sku:
    product = product_or_404(product_id)
    if any(s.code == data["code"] for s in product.skus):
        raise Conflict(f"SKU code {data['code']} is already used in this product.",
                       code=CatalogErrorCode.DUPLICATE_SKU_CODE)
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


def take_stock(wanted: dict[int, int]) -> dict[int, int]:
    """Take ``wanted[sku_id]`` units of every SKU in one conditional UPDATE, inside the
    caller's transaction; returns the new stock of each SKU that had enough.

    A SKU missing from the answer was short and was not touched: the caller rolls the
    transaction back.  Like :func:`change_stock` the condition is checked by the database
    on each row it updates, so no unit is taken twice and no stock goes negative.
    """
    if not wanted:
        return {}
    params = {}
    for i, sku_id in enumerate(sorted(wanted)):
        params[f"sku_{i}"], params[f"quantity_{i}"] = sku_id, wanted[sku_id]
    return dict(db.session.execute(_take_stock_statement(len(wanted)), params).all())


@cache
def _take_stock_statement(count: int) -> Update:
    """take_stock's UPDATE of ``count`` SKUs, built once per count (the compiled SQL is
    cached by SQLAlchemy, but building the CASE each time cost more than running it)."""
    skus = Sku.__table__
    ids = [bindparam(f"sku_{i}", type_=Integer) for i in range(count)]
    need = case(*((skus.c.id == ids[i], bindparam(f"quantity_{i}", type_=Integer))
                  for i in range(count)))
    return (update(skus).where(skus.c.id.in_(ids), skus.c.stock >= need)
            .values(stock=skus.c.stock - need).returning(skus.c.id, skus.c.stock))


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
                       code=CatalogErrorCode.STOCK_LIMIT)
    if new_stock is None:
        db.session.rollback()
        raise Conflict(f"Only {sku.stock} in stock; cannot remove {-delta}.",
                       code=CatalogErrorCode.INSUFFICIENT_STOCK)
    if sold_out_changed(new_stock, delta):
        queue_reindex([product_id])
    db.session.commit()
    db.session.refresh(sku)
    return sku


# --- listings -------------------------------------------------------------------------


def seller_products(seller_id: int, status: ProductStatus | None = None):
    query = db.select(Product).where(Product.seller_id == seller_id) \
        .order_by(Product.id.desc()).options(*product_page())
    if status is not None:
        query = query.where(Product.status == status)
    return query


@lru_cache(maxsize=1)
def _summary_statement():
    """The statement of :func:`product_summaries`, built once (``ids`` and ``today`` are
    bound per call).  Its columns are in the order the loop there unpacks them; the enums
    are read as the text they are stored as (their values) and the image as the first
    element of the JSON list, so no row value needs converting in Python."""
    today = bindparam("today")
    cheapest = db.select(func.min(Sku.price_fen)).where(Sku.product_id == Product.id)
    most = db.select(func.max(Sku.stock)).where(Sku.product_id == Product.id)
    kinds = (db.select(func.aggregate_strings(Certificate.kind, " "))
             .join(certificate_products,
                   certificate_products.c.certificate_id == Certificate.id)
             .where(certificate_products.c.product_id == Product.id,
                    Certificate.valid_from <= today, Certificate.valid_until >= today))
    return (
        db.select(Product.id, Product.title, type_coerce(Product.status, String),
                  Product.seller_id, Seller.name, Seller.county_code,
                  Category.slug, Category.name,
                  County.code, County.name, County.pinyin, type_coerce(County.kind, String),
                  Product.regional_brand, Product.images[0].as_string(),
                  cheapest.scalar_subquery(), most.scalar_subquery(), Product.cold_chain,
                  kinds.scalar_subquery(), Product.rating_sum, Product.rating_count)
        .join(Seller, Seller.id == Product.seller_id)
        .join(Category, Category.id == Product.category_id)
        .join(County, County.code == Product.origin_county_code)
        .where(Product.id.in_(bindparam("ids", expanding=True))))


@lru_cache(maxsize=256)  # a dialect or two, times the page sizes a search asks for
def _summary_sql(dialect: Dialect, size: int) -> tuple[str, Callable[[date, list[int]], Any]]:
    """:func:`_summary_statement` compiled for ``dialect`` with its ``IN`` list expanded
    for ``size`` ids, and a function making the driver's parameters from ``today`` and
    the ids: what SQLAlchemy's execute does on every call (expanding the list, processing
    each value), done once.  The constant parameters (the JSON path of the image) are
    processed here; ``today`` and the ids by their types' processors on each call."""
    compiled = _summary_statement().compile(dialect=dialect)
    state = compiled.construct_expanded_state({"ids": [0] * size, "today": date.min})

    def processor(name: str):
        bind = compiled.binds[name if name in compiled.binds else "ids"]  # ids_1, ...: the list
        return bind.type.dialect_impl(dialect).bind_processor(dialect)

    names = list(state.positiontup) if compiled.positional else list(state.parameters)
    id_names = [name for name in state.parameters if name not in compiled.binds]
    fixed = {}
    for name, value in state.parameters.items():
        if name != "today" and name not in id_names:
            convert = processor(name)
            fixed[name] = convert(value) if convert else value
    today_converter = processor("today")
    id_converter = processor(id_names[0])

    def parameters(today: date, ids: list[int]) -> Any:
        values = dict(fixed)
        values["today"] = today_converter(today) if today_converter else today
        values.update(zip(id_names, map(id_converter, ids) if id_converter else ids))
        return tuple(values[name] for name in names) if compiled.positional else values

    return state.statement, parameters


def _summary_rows(connection: Connection, ids: list[int]) -> list[Row]:
    sql, parameters = _summary_sql(connection.dialect, len(ids))
    return connection.exec_driver_sql(sql, parameters(shanghai_today(), ids)).fetchall()


def product_summaries(ids: list[int]) -> list[dict[str, Any]]:
    """The products in ``ids`` as a search result shows them (``ProductSummarySchema``, as
    it dumps them), in that order (a search's ranking).

    One statement whatever the page size: the products with their seller, category and
    county, their SKUs' cheapest price and stock and the kinds of their certificates
    valid today as subqueries.  No ORM object is built and nothing is serialised twice:
    a page of 20 used to load ~110 objects for marshmallow to read a dozen columns.
    The statement is SQL compiled once per page size (:func:`_summary_sql`; still one
    statement, which the engine's events see), run on the session's connection when the
    session is in a transaction (so it sees what that transaction wrote), otherwise on a
    connection of its own (beginning and closing a session cost a search page as much as
    the statement's own execution in SQLAlchemy); its rows are unpacked as tuples.
    The driver's values come back unconverted: every column is already what the page
    shows except ``cold_chain``, an integer on SQLite, made a ``bool`` here.
    """
    if not ids:
        return []
    if db.session.registry.has() and db.session().in_transaction():
        rows = _summary_rows(db.session.connection(), ids)  # what this transaction sees
    else:  # a search page: a connection of its own, not a session begun and closed for it
        with db.engine.connect() as connection:
            rows = _summary_rows(connection, ids)
    found = {}
    for (product_id, title, status, seller_id, seller_name, seller_county, slug,
         category_name, code, county_name, pinyin, kind, regional_brand, image, cheapest,
         most, cold_chain, certifications, rating_sum, rating_count) in rows:
        found[product_id] = {
            "id": product_id,
            "title": title,
            "status": status,
            "seller": {"id": seller_id, "name": seller_name, "county": seller_county},
            "category": slug,
            "category_name": category_name,
            "origin_county": {"code": code, "name": county_name, "pinyin": pinyin,
                              "kind": kind},
            "regional_brand": regional_brand,
            "image": image,
            "min_price_fen": cheapest,
            "sold_out": not (most and most > 0),
            "cold_chain": bool(cold_chain),
            "certifications": sorted(set(certifications.split())) if certifications else [],
            "rating": mean_rating(rating_sum, rating_count),
            "rating_count": rating_count,
        }
    return [found[i] for i in ids if i in found]


def products_by_ids(ids: list[int]) -> list[Product]:
    """Products in the order of ``ids``, in a constant number of queries (the cart page)."""
    query = db.select(Product).where(Product.id.in_(ids)).options(*product_page())
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
