"""流向可追踪: the batch each shipped line came from, where a batch went, recalls."""

from __future__ import annotations

import json
import uuid

import pytest

from gannan.catalog.models import ProductStatus, Sku
from gannan.orders.models import OrderLine
from gannan.platform.extensions import db
from tests.factories import ProductFactory, TraceBatchFactory, UserFactory
from tests.helpers import add_to_cart, assert_problem, bearer, checkout, owner_of

SHANGHAI = {"recipient": "王伟", "phone": "13800003333", "province": "上海", "city": "上海",
            "county": "浦东新区", "detail": "世纪大道1号"}
SHENZHEN = {"recipient": "李娜", "phone": "13800004444", "province": "广东省", "city": "深圳市",
            "county": "南山区", "detail": "科技园路1号"}


@pytest.fixture
def orange(seller):
    """A published 5 kg box with two batches of 2,000 kg: the newest first."""
    product = ProductFactory(seller=seller, status=ProductStatus.PUBLISHED, title="赣南脐橙 5kg",
                             skus=[Sku(code="QC5", spec="5kg", price_fen=6880, stock=500,
                                       weight_g=5000)])
    old = TraceBatchFactory(product=product, quantity=2000, unit="kg")
    new = TraceBatchFactory(product=product, quantity=2000, unit="kg")
    return product, old, new


def buy(client, product, quantity=1, address=SHANGHAI, shopper=None):
    shopper = shopper or UserFactory()
    add_to_cart(client, shopper, product, quantity)
    order = checkout(client, shopper, key=uuid.uuid4().hex, address=address).get_json()
    return shopper, order["seller_orders"][0]


def new_batch(client, staff, product_id):
    return client.post(f"/api/v1/products/{product_id}/batches", headers=staff, json={
        "harvest_date": "2026-11-25", "quantity": 1000, "unit": "kg", "base": "信丰县安西镇基地",
        "producer": "信丰县果园合作社", "producer_kind": "cooperative",
        "compliance_certificate": {"product": "赣南脐橙", "quantity": "1000kg",
                                   "producer": "信丰县果园合作社", "origin": "信丰县安西镇",
                                   "contact": "13907970001", "issued_on": "2026-11-25",
                                   "commitments": ["pesticide_residues_within_limits"]}})


def ship(client, part, lines=None):
    body = {"carrier": "顺丰", "tracking_number": "SF1"}
    if lines is not None:
        body["lines"] = lines
    return client.post(f"/api/v1/seller-orders/{part['id']}/ship", json=body,
                       headers=bearer(owner_of(part["seller"]["id"])))


def test_a_line_ships_from_a_named_batch(client, orange, market):
    product, old, new = orange
    _, part = buy(client, product, 2)
    line_id = part["lines"][0]["id"]
    body = assert_problem(ship(client, part), 422, "batch_required")
    assert str(line_id) in body["detail"]
    other = TraceBatchFactory(product=market["oil"])
    assert_problem(ship(client, part, [{"line_id": line_id, "batch_id": other.id}]), 422,
                   "batch_not_of_product")
    assert_problem(ship(client, part, [{"line_id": line_id + 1000, "batch_id": old.id}]), 422,
                   "line_not_in_order")
    shipped = ship(client, part, [{"line_id": line_id, "batch_id": old.id}])
    assert shipped.status_code == 200, shipped.get_json()
    assert shipped.get_json()["lines"][0]["batch_id"] == old.id
    assert db.session.get(OrderLine, line_id).batch_id == old.id


def test_the_only_batch_is_the_default_and_no_batch_is_fine(client, seller, market):
    single = ProductFactory(seller=seller, status=ProductStatus.PUBLISHED)
    batch = TraceBatchFactory(product=single)
    _, part = buy(client, single)
    assert ship(client, part).get_json()["lines"][0]["batch_id"] == batch.id
    _, part = buy(client, market["orange"])  # a product without batches
    shipped = ship(client, part)
    assert shipped.status_code == 200 and shipped.get_json()["lines"][0]["batch_id"] is None


def test_the_public_trace_shows_where_a_batch_went_never_to_whom(client, orange):
    product, old, _ = orange
    for quantity, address in ((2, SHANGHAI), (1, SHANGHAI), (4, SHENZHEN)):
        _, part = buy(client, product, quantity, address)
        ship(client, part, [{"line_id": part["lines"][0]["id"], "batch_id": old.id}])
    _, unshipped = buy(client, product, 3, SHENZHEN)
    trace = client.get(f"/api/v1/trace/{old.trace_code}")
    assert trace.status_code == 200
    flow = trace.get_json()["flow"]
    assert flow == {"parcels": 3, "units": 7, "weight_kg": "35", "share_of_batch_percent": "1.75",
                    "provinces": [{"province": "广东", "parcels": 1, "units": 4},
                                  {"province": "上海", "parcels": 2, "units": 3}]}
    text = json.dumps(trace.get_json(), ensure_ascii=False)
    for private in ("王伟", "李娜", "13800003333", "世纪大道", "浦东新区"):
        assert private not in text
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "flow" in spec["components"]["schemas"]["Trace"]["properties"]


def test_a_recall_notifies_buyers_blocks_the_product_until_a_new_batch(client, orange, admin,
                                                                      bureau_user, market):
    product, old, new = orange
    first, part = buy(client, product, 2)
    ship(client, part, [{"line_id": part["lines"][0]["id"], "batch_id": old.id}])
    second, part2 = buy(client, product, 1, SHENZHEN)
    ship(client, part2, [{"line_id": part2["lines"][0]["id"], "batch_id": old.id}])
    bystander, part3 = buy(client, product, 1)
    ship(client, part3, [{"line_id": part3["lines"][0]["id"], "batch_id": new.id}])
    seller_staff = bearer(owner_of(product.seller_id))

    recalled = client.post(f"/api/v1/batches/{old.id}/recall",
                           json={"reason": "农残检测超标，主动召回"}, headers=seller_staff)
    assert recalled.status_code == 200, recalled.get_json()
    assert recalled.get_json()["buyers_notified"] == 2
    assert_problem(client.post(f"/api/v1/batches/{old.id}/recall", json={"reason": "x"},
                               headers=seller_staff), 409, "already_recalled")
    for buyer, told in ((first, True), (second, True), (bystander, False)):
        notes = client.get("/api/v1/me/notifications", headers=bearer(buyer)).get_json()["items"]
        assert bool(notes) is told
        if told:
            assert notes[0]["kind"] == "batch_recalled" and old.trace_code in notes[0]["message"]
    db.session.expire_all()
    assert product.status is ProductStatus.BLOCKED and product.block_cause == "recall"
    assert_problem(client.post(f"/api/v1/products/{product.id}/publish", headers=seller_staff),
                   409, "product_blocked")
    trace = client.get(f"/api/v1/trace/{old.trace_code}").get_json()
    assert trace["batch"]["recall_reason"] == "农残检测超标，主动召回"
    assert trace["batch"]["recalled_at"]

    listed = client.get(f"/api/v1/batches/{old.id}/recall-list", headers=seller_staff)
    assert listed.status_code == 200
    items = listed.get_json()["items"]
    assert [(i["seller_order_id"], i["quantity"], i["contact"]["phone"]) for i in items] == [
        (part["id"], 2, SHANGHAI["phone"]), (part2["id"], 1, SHENZHEN["phone"])]
    assert client.get(f"/api/v1/batches/{old.id}/recall-list",
                      headers=bearer(admin)).status_code == 200
    for outsider in (bureau_user, first, owner_of(market["oil"].seller_id)):
        assert_problem(client.get(f"/api/v1/batches/{old.id}/recall-list",
                                  headers=bearer(outsider)), 403, "not_seller_member")

    added = new_batch(client, seller_staff, product.id)
    assert added.status_code == 201, added.get_json()
    db.session.expire_all()
    assert product.status is ProductStatus.UNPUBLISHED and product.block_cause is None
    assert client.post(f"/api/v1/products/{product.id}/publish",
                       headers=seller_staff).status_code == 200


def test_a_recalled_batch_ships_no_more_and_an_admin_recalls_too(client, orange, admin):
    product, old, new = orange
    _, part = buy(client, product)
    recalled = client.post(f"/api/v1/batches/{new.id}/recall", json={"reason": "包装破损"},
                           headers=bearer(admin))
    assert recalled.status_code == 200
    assert_problem(ship(client, part, [{"line_id": part["lines"][0]["id"], "batch_id": new.id}]),
                   409, "batch_recalled")
    shipped = ship(client, part)  # the one batch left that is not recalled is the default
    assert shipped.status_code == 200 and shipped.get_json()["lines"][0]["batch_id"] == old.id


def test_a_spot_check_block_outlives_a_new_batch(client, orange, admin):
    product, old, _ = orange
    checked = client.post("/api/v1/admin/spot-checks", headers=bearer(admin), json={
        "trace_code": old.trace_code, "sampled_on": "2026-11-20", "lab": "赣州市检测中心",
        "report_number": "GZ-1", "passed": False})
    assert checked.status_code == 201
    client.post(f"/api/v1/batches/{old.id}/recall", json={"reason": "抽检不合格"},
                headers=bearer(admin))
    assert new_batch(client, bearer(owner_of(product.seller_id)), product.id).status_code == 201
    db.session.expire_all()
    assert product.block_cause == "spot_check" and product.status is ProductStatus.BLOCKED
