"""Product certificates: green food, organic, geographical indication, brand licence."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import selectinload

from gannan.catalog.errors import CatalogErrorCode
from gannan.catalog.indexing import queue_reindex
from gannan.catalog.models import BRAND_KINDS, Certificate, CertificateKind, Product
from gannan.platform.errors import Conflict, NotFound, PlatformErrorCode, ValidationFailed
from gannan.platform.extensions import db

# Public number formats; kinds not listed here are checked for length only.
NUMBER_FORMATS = {
    # 绿色食品 enterprise information code: GF followed by 12 digits
    CertificateKind.GREEN_FOOD: (re.compile(r"^GF\d{12}$"), "GF followed by 12 digits"),
}


def certificate_or_404(seller_id: int, certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.seller_id != seller_id:
        raise NotFound("No such certificate for this seller.",
                       code=CatalogErrorCode.CERTIFICATE_NOT_FOUND)
    return certificate


def _own_products(seller_id: int, product_ids: list[int]) -> list[Product]:
    wanted = sorted(set(product_ids))
    products = db.session.scalars(
        db.select(Product).where(Product.id.in_(wanted), Product.seller_id == seller_id)
    ).all()
    missing = sorted(set(wanted) - {p.id for p in products})
    if missing:
        raise ValidationFailed(
            f"Not products of this seller: {', '.join(map(str, missing))}.",
            code=CatalogErrorCode.PRODUCT_NOT_OWNED, field="product_ids",
        )
    return list(products)


def add_certificate(seller_id: int, data: dict[str, Any]) -> Certificate:
    kind: CertificateKind = data["kind"]
    number = data["number"].strip().upper()
    rule = NUMBER_FORMATS.get(kind)
    if rule and not rule[0].match(number):
        raise ValidationFailed(f"A {kind.value} certificate number is {rule[1]}.",
                               code=CatalogErrorCode.INVALID_CERTIFICATE_NUMBER, field="number")
    if data["valid_until"] < data["valid_from"]:
        raise ValidationFailed("valid_until is before valid_from.",
                               code=PlatformErrorCode.INVALID_VALIDITY,
                               field="valid_until")
    brand = (data.get("brand") or "").strip() or None
    if kind in BRAND_KINDS and brand is None:
        raise ValidationFailed("Name the regional brand this certificate covers.",
                               code=CatalogErrorCode.BRAND_REQUIRED, field="brand")
    if kind not in BRAND_KINDS and brand is not None:
        raise ValidationFailed(f"A {kind.value} certificate does not license a brand.",
                               code=CatalogErrorCode.BRAND_NOT_APPLICABLE, field="brand")
    duplicate = db.session.scalar(db.select(Certificate.id).where(
        Certificate.seller_id == seller_id, Certificate.kind == kind, Certificate.number == number))
    if duplicate:
        raise Conflict("This certificate is already on file.",
                       code=CatalogErrorCode.DUPLICATE_CERTIFICATE)
    certificate = Certificate(
        seller_id=seller_id, kind=kind, number=number, issuer=data["issuer"].strip(),
        brand=brand, valid_from=data["valid_from"], valid_until=data["valid_until"],
        products=_own_products(seller_id, data.get("product_ids", [])),
    )
    db.session.add(certificate)
    queue_reindex(p.id for p in certificate.products)
    db.session.commit()
    return certificate


def set_coverage(seller_id: int, certificate_id: int, product_ids: list[int]) -> Certificate:
    certificate = certificate_or_404(seller_id, certificate_id)
    before = {p.id for p in certificate.products}
    certificate.products = _own_products(seller_id, product_ids)
    queue_reindex(before | {p.id for p in certificate.products})
    db.session.commit()
    return certificate


def seller_certificates(seller_id: int) -> list[Certificate]:
    return list(db.session.scalars(
        db.select(Certificate).where(Certificate.seller_id == seller_id).order_by(Certificate.id)
        .options(selectinload(Certificate.products))
    ))
