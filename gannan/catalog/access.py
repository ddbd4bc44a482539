"""Access rules of the catalog, for the blueprints' Policies (see platform.auth)."""

from __future__ import annotations

from typing import Any

from flask import request

from gannan.catalog.errors import CatalogErrorCode
from gannan.catalog.models import Product, ProductStatus, TraceBatch
from gannan.platform.auth import any_of, can_manage, current_user, role, seller_member
from gannan.platform.errors import NotFound, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.fields import INT32_MAX
from gannan.platform.models import Role, Seller, SellerStatus


def product_or_404(product_id: int, options: tuple = ()) -> Product:
    product = db.session.get(Product, product_id, options=options)
    if product is None:
        raise NotFound("No such product.", code=CatalogErrorCode.PRODUCT_NOT_FOUND)
    return product


def batch_or_404(batch_id: int) -> TraceBatch:
    batch = db.session.get(TraceBatch, batch_id)
    if batch is None:
        raise NotFound("No such batch.", code=CatalogErrorCode.BATCH_NOT_FOUND)
    return batch


def is_listed(product: Product) -> bool:
    """Shoppers see a product only while it is published by an approved seller."""
    return listed(product.status, product.seller.status)


def listed(product_status: ProductStatus, seller_status: SellerStatus) -> bool:
    """:func:`is_listed` for a product and seller read as columns."""
    return product_status is ProductStatus.PUBLISHED and seller_status is SellerStatus.APPROVED


def _seller_of_product(view_args: dict[str, Any]) -> int:
    return product_or_404(view_args["product_id"]).seller_id


def _seller_of_batch(view_args: dict[str, Any]) -> int:
    return batch_or_404(view_args["batch_id"]).product.seller_id


def _seller_in_body(view_args: dict[str, Any]) -> int:
    body = request.get_json(silent=True)
    seller_id = body.get("seller_id") if isinstance(body, dict) else None
    if not isinstance(seller_id, int) or isinstance(seller_id, bool) \
            or not 1 <= seller_id <= INT32_MAX:
        raise ValidationFailed("seller_id names the seller you list for.", field="seller_id")
    return seller_id


#: The caller acts for the seller of the product in the path.
product_member = seller_member(seller_of=_seller_of_product)
#: The caller acts for the seller named by ``seller_id`` in the JSON body.
body_seller_member = seller_member(seller_of=_seller_in_body)
#: The caller acts for the seller of the batch in the path, or is a platform admin.
batch_member_or_admin = any_of(seller_member(seller_of=_seller_of_batch),
                               role(Role.PLATFORM_ADMIN))


def product_visible(view_args: dict[str, Any]) -> None:
    """Listed products are public; others only to the seller's members and admins."""
    row = db.session.execute(
        db.select(Product.seller_id, Product.status, Seller.status)
        .join(Seller, Seller.id == Product.seller_id)
        .where(Product.id == view_args["product_id"])).first()
    if row is None or not (listed(row[1], row[2]) or can_manage(current_user(), row[0])):
        raise NotFound("No such product.", code=CatalogErrorCode.PRODUCT_NOT_FOUND)
