"""Trace batches and the public trace chain a shopper reaches by scanning a QR code."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from gannan.catalog.access import product_or_404
from gannan.catalog.errors import CatalogErrorCode
from gannan.catalog.indexing import queue_reindex
from gannan.catalog.models import Inspection, ProductStatus, SpotCheck, TraceBatch
from gannan.catalog.queries import trace_page
from gannan.catalog.signals import batch_traced
from gannan.platform.errors import NotFound, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import Notification
from gannan.platform.types import shanghai_today

# Crockford's base32: no I, L, O, U, so a code read aloud or typed from a label survives.
TRACE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACE_LENGTH = 16  # 80 random bits: unguessable, and short enough for a label


def new_trace_code() -> str:
    return "".join(secrets.choice(TRACE_ALPHABET) for _ in range(TRACE_LENGTH))


def trace_url(code: str) -> str:
    """The short URL a QR code on a box carries: ``{PUBLIC_BASE_URL}/t/{code}``.  Short,
    so that the code has fewer modules and scans from a small label; the page there is
    for people, ``/api/v1/trace/{code}`` stays the JSON of the same chain."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return f"{base.rstrip('/')}/t/{code}"


def _check_dates(data: dict[str, Any]) -> None:
    if not (data.get("harvest_date") or data.get("production_date")):
        raise ValidationFailed("Give the harvest date or the production date.",
                               code=CatalogErrorCode.BATCH_DATE_REQUIRED, field="harvest_date")
    today = shanghai_today()
    dated = [("harvest_date", data.get("harvest_date")),
             ("production_date", data.get("production_date")),
             ("compliance_certificate.issued_on", data["compliance_certificate"]["issued_on"])]
    dated += [(f"inspections.{i}.inspected_on", x["inspected_on"])
              for i, x in enumerate(data.get("inspections", []))]
    for field, day in dated:
        if day and day > today:
            raise ValidationFailed(f"{field} is in the future.",
                                   code=CatalogErrorCode.DATE_IN_FUTURE,
                                   field=field)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value


def add_batch(product_id: int, data: dict[str, Any], attempts: int = 3) -> TraceBatch:
    product = product_or_404(product_id)
    _check_dates(data)
    for attempt in range(attempts):
        batch = TraceBatch(
            product=product,
            trace_code=new_trace_code(),
            harvest_date=data.get("harvest_date"),
            production_date=data.get("production_date"),
            quantity=data["quantity"],
            unit=data["unit"],
            base_name=data["base"].strip(),
            producer_name=data["producer"].strip(),
            producer_kind=data["producer_kind"],
            farm_inputs=_jsonable(data.get("farm_inputs", [])),
            compliance_certificate=_jsonable(data["compliance_certificate"]),
            inspections=[Inspection(**i) for i in data.get("inspections", [])],
        )
        db.session.add(batch)
        _lift_recall_block(product)
        try:
            db.session.commit()
            return batch
        except IntegrityError:  # an 80-bit collision: astronomically rare, but never a 500
            db.session.rollback()
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _lift_recall_block(product) -> None:
    """A product blocked because its batch was recalled may be sold again once its seller
    lists a new batch (a spot-check block waits for an admin)."""
    if product.status is ProductStatus.BLOCKED and product.block_cause == "recall":
        product.status, product.block_cause, product.blocked_reason = (
            ProductStatus.UNPUBLISHED, None, None)
        db.session.add(Notification(seller_id=product.seller_id, kind="recall_block_lifted",
                                    message=f"《{product.title}》has a new batch and may be "
                                            f"published again."))
        queue_reindex([product.id])


def product_batches(product_id: int) -> list[TraceBatch]:
    product_or_404(product_id)
    return list(db.session.scalars(
        db.select(TraceBatch).where(TraceBatch.product_id == product_id)
        .order_by(TraceBatch.id.desc())
    ))


def batch_by_code(code: str, options: tuple = ()) -> TraceBatch:
    batch = db.session.scalar(db.select(TraceBatch).options(*options)
                              .where(TraceBatch.trace_code == code.upper()))
    if batch is None:
        raise NotFound("No batch has this trace code.", code=CatalogErrorCode.TRACE_CODE_NOT_FOUND)
    return batch


def trace_chain(code: str) -> dict[str, Any]:
    """Everything a shopper may check about a batch: product, seller, origin, batch,
    inspections, certificates (valid or not, and which) and spot checks."""
    batch = batch_by_code(code, trace_page())
    product = batch.product
    seller = product.seller
    today = shanghai_today()
    spot_checks = db.session.scalars(
        db.select(SpotCheck).options(joinedload(SpotCheck.batch))
        .where(SpotCheck.product_id == product.id)
        .order_by(SpotCheck.sampled_on.desc(), SpotCheck.id.desc())
    ).all()
    batch.trace_url = trace_url(batch.trace_code)
    chain = {
        "trace_code": batch.trace_code,
        "trace_url": batch.trace_url,
        "product": {
            "id": product.id, "title": product.title, "category": product.category.name,
            "regional_brand": product.regional_brand, "status": product.status.value,
            "agricultural": product.agricultural,
        },
        "seller": {
            "id": seller.id, "name": seller.name, "uscc": seller.uscc, "kind": seller.kind.value,
            "county": seller.county.name, "status": seller.status.value,
        },
        "origin": {
            "county_code": product.origin_county_code, "county": product.origin_county.name,
            "township": product.origin_township, "base": batch.base_name,
        },
        "batch": batch,
        "certificates": [
            {"kind": c.kind.value, "number": c.number, "issuer": c.issuer, "brand": c.brand,
             "valid_from": c.valid_from.isoformat(), "valid_until": c.valid_until.isoformat(),
             "valid_today": c.valid_on(today)}
            for c in product.certificates
        ],
        "spot_checks": spot_checks,
        "flow": None,
    }
    for _, parts in batch_traced.send(batch):
        chain.update(parts or {})
    return chain
