"""Cart and checkout: several sellers, exact totals, atomic stock, idempotent by key."""

import threading
import uuid

import pytest

from gannan.catalog.models import ProductStatus, Sku
from gannan.orders.models import Order, SellerOrder, SellerOrderEvent
from gannan.platform.extensions import db
from gannan.platform.types import SHANGHAI
from tests.factories import ProductFactory, UserFactory
from tests.helpers import add_to_cart, ADDRESS, assert_problem, bearer, checkout, sku_id


def stock(product):
    db.session.expire_all()
    return db.session.get(Sku, sku_id(product)).stock


def test_cart(client, shopper, market):
    add_to_cart(client, shopper, market["orange"], 2)
    body = add_to_cart(client, shopper, market["orange"], 1).get_json()
    assert [(i["title"], i["quantity"]) for i in body["items"]] == [("赣南脐橙 5kg", 3)]
    assert body["items_total_fen"] == 3 * 6880
    item_id = body["items"][0]["id"]
    changed = client.patch(f"/api/v1/cart/items/{item_id}", json={"quantity": 5},
                           headers=bearer(shopper)).get_json()
    assert changed["items"][0]["quantity"] == 5
    emptied = client.delete(f"/api/v1/cart/items/{item_id}", headers=bearer(shopper)).get_json()
    assert emptied["items"] == []


@pytest.mark.parametrize("body, status, code", [
    ({"quantity": 0}, 422, "validation_error"),
    ({"quantity": -2}, 422, "validation_error"),
    ({"quantity": 51}, 409, "out_of_stock"),
])
def test_cart_refuses_bad_quantities(client, shopper, market, body, status, code):
    response = client.post("/api/v1/cart/items", json={"sku_id": sku_id(market["orange"]),
                                                       **body}, headers=bearer(shopper))
    assert_problem(response, status, code)


def test_cart_refuses_what_is_not_for_sale(client, shopper, seller):
    draft = ProductFactory(seller=seller)
    response = client.post("/api/v1/cart/items", json={"sku_id": sku_id(draft), "quantity": 1},
                           headers=bearer(shopper))
    assert_problem(response, 409, "sku_unavailable")
    assert_problem(client.post("/api/v1/cart/items", json={"sku_id": 999999, "quantity": 1},
                               headers=bearer(shopper)), 409, "sku_unavailable")
    assert_problem(client.patch("/api/v1/cart/items/12345", json={"quantity": 1},
                                headers=bearer(shopper)), 404, "cart_item_not_found")


def test_cod_checkout_splits_per_seller_with_exact_totals(client, shopper, market):
    add_to_cart(client, shopper, market["orange"], 2)   # 13760, free shipping above 9900
    add_to_cart(client, shopper, market["oil"], 1)      # 9800, flat 1000
    add_to_cart(client, shopper, market["noodles"], 1)  # 4590, flat 1000
    response = checkout(client, shopper, channel="livestream", channel_ref="抖音 赣南好物直播间")
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert order["status"] == "placed" and order["payment_method"] == "cod"
    assert order["number"].startswith("GN")
    parts = {so["seller"]["name"]: so for so in order["seller_orders"]}
    assert len(parts) == 3
    assert parts["信丰县果园合作社"]["items_total_fen"] == 13760
    assert parts["信丰县果园合作社"]["shipping_fen"] == 0
    assert parts["兴国油茶"]["shipping_fen"] == 1000
    assert order["items_total_fen"] == 13760 + 9800 + 4590
    assert order["shipping_total_fen"] == 2000
    assert order["total_fen"] == 13760 + 9800 + 4590 + 2000
    assert order["address"]["province"] == "广东" and order["address"]["county_code"] is None
    assert stock(market["orange"]) == 48 and stock(market["oil"]) == 19
    assert client.get("/api/v1/cart", headers=bearer(shopper)).get_json()["items"] == []


def test_seller_shipping_rule_with_cold_chain(client, owner, seller, shopper):
    chilled = ProductFactory(seller=seller, status=ProductStatus.PUBLISHED, cold_chain=True,
                             skus=[Sku(code="C", spec="冷链", price_fen=20000, stock=5)])
    rule = {"flat_fee_fen": 800, "free_above_fen": 15000, "cold_chain_surcharge_fen": 1200}
    assert client.put(f"/api/v1/sellers/{seller.id}/shipping-rule", json=rule,
                      headers=bearer(owner)).get_json() == rule
    add_to_cart(client, shopper, chilled)
    order = checkout(client, shopper).get_json()
    assert order["seller_orders"][0]["shipping_fen"] == 1200  # free above 150 元, surcharge stays


def test_same_key_same_order_different_body_409(client, shopper, market):
    add_to_cart(client, shopper, market["orange"], 1)
    key = uuid.uuid4().hex
    first = checkout(client, shopper, key=key)
    again = checkout(client, shopper, key=key)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert stock(market["orange"]) == 49
    other = checkout(client, shopper, key=key, channel="campaign", channel_ref="双11")
    assert_problem(other, 409, "idempotency_key_reused")
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 1


@pytest.mark.parametrize("overrides, code", [
    ({"payment_method": "alipay"}, "validation_error"),
    ({"payment_method": "stripe"}, "payment_method_unavailable"),  # no Stripe configured
    ({"address": {**ADDRESS, "province": "火星"}}, "unknown_province"),
    ({"address": {**ADDRESS, "province": "江西省", "city": "赣州市", "county": "不存在县"}},
     "unknown_county"),
    ({"address": {k: v for k, v in ADDRESS.items() if k != "city"}}, "address_incomplete"),
    ({"address": {**ADDRESS, "county_code": "360727"}}, "retired_county"),
    ({"address": {**ADDRESS, "county_code": "110101"}}, "unknown_county"),
    ({"channel": "livestream"}, "channel_ref_required"),
])
def test_bad_checkouts_change_nothing(client, shopper, market, overrides, code):
    add_to_cart(client, shopper, market["orange"], 2)
    assert_problem(checkout(client, shopper, **overrides), 422, code)
    assert stock(market["orange"]) == 50
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0
    assert len(client.get("/api/v1/cart", headers=bearer(shopper)).get_json()["items"]) == 1


def test_checkout_needs_a_key_and_a_cart(client, shopper, market):
    response = client.post("/api/v1/checkout", json={"address": ADDRESS, "payment_method": "cod"},
                           headers=bearer(shopper))
    assert_problem(response, 422, "idempotency_key_required")
    assert_problem(checkout(client, shopper), 422, "cart_empty")


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
def test_blank_or_overlong_idempotency_keys_are_refused(client, shopper, market, key):
    add_to_cart(client, shopper, market["orange"])
    response = client.post("/api/v1/checkout", json={"address": ADDRESS, "payment_method": "cod"},
                           headers={**bearer(shopper), "Idempotency-Key": key})
    body = assert_problem(response, 422, "idempotency_key_required")
    assert body["errors"] == {"Idempotency-Key": [body["detail"]]}
    assert "Idempotency-Key" in body["detail"]
    assert stock(market["orange"]) == 50


def test_idempotency_key_is_read_without_surrounding_blanks(client, shopper, market):
    add_to_cart(client, shopper, market["orange"])
    first = checkout(client, shopper, key="  my-order-1 ")
    again = checkout(client, shopper, key="my-order-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]


def test_ganzhou_address_resolves_to_a_county(client, shopper, market):
    add_to_cart(client, shopper, market["orange"])
    by_text = checkout(client, shopper, address={**ADDRESS, "province": "江西", "city": "赣州",
                                                 "county": "南康市"}).get_json()
    assert by_text["address"]["county_code"] == "360703"  # the retired name maps forward
    add_to_cart(client, shopper, market["orange"])
    by_code = checkout(client, shopper, address={**ADDRESS, "county_code": "360722"}).get_json()
    assert by_code["address"]["county"] == "信丰县"


def test_out_of_stock_at_checkout_rolls_everything_back(client, shopper, market):
    add_to_cart(client, shopper, market["oil"], 1)
    add_to_cart(client, shopper, market["orange"], 5)
    sku = db.session.get(Sku, sku_id(market["orange"]))
    sku.stock = 4  # sold elsewhere meanwhile
    db.session.commit()
    body = assert_problem(checkout(client, shopper), 409, "out_of_stock")
    assert body["sku_id"] == sku_id(market["orange"])
    assert stock(market["oil"]) == 20 and stock(market["orange"]) == 4
    assert db.session.scalar(db.select(db.func.count()).select_from(SellerOrder)) == 0


def test_checkout_names_every_short_sku_and_reserves_nothing(client, shopper, market):
    add_to_cart(client, shopper, market["orange"], 5)
    add_to_cart(client, shopper, market["oil"], 3)
    add_to_cart(client, shopper, market["noodles"], 2)  # enough of these
    for key, left in (("orange", 4), ("oil", 1)):  # sold elsewhere meanwhile
        db.session.get(Sku, sku_id(market[key])).stock = left
    db.session.commit()
    body = assert_problem(checkout(client, shopper), 409, "out_of_stock")
    assert sorted(body["skus"], key=lambda s: s["sku_id"]) == sorted([
        {"sku_id": sku_id(market["orange"]), "requested": 5, "available": 4},
        {"sku_id": sku_id(market["oil"]), "requested": 3, "available": 1},
    ], key=lambda s: s["sku_id"])
    assert "赣南脐橙 5kg" in body["detail"] and "山茶油 1L" in body["detail"]
    assert (stock(market["orange"]), stock(market["oil"]), stock(market["noodles"])) == (4, 1, 100)
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0
    assert len(client.get("/api/v1/cart", headers=bearer(shopper)).get_json()["items"]) == 3


def test_unpublished_product_in_cart_is_refused_at_checkout(client, owner, shopper, market):
    add_to_cart(client, shopper, market["orange"])
    client.post(f"/api/v1/products/{market['orange'].id}/unpublish", headers=bearer(owner))
    assert_problem(checkout(client, shopper), 409, "sku_unavailable")


def test_concurrent_checkouts_never_oversell(app, seller):
    """12 shoppers race for the last 5 units: exactly 5 orders, stock 0, the rest 409."""
    product = ProductFactory(seller=seller, status=ProductStatus.PUBLISHED,
                             skus=[Sku(code="LAST", spec="最后几箱", price_fen=5000, stock=5)])
    shoppers = [UserFactory() for _ in range(12)]
    client = app.test_client()
    for user in shoppers:
        add_to_cart(client, user, product)
    headers = [bearer(user) for user in shoppers]
    barrier = threading.Barrier(len(shoppers))
    results = []

    def buy(h):
        with app.app_context():
            c = app.test_client()
            barrier.wait()
            response = c.post("/api/v1/checkout", json={"address": ADDRESS, "payment_method":
                                                        "cod"},
                              headers={**h, "Idempotency-Key": uuid.uuid4().hex})
            results.append((response.status_code, response.get_json().get("code")))

    threads = [threading.Thread(target=buy, args=(h,)) for h in headers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == sorted([(201, None)] * 5 + [(409, "out_of_stock")] * 7,
                                              key=str)
    assert stock(product) == 0


def test_a_shopper_after_the_last_unit_is_refused_before_anything_is_written(
        client, shopper, market, count_queries):
    """The stock read with the cart already says short: a 409 with no write at all, so
    under a rush for the last units the refused shoppers never wait for the SKU's row."""
    add_to_cart(client, shopper, market["orange"], 2)
    db.session.get(Sku, sku_id(market["orange"])).stock = 1  # sold elsewhere meanwhile
    db.session.commit()
    with count_queries() as statements:
        body = assert_problem(checkout(client, shopper), 409, "out_of_stock")
    assert body["skus"] == [{"sku_id": sku_id(market["orange"]), "requested": 2, "available": 1}]
    writes = [s for s in statements
              if s.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert stock(market["orange"]) == 1


def test_stock_sold_between_the_cart_read_and_the_reservation_undoes_the_order(
        client, shopper, market, monkeypatch):
    """Another shopper takes the units after this checkout read the cart (so the early
    check passes) but before its conditional UPDATE: the order rows already inserted go
    back with the refusal, the cart stays, the other sale stands."""
    from gannan.orders.services import checkout as service

    add_to_cart(client, shopper, market["oil"], 1)
    add_to_cart(client, shopper, market["orange"], 5)
    orange = sku_id(market["orange"])
    split = service._split

    def split_then_sell_elsewhere(items):
        parts = split(items)
        with db.engine.begin() as other:  # another request's connection, committed
            other.execute(db.update(Sku).where(Sku.id == orange).values(stock=Sku.stock - 48))
        return parts

    monkeypatch.setattr(service, "_split", split_then_sell_elsewhere)
    body = assert_problem(checkout(client, shopper), 409, "out_of_stock")
    assert body["skus"] == [{"sku_id": orange, "requested": 5, "available": 2}]
    assert stock(market["orange"]) == 2 and stock(market["oil"]) == 20
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(SellerOrder)) == 0
    assert len(client.get("/api/v1/cart", headers=bearer(shopper)).get_json()["items"]) == 2


def test_the_order_read_back_is_the_one_the_checkout_answered(client, shopper, market):
    """On PostgreSQL the order, its parts, the cart's emptying and the stock are written
    by one statement, on SQLite one per table: read back from the database, the order
    is the checkout's answer either way, with its history and a number built from the
    day in Shanghai and the id."""
    add_to_cart(client, shopper, market["orange"], 2)
    add_to_cart(client, shopper, market["oil"], 1)
    answered = checkout(client, shopper).get_json()
    db.session.expire_all()
    stored = db.session.get(Order, answered["id"])
    day = f"{stored.created_at.astimezone(SHANGHAI):%Y%m%d}"
    assert answered["number"] == stored.number == f"GN{day}{stored.id:07d}"
    read = client.get(f"/api/v1/orders/{answered['id']}", headers=bearer(shopper))
    assert read.status_code == 200 and read.get_json() == answered
    events = db.session.scalars(db.select(SellerOrderEvent.seller_order_id)
                                .where(SellerOrderEvent.to_status == "pending_payment",
                                       SellerOrderEvent.note == "checkout")).all()
    assert sorted(events) == sorted(so["id"] for so in answered["seller_orders"])
    assert stock(market["orange"]) == 48 and stock(market["oil"]) == 19
    assert client.get("/api/v1/cart", headers=bearer(shopper)).get_json()["items"] == []


def test_order_numbers_keep_every_digit_of_an_id_beyond_seven(client, shopper, market):
    add_to_cart(client, shopper, market["oil"], 1)
    first = checkout(client, shopper).get_json()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("SELECT setval(pg_get_serial_sequence('orders', 'id'), "
                                   "12345677)"))
    else:  # SQLite gives the next row the highest id + 1
        row = db.session.execute(db.select(Order.__table__)
                                 .where(Order.id == first["id"])).mappings().one()
        db.session.execute(db.insert(Order.__table__).values(
            {**row, "id": 12345677, "number": "GN-elsewhere", "idempotency_key": "elsewhere"}))
    db.session.commit()
    add_to_cart(client, shopper, market["oil"], 1)
    second = checkout(client, shopper, key="beyond-seven").get_json()
    db.session.expire_all()
    stored = db.session.get(Order, 12345678)
    assert second["id"] == stored.id
    assert second["number"] == stored.number \
        == f"GN{stored.created_at.astimezone(SHANGHAI):%Y%m%d}12345678"
