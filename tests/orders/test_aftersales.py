"""After-sales (售后): the state machine with its time-outs, every step an event with
its actor, refunds through the refund path (and both ledgers), photos without EXIF."""

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy.exc import IntegrityError

from gannan.money.models import MoneyTransaction, TransactionKind
from gannan.money.services.settlement import run_settlement
from gannan.orders.models import (
    AfterSalesKind,
    AfterSalesReason,
    AfterSalesRequest,
    AfterSalesStatus,
    Refund,
    SellerOrder,
)
from gannan.orders.services.aftersales import open_request, run_timeouts
from gannan.orders.services.fulfilment import complete_delivered
from gannan.platform.extensions import db
from gannan.platform.types import utcnow
from gannan.reporting.models import LedgerEntry
from tests.factories import UserFactory
from tests.helpers import (
    XINFENG,
    assert_problem,
    bearer,
    cod_sale,
    jpeg_with_gps,
    money_invariants,
    owner_of,
    race,
)

HOUR = timedelta(hours=1)


@pytest.fixture
def delivered(client, shopper, market, seller):
    """A COD order of 2 × 68.80 from ``seller``, delivered (and paid) just now."""
    order = cod_sale(client, shopper, {market["orange"]: 2}, XINFENG)
    return order["seller_orders"][0]


def ask(client, shopper, part, **body):
    payload = {"kind": "refund_only", "reason": "quality", "description": "三个橙子烂了",
               "amount_fen": 2000, **body}
    return client.post(f"/api/v1/seller-orders/{part['id']}/after-sales", json=payload,
                       headers=bearer(shopper))


def actions(request_json):
    return [(e["action"], e["to_status"], e["actor_id"]) for e in request_json["events"]]


def test_refund_only_accepted_in_part_is_refunded_through_the_refund_path(
        client, shopper, seller, delivered):
    opened = ask(client, shopper, delivered)
    assert opened.status_code == 201, opened.get_json()
    request = opened.get_json()
    assert request["status"] == "requested"
    staff = owner_of(seller.id)
    accepted = client.post(f"/api/v1/after-sales/{request['id']}/accept",
                           json={"amount_fen": 1500}, headers=bearer(staff))
    assert accepted.status_code == 200, accepted.get_json()
    body = accepted.get_json()
    assert body["status"] == "refunded" and body["agreed_fen"] == 1500
    assert actions(body) == [("open", "requested", shopper.id),
                             ("accept", "accepted", staff.id),
                             ("refund", "refunded", staff.id)]
    refund = db.session.get(Refund, body["refund_id"])
    assert refund.amount_fen == 1500 and refund.seller_order_id == delivered["id"]
    assert db.session.get(SellerOrder, delivered["id"]).refunded_fen == 1500
    # both ledgers heard of it: the bureau's sales and the money ledger
    assert db.session.scalar(db.select(db.func.sum(LedgerEntry.amount_fen)).where(
        LedgerEntry.kind == "refund")) == -1500
    assert db.session.scalar(db.select(MoneyTransaction).where(
        MoneyTransaction.refund_id == refund.id)).kind is TransactionKind.REFUND
    money_invariants()
    # nothing more can happen to it
    assert_problem(client.post(f"/api/v1/after-sales/{request['id']}/reject",
                               json={"reason": "no"}, headers=bearer(staff)),
                   409, "invalid_transition")
    assert_problem(client.post(f"/api/v1/after-sales/{request['id']}/accept",
                               json={"amount_fen": 2001}, headers=bearer(staff)),
                   422, "amount_exceeds_requested")


def test_return_and_refund_waits_for_the_parcel_and_the_sellers_receipt(
        client, shopper, seller, delivered):
    request = ask(client, shopper, delivered, kind="return_and_refund",
                  reason="wrong_item", amount_fen=delivered["total_fen"]).get_json()
    staff = bearer(owner_of(seller.id))
    path = f"/api/v1/after-sales/{request['id']}"
    assert client.post(f"{path}/accept", json={}, headers=staff).get_json()["status"] \
        == "awaiting_return"
    assert_problem(client.post(f"{path}/confirm-return", headers=staff),
                   409, "invalid_transition")
    shipped = client.post(f"{path}/return-shipment", headers=bearer(shopper),
                          json={"carrier": "顺丰", "tracking_number": "SF1234567890"})
    assert shipped.get_json()["status"] == "return_shipped"
    assert shipped.get_json()["return_tracking_number"] == "SF1234567890"
    done = client.post(f"{path}/confirm-return", headers=staff).get_json()
    assert done["status"] == "refunded"
    assert [a for a, _, _ in actions(done)] == ["open", "accept", "ship_return",
                                                "confirm_return", "refund"]
    so = db.session.get(SellerOrder, delivered["id"])
    assert so.refunded_fen == so.paid_fen and so.status.value == "refunded"


def test_rejection_escalation_and_arbitration(client, shopper, seller, admin, delivered):
    request = ask(client, shopper, delivered).get_json()
    path = f"/api/v1/after-sales/{request['id']}"
    staff = bearer(owner_of(seller.id))
    rejected = client.post(f"{path}/reject", json={"reason": "照片看不出问题"}, headers=staff)
    assert rejected.get_json()["status"] == "rejected"
    assert_problem(client.post(f"{path}/escalate", json={}, headers=staff), 403,
                   "not_order_buyer")
    escalated = client.post(f"{path}/escalate", json={"note": "请平台看看"},
                            headers=bearer(shopper))
    assert escalated.get_json()["status"] == "escalated"
    waiting = client.get("/api/v1/admin/after-sales?status=escalated",
                         headers=bearer(admin)).get_json()
    assert [r["id"] for r in waiting["items"]] == [request["id"]]
    decided = client.post(f"/api/v1/admin/after-sales/{request['id']}/arbitrate",
                          json={"refund": True, "amount_fen": 1000, "note": "部分退款"},
                          headers=bearer(admin)).get_json()
    assert decided["status"] == "refunded" and decided["agreed_fen"] == 1000
    assert actions(decided)[-2:] == [("arbitrate", "accepted", admin.id),
                                     ("refund", "refunded", admin.id)]


def test_time_outs_accept_silence_and_close_unescalated_rejections(
        client, shopper, seller, market, delivered):
    request = ask(client, shopper, delivered).get_json()
    assert run_timeouts(utcnow() + 47 * HOUR) == {"accepted": [], "closed": [],
                                                  "returns_closed": [], "refunded": []}
    assert run_timeouts(utcnow() + 49 * HOUR)["accepted"] == [request["id"]]
    db.session.expire_all()
    done = db.session.get(AfterSalesRequest, request["id"])
    assert done.status.value == "refunded"
    assert [(e.action, e.actor_id) for e in done.events] == [
        ("open", shopper.id), ("accept", None), ("refund", None)]
    assert done.events[1].note == "accepted: no answer in time"

    # a rejection nobody escalates closes after the escalation days
    other = cod_sale(client, shopper, {market["orange"]: 1}, XINFENG)["seller_orders"][0]
    second = ask(client, shopper, other, amount_fen=100).get_json()
    client.post(f"/api/v1/after-sales/{second['id']}/reject", json={"reason": "不同意"},
                headers=bearer(owner_of(seller.id)))
    assert run_timeouts(utcnow() + 4 * 24 * HOUR)["closed"] == [second["id"]]
    assert_problem(client.post(f"/api/v1/after-sales/{second['id']}/escalate", json={},
                               headers=bearer(shopper)), 409, "invalid_transition")


def test_who_may_ask_when_and_for_how_much(client, shopper, seller, market, delivered, app):
    stranger = UserFactory()
    assert_problem(ask(client, stranger, delivered), 403, "not_order_buyer")
    assert_problem(ask(client, shopper, delivered, amount_fen=delivered["total_fen"] + 1),
                   422, "refund_exceeds_paid")
    assert_problem(ask(client, shopper, delivered, line_ids=[999999]), 422, "unknown_line")
    assert_problem(ask(client, shopper, delivered, reason="bad"), 422, "validation_error")
    assert ask(client, shopper, delivered).status_code == 201
    assert_problem(ask(client, shopper, delivered), 409, "after_sales_already_open")
    # too late: delivered more than AFTERSALES_WINDOW_DAYS ago
    late = cod_sale(client, shopper, {market["orange"]: 1}, XINFENG)["seller_orders"][0]
    so = db.session.get(SellerOrder, late["id"])
    so.delivered_at = utcnow() - timedelta(days=app.config["AFTERSALES_WINDOW_DAYS"], hours=1)
    db.session.commit()
    assert_problem(ask(client, shopper, late, amount_fen=100), 409,
                   "after_sales_window_closed")


def test_not_before_delivery(client, shopper, market):
    from tests.helpers import add_to_cart, checkout

    add_to_cart(client, shopper, market["orange"])
    order = checkout(client, shopper).get_json()
    assert_problem(ask(client, shopper, order["seller_orders"][0], amount_fen=100),
                   409, "not_delivered")


def test_an_open_request_holds_settlement(client, shopper, seller, delivered):
    request = ask(client, shopper, delivered).get_json()
    complete_delivered(utcnow() + timedelta(days=8))
    as_of = utcnow() + timedelta(days=30)
    assert run_settlement(as_of) == []  # open: not settled
    client.post(f"/api/v1/after-sales/{request['id']}/withdraw", headers=bearer(shopper))
    assert [s.seller_id for s in run_settlement(as_of)] == [seller.id]


def test_photos_are_checked_and_stripped_of_exif(client, shopper, seller, delivered):
    request = ask(client, shopper, delivered).get_json()
    path = f"/api/v1/after-sales/{request['id']}/photos"
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif()  # the test photo does carry EXIF
    uploaded = client.post(path, data={"photo": (io.BytesIO(original), "a.jpg")},
                           headers=bearer(shopper), content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    assert uploaded.get_json()["photos"] == [{"position": 0, "content_type": "image/jpeg"}]
    stored = client.get(f"{path}/0", headers=bearer(owner_of(seller.id)))
    assert stored.status_code == 200 and stored.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(stored.get_data()))
    assert image.size == (64, 48) and not image.getexif()
    assert_problem(client.post(path, data={"photo": (io.BytesIO(b"%PDF-1.4 nope"), "x.pdf")},
                               headers=bearer(shopper), content_type="multipart/form-data"),
                   415, "unsupported_image")
    big = b"\xff\xd8" + b"0" * (5 * 1024 * 1024)
    assert_problem(client.post(path, data={"photo": (io.BytesIO(big), "big.jpg")},
                               headers=bearer(shopper), content_type="multipart/form-data"),
                   413, "payload_too_large")
    for _ in range(5):
        assert client.post(path, data={"photo": (io.BytesIO(original), "a.jpg")},
                           headers=bearer(shopper),
                           content_type="multipart/form-data").status_code == 201
    assert_problem(client.post(path, data={"photo": (io.BytesIO(original), "a.jpg")},
                               headers=bearer(shopper), content_type="multipart/form-data"),
                   409, "too_many_photos")
    assert_problem(client.post(path, data={"photo": (io.BytesIO(original), "a.jpg")},
                               headers=bearer(owner_of(seller.id)),
                               content_type="multipart/form-data"), 403, "not_order_buyer")


def test_a_return_never_shipped_closes_after_the_return_days(client, shopper, seller, market,
                                                             delivered, app):
    staff = bearer(owner_of(seller.id))
    request = ask(client, shopper, delivered, kind="return_and_refund").get_json()
    accepted = client.post(f"/api/v1/after-sales/{request['id']}/accept", json={},
                           headers=staff).get_json()
    assert accepted["status"] == "awaiting_return" and accepted["return_by"]
    # a second one whose buyer does ship in time stays open
    other = cod_sale(client, shopper, {market["orange"]: 1}, XINFENG)["seller_orders"][0]
    shipped = ask(client, shopper, other, kind="return_and_refund", amount_fen=100).get_json()
    client.post(f"/api/v1/after-sales/{shipped['id']}/accept", json={}, headers=staff)
    client.post(f"/api/v1/after-sales/{shipped['id']}/return-shipment", headers=bearer(shopper),
                json={"carrier": "顺丰", "tracking_number": "SF0000000001"})

    days = app.config["AFTERSALES_RETURN_DAYS"]
    assert run_timeouts(utcnow() + (days * 24 - 1) * HOUR)["returns_closed"] == []
    assert run_timeouts(utcnow() + (days * 24 + 1) * HOUR)["returns_closed"] == [request["id"]]
    db.session.expire_all()
    closed = db.session.get(AfterSalesRequest, request["id"])
    assert closed.status.value == "closed" and closed.closed_at is not None
    assert [(e.action, e.to_status, e.actor_id) for e in closed.events][-1] == \
        ("close", "closed", None)
    assert closed.events[-1].note == "the return was not shipped in time"
    assert closed.refund_id is None and db.session.get(SellerOrder, delivered["id"]).refunded_fen == 0
    assert db.session.get(AfterSalesRequest, shipped["id"]).status.value == "return_shipped"
    # the buyer can no longer ship it, and may open a new request (the old one is closed)
    assert_problem(client.post(f"/api/v1/after-sales/{request['id']}/return-shipment",
                               headers=bearer(shopper),
                               json={"carrier": "顺丰", "tracking_number": "SF9"}),
                   409, "invalid_transition")
    assert run_timeouts(utcnow() + (days * 24 + 2) * HOUR)["returns_closed"] == []


def test_an_arbitrated_return_also_has_return_days(client, shopper, seller, admin, delivered,
                                                   app):
    request = ask(client, shopper, delivered, kind="return_and_refund").get_json()
    path = f"/api/v1/after-sales/{request['id']}"
    client.post(f"{path}/reject", json={"reason": "不同意"}, headers=bearer(owner_of(seller.id)))
    client.post(f"{path}/escalate", json={}, headers=bearer(shopper))
    decided = client.post(f"/api/v1/admin/after-sales/{request['id']}/arbitrate",
                          json={"refund": True, "note": "退货退款"}, headers=bearer(admin))
    assert decided.get_json()["status"] == "awaiting_return" and decided.get_json()["return_by"]
    days = app.config["AFTERSALES_RETURN_DAYS"]
    assert run_timeouts(utcnow() + (days * 24 + 1) * HOUR)["returns_closed"] == [request["id"]]


def test_an_escalation_after_its_days_is_refused(client, shopper, seller, delivered, app):
    request = ask(client, shopper, delivered).get_json()
    client.post(f"/api/v1/after-sales/{request['id']}/reject", json={"reason": "不同意"},
                headers=bearer(owner_of(seller.id)))
    days = app.config["AFTERSALES_ESCALATION_DAYS"]
    db.session.execute(db.update(AfterSalesRequest).values(
        escalate_by=utcnow() - HOUR).where(AfterSalesRequest.id == request["id"]))
    db.session.commit()
    assert days > 0
    assert_problem(client.post(f"/api/v1/after-sales/{request['id']}/escalate", json={},
                               headers=bearer(shopper)), 409, "escalation_closed")


def test_an_accepted_request_whose_refund_was_not_made_is_refunded_once(
        client, shopper, seller, delivered):
    """A crash (or Stripe down) between the acceptance and its refund: the time-out run
    makes the refund, once."""
    request = ask(client, shopper, delivered, amount_fen=1200).get_json()
    db.session.execute(db.update(AfterSalesRequest).values(
        status=AfterSalesStatus.ACCEPTED, agreed_fen=1200)
        .where(AfterSalesRequest.id == request["id"]))
    db.session.commit()
    assert run_timeouts()["refunded"] == [request["id"]]
    assert run_timeouts()["refunded"] == []
    db.session.expire_all()
    done = db.session.get(AfterSalesRequest, request["id"])
    assert done.status.value == "refunded" and done.events[-1].actor_id is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Refund)) == 1
    assert db.session.get(SellerOrder, delivered["id"]).refunded_fen == 1200
    money_invariants()


def test_two_requests_at_the_same_moment_make_one(app, shopper, delivered):
    """Twenty buyers' clicks race to open a request for one order: one is stored, the
    others are told one is open (the partial unique index decides, not the pre-check)."""
    body = {"kind": "refund_only", "reason": "quality", "description": "烂了",
            "amount_fen": 500}
    outcomes = race(app, 20, lambda n: open_request(delivered["id"], shopper.id, dict(body)).id)
    stored = [o for o in outcomes if isinstance(o, int)]
    assert len(stored) == 1 and set(outcomes) - set(stored) <= {"after_sales_already_open"}
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(AfterSalesRequest)) == 1


def test_the_index_keeps_one_open_request_without_the_check(shopper, delivered):
    def row(status):
        now = utcnow()
        return AfterSalesRequest(
            seller_order_id=delivered["id"], seller_id=delivered["seller"]["id"],
            buyer_id=shopper.id, kind=AfterSalesKind.REFUND_ONLY,
            reason=AfterSalesReason.QUALITY, description="x", requested_fen=1, line_ids=[],
            status=status, respond_by=now, created_at=now)

    db.session.add_all([row(AfterSalesStatus.CLOSED), row(AfterSalesStatus.REFUNDED),
                        row(AfterSalesStatus.REQUESTED)])
    db.session.commit()  # ended requests do not count
    db.session.add(row(AfterSalesStatus.ESCALATED))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
