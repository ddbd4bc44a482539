"""Trace batches, the public trace chain and its QR codes."""

import io
from datetime import date, timedelta

import png
import pytest

from gannan.catalog.models import ProductStatus, TraceBatch
from gannan.catalog.qr import _qr
from gannan.catalog.services.trace import TRACE_ALPHABET, TRACE_LENGTH
from gannan.platform.extensions import db
from tests.conftest import bearer
from tests.factories import CertificateFactory, ProductFactory
from tests.platform.test_errors import assert_problem


def batch_body(**overrides):
    body = {
        "harvest_date": "2026-11-20",
        "quantity": 2000,
        "unit": "kg",
        "base": "信丰县安西镇脐橙基地",
        "producer": "信丰县果园合作社",
        "producer_kind": "cooperative",
        "farm_inputs": [{"name": "有机肥", "kind": "fertilizer", "amount": "50kg/亩",
                         "applied_on": "2026-03-10"}],
        "inspections": [{"lab": "赣州市农产品质量安全检测中心", "report_number": "GZJC-2026-1187",
                         "passed": True, "inspected_on": "2026-11-22"}],
        "compliance_certificate": {
            "product": "赣南脐橙", "quantity": "2000kg", "producer": "信丰县果园合作社",
            "origin": "江西省赣州市信丰县安西镇", "contact": "13907970001",
            "issued_on": "2026-11-23",
            "commitments": ["no_banned_pesticides_or_veterinary_drugs",
                            "pesticide_residues_within_limits"],
        },
    }
    body.update(overrides)
    return body


@pytest.fixture
def product(seller):
    return ProductFactory(seller=seller, status=ProductStatus.PUBLISHED, regional_brand="赣南脐橙",
                          origin_township="安西镇")


def add_batch(client, user, product_id, body):
    return client.post(f"/api/v1/products/{product_id}/batches", json=body, headers=bearer(user))


def test_batch_gets_an_unguessable_unique_trace_code(client, owner, product):
    codes = set()
    for _ in range(5):
        response = add_batch(client, owner, product.id, batch_body())
        assert response.status_code == 201, response.get_json()
        batch = response.get_json()
        code = batch["trace_code"]
        assert len(code) == TRACE_LENGTH and set(code) <= set(TRACE_ALPHABET)
        assert batch["trace_url"] == f"https://shop.example.cn/t/{code}"
        codes.add(code)
    assert len(codes) == 5
    listed = client.get(f"/api/v1/products/{product.id}/batches", headers=bearer(owner))
    assert [b["trace_code"] for b in listed.get_json()][0] in codes


def test_trace_page_shows_the_whole_chain(client, owner, product):
    CertificateFactory(products=[product])
    CertificateFactory(products=[product], kind="green_food", number="GF360722260001",
                       issuer="中国绿色食品发展中心", brand=None,
                       valid_from=date(2020, 1, 1), valid_until=date(2023, 1, 1))
    code = add_batch(client, owner, product.id, batch_body()).get_json()["trace_code"]
    page = client.get(f"/api/v1/trace/{code}")
    assert page.status_code == 200
    chain = page.get_json()
    assert chain["product"]["title"] == product.title
    assert chain["trace_url"] == f"https://shop.example.cn/t/{code}"
    assert chain["seller"]["name"] == "信丰县果园合作社"
    assert chain["seller"]["uscc"] == product.seller.uscc
    assert chain["origin"] == {"county_code": "360722", "county": "信丰县", "township": "安西镇",
                               "base": "信丰县安西镇脐橙基地"}
    assert chain["batch"]["inspections"][0]["report_number"] == "GZJC-2026-1187"
    assert chain["batch"]["compliance_certificate"]["commitments"] == [
        "no_banned_pesticides_or_veterinary_drugs", "pesticide_residues_within_limits"]
    assert chain["batch"]["farm_inputs"][0]["name"] == "有机肥"
    validity = {c["kind"]: c["valid_today"] for c in chain["certificates"]}
    assert validity == {"brand_licence": True, "green_food": False}
    assert chain["spot_checks"] == []
    # the code is case-insensitive for people typing it from a label
    assert client.get(f"/api/v1/trace/{code.lower()}").status_code == 200


def test_product_page_shows_latest_batches(client, owner, product):
    code = add_batch(client, owner, product.id, batch_body()).get_json()["trace_code"]
    detail = client.get(f"/api/v1/products/{product.id}").get_json()
    assert detail["latest_batches"][0]["trace_code"] == code


def decode_png(data: bytes) -> list[list[bool]]:
    width, height, rows, info = png.Reader(file=io.BytesIO(data)).read()
    return [[bool(v) for v in row] for row in rows]


def test_qr_codes_encode_the_trace_url(client, owner, product):
    code = add_batch(client, owner, product.id, batch_body()).get_json()["trace_code"]
    url = f"https://shop.example.cn/t/{code}"
    response = client.get(f"/api/v1/trace/{code}/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    pixels = decode_png(response.data)
    qr = _qr(url)
    matrix = qr.get_matrix()  # True = dark module, border included
    box = qr.box_size
    sampled = [[not pixels[y * box + box // 2][x * box + box // 2] for x in range(len(matrix))]
               for y in range(len(matrix))]
    assert sampled == matrix
    # the short URL needs fewer modules than the API's own address would
    assert len(matrix) < len(_qr(f"https://shop.example.cn/api/v1/trace/{code}").get_matrix())
    svg = client.get(f"/api/v1/trace/{code}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and svg.data.startswith(b"<?xml")


def test_unknown_trace_code(client):
    for path in ("/api/v1/trace/NOSUCHCODE000000", "/api/v1/trace/NOSUCHCODE000000/qr.png"):
        assert_problem(client.get(path), 404, "trace_code_not_found")


def test_batch_rules(client, owner, product):
    no_date = batch_body(harvest_date=None)
    assert_problem(add_batch(client, owner, product.id, no_date), 422, "batch_date_required")
    future = batch_body(harvest_date=str(date.today() + timedelta(days=3)))
    assert_problem(add_batch(client, owner, product.id, future), 422, "date_in_future")
    no_certificate = batch_body()
    del no_certificate["compliance_certificate"]
    body = assert_problem(add_batch(client, owner, product.id, no_certificate), 422,
                          "validation_error")
    assert "compliance_certificate" in body["errors"]
    bad_commitment = batch_body()
    bad_commitment["compliance_certificate"]["commitments"] = ["trust me"]
    assert_problem(add_batch(client, owner, product.id, bad_commitment), 422, "validation_error")
    assert_problem(add_batch(client, owner, product.id, batch_body(quantity=0)), 422,
                   "validation_error")
    assert db.session.scalar(db.select(db.func.count()).select_from(TraceBatch)) == 0


def test_batch_for_another_sellers_product_is_forbidden(client, owner):
    theirs = ProductFactory()
    assert_problem(add_batch(client, owner, theirs.id, batch_body()), 403, "not_seller_member")
    assert_problem(add_batch(client, owner, 999999, batch_body()), 404, "product_not_found")
