"""Stripe through stripe-mock: intents, signed webhooks applied exactly once, refunds,
and the ledger agreeing with the order history to the fen."""

import time
from datetime import timedelta

import pytest

from gannan.catalog.models import Sku
from gannan.orders.models import Order, OrderStatus, WebhookEvent
from gannan.orders.services.fulfilment import expire_unpaid
from gannan.platform.extensions import db
from gannan.platform.types import utcnow
from gannan.reporting.models import LedgerEntry
from tests.helpers import (
    add_to_cart,
    assert_problem,
    bearer,
    checkout,
    owner_of,
    send_event,
    signed_event,
    succeeded,
)

pytestmark = pytest.mark.stripe_mock


def ledger(order_id):
    rows = db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.order_id == order_id)
                              .order_by(LedgerEntry.id)).all()
    return rows


def stripe_order(client, shopper, market, **kwargs):
    for name in ("orange", "oil", "noodles"):
        add_to_cart(client, shopper, market[name])
    response = checkout(client, shopper, payment_method="stripe", **kwargs)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_three_sellers_paid_by_stripe_shipped_and_partly_refunded(
        stripe_on, client, shopper, market, owner, seller):
    order = stripe_order(client, shopper, market)
    assert order["status"] == "pending_payment"
    assert order["stripe_payment_intent_id"].startswith("pi_")
    assert order["stripe_client_secret"]
    assert order["expires_at"]

    # the same event delivered three times counts once
    payload, headers = signed_event("payment_intent.succeeded", succeeded(order),
                                    event_id="evt_paid_once")
    outcomes = [client.post("/api/v1/payments/stripe/webhook", data=payload,
                            headers=headers).get_json()["outcome"] for _ in range(3)]
    assert outcomes == ["paid", "duplicate", "duplicate"]
    paid = client.get(f"/api/v1/orders/{order['id']}", headers=bearer(shopper)).get_json()
    assert paid["status"] == "paid"
    assert {so["status"] for so in paid["seller_orders"]} == {"paid"}
    rows = ledger(order["id"])
    assert len(rows) == 3 and sum(r.amount_fen for r in rows) == order["items_total_fen"]

    # a different event id for the same payment (Stripe retried with a new event) adds nothing
    assert send_event(client, "payment_intent.succeeded", succeeded(order)).get_json()[
        "outcome"] == "already_paid"
    assert len(ledger(order["id"])) == 3

    # each seller ships its part
    for so in paid["seller_orders"]:
        shipped = client.post(f"/api/v1/seller-orders/{so['id']}/ship",
                              json={"carrier": "顺丰", "tracking_number": f"SF{so['id']:010d}"},
                              headers=bearer(owner_of(so["seller"]["id"])))
        assert shipped.status_code == 200, shipped.get_json()

    # one seller refunds part of its goods through Stripe
    orange_part = next(so for so in paid["seller_orders"] if so["seller"]["id"] == seller.id)
    refund = client.post(f"/api/v1/seller-orders/{orange_part['id']}/refunds",
                         json={"amount_fen": 1880, "reason": "一箱有磕碰"}, headers=bearer(owner))
    assert refund.status_code == 201, refund.get_json()
    assert refund.get_json()["stripe_refund_id"].startswith("re_")

    history = client.get(f"/api/v1/orders/{order['id']}", headers=bearer(shopper)).get_json()
    part = next(so for so in history["seller_orders"] if so["id"] == orange_part["id"])
    assert part["refunded_fen"] == 1880 and part["refund_status"] == "partially_refunded"
    assert part["status"] == "shipped"
    rows = ledger(order["id"])
    goods_paid = sum(so["items_total_fen"] for so in history["seller_orders"])
    goods_refunded = sum(line["refunded_fen"] for so in history["seller_orders"]
                         for line in so["lines"])
    assert sum(r.amount_fen for r in rows) == goods_paid - goods_refunded == \
        order["items_total_fen"] - 1880
    assert [r.amount_fen for r in rows if r.kind.value == "refund"] == [-1880]

    # refunds never exceed what was paid
    too_much = client.post(f"/api/v1/seller-orders/{orange_part['id']}/refunds",
                           json={"amount_fen": part["paid_fen"], "reason": "全额"},
                           headers=bearer(owner))
    assert_problem(too_much, 422, "refund_exceeds_paid")


def test_checkout_retry_returns_the_same_intent(stripe_on, client, shopper, market):
    add_to_cart(client, shopper, market["orange"])
    first = checkout(client, shopper, key="retry-key", payment_method="stripe").get_json()
    again = checkout(client, shopper, key="retry-key", payment_method="stripe").get_json()
    assert again["stripe_payment_intent_id"] == first["stripe_payment_intent_id"]


def test_bad_or_stale_signatures_change_nothing(stripe_on, client, shopper, market):
    order = stripe_order(client, shopper, market)
    forged_payload, forged = signed_event("payment_intent.succeeded", succeeded(order),
                                          secret="whsec_wrong")
    assert_problem(client.post("/api/v1/payments/stripe/webhook", data=forged_payload,
                               headers=forged), 400, "invalid_signature")
    stale = send_event(client, "payment_intent.succeeded", succeeded(order),
                       timestamp=int(time.time()) - 3600)
    assert_problem(stale, 400, "invalid_signature")
    payload, headers = signed_event("payment_intent.succeeded", succeeded(order))
    assert_problem(client.post("/api/v1/payments/stripe/webhook", data=payload), 400,
                   "invalid_signature")
    assert db.session.get(Order, order["id"]).status is OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookEvent)) == 0
    assert ledger(order["id"]) == []


def test_failure_then_success_in_any_order(stripe_on, client, shopper, market):
    order = stripe_order(client, shopper, market)
    failed = {**succeeded(order), "status": "requires_payment_method",
              "last_payment_error": {"message": "Your card was declined."}}
    assert send_event(client, "payment_intent.payment_failed", failed).get_json()[
        "outcome"] == "payment_failed"
    assert db.session.get(Order, order["id"]).last_payment_error == "Your card was declined."
    assert send_event(client, "payment_intent.succeeded", succeeded(order)).get_json()[
        "outcome"] == "paid"
    # a failure that arrives late does not undo the payment
    assert send_event(client, "payment_intent.payment_failed", failed).get_json()[
        "outcome"] == "stale"
    db.session.expire_all()
    assert db.session.get(Order, order["id"]).status is OrderStatus.PAID


def test_amount_mismatch_is_not_paid(stripe_on, client, shopper, market):
    order = stripe_order(client, shopper, market)
    outcome = send_event(client, "payment_intent.succeeded", succeeded(order, amount=1))
    assert outcome.get_json()["outcome"] == "amount_mismatch"
    assert db.session.get(Order, order["id"]).status is OrderStatus.PENDING_PAYMENT


def test_dashboard_refund_before_success_waits_then_counts_once(stripe_on, client, shopper,
                                                                 market):
    order = stripe_order(client, shopper, market)
    charge = {"id": "ch_1", "object": "charge", "payment_intent":
              order["stripe_payment_intent_id"], "amount_refunded": 3000,
              "refunds": {"data": [{"id": "re_dashboard_1", "amount": 3000}]}}
    early = send_event(client, "charge.refunded", charge, event_id="evt_refund_1")
    assert_problem(early, 409, "event_out_of_order")
    send_event(client, "payment_intent.succeeded", succeeded(order))
    for _ in range(2):  # Stripe re-delivers; and a second event repeats the same refund
        send_event(client, "charge.refunded", charge, event_id="evt_refund_1")
    assert send_event(client, "charge.refunded", charge).get_json()["outcome"] == \
        "recorded_0_refunds"
    refunds = [r.amount_fen for r in ledger(order["id"]) if r.kind.value == "refund"]
    assert sum(refunds) == -3000


def test_unpaid_orders_expire_and_release_stock(stripe_on, app, client, shopper, market):
    order = stripe_order(client, shopper, market)
    sku = db.session.get(Sku, market["orange"].skus[0].id)
    assert sku.stock == 49
    assert expire_unpaid(utcnow() + timedelta(minutes=29)) == []
    assert expire_unpaid(utcnow() + timedelta(minutes=31)) == [order["id"]]
    db.session.expire_all()
    assert db.session.get(Sku, sku.id).stock == 50
    assert db.session.get(Order, order["id"]).status is OrderStatus.EXPIRED
    # the payment arrives after all: the money goes back, nothing is sold
    late = send_event(client, "payment_intent.succeeded", succeeded(order))
    assert late.get_json()["outcome"] == "refunded_late_payment"
    assert ledger(order["id"]) == []


def test_cancel_a_paid_order_refunds_everything(stripe_on, client, shopper, market):
    order = stripe_order(client, shopper, market)
    send_event(client, "payment_intent.succeeded", succeeded(order))
    cancelled = client.post(f"/api/v1/orders/{order['id']}/cancel", headers=bearer(shopper))
    assert cancelled.status_code == 200, cancelled.get_json()
    body = cancelled.get_json()
    assert body["status"] == "cancelled" and body["refunded_fen"] == order["total_fen"]
    assert {so["status"] for so in body["seller_orders"]} == {"refunded"}
    assert sum(r.amount_fen for r in ledger(order["id"])) == 0
    db.session.expire_all()
    assert db.session.get(Sku, market["orange"].skus[0].id).stock == 50
