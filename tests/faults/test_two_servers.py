"""Two app servers (gunicorn, separate processes) and two Celery workers on one
PostgreSQL, one Redis and one Elasticsearch index, with shoppers on both servers at once.

Afterwards: nothing oversold, every payment and refund in the ledger exactly once, the
month's report equal to the raw SQL over the ledger, and the login limit one budget
across both servers (RATELIMIT_STORAGE_URI on Redis).
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import text

from gannan.catalog.models import Sku
from gannan.orders.models import OrderLine, Refund, SellerOrder
from gannan.platform.auth import issue_token
from gannan.platform.extensions import db
from gannan.platform.models import Role, SellerStatus, UserRole
from gannan.platform.types import SHANGHAI, utcnow
from gannan.reporting.metrics import Month
from gannan.reporting.models import MonthlyReport
from tests.helpers import TEST_CONFIG
from tests.factories import ProductFactory, SellerFactory, UserFactory, category
from tests.faults.support import ADDRESS, signed
from tests.private_services import (
    celery_worker,
    gunicorn_server,
    wait_http_ready,
    wait_until,
    wait_worker_ready,
)

pytestmark = [pytest.mark.multiserver, pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.celery_worker, pytest.mark.elasticsearch, pytest.mark.stripe_mock]

SHOPPERS, ROUNDS = 8, 4  # 32 checkouts
SCARCE_STOCK = 12  # fewer than the shoppers want: some must be refused, none oversold
LOGIN_LIMIT = 5


def auth(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user)[0]}"}


def test_two_servers_two_workers(stack, fapp, tmp_path):
    owners = [UserFactory(), UserFactory()]
    sellers = [SellerFactory(owner=owners[0], status=SellerStatus.APPROVED),
               SellerFactory(owner=owners[1], status=SellerStatus.APPROVED, county_code="360732")]
    scarce = ProductFactory(seller=sellers[0], title="赣南脐橙 限量礼盒",
                            skus=[Sku(code="L1", spec="礼盒", price_fen=12800,
                                      stock=SCARCE_STOCK)])
    plenty = ProductFactory(seller=sellers[1], title="兴国山茶油 1L",
                            category=category("camellia_oil"), origin_county_code="360732",
                            skus=[Sku(code="Y1", spec="1L", price_fen=9800, stock=1000)])
    shoppers = [UserFactory() for _ in range(SHOPPERS)]
    admin = UserFactory(role_rows=[UserRole(role=Role.PLATFORM_ADMIN)])
    headers = {u.id: auth(u) for u in [*owners, *shoppers, admin]}
    owner_of = {sellers[0].id: headers[owners[0].id], sellers[1].id: headers[owners[1].id]}
    sku = {"scarce": scarce.skus[0].id, "plenty": plenty.skus[0].id}
    product_ids = [scarce.id, plenty.id]

    env = stack.env(SECRET_KEY=TEST_CONFIG["SECRET_KEY"], WEB_CONCURRENCY="2",
                    GUNICORN_THREADS="4", RATELIMIT_STORAGE_URI=f"{stack.redis.url}/2",
                    LOGIN_RATE_LIMIT=f"{LOGIN_LIMIT} per minute")
    servers = [gunicorn_server(f"api-{n}", env, tmp_path) for n in "ab"]
    workers = [celery_worker(f"worker-{n}-{uuid.uuid4().hex[:4]}", env, tmp_path) for n in "ab"]
    for process, _ in servers:
        process.start()
    for process in workers:
        process.start()
    try:
        for process, url in servers:
            wait_http_ready(process, url)
        for process in workers:
            wait_worker_ready(process)
        run(stack, fapp, [url for _, url in servers], headers, owner_of, shoppers, admin, sku,
            product_ids, owners)
    finally:
        for process, _ in servers:
            process.stop()
        for process in workers:
            process.stop()


def run(stack, fapp, urls, headers, owner_of, shoppers, admin, sku, product_ids, owners):
    a, b = urls
    for pid, owner in zip(product_ids, owners):  # published through server a and b
        server = urls[product_ids.index(pid)]
        r = requests.post(f"{server}/api/v1/products/{pid}/publish", headers=headers[owner.id])
        assert r.status_code == 200, r.text
    # the workers index them (the after-commit drain through Redis)
    wait_until(lambda: requests.get(f"{b}/api/v1/products", params={"q": "脐橙"})
               .json().get("total") == 1, 60, what="indexed by a worker")

    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def note(what: str) -> None:
        with lock:
            outcomes[what] += 1

    def shopper_session(n: int, user) -> None:
        session = requests.Session()
        rng = random.Random(n)
        mine = headers[user.id]
        for round_ in range(ROUNDS):
            here, there = (a, b) if (n + round_) % 2 == 0 else (b, a)
            found = session.get(f"{here}/api/v1/products", params={"q": "脐橙"})
            assert found.status_code == 200, found.text
            note("search")
            want = "scarce" if rng.random() < 0.6 else "plenty"
            added = session.post(f"{there}/api/v1/cart/items", headers=mine,
                                 json={"sku_id": sku[want], "quantity": 1})
            if added.status_code != 201:
                assert added.json()["code"] == "out_of_stock", added.text
                note("cart_refused")
                continue
            method = "stripe" if round_ % 2 else "cod"
            key = uuid.uuid4().hex
            order = session.post(f"{here}/api/v1/checkout", headers={**mine, "Idempotency-Key": key},
                                 json={"payment_method": method, "address": ADDRESS})
            if order.status_code == 409:
                assert order.json()["code"] == "out_of_stock", order.text
                note("checkout_out_of_stock")
                session.delete(f"{here}/api/v1/cart/items/{added.json()['items'][0]['id']}",
                               headers=mine)
                continue
            assert order.status_code == 201, order.text
            note(f"checkout_{method}")
            body = order.json()
            part = body["seller_orders"][0]
            staff = owner_of[part["seller"]["id"]]
            if method == "stripe":
                event = {"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event",
                         "type": "payment_intent.succeeded", "created": int(time.time()),
                         "data": {"object": {"id": body["stripe_payment_intent_id"],
                                             "object": "payment_intent",
                                             "amount": body["total_fen"],
                                             "amount_received": body["total_fen"],
                                             "status": "succeeded"}}}
                payload, signature = signed(event)
                with ThreadPoolExecutor(2) as both:  # Stripe delivers twice, to both servers
                    answers = list(both.map(lambda url: session.post(
                        f"{url}/api/v1/payments/stripe/webhook", data=payload,
                        headers=signature).json()["outcome"], (a, b)))
                assert sorted(answers) == ["duplicate", "paid"], answers
                note("webhook_paid")
            else:
                assert session.post(f"{there}/api/v1/seller-orders/{part['id']}/ship",
                                    headers=staff, json={"carrier": "EMS",
                                                         "tracking_number": key[:12]}
                                    ).status_code == 200
                delivered = session.post(f"{here}/api/v1/seller-orders/{part['id']}/deliver",
                                         headers=staff, json={"cash_collected": True})
                assert delivered.status_code == 200, delivered.text
                note("cod_collected")
            if round_ == ROUNDS - 1 or n % 3 == 0:
                refund = session.post(f"{there}/api/v1/seller-orders/{part['id']}/refunds",
                                      headers=staff, json={"amount_fen": 1000 + n,
                                                           "reason": "部分破损"})
                assert refund.status_code == 201, refund.text
                note("refund")

    with ThreadPoolExecutor(SHOPPERS) as pool:
        for future in [pool.submit(shopper_session, n, u) for n, u in enumerate(shoppers)]:
            future.result(timeout=180)

    # login limit: one budget across both servers (and their workers)
    victim = shoppers[0].email
    codes = [requests.post(f"{urls[i % 2]}/api/v1/auth/token",
                           json={"email": victim, "password": "wrong"}).status_code
             for i in range(LOGIN_LIMIT + 2)]
    assert codes == [401] * LOGIN_LIMIT + [429, 429], codes

    now = utcnow().astimezone(SHANGHAI)
    period = str(Month(now.year, now.month))
    built = requests.post(f"{a}/api/v1/admin/reports/monthly", headers=headers[admin.id],
                          json={"period": period})
    assert built.status_code == 202, built.text
    wait_until(lambda: requests.get(f"{b}/api/v1/admin/reports/tasks/{built.json()['task_id']}",
                                    headers=headers[admin.id]).json()["state"] == "SUCCESS",
               60, what="report built by a worker")
    checkouts_metric = sum(scrape(url, "gannan_checkouts_total") for url in urls)
    check_books(stack, period, outcomes, sku, checkouts_metric)


def scrape(url: str, name: str) -> float:
    total = 0.0
    for line in requests.get(f"{url}/metrics").text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def check_books(stack, period, outcomes, sku, checkouts_metric) -> None:
    db.session.expire_all()
    # no oversell
    scarce = db.session.get(Sku, sku["scarce"])
    sold = db.session.scalar(db.select(db.func.coalesce(db.func.sum(OrderLine.quantity), 0))
                             .where(OrderLine.sku_id == scarce.id))
    assert scarce.stock >= 0 and scarce.stock + sold == SCARCE_STOCK
    checkouts = outcomes["checkout_cod"] + outcomes["checkout_stripe"]
    assert checkouts_metric == checkouts  # /metrics summed over both servers' workers

    # every payment and every refund in the ledger exactly once
    paid_goods = db.session.scalar(db.select(db.func.sum(SellerOrder.items_total_fen))
                                   .where(SellerOrder.paid_fen > 0))
    refunds = db.session.scalars(db.select(Refund)).all()
    refunded_goods = sum(sum(r.allocation.values()) for r in refunds)
    assert len(refunds) == outcomes["refund"]
    ledger = db.session.execute(text(
        "SELECT COALESCE(SUM(CASE WHEN amount_fen > 0 THEN amount_fen END), 0), "
        "COALESCE(SUM(CASE WHEN amount_fen < 0 THEN amount_fen END), 0), "
        "COUNT(DISTINCT source) FILTER (WHERE amount_fen > 0), "
        "COUNT(*) FILTER (WHERE amount_fen < 0) FROM ledger_entries")).one()
    assert ledger[0] == paid_goods and ledger[1] == -refunded_goods
    assert ledger[2] == outcomes["webhook_paid"] + outcomes["cod_collected"]

    # the month's report is the raw SQL over the ledger
    month = Month.parse(period)
    raw = db.session.execute(text(
        "SELECT COALESCE(SUM(amount_fen), 0), "
        "COALESCE(SUM(CASE WHEN amount_fen < 0 THEN amount_fen ELSE 0 END), 0), "
        "COUNT(DISTINCT order_id) FILTER (WHERE amount_fen > 0), "
        "COUNT(DISTINCT buyer_id) FILTER (WHERE amount_fen > 0) "
        "FROM ledger_entries WHERE business_time >= :start AND business_time < :end"),
        {"start": month.start_utc(), "end": month.next().start_utc()}).one()
    report = db.session.scalar(db.select(MonthlyReport).where(MonthlyReport.period == period))
    totals = json.loads(report.content)["totals"]
    assert (totals["online_retail_fen"], totals["refunds_fen"], totals["orders"],
            totals["buyers"]) == tuple(raw)
    print(f"two servers: {dict(outcomes)}; scarce stock left {scarce.stock} of {SCARCE_STOCK}; "
          f"ledger +{ledger[0]} / {ledger[1]} fen; report {period} online retail "
          f"{totals['online_retail_fen']} fen = raw SQL")
