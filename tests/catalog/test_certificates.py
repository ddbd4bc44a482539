"""Certificates: formats, coverage, and expiry that counts from the next day on."""

from datetime import date, datetime, timezone

import pytest

from gannan.catalog.indexing import queue_reindex
from gannan.catalog.models import Certificate, ProductStatus
from gannan.catalog.services.products import unpublish_uncovered_brand_products
from gannan.platform import types
from gannan.platform.extensions import db
from tests.factories import CertificateFactory, ProductFactory
from tests.helpers import assert_problem, bearer


def certificate(**overrides):
    body = {"kind": "green_food", "number": "GF360722260123", "issuer": "中国绿色食品发展中心",
            "valid_from": "2026-01-01", "valid_until": "2028-12-31"}
    body.update(overrides)
    return body


def add(client, user, seller_id, body):
    return client.post(f"/api/v1/sellers/{seller_id}/certificates", json=body,
                       headers=bearer(user))


def test_add_certificates_with_coverage(client, owner, seller):
    product = ProductFactory(seller=seller)
    response = add(client, owner, seller.id, certificate(product_ids=[product.id]))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["product_ids"] == [product.id] and body["valid_today"] is True
    licence = add(client, owner, seller.id, certificate(
        kind="brand_licence", number="GNQC-SQ-2026-0088", issuer="赣州市赣南脐橙协会",
        brand="赣南脐橙"))
    assert licence.status_code == 201
    covered = client.put(f"/api/v1/sellers/{seller.id}/certificates/{licence.get_json()['id']}"
                         "/products", json={"product_ids": [product.id]}, headers=bearer(owner))
    assert covered.get_json()["product_ids"] == [product.id]
    listed = client.get(f"/api/v1/sellers/{seller.id}/certificates", headers=bearer(owner))
    assert [c["kind"] for c in listed.get_json()] == ["green_food", "brand_licence"]


@pytest.mark.parametrize("overrides, code", [
    ({"number": "GF36072226012"}, "invalid_certificate_number"),
    ({"number": "LB360722260123"}, "invalid_certificate_number"),
    ({"valid_until": "2025-12-31"}, "invalid_validity"),
    ({"kind": "brand_licence", "number": "GNQC-1"}, "brand_required"),
    ({"kind": "geographical_indication", "number": "AGI00123"}, "brand_required"),
    ({"brand": "赣南脐橙"}, "brand_not_applicable"),
])
def test_certificate_rules(client, owner, seller, overrides, code):
    assert_problem(add(client, owner, seller.id, certificate(**overrides)), 422, code)
    assert db.session.scalar(db.select(db.func.count()).select_from(Certificate)) == 0


def test_coverage_only_of_own_products(client, owner, seller):
    theirs = ProductFactory()
    body = assert_problem(add(client, owner, seller.id, certificate(product_ids=[theirs.id])),
                          422, "product_not_owned")
    assert str(theirs.id) in body["detail"]
    assert add(client, owner, seller.id, certificate()).status_code == 201
    assert_problem(add(client, owner, seller.id, certificate()), 409, "duplicate_certificate")
    assert_problem(add(client, owner, theirs.seller_id, certificate(number="GF360722260124")),
                   403, "not_seller_member")


@pytest.fixture
def frozen_today(monkeypatch):
    """Move the platform's clock: ``frozen_today(date)``."""

    def freeze(day: date) -> None:
        class Frozen(datetime):
            @classmethod
            def now(cls, tz=None):
                moment = datetime(day.year, day.month, day.day, 4, 0, tzinfo=timezone.utc)
                return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

        monkeypatch.setattr(types, "datetime", Frozen)

    return freeze


def test_expired_certificate_stops_counting_at_once(client, owner, seller, frozen_today):
    product = ProductFactory(seller=seller, status=ProductStatus.PUBLISHED,
                             regional_brand="赣南脐橙")
    CertificateFactory(products=[product], valid_until=date(2026, 12, 31))
    CertificateFactory(products=[product], kind="green_food", number="GF360722260001",
                       brand=None, valid_until=date(2026, 12, 31))
    queue_reindex([product.id])
    db.session.commit()

    def certified(kind):
        return client.get("/api/v1/products", query_string={"certification": kind}).get_json()

    frozen_today(date(2026, 12, 31))
    assert certified("green_food")["total"] == 1
    assert certified("green_food")["facets"]["certification"] == {"green_food": 1,
                                                                   "brand_licence": 1}
    page = client.get(f"/api/v1/products/{product.id}").get_json()
    assert {c["kind"] for c in page["certificates"]} == {"green_food", "brand_licence"}

    frozen_today(date(2027, 1, 1))
    assert certified("green_food")["total"] == 0
    assert client.get("/api/v1/products").get_json()["facets"]["certification"] == {}
    page = client.get(f"/api/v1/products/{product.id}").get_json()
    assert page["certificates"] == []
    assert page["status"] == "published"  # the daily sweep has not run yet

    taken_down = unpublish_uncovered_brand_products()
    assert taken_down == [product.id]
    db.session.refresh(product)
    assert product.status is ProductStatus.UNPUBLISHED
    assert client.get("/api/v1/products").get_json()["total"] == 0
    notes = client.get(f"/api/v1/sellers/{seller.id}/notifications",
                       headers=bearer(owner)).get_json()["items"]
    assert notes[0]["kind"] == "brand_licence_expired" and "赣南脐橙" in notes[0]["message"]
    assert unpublish_uncovered_brand_products() == []
