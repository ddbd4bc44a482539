"""Property: whatever happens, in whatever order (Stripe payments, cash on delivery,
partial refunds, after-sales refunds, completion, settlement runs, Stripe and bank
payouts, Stripe payouts whose process died while sending, settled by the sweep), every
movement of the money ledger
balances and each seller's balance, summed from postings, equals what its orders say:
paid online, less refunds, less the commission on the goods it kept, less payouts."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gannan.catalog.models import Sku
from gannan.money.models import CommissionTerms, Payout, PayoutMethod, PayoutStatus, Statement
from gannan.money.services.commission import commission_of, set_rate
from gannan.money.services.payouts import (
    _claim,
    connect_account,
    mark_paid,
    pay_statement,
    resolve_stuck,
)
from gannan.money.services.settlement import run_settlement
from gannan.orders.models import PaymentMethod, SellerOrder
from gannan.orders.services.aftersales import run_timeouts
from gannan.orders.services.fulfilment import complete_delivered
from gannan.platform.extensions import db
from gannan.platform.types import shanghai_today, utcnow
from tests.factories import category
from tests.helpers import (
    add_to_cart,
    bearer,
    checkout,
    money_invariants,
    owner_of,
    send_event,
    ship_and_deliver,
    succeeded,
)

pytestmark = pytest.mark.stripe_mock

OPS = st.lists(st.tuples(st.sampled_from(["cod", "stripe", "refund", "aftersales", "complete",
                                          "settle", "payout"]),
                         st.integers(0, 2), st.integers(1, 100)), min_size=1, max_size=8)


def expected_balances() -> dict[int, int]:
    """From the orders alone: paid online − refunded − commission on net goods."""
    expected: dict[int, int] = {}
    rates = {}
    for terms in db.session.scalars(db.select(CommissionTerms)):
        rates.update({int(k): v for k, v in terms.line_rates.items()})
    for so in db.session.scalars(db.select(SellerOrder).where(SellerOrder.paid_fen > 0)):
        online = so.paid_fen if so.order.payment_method is PaymentMethod.STRIPE else 0
        commission = sum(commission_of(line.line_total_fen - line.refunded_fen, rates[line.id])
                         for line in so.lines)
        expected[so.seller_id] = expected.get(so.seller_id, 0) + online - so.refunded_fen \
            - commission
    for payout in db.session.scalars(db.select(Payout).where(Payout.status == PayoutStatus.PAID)):
        expected[payout.seller_id] -= payout.amount_fen
    return expected


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=OPS)
def test_ledger_balances_under_any_sequence(stripe_on, client, shopper, market, admin, ops):
    db.session.execute(db.update(Sku).values(stock=100_000))
    db.session.commit()
    if not db.session.scalar(db.select(CommissionTerms.seller_order_id).limit(1)):
        set_rate(admin.id, 317, shanghai_today(), category_id=category("navel_orange").id)
        connect_account(market["orange"].seller_id)  # paid by Stripe; the others by bank
    products = [market["orange"], market["oil"], market["noodles"]]
    clock = [utcnow()]
    for op, which, amount in ops:
        product = products[which]
        staff = owner_of(product.seller_id)
        if op in ("cod", "stripe"):
            add_to_cart(client, shopper, product, 1 + amount % 3)
            order = checkout(client, shopper, payment_method=op).get_json()
            part = order["seller_orders"][0]
            if op == "stripe":
                assert send_event(client, "payment_intent.succeeded",
                                  succeeded(order)).status_code == 200
            if op == "cod" or amount % 2:
                ship_and_deliver(client, part["id"], staff, cash=op == "cod")
        elif op == "refund":
            so = db.session.scalar(db.select(SellerOrder).where(
                SellerOrder.seller_id == product.seller_id,
                SellerOrder.paid_fen > SellerOrder.refunded_fen).order_by(SellerOrder.id.desc()))
            if so is not None:
                left = so.paid_fen - so.refunded_fen
                response = client.post(f"/api/v1/seller-orders/{so.id}/refunds",
                                       json={"amount_fen": max(1, left * amount // 100),
                                             "reason": "性质测试"}, headers=bearer(staff))
                assert response.status_code == 201, response.get_json()
        elif op == "aftersales":
            so = db.session.scalar(db.select(SellerOrder).where(
                SellerOrder.seller_id == product.seller_id, SellerOrder.delivered_at.is_not(None),
                SellerOrder.paid_fen > SellerOrder.refunded_fen).order_by(SellerOrder.id.desc()))
            if so is not None:
                left = so.paid_fen - so.refunded_fen
                opened = client.post(f"/api/v1/seller-orders/{so.id}/after-sales", json={
                    "kind": "refund_only", "reason": "damaged_in_transit", "description": "压坏",
                    "amount_fen": max(1, left * amount // 100)}, headers=bearer(shopper))
                if opened.status_code == 201:
                    if amount % 2:  # the seller accepts half; otherwise silence is consent
                        client.post(f"/api/v1/after-sales/{opened.get_json()['id']}/accept",
                                    json={"amount_fen": max(1, left * amount // 200)},
                                    headers=bearer(staff))
                    run_timeouts(utcnow() + timedelta(days=3))
        elif op == "complete":
            complete_delivered(utcnow() + timedelta(days=8))
        elif op == "settle":
            clock[0] += timedelta(days=10)
            run_settlement(clock[0] + timedelta(days=30))
        else:
            for payout in db.session.scalars(db.select(Payout).where(
                    Payout.status == PayoutStatus.PENDING)).all():
                if payout.method is PayoutMethod.STRIPE and amount % 3 == 0:
                    # the process dies while "sending"; the sweep settles it with Stripe
                    _claim(payout)
                    swept = resolve_stuck(payout.statement_id, utcnow() + timedelta(hours=1))
                    assert swept.status is PayoutStatus.PAID
                elif payout.method is PayoutMethod.STRIPE:
                    pay_statement(payout.statement_id)
                else:
                    mark_paid(payout.statement_id, admin.id, f"BANK-{payout.statement_id}")
        db.session.expire_all()
        balances = money_invariants()  # every movement balanced
        expected = expected_balances()
        assert {k: v for k, v in balances.items() if v or k in expected} == \
            {k: v for k, v in expected.items() if v or k in balances}
    # every statement settles what it lists, and nothing twice
    for statement in db.session.scalars(db.select(Statement)):
        assert statement.net_fen == sum(line.net_fen for line in statement.lines)
        assert statement.net_fen == statement.sales_fen - statement.refunds_fen \
            - statement.commission_fen
