"""Races on money and stock: 50 concurrent attempts each, on SQLite and on PostgreSQL.

Every test runs twice, on a SQLite file and on a PostgreSQL database of its own, and
fires its attempts from 50 threads released at once, each with its own app context,
test client and database connection.  Afterwards it checks what a shopper, a seller
or the bureau would see: never more refunded than paid, one refund row per accepted
refund, the sales ledger and ``/metrics/sales`` moved once per sale and per refund,
the Stripe refunds asked for, and the stock.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from gannan import create_app
from gannan.catalog.models import ProductStatus, Sku
from gannan.orders.models import Order, OrderLine, Refund, SellerOrder
from gannan.orders.gateway import PaymentProviderError
from gannan.orders.services import checkout as checkout_service
from gannan.orders.services import payments, refunds
from gannan.orders.services.fulfilment import expire_unpaid
from gannan.platform.config import normalise_database_url
from gannan.platform.extensions import db
from gannan.platform.models import Role, SellerStatus, UserRole
from gannan.platform.types import SHANGHAI, utcnow
from gannan.reporting.metrics import Month
from gannan.reporting.models import EntryKind, LedgerEntry
from tests.helpers import ADDRESS, TEST_CONFIG, WEBHOOK_SECRET, bearer, clean_tables, signed_event, succeeded
from tests.factories import ProductFactory, SellerFactory, UserFactory, category
from tests.services import need_postgres, need_stripe_mock

ATTEMPTS = 50


# --- a database of the races' own, per backend ----------------------------------------


def _fresh_postgres_database() -> tuple[str, sa.Engine, str]:
    base = sa.engine.make_url(normalise_database_url(need_postgres()))
    name = f"{base.database}_races_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return base.set(database=name).render_as_string(hide_password=False), admin, name


@pytest.fixture(scope="module", params=["sqlite",
                                         pytest.param("postgresql", marks=pytest.mark.postgres)])
def race_app(request, tmp_path_factory):
    admin = name = None
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("races") / "races.sqlite3")
    else:
        url, admin, name = _fresh_postgres_database()
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                      "SEARCH_INDEX_PATH": str(tmp_path_factory.mktemp("races-search")
                                               / "index.sqlite3")})
    try:
        with app.app_context():
            if request.param == "sqlite":
                # 50 writers on 2 busy cores can queue longer than the default 5 s; the
                # races are about who wins, not about shedding load (a test below is).
                @sa.event.listens_for(db.engine, "connect")
                def patient(dbapi_connection, connection_record):
                    dbapi_connection.execute("PRAGMA busy_timeout = 60000")
            upgrade()
            db.session.remove()
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture
def shop(race_app):
    """Inside the race database: three sellers with one product each, a shopper, the
    bureau; everything is deleted again after the test."""
    with race_app.app_context():
        owner = UserFactory()
        xinfeng = SellerFactory(owner=owner, status=SellerStatus.APPROVED, name="信丰县果园")
        xingguo = SellerFactory(owner=UserFactory(), status=SellerStatus.APPROVED,
                                county_code="360732", name="兴国油茶")
        huichang = SellerFactory(owner=UserFactory(), status=SellerStatus.APPROVED,
                                 county_code="360733", name="会昌米粉")
        products = {
            "orange": ProductFactory(seller=xinfeng, title="赣南脐橙 5kg",
                                     status=ProductStatus.PUBLISHED,
                                     skus=[Sku(code="QC5", spec="5kg", price_fen=6880,
                                               stock=50)]),
            "oil": ProductFactory(seller=xingguo, title="山茶油 1L",
                                  status=ProductStatus.PUBLISHED,
                                  category=category("camellia_oil"),
                                  origin_county_code="360732",
                                  skus=[Sku(code="CY1", spec="1L", price_fen=9800, stock=20)]),
            "noodles": ProductFactory(seller=huichang, title="会昌米粉 2.5kg",
                                      status=ProductStatus.PUBLISHED,
                                      category=category("rice_noodles"),
                                      origin_county_code="360733",
                                      skus=[Sku(code="MF", spec="2.5kg", price_fen=4590,
                                                stock=100)]),
        }
        staff = {product.seller_id: bearer(seller.members[0].user) for product, seller in
                 ((products["orange"], xinfeng), (products["oil"], xingguo),
                  (products["noodles"], huichang))}
        yield SimpleNamespace(
            app=race_app, client=race_app.test_client(), products=products, staff=staff,
            shopper=bearer(UserFactory()),
            bureau=bearer(UserFactory(role_rows=[UserRole(role=Role.BUREAU)])),
            sku={key: product.skus[0].id for key, product in products.items()},
        )
        clean_tables(race_app)


@pytest.fixture
def stripe(shop, monkeypatch):
    """Stripe on stripe-mock for the race app; every refund asked of Stripe is counted."""
    config = shop.app.config
    saved = {k: config.get(k) for k in ("STRIPE_API_KEY", "STRIPE_API_BASE",
                                        "STRIPE_WEBHOOK_SECRET")}
    config.update(STRIPE_API_BASE=need_stripe_mock(), STRIPE_API_KEY="sk_test_gannan",
                  STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    asked: list[tuple[str, int, str]] = []
    lock = threading.Lock()
    real = refunds.create_refund

    def counting(payment_intent_id, amount_fen, idempotency_key):
        with lock:
            asked.append((payment_intent_id, amount_fen, idempotency_key))
        return real(payment_intent_id, amount_fen, idempotency_key)

    monkeypatch.setattr(refunds, "create_refund", counting)
    monkeypatch.setattr(payments, "create_refund", counting)
    yield asked
    config.update(saved)


# --- firing and reading -----------------------------------------------------------------


def race(app, calls, spread: float = 0.0):
    """Run every call (a function of a test client) in its own thread, all released at
    the same moment (or, with ``spread``, the n-th ``n * spread`` seconds later, so
    that some arrive while the first are committing); returns what each call returned,
    in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        with app.app_context():
            client = app.test_client()
            barrier.wait(timeout=60)
            time.sleep(index * spread)
            try:
                results[index] = call(client)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                results[index] = (type(exc).__name__, str(exc))

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racer never finished"
    return results


def answer(response):
    return response.status_code, response.get_json(silent=True) or {}


def tally(results) -> Counter:
    """{(status, code): how many}: code is None for successes."""
    return Counter((status, body.get("code") if isinstance(body, dict) else body)
                   for status, body in results)


def ok(response):
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def buy(shop, items, method="cod", key=None, address=ADDRESS):
    for name, quantity in items.items():
        ok(shop.client.post("/api/v1/cart/items", json={"sku_id": shop.sku[name],
                                                        "quantity": quantity},
                            headers=shop.shopper))
    return ok(shop.client.post("/api/v1/checkout", json={"address": address,
                                                         "payment_method": method},
                               headers={**shop.shopper,
                                        "Idempotency-Key": key or uuid.uuid4().hex}))


def webhook(client, event_type, obj, event_id=None):
    payload, headers = signed_event(event_type, obj, event_id=event_id)
    return client.post("/api/v1/payments/stripe/webhook", data=payload, headers=headers)


def paid_by_stripe(shop):
    order = buy(shop, {"orange": 1, "oil": 1, "noodles": 1}, method="stripe")
    assert ok(webhook(shop.client, "payment_intent.succeeded", succeeded(order)))[
        "outcome"] == "paid"
    return shop.client.get(f"/api/v1/orders/{order['id']}", headers=shop.shopper).get_json()


def part_of(order, shop, name):
    seller_id = shop.products[name].seller_id
    return next(so for so in order["seller_orders"] if so["seller"]["id"] == seller_id)


def ship(client, shop, seller_order):
    return client.post(f"/api/v1/seller-orders/{seller_order['id']}/ship",
                       json={"carrier": "顺丰", "tracking_number": "SF1234567890"},
                       headers=shop.staff[seller_order["seller"]["id"]])


def deliver(client, shop, seller_order):
    return client.post(f"/api/v1/seller-orders/{seller_order['id']}/deliver",
                       json={"cash_collected": True},
                       headers=shop.staff[seller_order["seller"]["id"]])


def delivered_cod(shop):
    """Two boxes of oranges, paid in cash on delivery: a seller order with money to refund."""
    order = buy(shop, {"orange": 2})
    seller_order = order["seller_orders"][0]
    ok(ship(shop.client, shop, seller_order))
    return ok(deliver(shop.client, shop, seller_order))


def refund_call(shop, seller_order, amount_fen, line_ids=None):
    body = {"amount_fen": amount_fen, "reason": "退款"}
    if line_ids:
        body["line_ids"] = line_ids

    def call(client):
        return answer(client.post(f"/api/v1/seller-orders/{seller_order['id']}/refunds",
                                  json=body, headers=shop.staff[seller_order["seller"]["id"]]))
    return call


def stock(shop, name):
    db.session.expire_all()
    return db.session.get(Sku, shop.sku[name]).stock


def metrics(shop):
    this_month = Month.parse(f"{datetime.now(SHANGHAI):%Y-%m}")
    response = shop.client.get("/api/v1/metrics/sales", headers=shop.bureau, query_string={
        "from": str(this_month.previous()), "to": str(this_month.next())})
    return ok(response)["totals"]


def ledger_total(kind=None) -> int:
    query = db.select(db.func.coalesce(db.func.sum(LedgerEntry.amount_fen), 0))
    return db.session.scalar(query if kind is None else query.where(LedgerEntry.kind == kind))


def assert_books_balance(order_id: int) -> list[Refund]:
    """Every refund of the order counted exactly once, on its lines, its seller order and
    in the ledger; never more refunded than paid.  Returns the refunds."""
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    all_refunds = []
    for seller_order in order.seller_orders:
        rows = db.session.scalars(db.select(Refund).where(
            Refund.seller_order_id == seller_order.id).order_by(Refund.id)).all()
        all_refunds += rows
        assert 0 <= seller_order.refunded_fen <= seller_order.paid_fen
        assert seller_order.refunded_fen == sum(r.amount_fen for r in rows)
        for line in seller_order.lines:
            assert 0 <= line.refunded_fen <= line.line_total_fen
            assert line.refunded_fen == sum(r.allocation.get(str(line.id), 0) for r in rows)
        for refund in rows:
            entries = db.session.scalars(db.select(LedgerEntry).where(
                LedgerEntry.source == f"refund:{refund.id}")).all()
            assert sorted((e.order_line_id, -e.amount_fen) for e in entries) == sorted(
                (int(line_id), fen) for line_id, fen in refund.allocation.items() if fen)
        sales = db.session.scalars(db.select(LedgerEntry).where(
            LedgerEntry.seller_order_id == seller_order.id,
            LedgerEntry.kind == EntryKind.SALE)).all()
        assert sum(e.amount_fen for e in sales) == (
            seller_order.items_total_fen if seller_order.paid_fen else 0)
    refund_entries = db.session.scalars(db.select(LedgerEntry).where(
        LedgerEntry.order_id == order_id, LedgerEntry.kind == EntryKind.REFUND)).all()
    assert {e.source for e in refund_entries} <= {f"refund:{r.id}" for r in all_refunds}
    return all_refunds


# --- refunds ------------------------------------------------------------------------------


def test_full_refunds_of_one_part_refund_it_once(shop):
    seller_order = delivered_cod(shop)
    paid = seller_order["paid_fen"]
    results = race(shop.app, [refund_call(shop, seller_order, paid)] * ATTEMPTS)
    assert tally(results) == {(201, None): 1, (422, "refund_exceeds_paid"): ATTEMPTS - 1}
    [refund] = assert_books_balance(seller_order["order_id"])
    assert refund.amount_fen == paid
    assert db.session.get(SellerOrder, seller_order["id"]).status.value == "refunded"
    assert ledger_total(EntryKind.REFUND) == -seller_order["items_total_fen"]
    assert ledger_total() == 0
    figures = metrics(shop)
    assert figures["refunds_fen"] == -seller_order["items_total_fen"]
    assert figures["online_retail_fen"] == 0
    assert stock(shop, "orange") == 48  # delivered goods do not come back by a refund


def test_partial_refunds_stop_at_what_was_paid(shop):
    seller_order = delivered_cod(shop)
    paid = seller_order["paid_fen"]  # 13,760 fen: 13 refunds of 1,000 fit, the 14th not
    results = race(shop.app, [refund_call(shop, seller_order, 1000)] * ATTEMPTS)
    fits = paid // 1000
    assert tally(results) == {(201, None): fits, (422, "refund_exceeds_paid"): ATTEMPTS - fits}
    assert len(assert_books_balance(seller_order["order_id"])) == fits
    assert db.session.get(SellerOrder, seller_order["id"]).refunded_fen == fits * 1000
    assert ledger_total(EntryKind.REFUND) == -fits * 1000
    assert metrics(shop)["online_retail_fen"] == paid - fits * 1000


@pytest.mark.stripe_mock
def test_full_stripe_refunds_ask_stripe_once_and_return_stock_once(shop, stripe):
    order = paid_by_stripe(shop)
    orange = part_of(order, shop, "orange")
    assert stock(shop, "orange") == 49
    results = race(shop.app, [refund_call(shop, orange, orange["paid_fen"])] * ATTEMPTS)
    assert tally(results) == {(201, None): 1, (422, "refund_exceeds_paid"): ATTEMPTS - 1}
    [refund] = assert_books_balance(order["id"])
    assert stripe == [(order["stripe_payment_intent_id"], orange["paid_fen"],
                       f"refund-{refund.id}")]
    assert refund.stripe_refund_id.startswith("re_")
    assert stock(shop, "orange") == 50
    assert metrics(shop)["refunds_fen"] == -orange["items_total_fen"]


@pytest.mark.stripe_mock
def test_partial_stripe_refunds_over_chosen_lines(shop, stripe):
    order = paid_by_stripe(shop)
    oil = part_of(order, shop, "oil")  # 9,800 goods + 1,000 shipping
    line_id = oil["lines"][0]["id"]
    calls = [refund_call(shop, oil, 700, [line_id] if i % 2 else None) for i in range(ATTEMPTS)]
    results = race(shop.app, calls)
    fits = oil["paid_fen"] // 700
    assert tally(results) == {(201, None): fits, (422, "refund_exceeds_paid"): ATTEMPTS - fits}
    accepted = assert_books_balance(order["id"])
    assert len(accepted) == fits
    assert sorted(key for _, _, key in stripe) == sorted(f"refund-{r.id}" for r in accepted)
    goods = sum(sum(r.allocation.values()) for r in accepted)
    assert goods == min(fits * 700, oil["items_total_fen"])
    assert metrics(shop)["refunds_fen"] == -goods


# --- cancellation, shipping, delivery -------------------------------------------------------


@pytest.mark.stripe_mock
def test_cancels_of_a_paid_order_refund_once_and_return_stock_once(shop, stripe):
    order = paid_by_stripe(shop)

    def cancel(client):
        return answer(client.post(f"/api/v1/orders/{order['id']}/cancel",
                                  headers=shop.shopper))

    results = race(shop.app, [cancel] * ATTEMPTS)
    counted = tally(results)
    assert counted[(200, None)] == 1
    assert sum(n for (status, _), n in counted.items() if status == 409) == ATTEMPTS - 1
    accepted = assert_books_balance(order["id"])
    assert len(accepted) == 3 and sum(r.amount_fen for r in accepted) == order["total_fen"]
    assert sorted(key for _, _, key in stripe) == sorted(f"refund-{r.id}" for r in accepted)
    assert (stock(shop, "orange"), stock(shop, "oil"), stock(shop, "noodles")) == (50, 20, 100)
    assert ledger_total() == 0
    figures = metrics(shop)
    assert figures["online_retail_fen"] == 0
    assert figures["refunds_fen"] == -order["items_total_fen"]


@pytest.mark.parametrize("method", ["cod", pytest.param("stripe",
                                                         marks=pytest.mark.stripe_mock)])
def test_cancel_and_ship_one_of_them_loses(shop, request, method):
    asked = request.getfixturevalue("stripe") if method == "stripe" else []
    order = paid_by_stripe(shop) if method == "stripe" else buy(shop, {"orange": 2, "oil": 1})
    orange = part_of(order, shop, "orange")

    def cancel(client):
        return "cancel", *answer(client.post(f"/api/v1/orders/{order['id']}/cancel",
                                             headers=shop.shopper))

    def ship_it(client):
        return "ship", *answer(ship(client, shop, orange))

    results = race(shop.app, [cancel, ship_it] * (ATTEMPTS // 2))
    wins = [what for what, status, _ in results if status == 200]
    assert len(wins) == 1, Counter((what, status) for what, status, _ in results)
    assert all(status == 409 for _, status, _ in results if status != 200), results
    db.session.expire_all()
    seller_order = db.session.get(SellerOrder, orange["id"])
    cancelled = db.session.get(Order, order["id"]).status.value == "cancelled"
    assert cancelled == (wins == ["cancel"])
    assert (seller_order.shipped_at is not None) == (wins == ["ship"])
    bought = 1 if method == "stripe" else 2
    assert stock(shop, "orange") == 50 - (0 if cancelled else bought)
    if method == "stripe":
        accepted = assert_books_balance(order["id"])
        assert len(asked) == len(accepted) == (3 if cancelled else 0)


def test_cash_collected_once(shop):
    order = buy(shop, {"orange": 2})
    seller_order = order["seller_orders"][0]
    ok(ship(shop.client, shop, seller_order))
    results = race(shop.app, [lambda client: answer(deliver(client, shop, seller_order))]
                   * ATTEMPTS)
    assert tally(results) == {(200, None): 1, (409, "invalid_transition"): ATTEMPTS - 1}
    assert ledger_total(EntryKind.SALE) == seller_order["items_total_fen"]
    assert metrics(shop)["online_retail_fen"] == seller_order["items_total_fen"]
    assert db.session.get(SellerOrder, seller_order["id"]).paid_fen == seller_order["total_fen"]


# --- checkout ----------------------------------------------------------------------------------


def test_checkouts_with_one_key_all_get_the_winners_order(shop):
    for name, quantity in {"orange": 1, "oil": 2}.items():
        ok(shop.client.post("/api/v1/cart/items", json={"sku_id": shop.sku[name],
                                                        "quantity": quantity},
                            headers=shop.shopper))
    bodies = [{"address": ADDRESS, "payment_method": "cod"},
              {"address": {**ADDRESS, "detail": "另一个地址"}, "payment_method": "cod"}]
    headers = {**shop.shopper, "Idempotency-Key": "one-key-for-all"}

    def attempt(body):
        def call(client):
            return body, *answer(client.post("/api/v1/checkout", json=body, headers=headers))
        return call

    # every tenth attempt sends another body with the same key
    results = race(shop.app, [attempt(bodies[i % 10 == 9]) for i in range(ATTEMPTS)],
                   spread=0.002)
    [order] = db.session.scalars(db.select(Order)).all()
    winner = bodies[order.detail == "另一个地址"]
    statuses = Counter()
    for body, status, answered in results:
        if body is winner:
            assert status in (200, 201) and answered["id"] == order.id, (status, answered)
        else:
            assert (status, answered.get("code")) == (409, "idempotency_key_reused")
        statuses[status] += 1
    assert statuses[201] == 1
    assert (stock(shop, "orange"), stock(shop, "oil")) == (49, 18)
    cart = shop.client.get("/api/v1/cart", headers=shop.shopper).get_json()
    assert cart["items"] == []


def test_a_checkout_that_looked_just_before_the_winner_committed_gets_its_order(
        shop, monkeypatch):
    """The narrow window behind the 422 ``cart_empty`` of issue 8: a request looks its key
    up and finds nothing, then the winner commits (emptying the cart) before it reads the
    cart.  Forced here rather than waited for."""
    ok(shop.client.post("/api/v1/cart/items", json={"sku_id": shop.sku["orange"],
                                                    "quantity": 1}, headers=shop.shopper))
    body = {"address": ADDRESS, "payment_method": "cod"}
    headers = {**shop.shopper, "Idempotency-Key": "looked-too-early"}
    winner = shop.client.post("/api/v1/checkout", json=body, headers=headers)
    assert winner.status_code == 201
    real, looked = checkout_service._by_key, []

    def too_early(buyer_id, key, digest):
        looked.append(key)
        return None if len(looked) == 1 else real(buyer_id, key, digest)

    monkeypatch.setattr(checkout_service, "_by_key", too_early)
    late = shop.client.post("/api/v1/checkout", json=body, headers=headers)
    assert late.status_code == 200, late.get_json()
    assert late.get_json()["id"] == winner.get_json()["id"]
    looked.clear()
    other = shop.client.post("/api/v1/checkout", json={**body, "channel": "livestream",
                                                       "channel_ref": "直播间"},
                             headers=headers)
    assert (other.status_code, other.get_json()["code"]) == (409, "idempotency_key_reused")
    assert stock(shop, "orange") == 49


# --- payments arriving as the order expires, refunds made in Stripe's dashboard ----------------


@pytest.mark.stripe_mock
def test_payment_and_expiry_one_of_them_wins(shop, stripe):
    order = buy(shop, {"orange": 1, "oil": 1}, method="stripe")
    later = utcnow() + timedelta(minutes=31)

    def pay(client):
        return "pay", *answer(webhook(client, "payment_intent.succeeded", succeeded(order)))

    def expire(client):
        return "expire", 200, {"expired": expire_unpaid(later)}

    results = race(shop.app, [pay, expire] * (ATTEMPTS // 2))
    assert all(status == 200 for _, status, _ in results), results
    outcomes = Counter(body["outcome"] for what, _, body in results if what == "pay")
    expired = sum(len(body["expired"]) for what, _, body in results if what == "expire")
    db.session.expire_all()
    status = db.session.get(Order, order["id"]).status.value
    if status == "paid":
        assert expired == 0 and outcomes["paid"] == 1
        assert set(outcomes) <= {"paid", "already_paid"}
        assert (stock(shop, "orange"), stock(shop, "oil")) == (49, 19)
        assert ledger_total(EntryKind.SALE) == order["items_total_fen"] and stripe == []
    else:
        assert status == "expired" and expired == 1 and outcomes["paid"] == 0
        assert (stock(shop, "orange"), stock(shop, "oil")) == (50, 20)
        assert ledger_total() == 0
        # every late payment is refunded under one key: Stripe refunds it once
        assert {key for _, _, key in stripe} == {f"late-payment-{order['id']}"}
    assert_books_balance(order["id"])


@pytest.mark.stripe_mock
def test_a_dashboard_refund_delivered_many_times_counts_once(shop, stripe):
    order = paid_by_stripe(shop)
    charge = {"id": "ch_race", "object": "charge",
              "payment_intent": order["stripe_payment_intent_id"], "amount_refunded": 5000,
              "refunds": {"data": [{"id": "re_dashboard_race", "amount": 5000}]}}

    def deliver_event(client):
        return answer(webhook(client, "charge.refunded", charge))

    results = race(shop.app, [deliver_event] * ATTEMPTS)
    # each delivery recorded it, found it recorded, or was told to come again later
    assert all(status in (200, 409) for status, _ in results), tally(results)
    assert sum(1 for _, body in results if body.get("outcome") == "recorded_1_refunds") == 1
    again = ok(webhook(shop.client, "charge.refunded", charge))
    assert again["outcome"] == "recorded_0_refunds"
    accepted = assert_books_balance(order["id"])
    assert sum(r.amount_fen for r in accepted) == 5000
    assert stripe == []


@pytest.mark.stripe_mock
def test_the_ledger_moves_once_per_refund(shop, stripe):
    """Refunds of every kind at once on one order: the seller's, the buyer's cancellation,
    Stripe's dashboard; the ledger has exactly one set of rows per refund row."""
    order = paid_by_stripe(shop)
    orange, oil = part_of(order, shop, "orange"), part_of(order, shop, "oil")
    charge = {"id": "ch_mix", "object": "charge",
              "payment_intent": order["stripe_payment_intent_id"], "amount_refunded": 300,
              "refunds": {"data": [{"id": "re_dashboard_mix", "amount": 300}]}}

    def cancel(client):
        return answer(client.post(f"/api/v1/orders/{order['id']}/cancel",
                                  headers=shop.shopper))

    def dashboard(client):
        return answer(webhook(client, "charge.refunded", charge))

    calls = [refund_call(shop, orange, 500), refund_call(shop, oil, 900), cancel, dashboard,
             refund_call(shop, oil, oil["paid_fen"])] * (ATTEMPTS // 5)
    results = race(shop.app, calls)
    assert all(status < 500 for status, _ in results), tally(results)
    accepted = assert_books_balance(order["id"])
    db.session.expire_all()
    refunded = sum(so.refunded_fen for so in db.session.get(Order, order["id"]).seller_orders)
    assert refunded == sum(r.amount_fen for r in accepted) <= order["total_fen"]
    goods = sum(sum(r.allocation.values()) for r in accepted)
    assert ledger_total(EntryKind.REFUND) == -goods == metrics(shop)["refunds_fen"]
    stripe_keys = [key for _, _, key in stripe]
    assert len(stripe_keys) == len(set(stripe_keys))
    ours = {f"refund-{r.id}" for r in accepted if r.reason != "refunded in Stripe"}
    assert set(stripe_keys) == ours
    lines = db.session.scalars(db.select(OrderLine).join(SellerOrder).where(
        SellerOrder.order_id == order["id"])).all()
    assert sum(line.refunded_fen for line in lines) == goods


@pytest.mark.stripe_mock
def test_beat_workers_settling_one_refund_write_the_ledger_once(shop, stripe, monkeypatch):
    """A refund Stripe could not take stays pending; workers that all pick it up at once
    ask Stripe under its one key and settle it once."""
    order = paid_by_stripe(shop)
    orange = part_of(order, shop, "orange")
    counting = refunds.create_refund

    def down(payment_intent_id, amount_fen, idempotency_key):
        counting(payment_intent_id, amount_fen, idempotency_key)  # counted and made, but
        raise PaymentProviderError("Stripe did not answer in time.")  # the answer is lost

    monkeypatch.setattr(refunds, "create_refund", down)
    failed = refund_call(shop, orange, orange["paid_fen"])(shop.client)
    assert failed[0] == 502 and failed[1]["code"] == "payment_provider_unavailable"
    pending = db.session.get(Refund, failed[1]["refund_id"])
    assert pending.status.value == "pending" and ledger_total(EntryKind.REFUND) == 0
    assert refund_call(shop, orange, orange["paid_fen"])(shop.client)[0] == 422  # reserved
    monkeypatch.setattr(refunds, "create_refund", counting)
    later = utcnow() + refunds.SETTLE_AFTER + timedelta(seconds=1)
    results = race(shop.app, [lambda client: refunds.settle_pending(later)] * ATTEMPTS)
    assert sorted(map(len, results)) == [0] * (ATTEMPTS - 1) + [1]
    [refund] = assert_books_balance(order["id"])
    assert refund.status.value == "succeeded" and refund.stripe_refund_id.startswith("re_")
    assert {key for _, _, key in stripe} == {f"refund-{refund.id}"}
    assert ledger_total(EntryKind.REFUND) == -orange["items_total_fen"]
    assert metrics(shop)["refunds_fen"] == -orange["items_total_fen"]
    assert stock(shop, "orange") == 50


def test_a_writer_that_waits_too_long_is_told_to_retry_not_a_500(shop):
    """When another transaction holds the lock longer than the database waits (SQLite's
    busy timeout, PostgreSQL's lock timeout), the answer is a 503 to retry, and nothing
    was written."""
    url = shop.app.config["SQLALCHEMY_DATABASE_URI"]
    sqlite = url.startswith("sqlite")
    impatient = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                            "SEARCH_INDEX_PATH": shop.app.config["SEARCH_INDEX_PATH"]})
    seller_order = delivered_cod(shop)
    with impatient.app_context():
        @sa.event.listens_for(db.engine, "connect")
        def wait_briefly(dbapi_connection, connection_record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout = 50" if sqlite else "SET lock_timeout = 100")
            cursor.close()

        holder = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with holder.connect() as conn:
                conn.exec_driver_sql("BEGIN EXCLUSIVE" if sqlite else "BEGIN")
                if not sqlite:
                    conn.execute(sa.text("UPDATE seller_orders SET refunded_fen = refunded_fen "
                                         "WHERE id = :id"), {"id": seller_order["id"]})
                response = refund_call(shop, seller_order, 100)(impatient.test_client())
                conn.exec_driver_sql("ROLLBACK")
        finally:
            holder.dispose()
        assert response[0] == 503 and response[1]["code"] == "database_busy", response
        again = refund_call(shop, seller_order, 100)(impatient.test_client())
        assert again[0] == 201, again
        db.engine.dispose()
    assert len(assert_books_balance(seller_order["order_id"])) == 1
