"""Every page runs the same number of SQL statements whatever it shows: one seller or
four, one certificate or five, one order or ten (Saleor's query-count tests)."""

import itertools
import os
from datetime import date, timedelta

import pytest

from gannan.catalog.indexing import queue_reindex
from gannan.catalog.models import (
    Certificate,
    CertificateKind,
    Inspection,
    Product,
    ProductStatus,
    SpotCheck,
    Sku,
    TraceBatch,
)
from gannan.catalog.services.trace import new_trace_code
from gannan.orders.services.cart import add_item
from gannan.orders.services.checkout import checkout
from gannan.platform.auth import issue_token
from gannan.platform.extensions import db
from gannan.platform.models import SellerStatus, User
from tests.factories import ProductFactory, SellerFactory, UserFactory
from tests.web.support import Pages, count_queries

COUNTIES = ["360722", "360732", "360733", "360724", "360781"]
# Ceiling per page, so a page that grows a few statements for a good reason says so here.
MAX_STATEMENTS = 30
NUMBERS = itertools.count(1)


def listed_products(n: int, sellers: int) -> list:
    """``n`` listed products of ``sellers`` sellers, each with 1–3 SKUs, certificates
    (some expired) and a batch; returns ``(product id, first SKU id)`` pairs."""
    owners = [SellerFactory(status=SellerStatus.APPROVED, county_code=COUNTIES[i % 5],
                            owner=UserFactory()) for i in range(sellers)]
    products = []
    for i in range(n):
        product = ProductFactory(seller=owners[i % sellers], status=ProductStatus.PUBLISHED,
                                 title=f"赣南脐橙 {i}号",
                                 skus=[Sku(code=f"S{j}", spec=f"{j + 1}kg", price_fen=1000 + j,
                                           stock=50) for j in range(1 + i % 3)])
        certify(product, 1 + i % 3)
        add_batch(product, inspections=1 + i % 2)
        products.append(product)
    queue_reindex(p.id for p in products)
    db.session.commit()
    return [(p.id, p.skus[0].id) for p in products]


def certify(product, n: int) -> None:
    for k in range(n):
        certificate = Certificate(
            seller_id=product.seller_id, kind=list(CertificateKind)[k % 4],
            number=f"C{next(NUMBERS)}", issuer="中国绿色食品发展中心", brand=None,
            valid_from=date(2024, 1, 1),
            valid_until=date(2030, 1, 1) if k % 2 == 0 else date.today() - timedelta(days=2))
        db.session.add(certificate)
        certificate.products.append(product)
    db.session.commit()


def add_batch(product, inspections: int, spot_checks: int = 0, checker=None) -> TraceBatch:
    batch = TraceBatch(
        product=product, trace_code=new_trace_code(), harvest_date=date(2026, 11, 1),
        quantity=100, unit="kg", base_name="基地", producer_name="合作社",
        producer_kind="cooperative", farm_inputs=[{"name": "有机肥", "kind": "fertilizer",
                                                   "amount": "1kg", "applied_on": "2026-03-01"}],
        compliance_certificate={"product": product.title, "quantity": "100kg",
                                "producer": "合作社", "origin": "信丰", "contact": "1",
                                "issued_on": "2026-11-02",
                                "commitments": ["pesticide_residues_within_limits"]},
        inspections=[Inspection(lab=f"实验室{i}", report_number=f"R{i}", passed=True,
                                inspected_on=date(2026, 11, 1)) for i in range(inspections)])
    db.session.add(batch)
    db.session.flush()
    for i in range(spot_checks):
        db.session.add(SpotCheck(seller_id=product.seller_id, product=product, batch=batch,
                                 sampled_on=date(2026, 11, 3), lab="抽检所", report_number=f"S{i}",
                                 passed=True, recorded_by_id=checker.id))
    db.session.commit()
    return batch


def statements(client, path: str, headers: dict | None = None) -> int:
    db.session.expunge_all()  # nothing cached from setting up: count what the page loads
    with count_queries() as sql:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    if os.environ.get("SHOW_SQL"):  # SHOW_SQL=1 pytest -s: what each page ran
        print(f"--- {path}: {len(sql)}")
        for statement in sql:
            print("   ", " ".join(statement.split())[:200])
    return len(sql)


def same_count(small: int, large: int) -> None:
    assert small == large, f"{small} statements for the small page, {large} for the large one"
    assert large <= MAX_STATEMENTS


def test_home_and_search(client):
    listed_products(2, sellers=1)
    client.get("/")  # fills the process's county cache (platform.counties) once
    small = [statements(client, path) for path in ("/", "/search?q=脐橙", "/search")]
    listed_products(18, sellers=4)
    large = [statements(client, path) for path in ("/", "/search?q=脐橙", "/search")]
    for a, b in zip(small, large):
        same_count(a, b)


def plain_and_rich_products() -> tuple[int, int]:
    """A listed product with one SKU, certificate and batch, and one with nine SKUs,
    five more certificates and six more batches: (plain id, rich id)."""
    [(plain, _)] = listed_products(1, sellers=1)
    [(rich_id, _)] = listed_products(1, sellers=1)
    rich = db.session.get(Product, rich_id)
    rich.skus.extend(Sku(code=f"X{i}", spec=f"{i}箱", price_fen=100, stock=1) for i in range(8))
    certify(rich, 5)
    for _ in range(6):
        add_batch(rich, inspections=3)
    return plain, rich_id


def test_product_page(client):
    plain, rich_id = plain_and_rich_products()
    same_count(statements(client, f"/p/{plain}"), statements(client, f"/p/{rich_id}"))


def test_trace_page(client, admin):
    [(plain, _), (rich, _)] = listed_products(2, sellers=2)
    certify(db.session.get(Product, rich), 5)
    small = add_batch(db.session.get(Product, plain), inspections=1, spot_checks=1,
                      checker=admin).trace_code
    add_batch(db.session.get(Product, rich), inspections=2, spot_checks=3, checker=admin)
    large = add_batch(db.session.get(Product, rich), inspections=6, spot_checks=4,
                      checker=admin).trace_code
    same_count(statements(client, f"/t/{small}"), statements(client, f"/t/{large}"))
    # without any spot check the page needs fewer, not more
    unchecked = add_batch(db.session.get(Product, plain), inspections=1).trace_code
    assert statements(client, f"/t/{unchecked}") <= statements(client, f"/t/{small}")


def buy(user_id: int, skus: list[int], key: str) -> int:
    for sku_id in skus:
        add_item(user_id, sku_id, 1)
    return checkout(db.session.get(User, user_id), key, {
        "address": {"recipient": "王", "phone": "13912345678", "county_code": "360722",
                    "detail": "x"},
        "payment_method": "cod", "channel": "storefront"})[0].id


@pytest.fixture
def signed_in(client) -> int:
    shopper = UserFactory()
    Pages(client).sign_in(shopper)
    return shopper.id


def test_cart_and_checkout(client, signed_in):
    skus = [sku for _, sku in listed_products(8, sellers=4)]
    add_item(signed_in, skus[0], 1)
    small = [statements(client, "/cart"), statements(client, "/checkout")]
    for sku_id in skus[1:]:
        add_item(signed_in, sku_id, 2)
    large = [statements(client, "/cart"), statements(client, "/checkout")]
    for a, b in zip(small, large):
        same_count(a, b)


def test_my_orders_and_an_order(client, signed_in):
    skus = [sku for _, sku in listed_products(8, sellers=4)]
    one = buy(signed_in, skus[:1], "one")
    small = [statements(client, "/orders"), statements(client, f"/orders/{one}")]
    big = buy(signed_in, skus, "big")
    for i in range(8):
        buy(signed_in, skus[i % 4:i % 4 + 2], f"more-{i}")
    large = [statements(client, "/orders"), statements(client, f"/orders/{big}")]
    for a, b in zip(small, large):
        same_count(a, b)


# --- the API's hot paths (issue 10: counts, not timings) ----------------------------------


def test_product_api_is_a_few_statements_whatever_it_shows(client):
    """GET /api/v1/products/{id}: at most 6 statements, as many for one SKU, certificate
    and batch as for nine SKUs, five certificates and six batches."""
    plain, rich_id = plain_and_rich_products()
    small = statements(client, f"/api/v1/products/{plain}")
    large = statements(client, f"/api/v1/products/{rich_id}")
    body = client.get(f"/api/v1/products/{rich_id}").get_json()
    assert len(body["skus"]) == 9 and len(body["latest_batches"]) == 5
    assert small == large, (small, large)
    assert large <= 6, large


def test_trace_api_is_constant_in_what_the_batch_holds(client, admin):
    [(plain, _), (rich, _)] = listed_products(2, sellers=2)
    certify(db.session.get(Product, rich), 5)
    small = add_batch(db.session.get(Product, plain), inspections=1, spot_checks=1,
                      checker=admin).trace_code
    large = add_batch(db.session.get(Product, rich), inspections=6, spot_checks=4,
                      checker=admin).trace_code
    same_count(statements(client, f"/api/v1/trace/{small}"),
               statements(client, f"/api/v1/trace/{large}"))


def test_order_list_api_is_constant_in_orders_and_lines(client):
    shopper = UserFactory()
    shopper_id, headers = shopper.id, {"Authorization": f"Bearer {issue_token(shopper)[0]}"}
    skus = [sku for _, sku in listed_products(8, sellers=4)]
    buy(shopper_id, skus[:1], "one")
    small = statements(client, "/api/v1/orders", headers)
    big = buy(shopper_id, skus, "big")
    for i in range(8):
        buy(shopper_id, skus[i % 4:i % 4 + 2], f"more-{i}")
    large = statements(client, "/api/v1/orders", headers)
    assert client.get("/api/v1/orders", headers=headers).get_json()["items"][0]["id"] > big
    same_count(small, large)
    assert large <= 8, large
