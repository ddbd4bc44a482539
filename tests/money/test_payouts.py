"""Payouts: Stripe Connect transfers through stripe-mock, never twice even when twenty
attempts race; bank transfers (and sellers paying back COD commission) marked paid."""

import threading
from datetime import timedelta

import pytest

from gannan.money import gateway
from gannan.money.models import MoneyTransaction, Payout, PayoutMethod, TransactionKind
from gannan.money.services import payouts
from gannan.money.services.settlement import run_settlement
from gannan.orders.services.fulfilment import complete_delivered
from gannan.platform.errors import Conflict
from gannan.platform.extensions import db
from gannan.platform.types import utcnow
from tests.helpers import (
    XINFENG,
    add_to_cart,
    assert_problem,
    bearer,
    checkout,
    cod_sale,
    money_invariants,
    owner_of,
    race,
    send_event,
    ship_and_deliver,
    succeeded,
)

pytestmark = pytest.mark.stripe_mock
DAY = timedelta(days=1)


def settled_stripe_sale(client, shopper, product):
    add_to_cart(client, shopper, product, 2)
    order = checkout(client, shopper, payment_method="stripe").get_json()
    assert send_event(client, "payment_intent.succeeded", succeeded(order)).status_code == 200
    part = order["seller_orders"][0]
    ship_and_deliver(client, part["id"], owner_of(product.seller_id), cash=False)
    complete_delivered(utcnow() + 8 * DAY)
    return {s.seller_id: s for s in run_settlement(utcnow() + 16 * DAY)}[product.seller_id]


def test_twenty_concurrent_payouts_send_one_transfer(stripe_on, app, client, shopper, market,
                                                     seller, owner, admin, monkeypatch):
    connected = client.post(f"/api/v1/sellers/{seller.id}/payout-account",
                            headers=bearer(owner))
    assert connected.status_code == 201, connected.get_json()
    assert connected.get_json()["stripe_account_id"].startswith("acct_")
    statement = settled_stripe_sale(client, shopper, market["orange"])
    assert statement.payout_method is PayoutMethod.STRIPE and statement.net_fen > 0
    statement_id, net = statement.id, statement.net_fen
    assert money_invariants()[seller.id] == net

    sent, lock = [], threading.Lock()
    real = gateway.create_transfer

    def counted(*args):
        with lock:
            sent.append(args)
        return real(*args)

    monkeypatch.setattr(gateway, "create_transfer", counted)
    outcomes = race(app, 20, lambda n: payouts.pay_statement(statement_id).status.value)
    assert outcomes.count("paid") == 1, outcomes
    assert set(outcomes) <= {"paid", "payout_in_progress", "already_paid"}
    assert sent == [(statement_id, connected.get_json()["stripe_account_id"], net)]
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(MoneyTransaction).where(
        MoneyTransaction.kind == TransactionKind.PAYOUT)) == 1
    payout = db.session.get(Payout, statement_id)
    assert payout.stripe_transfer_id.startswith("tr_") and payout.attempts == 1
    assert money_invariants()[seller.id] == 0  # paid out exactly what was owed
    assert_problem(client.post(f"/api/v1/admin/statements/{statement_id}/pay",
                               headers=bearer(admin)), 409, "already_paid")


def test_a_failed_transfer_can_be_retried(stripe_on, client, shopper, market, seller, owner,
                                          admin, monkeypatch):
    client.post(f"/api/v1/sellers/{seller.id}/payout-account", headers=bearer(owner))
    statement = settled_stripe_sale(client, shopper, market["orange"])

    def down(*args):
        raise gateway.PayoutProviderError("Stripe is down")

    monkeypatch.setattr(gateway, "create_transfer", down)
    path = f"/api/v1/admin/statements/{statement.id}/pay"
    assert_problem(client.post(path, headers=bearer(admin)), 502,
                   "payout_provider_unavailable")
    db.session.expire_all()
    assert db.session.get(Payout, statement.id).status.value == "failed"
    monkeypatch.undo()
    paid = client.post(path, headers=bearer(admin))
    assert paid.status_code == 200, paid.get_json()
    assert paid.get_json()["status"] == "paid" and paid.get_json()["attempts"] == 2


def test_bank_transfers_and_receivables_are_marked_paid(stripe_on, client, shopper, market,
                                                        seller, admin):
    # no connected account: "to pay by bank transfer"
    statement = settled_stripe_sale(client, shopper, market["orange"])
    assert statement.payout_method is PayoutMethod.BANK_TRANSFER
    path = f"/api/v1/admin/statements/{statement.id}"
    assert_problem(client.post(f"{path}/pay", headers=bearer(admin)), 409,
                   "wrong_payout_method")
    paid = client.post(f"{path}/mark-paid", json={"reference": "ICBC-20261130-001"},
                       headers=bearer(admin))
    assert paid.status_code == 200, paid.get_json()
    assert paid.get_json()["reference"] == "ICBC-20261130-001"
    assert_problem(client.post(f"{path}/mark-paid", json={"reference": "again"},
                               headers=bearer(admin)), 409, "already_paid")
    assert money_invariants()[seller.id] == 0

    # cash on delivery: the seller owes the commission and pays it back
    cod_sale(client, shopper, {market["oil"]: 1}, XINFENG)
    complete_delivered(utcnow() + 8 * DAY)
    owed = {s.seller_id: s for s in run_settlement(utcnow() + 16 * DAY)}
    receivable = owed[market["oil"].seller_id]
    assert receivable.payout_method is PayoutMethod.RECEIVABLE and receivable.net_fen < 0
    assert client.post(f"/api/v1/admin/statements/{receivable.id}/mark-paid",
                       json={"reference": "收到佣金"}, headers=bearer(admin)).status_code == 200
    assert money_invariants()[market["oil"].seller_id] == 0
    assert_problem(client.get(f"/api/v1/sellers/{seller.id}/payout-account",
                              headers=bearer(owner_of(seller.id))),
                   404, "payout_account_not_found")


def test_connecting_needs_stripe(client, seller, owner):
    assert_problem(client.post(f"/api/v1/sellers/{seller.id}/payout-account",
                               headers=bearer(owner)), 409, "payouts_not_configured")


MINUTE = timedelta(minutes=1)


def stuck_payout(client, shopper, market, seller, owner):
    """A Stripe payout whose process died after marking it "sending" (before the
    transfer, or after it and before recording it): it stays "sending"."""
    assert client.post(f"/api/v1/sellers/{seller.id}/payout-account",
                       headers=bearer(owner)).status_code == 201
    statement = settled_stripe_sale(client, shopper, market["orange"])
    payout = db.session.get(Payout, statement.id)
    payouts._claim(payout)
    db.session.expire_all()
    payout = db.session.get(Payout, statement.id)
    assert payout.status.value == "sending" and payout.sending_since is not None
    return payout


def spy_stripe(monkeypatch):
    """Record the transfers asked of stripe-mock (and the look-ups), calling it for real."""
    calls, lock = [], threading.Lock()
    real_create, real_find = gateway.create_transfer, gateway.find_transfer

    def create(*args):
        with lock:
            calls.append(("create", *args))
        return real_create(*args)

    def find(statement_id):
        with lock:
            calls.append(("find", statement_id))
        return real_find(statement_id)

    monkeypatch.setattr(gateway, "create_transfer", create)
    monkeypatch.setattr(gateway, "find_transfer", find)
    return calls


def test_a_payout_stuck_in_sending_is_settled_with_stripe_once(
        stripe_on, app, client, shopper, market, seller, owner, monkeypatch):
    payout = stuck_payout(client, shopper, market, seller, owner)
    statement_id, account, net = payout.statement_id, payout.stripe_account_id, \
        payout.amount_fen
    calls = spy_stripe(monkeypatch)
    minutes = app.config["MONEY_PAYOUT_STUCK_MINUTES"]
    assert payouts.stuck_payouts(utcnow() + (minutes - 1) * MINUTE) == []
    assert payouts.resolve_stuck(statement_id, utcnow() + (minutes - 1) * MINUTE) is None
    later = utcnow() + (minutes + 1) * MINUTE
    assert payouts.stuck_payouts(later) == [statement_id]
    # a normal attempt meanwhile is told it is in progress, and sends nothing
    with pytest.raises(Conflict) as refused:
        payouts.pay_statement(statement_id)
    assert str(refused.value.code) == "payout_in_progress"
    assert calls == []

    resolved = payouts.resolve_stuck(statement_id, later)
    assert resolved.status.value == "paid" and resolved.stripe_transfer_id.startswith("tr_")
    assert resolved.attempts == 2 and resolved.paid_by_id is None
    # stripe-mock's transfer list holds no transfer of this statement (its fixture has
    # another group and no metadata), so the transfer is asked for again under the
    # statement's idempotency key: the one Stripe made before the crash, if it did
    assert calls == [("find", statement_id), ("create", statement_id, account, net)]
    assert payouts.resolve_stuck(statement_id, later) is None  # settled: not stuck now
    assert payouts.stuck_payouts(later) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(MoneyTransaction).where(
        MoneyTransaction.kind == TransactionKind.PAYOUT)) == 1
    assert money_invariants()[seller.id] == 0


def test_the_sweep_task_finds_stuck_payouts_and_a_slow_first_process_books_nothing(
        stripe_on, app, client, shopper, market, seller, owner, monkeypatch):
    # the task of this test's app (the name alone would mean Celery's default app, which
    # is whichever app was made last: the fault suite's, on another database)
    sweep_stuck_payouts = app.extensions["celery"].tasks["money.sweep_stuck_payouts"]
    payout = stuck_payout(client, shopper, market, seller, owner)
    statement_id = payout.statement_id
    assert sweep_stuck_payouts() == {"paid": [], "failed": []}  # too recent
    minutes = app.config["MONEY_PAYOUT_STUCK_MINUTES"]
    db.session.execute(db.update(Payout).where(Payout.statement_id == statement_id).values(
        sending_since=utcnow() - (minutes + 1) * MINUTE))
    db.session.commit()
    assert sweep_stuck_payouts() == {"paid": [statement_id], "failed": []}
    # the first process was only slow: it gets the same transfer back (same key) and
    # finds the payout already recorded
    db.session.expire_all()
    first = db.session.get(Payout, statement_id)
    transfer = gateway.create_transfer(statement_id, first.stripe_account_id, first.amount_fen)
    with pytest.raises(Conflict):
        payouts._book(first, None, stripe_transfer_id=transfer)
    assert db.session.scalar(db.select(db.func.count()).select_from(MoneyTransaction).where(
        MoneyTransaction.kind == TransactionKind.PAYOUT)) == 1
    assert money_invariants()[seller.id] == 0
    assert "money.sweep_stuck_payouts" in {
        entry["task"] for entry in app.extensions["celery"].conf.beat_schedule.values()}


def failed_by_the_sweep(app, payout, monkeypatch) -> Payout:
    """The stuck ``payout`` swept while Stripe cannot be asked: back to "failed"."""

    def down(*args):
        raise gateway.PayoutProviderError("Stripe is down")

    with monkeypatch.context() as patched:
        patched.setattr(gateway, "find_transfer", down)
        later = utcnow() + (app.config["MONEY_PAYOUT_STUCK_MINUTES"] + 1) * MINUTE
        return payouts.resolve_stuck(payout.statement_id, later)


def test_a_stuck_payout_stripe_cannot_answer_for_is_left_retryable(
        stripe_on, app, client, shopper, market, seller, owner, admin, monkeypatch):
    payout = stuck_payout(client, shopper, market, seller, owner)
    statement_id = payout.statement_id
    failed = failed_by_the_sweep(app, payout, monkeypatch)
    assert failed.status.value == "failed" and "Stripe is down" in failed.last_error
    calls = spy_stripe(monkeypatch)
    paid = client.post(f"/api/v1/admin/statements/{statement_id}/pay", headers=bearer(admin))
    assert paid.status_code == 200, paid.get_json()
    assert paid.get_json()["status"] == "paid" and paid.get_json()["attempts"] == 3
    # a retry looks for a transfer Stripe made before it makes one, under the same key
    assert [c[:2] for c in calls] == [("find", statement_id), ("create", statement_id)]
    assert money_invariants()[seller.id] == 0


def test_a_retried_payout_records_the_transfer_stripe_already_made(
        stripe_on, app, client, shopper, market, seller, owner, admin, monkeypatch):
    """An attempt reached Stripe but failed on our side, and the retry comes more than a
    day later, when Stripe no longer knows the idempotency key: the retry finds the
    transfer by its group and records it instead of paying the seller twice."""
    payout = stuck_payout(client, shopper, market, seller, owner)
    statement_id = payout.statement_id
    assert failed_by_the_sweep(app, payout, monkeypatch).status.value == "failed"
    calls = spy_stripe(monkeypatch)
    monkeypatch.setattr(gateway, "find_transfer",
                        lambda found_for: calls.append(("find", found_for)) or "tr_made_before")
    paid = client.post(f"/api/v1/admin/statements/{statement_id}/pay", headers=bearer(admin))
    assert paid.status_code == 200, paid.get_json()
    assert paid.get_json()["status"] == "paid"
    assert paid.get_json()["stripe_transfer_id"] == "tr_made_before"
    assert calls == [("find", statement_id)]
    assert money_invariants()[seller.id] == 0


def test_sweeps_and_payout_attempts_racing_on_a_stuck_payout_pay_once(
        stripe_on, app, client, shopper, market, seller, owner, monkeypatch):
    payout = stuck_payout(client, shopper, market, seller, owner)
    statement_id = payout.statement_id
    calls = spy_stripe(monkeypatch)
    later = utcnow() + (app.config["MONEY_PAYOUT_STUCK_MINUTES"] + 1) * MINUTE

    def attempt(n):
        if n % 2:
            return "swept" if payouts.resolve_stuck(statement_id, later) else "not stuck"
        return payouts.pay_statement(statement_id).status.value

    outcomes = race(app, 20, attempt)
    assert outcomes.count("swept") == 1, outcomes
    assert set(outcomes) <= {"swept", "not stuck", "payout_in_progress", "already_paid"}
    assert [c for c in calls if c[0] == "create"] == [
        ("create", statement_id, payout.stripe_account_id, payout.amount_fen)]
    db.session.expire_all()
    assert db.session.get(Payout, statement_id).status.value == "paid"
    assert db.session.scalar(db.select(db.func.count()).select_from(MoneyTransaction).where(
        MoneyTransaction.kind == TransactionKind.PAYOUT)) == 1
    assert money_invariants()[seller.id] == 0
