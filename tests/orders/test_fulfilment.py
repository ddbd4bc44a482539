"""Fulfilment: checked transitions with who and when, cash on delivery, access rules."""

from datetime import timedelta

import pytest

from gannan.catalog.models import Sku
from gannan.orders.models import SellerOrder, SellerOrderStatus
from gannan.orders.services.fulfilment import complete_delivered
from gannan.platform.extensions import db
from gannan.platform.types import utcnow
from gannan.reporting.models import LedgerEntry
from tests.factories import UserFactory
from tests.helpers import add_to_cart, assert_problem, bearer, checkout


@pytest.fixture
def cod_order(client, shopper, market):
    add_to_cart(client, shopper, market["orange"], 2)
    add_to_cart(client, shopper, market["oil"], 1)
    return checkout(client, shopper, address={"recipient": "刘芳", "phone": "13800001111",
                                              "county_code": "360722", "detail": "嘉定镇"}
                    ).get_json()


def part(order, seller_id):
    return next(so for so in order["seller_orders"] if so["seller"]["id"] == seller_id)


def test_cash_on_delivery_end_to_end(client, shopper, owner, seller, cod_order):
    so = part(cod_order, seller.id)
    path = f"/api/v1/seller-orders/{so['id']}"
    listed = client.get("/api/v1/seller/orders", headers=bearer(owner)).get_json()
    assert [o["id"] for o in listed["items"]] == [so["id"]]
    assert listed["items"][0]["address"]["county"] == "信丰县"

    shipped = client.post(f"{path}/ship", json={"carrier": "中国邮政", "tracking_number":
                                                "9812345678901"}, headers=bearer(owner))
    assert shipped.get_json()["status"] == "shipped"
    assert_problem(client.post(f"{path}/deliver", json={}, headers=bearer(owner)), 409,
                   "cash_not_collected")
    assert db.session.scalar(db.select(db.func.count()).select_from(LedgerEntry)) == 0
    delivered = client.post(f"{path}/deliver", json={"cash_collected": True},
                            headers=bearer(owner)).get_json()
    assert delivered["status"] == "delivered" and delivered["paid_fen"] == so["total_fen"]
    rows = db.session.scalars(db.select(LedgerEntry)).all()
    assert [(r.amount_fen, r.buyer_county_code, r.origin_county_code) for r in rows] == [
        (13760, "360722", "360722")]

    done = client.post(f"{path}/confirm-receipt", headers=bearer(shopper)).get_json()
    assert done["status"] == "completed"
    trail = [(e["from_status"], e["to_status"], e["actor_id"]) for e in done["events"]]
    assert trail == [(None, "pending_payment", None), ("pending_payment", "shipped", owner.id),
                     ("shipped", "delivered", owner.id), ("delivered", "completed", shopper.id)]


def test_transitions_are_checked(client, owner, seller, cod_order):
    so = part(cod_order, seller.id)
    path = f"/api/v1/seller-orders/{so['id']}"
    assert_problem(client.post(f"{path}/deliver", json={"cash_collected": True},
                               headers=bearer(owner)), 409, "invalid_transition")
    client.post(f"{path}/ship", json={"carrier": "EMS", "tracking_number": "1"},
                headers=bearer(owner))
    assert_problem(client.post(f"{path}/ship", json={"carrier": "EMS", "tracking_number": "2"},
                               headers=bearer(owner)), 409, "invalid_transition")


def test_who_may_do_what(client, shopper, owner, seller, market, cod_order):
    mine = part(cod_order, seller.id)
    theirs = part(cod_order, market["oil"].seller_id)
    stranger = UserFactory()
    # a seller cannot touch another seller's part
    assert_problem(client.post(f"/api/v1/seller-orders/{theirs['id']}/ship",
                               json={"carrier": "EMS", "tracking_number": "1"},
                               headers=bearer(owner)), 403, "not_seller_member")
    assert_problem(client.get(f"/api/v1/seller-orders/{theirs['id']}", headers=bearer(owner)),
                   403, "not_seller_member")
    # a shopper cannot read another shopper's order or ship their own
    assert_problem(client.get(f"/api/v1/orders/{cod_order['id']}", headers=bearer(stranger)),
                   403, "not_order_buyer")
    assert_problem(client.post(f"/api/v1/seller-orders/{mine['id']}/ship",
                               json={"carrier": "EMS", "tracking_number": "1"},
                               headers=bearer(shopper)), 403, "not_seller_member")
    assert_problem(client.post(f"/api/v1/seller-orders/{mine['id']}/confirm-receipt",
                               headers=bearer(owner)), 403, "not_order_buyer")
    assert client.get(f"/api/v1/seller-orders/{mine['id']}", headers=bearer(shopper)
                      ).status_code == 200
    assert client.get("/api/v1/orders", headers=bearer(stranger)).get_json()["total"] == 0
    assert_problem(client.get("/api/v1/orders/999999", headers=bearer(shopper)), 404,
                   "order_not_found")


def test_refund_rules_for_cash_on_delivery(client, owner, seller, cod_order):
    so = part(cod_order, seller.id)
    path = f"/api/v1/seller-orders/{so['id']}"
    assert_problem(client.post(f"{path}/refunds", json={"amount_fen": 100, "reason": "x"},
                               headers=bearer(owner)), 409, "order_not_paid")
    client.post(f"{path}/ship", json={"carrier": "EMS", "tracking_number": "1"},
                headers=bearer(owner))
    client.post(f"{path}/deliver", json={"cash_collected": True}, headers=bearer(owner))
    line_id = so["lines"][0]["id"]
    refund = client.post(f"{path}/refunds", json={"amount_fen": 3441, "reason": "坏果",
                                                  "line_ids": [line_id]}, headers=bearer(owner))
    assert refund.status_code == 201
    assert refund.get_json()["allocation"] == {str(line_id): 3441}
    assert_problem(client.post(f"{path}/refunds", json={"amount_fen": 0, "reason": "x"},
                               headers=bearer(owner)), 422, "validation_error")
    assert_problem(client.post(f"{path}/refunds", json={"amount_fen": 100, "reason": "x",
                                                        "line_ids": [999]},
                               headers=bearer(owner)), 422, "unknown_line")
    left = so["total_fen"] - 3441
    full = client.post(f"{path}/refunds", json={"amount_fen": left, "reason": "全部退货"},
                       headers=bearer(owner)).get_json()
    assert full["amount_fen"] == left
    detail = client.get(path, headers=bearer(owner)).get_json()
    assert detail["status"] == "refunded" and detail["refund_status"] == "refunded"
    total = db.session.scalar(db.select(db.func.sum(LedgerEntry.amount_fen)))
    assert total == 0  # the goods sold, then all refunded; shipping never counted


def test_cancel_unpaid_order_releases_stock(client, shopper, market, cod_order):
    cancelled = client.post(f"/api/v1/orders/{cod_order['id']}/cancel", headers=bearer(shopper))
    assert cancelled.get_json()["status"] == "cancelled"
    db.session.expire_all()
    assert db.session.get(Sku, market["orange"].skus[0].id).stock == 50
    assert_problem(client.post(f"/api/v1/orders/{cod_order['id']}/cancel",
                               headers=bearer(shopper)), 409, "invalid_transition")


def test_cannot_cancel_after_shipping(client, shopper, owner, seller, cod_order):
    so = part(cod_order, seller.id)
    client.post(f"/api/v1/seller-orders/{so['id']}/ship", json={"carrier": "EMS",
                                                                "tracking_number": "1"},
                headers=bearer(owner))
    assert_problem(client.post(f"/api/v1/orders/{cod_order['id']}/cancel",
                               headers=bearer(shopper)), 409, "already_shipped")


def test_delivered_orders_complete_by_themselves(client, owner, seller, cod_order, app):
    so = part(cod_order, seller.id)
    path = f"/api/v1/seller-orders/{so['id']}"
    client.post(f"{path}/ship", json={"carrier": "EMS", "tracking_number": "1"},
                headers=bearer(owner))
    client.post(f"{path}/deliver", json={"cash_collected": True}, headers=bearer(owner))
    assert complete_delivered(utcnow() + timedelta(days=6)) == []
    assert complete_delivered(utcnow() + timedelta(days=8)) == [so["id"]]
    db.session.expire_all()
    seller_order = db.session.get(SellerOrder, so["id"])
    assert seller_order.status is SellerOrderStatus.COMPLETED
    assert seller_order.events[-1].note == "completed automatically"
