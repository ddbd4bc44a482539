"""网销产品抽检: spot checks of products sold online, and what a failure does."""

from __future__ import annotations

from typing import Any

from gannan.catalog.access import product_or_404
from gannan.catalog.errors import CatalogErrorCode
from gannan.catalog.indexing import queue_reindex
from gannan.catalog.models import Product, ProductStatus, SpotCheck
from gannan.catalog.services.trace import batch_by_code
from gannan.platform.errors import Conflict, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import Notification, User


def record_spot_check(actor: User, data: dict[str, Any]) -> SpotCheck:
    """Record a result; a failure takes the product off sale and out of search at once,
    blocks it until an admin lifts the block, and tells the seller."""
    if ("product_id" in data) == ("trace_code" in data):
        raise ValidationFailed("Name either product_id or trace_code.",
                               code=CatalogErrorCode.TARGET_REQUIRED,
                               field="product_id")
    batch = batch_by_code(data["trace_code"]) if "trace_code" in data else None
    product = batch.product if batch else product_or_404(data["product_id"])
    check = SpotCheck(
        seller_id=product.seller_id, product=product, batch=batch,
        sampled_on=data["sampled_on"], lab=data["lab"].strip(),
        report_number=data["report_number"].strip(), passed=data["passed"],
        notes=data.get("notes"), recorded_by_id=actor.id,
    )
    db.session.add(check)
    if not check.passed:
        _block(product, check)
    db.session.commit()
    return check


def _block(product: Product, check: SpotCheck) -> None:
    product.status = ProductStatus.BLOCKED
    product.block_cause = "spot_check"
    product.blocked_reason = (f"抽检不合格 (spot check failed): {check.lab}, report "
                              f"{check.report_number}, sampled {check.sampled_on.isoformat()}")
    db.session.add(Notification(seller_id=product.seller_id, kind="spot_check_failed",
                                message=f"《{product.title}》{product.blocked_reason}"))
    queue_reindex([product.id])


def lift_block(product_id: int, reason: str) -> Product:
    product = product_or_404(product_id)
    if product.status is not ProductStatus.BLOCKED:
        raise Conflict("The product is not blocked.", code=CatalogErrorCode.PRODUCT_NOT_BLOCKED)
    product.status = ProductStatus.UNPUBLISHED
    product.blocked_reason = product.block_cause = None
    db.session.add(Notification(seller_id=product.seller_id, kind="block_lifted",
                                message=f"《{product.title}》may be published again: {reason}"))
    db.session.commit()
    return product


def spot_checks(seller_id: int | None = None) -> list[SpotCheck]:
    query = db.select(SpotCheck).order_by(SpotCheck.id.desc())
    if seller_id is not None:
        query = query.where(SpotCheck.seller_id == seller_id)
    return list(db.session.scalars(query))


def seller_notifications(seller_id: int) -> list[Notification]:
    return list(db.session.scalars(
        db.select(Notification).where(Notification.seller_id == seller_id)
        .order_by(Notification.id.desc())
    ))
