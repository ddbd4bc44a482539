"""The money ledger: balanced postings for every sale and refund, commission frozen at
order time, append-only, and a balance that is the sum of postings."""

from datetime import date, timedelta

import pytest

from gannan.catalog.models import Category
from gannan.money.models import (
    Account,
    CommissionTerms,
    MoneyTransaction,
    Posting,
    TransactionKind,
)
from gannan.money.services.commission import rate_for, set_rate
from gannan.platform.errors import Conflict
from gannan.platform.extensions import db
from gannan.platform.types import shanghai_today
from tests.factories import category
from tests.helpers import (
    XINFENG,
    add_to_cart,
    assert_problem,
    bearer,
    checkout,
    cod_sale,
    money_invariants,
    owner_of,
    send_event,
    succeeded,
)


def legs(source):
    transaction = db.session.scalar(db.select(MoneyTransaction).where(
        MoneyTransaction.source == source))
    return transaction, {(p.account, p.seller_id): p.amount_fen for p in transaction.postings}


def test_cash_on_delivery_posts_cash_held_payable_and_commission(client, shopper, market,
                                                                 seller):
    order = cod_sale(client, shopper, {market["orange"]: 2}, XINFENG)
    part = order["seller_orders"][0]
    transaction, postings = legs(f"sale:{part['id']}")
    total = part["total_fen"]  # 2 × 68.80 + shipping
    commission = (13760 * 500 + 5000) // 10000  # the 5% default, on the goods only
    assert transaction.kind is TransactionKind.COD_SALE
    assert postings == {(Account.COD_CASH_HELD, seller.id): total,
                        (Account.SELLER_PAYABLE, seller.id): -(total - commission),
                        (Account.PLATFORM_COMMISSION, None): -commission}
    # the seller holds the cash and owes the platform its commission
    assert money_invariants()[seller.id] == -commission
    balance = client.get(f"/api/v1/sellers/{seller.id}/balance",
                         headers=bearer(owner_of(seller.id))).get_json()
    assert balance == {"seller_id": seller.id, "balance_fen": -commission,
                       "payable_fen": total - commission, "cod_cash_held_fen": total,
                       "unsettled_fen": -commission}


@pytest.mark.stripe_mock
def test_stripe_payment_and_partial_refunds_return_commission_to_the_fen(
        stripe_on, client, shopper, market, seller, admin):
    set_rate(admin.id, 333, shanghai_today(), category_id=category("navel_orange").id)
    add_to_cart(client, shopper, market["orange"], 3)  # 3 × 6880 = 20640
    order = checkout(client, shopper, payment_method="stripe").get_json()
    assert send_event(client, "payment_intent.succeeded", succeeded(order)).status_code == 200
    part = order["seller_orders"][0]
    _, postings = legs(f"sale:{part['id']}")
    sold_commission = (20640 * 333 + 5000) // 10000  # 687.3 -> 687
    assert postings[(Account.BUYER_PAYMENTS, None)] == part["total_fen"]
    assert postings[(Account.PLATFORM_COMMISSION, None)] == -sold_commission

    staff = bearer(owner_of(seller.id))
    for amount in (1001, 777, 3):
        response = client.post(f"/api/v1/seller-orders/{part['id']}/refunds",
                               json={"amount_fen": amount, "reason": "坏果"}, headers=staff)
        assert response.status_code == 201, response.get_json()
    net_goods = 20640 - 1781
    commission = -db.session.scalar(db.select(db.func.sum(Posting.amount_fen)).where(
        Posting.account == Account.PLATFORM_COMMISSION))
    assert commission == (net_goods * 333 + 5000) // 10000
    refunds = db.session.scalar(db.select(db.func.sum(Posting.amount_fen)).where(
        Posting.account == Account.REFUNDS))
    assert refunds == -1781
    assert money_invariants()[seller.id] == part["total_fen"] - 1781 - commission


def test_rates_frozen_at_order_time_and_resolved_by_precedence(client, shopper, market,
                                                                seller, admin):
    orange = category("navel_orange")
    today = shanghai_today()
    set_rate(admin.id, 800, today, category_id=orange.id)
    set_rate(admin.id, 200, today + timedelta(days=30), category_id=orange.id)  # not yet
    assert rate_for(seller.id, orange.id, today) == 800
    assert rate_for(seller.id, orange.id, today + timedelta(days=30)) == 200
    set_rate(admin.id, 600, today, seller_id=seller.id)  # the seller's own beats the category
    assert rate_for(seller.id, orange.id, today) == 600
    set_rate(admin.id, 100, today, seller_id=seller.id, category_id=orange.id)
    assert rate_for(seller.id, orange.id, today) == 100
    other = db.session.scalar(db.select(Category).where(Category.id != orange.id))
    assert rate_for(seller.id, other.id, today) == 600

    order = cod_sale(client, shopper, {market["orange"]: 1}, XINFENG)
    terms = db.session.get(CommissionTerms, order["seller_orders"][0]["id"])
    assert list(terms.line_rates.values()) == [100]
    assert terms.commission_fen == (6880 * 100 + 5000) // 10000
    set_rate(admin.id, 9000, today, seller_id=seller.id, category_id=orange.id)
    db.session.expire_all()
    assert db.session.get(CommissionTerms, order["seller_orders"][0]["id"]).line_rates \
        == terms.line_rates


def test_the_ledger_is_append_only(client, shopper, market):
    cod_sale(client, shopper, {market["orange"]: 1}, XINFENG)
    posting = db.session.scalar(db.select(Posting))
    posting.amount_fen += 1
    with pytest.raises(Conflict, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(db.select(MoneyTransaction)))
    with pytest.raises(Conflict, match="append-only"):
        db.session.commit()
    db.session.rollback()
    money_invariants()


def test_admins_set_rates_with_history(client, admin, seller, owner):
    orange = category("navel_orange")
    for rate, day in ((500, "2026-01-01"), (450, "2026-06-01")):
        response = client.post("/api/v1/admin/commission-rates", headers=bearer(admin), json={
            "category_id": orange.id, "rate_bp": rate, "effective_from": day})
        assert response.status_code == 201, response.get_json()
    history = client.get(f"/api/v1/admin/commission-rates?category_id={orange.id}",
                         headers=bearer(admin)).get_json()
    assert [(r["rate_bp"], r["effective_from"]) for r in history["items"]] == [
        (450, "2026-06-01"), (500, "2026-01-01")]
    assert rate_for(seller.id, orange.id, date(2026, 3, 1)) == 500
    assert_problem(client.post("/api/v1/admin/commission-rates", headers=bearer(admin),
                               json={"rate_bp": 1, "effective_from": "2026-01-01"}),
                   422, "rate_target_required")
    assert_problem(client.post("/api/v1/admin/commission-rates", headers=bearer(admin),
                               json={"category_id": orange.id, "rate_bp": 10001,
                                     "effective_from": "2026-01-01"}), 422, "validation_error")
    assert_problem(client.post("/api/v1/admin/commission-rates", headers=bearer(admin),
                               json={"category_id": 999999, "rate_bp": 1,
                                     "effective_from": "2026-01-01"}), 422, "unknown_category")
    assert_problem(client.post("/api/v1/admin/commission-rates", headers=bearer(owner),
                               json={"category_id": orange.id, "rate_bp": 1,
                                     "effective_from": "2026-01-01"}), 403, "forbidden")


def test_an_unbalanced_movement_is_refused(seller):
    from gannan.money.errors import UnbalancedPostings
    from gannan.money.services.ledger import post
    from gannan.platform.types import utcnow

    with pytest.raises(UnbalancedPostings):
        post(TransactionKind.PAYOUT, "bad", seller.id, utcnow(),
             [(Account.SELLER_PAYABLE, 100), (Account.PAYOUTS, -99)])
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(MoneyTransaction)) == 0
