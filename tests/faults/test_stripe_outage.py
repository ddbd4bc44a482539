"""stripe-mock stops during a checkout: the order is kept with its stock reserved, the
shopper is told to retry (503), and the same Idempotency-Key finishes it once Stripe is
back: one order, one intent, paid once."""

from __future__ import annotations

import time
import uuid

import pytest

from gannan.catalog.models import Sku
from gannan.orders.models import Order, OrderStatus
from gannan.platform.extensions import db
from gannan.reporting.models import LedgerEntry
from tests.helpers import bearer
from tests.faults.support import ADDRESS, publish, signed

pytestmark = [pytest.mark.faults, pytest.mark.stripe_mock]


def test_stripe_outage(stack, fapp, fclient, shop):
    owner, seller, shopper = shop["owner"], shop["seller"], shop["shopper"]
    product, sku_id = publish(fclient, owner, seller, stock=5)
    fclient.post("/api/v1/cart/items", json={"sku_id": sku_id, "quantity": 2},
                 headers=bearer(shopper))
    key = uuid.uuid4().hex
    body = {"payment_method": "stripe", "address": ADDRESS}
    headers = {**bearer(shopper), "Idempotency-Key": key}

    stack.stripe.stop()
    started = time.perf_counter()
    refused = fclient.post("/api/v1/checkout", json=body, headers=headers)
    elapsed = time.perf_counter() - started
    assert refused.status_code == 503, refused.get_json()
    assert refused.get_json()["code"] == "payment_provider_unavailable"
    assert elapsed < 10, elapsed
    db.session.expire_all()
    kept = db.session.scalar(db.select(Order).where(Order.idempotency_key == key))
    assert kept.status is OrderStatus.PENDING_PAYMENT
    assert kept.stripe_payment_intent_id is None
    assert db.session.get(Sku, sku_id).stock == 3  # reserved, not given back

    stack.stripe.start()
    finished = fclient.post("/api/v1/checkout", json=body, headers=headers)
    assert finished.status_code == 200, finished.get_json()  # the same order, finished
    order = finished.get_json()
    assert order["id"] == kept.id
    assert order["stripe_payment_intent_id"] and order["stripe_client_secret"]
    again = fclient.post("/api/v1/checkout", json=body, headers=headers).get_json()
    assert again["stripe_payment_intent_id"] == order["stripe_payment_intent_id"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 1

    event = {"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event",
             "type": "payment_intent.succeeded", "created": int(time.time()),
             "data": {"object": {"id": order["stripe_payment_intent_id"],
                                 "object": "payment_intent", "amount": order["total_fen"],
                                 "amount_received": order["total_fen"], "currency": "cny",
                                 "status": "succeeded"}}}
    for _ in range(2):  # delivered twice, applied once
        payload, signature = signed(event)
        assert fclient.post("/api/v1/payments/stripe/webhook", data=payload,
                            headers=signature).status_code == 200
    db.session.expire_all()
    assert db.session.get(Order, kept.id).status is OrderStatus.PAID
    assert db.session.scalar(db.select(db.func.sum(LedgerEntry.amount_fen))) == 2 * 6880
    assert db.session.get(Sku, sku_id).stock == 3
    print(f"stripe down: checkout 503 in {elapsed:.1f} s, order {kept.id} kept, stock 3 of 5")
