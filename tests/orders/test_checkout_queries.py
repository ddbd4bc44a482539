"""Checkout runs a fixed number of SQL statements whatever the cart holds: one line of
one seller, or many lines of three sellers (issue 10: at most 15; 9 since the cart read
carries the key's order and the shipping rules; on PostgreSQL 3, the account, the cart
and one statement writing the order, its parts, the cart's emptying and the stock).  A
shopper refused for stock already gone costs two: the account and the cart."""

import os

from gannan.catalog.models import ProductStatus, Sku
from gannan.orders.models import Order
from gannan.platform.extensions import db
from tests.factories import ProductFactory
from tests.helpers import ADDRESS, bearer

STATEMENTS = {"sqlite": 9, "postgresql": 3}
MAX_REPLAY_STATEMENTS = 9  # the account, the cart, the order with its parts (one a kind)
MAX_REFUSAL_STATEMENTS = 2


def fill_cart(client, shopper, skus) -> None:
    for sku in skus:
        response = client.post("/api/v1/cart/items", json={"sku_id": sku, "quantity": 1},
                               headers=bearer(shopper))
        assert response.status_code == 201, response.get_json()


def checkout_statements(client, shopper, count_queries, key: str,
                        status: int = 201) -> tuple[int, dict]:
    headers = {**bearer(shopper), "Idempotency-Key": key}
    db.session.expunge_all()  # count what the request loads, nothing cached from the setup
    with count_queries() as sql:
        response = client.post("/api/v1/checkout", headers=headers,
                               json={"address": ADDRESS, "payment_method": "cod"})
    assert response.status_code == status, response.get_json()
    if os.environ.get("SHOW_SQL"):
        print(f"--- checkout: {len(sql)}")
        for statement in sql:
            print("   ", " ".join(statement.split())[:220])
    return len(sql), response.get_json()


def max_statements() -> int:
    return STATEMENTS[db.engine.dialect.name]


def more_skus(product, n: int) -> list[int]:
    product.skus.extend(Sku(code=f"M{i}", spec=f"{i}箱", price_fen=1000 + i, stock=10)
                        for i in range(n))
    db.session.commit()
    return [sku.id for sku in product.skus]


def test_checkout_statements_do_not_grow_with_lines_or_sellers(client, shopper, market,
                                                                 count_queries):
    many = [sku for key in ("orange", "oil", "noodles") for sku in more_skus(market[key], 3)]
    fill_cart(client, shopper, many[:1])
    small, body = checkout_statements(client, shopper, count_queries, "one-line")
    assert len(body["seller_orders"]) == 1

    fill_cart(client, shopper, many)
    large, body = checkout_statements(client, shopper, count_queries, "many-lines")
    assert len(body["seller_orders"]) == 3
    assert sum(len(so["lines"]) for so in body["seller_orders"]) == len(many) == 12
    assert small == large, f"{small} statements for one line, {large} for twelve of 3 sellers"
    assert large <= max_statements(), large


def test_a_replayed_checkout_is_cheap_and_the_same(client, shopper, market, count_queries):
    fill_cart(client, shopper, [market[k].skus[0].id for k in ("orange", "oil", "noodles")])
    _, first = checkout_statements(client, shopper, count_queries, "replay")
    replayed, again = checkout_statements(client, shopper, count_queries, "replay", 200)
    assert again == first
    assert replayed <= MAX_REPLAY_STATEMENTS
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 1


def test_a_stripe_checkout_reads_its_order_back_in_a_constant_number(client, shopper, market,
                                                                      count_queries, stripe_on):
    many = [sku for key in ("orange", "oil", "noodles") for sku in more_skus(market[key], 2)]
    counts = []
    for key, skus in (("one", many[:1]), ("many", many)):
        fill_cart(client, shopper, skus)
        headers = {**bearer(shopper), "Idempotency-Key": key}
        db.session.expunge_all()
        with count_queries() as sql:
            response = client.post("/api/v1/checkout", headers=headers,
                                   json={"address": ADDRESS, "payment_method": "stripe"})
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["stripe_client_secret"]
        counts.append(len(sql))
    assert counts[0] == counts[1], counts


def test_a_refusal_for_stock_already_gone_reads_the_account_and_the_cart_only(
        client, shopper, market, count_queries):
    """Under contention most shoppers come after the last unit: their 409 is decided on
    the cart read, with no key lookup, no write and no reload after the rollback."""
    sku = market["orange"].skus[0]
    fill_cart(client, shopper, [sku.id])
    sku.stock = 0
    db.session.commit()
    statements, body = checkout_statements(client, shopper, count_queries, "too-late", 409)
    assert body["code"] == "out_of_stock" and body["skus"][0]["available"] == 0
    assert statements <= MAX_REFUSAL_STATEMENTS, statements

