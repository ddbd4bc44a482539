"""Listings: create, validate, publish rules, SKUs and concurrency-safe stock."""

import threading

import pytest

from gannan.catalog.models import Product, ProductStatus, Sku
from gannan.platform.extensions import db
from gannan.platform.models import SellerStatus
from tests.factories import CertificateFactory, ProductFactory, SellerFactory, UserFactory
from tests.helpers import assert_problem, bearer


def listing(seller_id, **overrides):
    body = {
        "seller_id": seller_id,
        "title": "赣南脐橙 特级 5kg 礼盒",
        "description": "信丰县安西镇基地，树上熟，现摘现发。",
        "category": "navel_orange",
        "origin_county_code": "360722",
        "origin_township": "安西镇",
        "cold_chain": False,
        "images": ["https://img.example.cn/qicheng/1.jpg"],
        "skus": [
            {"code": "QC-5KG-T", "spec": "5kg 特级 80-85mm", "price_fen": 6880, "stock": 200,
             "weight_g": 5000},
            {"code": "QC-10KG-Y", "spec": "10kg 一级 75-80mm", "price_fen": 9900, "stock": 50,
             "weight_g": 10000},
        ],
    }
    body.update(overrides)
    return body


def create(client, user, body):
    return client.post("/api/v1/products", json=body, headers=bearer(user))


def test_create_a_draft_with_skus(client, owner, seller):
    response = create(client, owner, listing(seller.id))
    assert response.status_code == 201, response.get_json()
    product = response.get_json()
    assert product["status"] == "draft"
    assert product["agricultural"] is True  # from the category
    assert product["origin_county"]["name"] == "信丰县"
    assert product["min_price_fen"] == 6880
    assert [s["code"] for s in product["skus"]] == ["QC-5KG-T", "QC-10KG-Y"]
    assert product["seller"] == {"id": seller.id, "name": seller.name, "county": "360722"}


def test_agricultural_flag_can_override_the_category(client, owner, seller):
    body = listing(seller.id, category="other_specialty", agricultural=True)
    assert create(client, owner, body).get_json()["agricultural"] is True
    body = listing(seller.id, category="other_specialty")
    assert create(client, owner, body).get_json()["agricultural"] is False


@pytest.mark.parametrize("overrides, status, code, field", [
    ({"category": "durian"}, 422, "unknown_category", "category"),
    ({"origin_county_code": "360799"}, 422, "unknown_county", "origin_county_code"),
    ({"origin_county_code": "360727"}, 422, "retired_county", "origin_county_code"),
    ({"skus": [{"code": "A", "spec": "1kg", "price_fen": -1, "stock": 1}]}, 422,
     "validation_error", "skus.0.price_fen"),
    ({"skus": [{"code": "A", "spec": "1kg", "price_fen": 100, "stock": -5}]}, 422,
     "validation_error", "skus.0.stock"),
    ({"skus": [{"code": "A", "spec": "1kg", "price_fen": 12.5, "stock": 1}]}, 422,
     "validation_error", "skus.0.price_fen"),
    ({"skus": [{"code": "A", "spec": "1kg", "price_fen": "100", "stock": 1}]}, 422,
     "validation_error", "skus.0.price_fen"),
    ({"skus": [{"code": "A", "spec": "1kg", "price_fen": 100, "stock": 1},
               {"code": "A", "spec": "2kg", "price_fen": 180, "stock": 1}]}, 422,
     "duplicate_sku_code", "skus"),
    ({"skus": []}, 422, "validation_error", "skus"),
    ({"images": ["javascript:alert(1)"]}, 422, "validation_error", "images.0"),
])
def test_bad_listings_write_nothing(client, owner, seller, overrides, status, code, field):
    body = assert_problem(create(client, owner, listing(seller.id, **overrides)), status, code)
    assert field in body["errors"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Sku)) == 0


def test_staff_list_only_for_their_own_seller(client, owner, seller):
    other = SellerFactory(status=SellerStatus.APPROVED)
    assert_problem(create(client, owner, listing(other.id)), 403, "not_seller_member")
    assert_problem(create(client, owner, {**listing(seller.id), "seller_id": "x"}), 422,
                   "validation_error")
    assert_problem(client.post("/api/v1/products", json=listing(seller.id)), 401,
                   "authentication_required")


def test_staff_of_a_cannot_change_products_of_b(client, owner, seller):
    theirs = ProductFactory(status=ProductStatus.PUBLISHED)
    for method, path, body in [
        ("patch", f"/api/v1/products/{theirs.id}", {"title": "改"}),
        ("post", f"/api/v1/products/{theirs.id}/unpublish", None),
        ("post", f"/api/v1/products/{theirs.id}/skus",
         {"code": "X", "spec": "1kg", "price_fen": 1, "stock": 1}),
        ("post", f"/api/v1/products/{theirs.id}/skus/{theirs.skus[0].id}/stock", {"delta": -1}),
        ("patch", f"/api/v1/products/{theirs.id}/skus/{theirs.skus[0].id}", {"price_fen": 1}),
    ]:
        response = getattr(client, method)(path, json=body, headers=bearer(owner))
        assert_problem(response, 403, "not_seller_member")
    db.session.refresh(theirs)
    assert theirs.status is ProductStatus.PUBLISHED
    assert theirs.skus[0].stock == 100 and theirs.skus[0].price_fen == 6800


def test_publish_needs_an_approved_seller(client):
    owner = UserFactory()
    pending = SellerFactory(owner=owner)
    product = ProductFactory(seller=pending)
    response = client.post(f"/api/v1/products/{product.id}/publish", headers=bearer(owner))
    assert_problem(response, 409, "seller_not_approved")


def test_regional_brand_needs_a_valid_licence_to_publish(client, owner, seller):
    product = create(client, owner, listing(seller.id, regional_brand="赣南脐橙")).get_json()
    publish = f"/api/v1/products/{product['id']}/publish"
    assert_problem(client.post(publish, headers=bearer(owner)), 409, "brand_licence_required")

    item = db.session.get(Product, product["id"])
    CertificateFactory(products=[item], brand="赣南茶油")  # another brand does not count
    assert_problem(client.post(publish, headers=bearer(owner)), 409, "brand_licence_required")

    from datetime import date
    CertificateFactory(products=[item], valid_from=date(2020, 1, 1), valid_until=date(2021, 1, 1))
    assert_problem(client.post(publish, headers=bearer(owner)), 409, "brand_licence_required")

    CertificateFactory(products=[item])
    published = client.post(publish, headers=bearer(owner)).get_json()
    assert published["status"] == "published" and published["published_at"]
    assert sorted(c["brand"] for c in published["certificates"]) == ["赣南脐橙", "赣南茶油"]


def test_publish_unpublish_and_visibility(client, owner, seller, consumer):
    product = ProductFactory(seller=seller)
    path = f"/api/v1/products/{product.id}"
    assert_problem(client.get(path), 404, "product_not_found")
    assert client.get(path, headers=bearer(owner)).status_code == 200
    client.post(f"{path}/publish", headers=bearer(owner))
    assert client.get(path).get_json()["status"] == "published"
    client.post(f"{path}/unpublish", headers=bearer(owner))
    assert_problem(client.get(path, headers=bearer(consumer)), 404, "product_not_found")


def test_suspended_sellers_products_are_hidden(client, seller):
    product = ProductFactory(seller=seller, status=ProductStatus.PUBLISHED)
    seller.status = SellerStatus.SUSPENDED
    db.session.commit()
    assert_problem(client.get(f"/api/v1/products/{product.id}"), 404, "product_not_found")


def test_patch_edits_and_validates(client, owner, seller):
    product = ProductFactory(seller=seller)
    path = f"/api/v1/products/{product.id}"
    edited = client.patch(path, json={"title": "赣南脐橙 精品 10kg", "category": "tangerine"},
                          headers=bearer(owner)).get_json()
    assert edited["title"] == "赣南脐橙 精品 10kg"
    assert edited["category"]["slug"] == "tangerine"
    assert_problem(client.patch(path, json={"origin_county_code": "360782"},
                                headers=bearer(owner)), 422, "retired_county")
    assert_problem(client.patch(path, json={"price": 5}, headers=bearer(owner)), 422,
                   "unknown_field")


def test_skus_and_stock(client, owner, seller):
    product = ProductFactory(seller=seller)
    base = f"/api/v1/products/{product.id}/skus"
    sku = client.post(base, json={"code": "B2", "spec": "2.5kg", "price_fen": 3990, "stock": 3},
                      headers=bearer(owner)).get_json()
    assert_problem(client.post(base, json={"code": "B2", "spec": "x", "price_fen": 1, "stock": 1},
                               headers=bearer(owner)), 409, "duplicate_sku_code")
    stock = f"{base}/{sku['id']}/stock"
    assert client.post(stock, json={"delta": 7}, headers=bearer(owner)).get_json()["stock"] == 10
    assert client.post(stock, json={"delta": -10}, headers=bearer(owner)).get_json() == {
        **sku, "stock": 0, "sold_out": True}
    body = assert_problem(client.post(stock, json={"delta": -1}, headers=bearer(owner)), 409,
                          "insufficient_stock")
    assert "Only 0 in stock" in body["detail"]
    assert_problem(client.post(f"{base}/999999/stock", json={"delta": 1}, headers=bearer(owner)),
                   404, "sku_not_found")
    other = ProductFactory(seller=seller)
    assert_problem(client.post(f"/api/v1/products/{other.id}/skus/{sku['id']}/stock",
                               json={"delta": 1}, headers=bearer(owner)), 404, "sku_not_found")
    repriced = client.patch(f"{base}/{sku['id']}", json={"price_fen": 3500},
                            headers=bearer(owner)).get_json()
    assert repriced["price_fen"] == 3500


def test_stock_stops_at_its_ceiling_instead_of_overflowing_the_column(client, owner, seller):
    """Additions of 10^8 would pass 2^31 after 22 of them (a 500 on PostgreSQL)."""
    product = ProductFactory(seller=seller)
    sku_id = product.skus[0].id
    path = f"/api/v1/products/{product.id}/skus/{sku_id}/stock"
    start = product.skus[0].stock
    to_ceiling = 10**8 - start
    assert client.post(path, json={"delta": to_ceiling},
                       headers=bearer(owner)).get_json()["stock"] == 10**8
    for _ in range(3):
        assert_problem(client.post(path, json={"delta": 10**8}, headers=bearer(owner)), 409,
                       "stock_limit")
    assert client.post(path, json={"delta": -1}, headers=bearer(owner)).get_json()["stock"] \
        == 10**8 - 1


def test_concurrent_stock_removals_never_oversell(app, owner, seller):
    """20 clients each take 1 of the last 10 units: exactly 10 succeed, stock ends at 0."""
    product = ProductFactory(seller=seller, skus=[Sku(code="L", spec="last", price_fen=1,
                                                      stock=10)])
    path = f"/api/v1/products/{product.id}/skus/{product.skus[0].id}/stock"
    headers = bearer(owner)
    barrier = threading.Barrier(20)
    statuses = []

    def take_one():
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            statuses.append(client.post(path, json={"delta": -1}, headers=headers).status_code)

    threads = [threading.Thread(target=take_one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 10 + [409] * 10
    db.session.expire_all()
    assert db.session.get(Sku, product.skus[0].id).stock == 0


def test_seller_sees_all_its_products(client, owner, seller):
    ProductFactory(seller=seller)
    ProductFactory(seller=seller, status=ProductStatus.PUBLISHED)
    ProductFactory()
    body = client.get(f"/api/v1/sellers/{seller.id}/products", headers=bearer(owner)).get_json()
    assert body["total"] == 2
    drafts = client.get(f"/api/v1/sellers/{seller.id}/products?status=draft",
                        headers=bearer(owner)).get_json()
    assert [p["status"] for p in drafts["items"]] == ["draft"]


def test_categories(client):
    items = client.get("/api/v1/categories").get_json()["items"]
    by_slug = {c["slug"]: c for c in items}
    assert by_slug["navel_orange"]["name"] == "脐橙"
    assert by_slug["black_tea"]["parent"] == "tea"
    assert by_slug["camellia_oil"]["agricultural"] is True
    assert by_slug["other_specialty"]["agricultural"] is False
    assert {"tangerine", "pomelo", "rice_noodles", "rice", "green_tea", "white_tea"} <= set(by_slug)
