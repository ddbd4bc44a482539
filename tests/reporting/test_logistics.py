"""Logistics targets: parcels that left within 24 hours, median hours, village origins."""

from __future__ import annotations

import pytest

from gannan.orders.models import PaymentMethod, SellerOrder
from gannan.platform.extensions import db
from gannan.platform.models import Role, UserRole
from gannan.reporting.logistics import village_level
from tests.factories import UserFactory
from tests.helpers import add_to_cart, assert_problem, bearer, checkout, owner_of


def ship_later(client, clock, shopper, product, placed: str, shipped: str) -> int:
    """A cash-on-delivery order placed at ``placed`` and shipped at ``shipped`` (UTC)."""
    clock(placed)
    add_to_cart(client, shopper, product, 1)
    part = checkout(client, shopper).get_json()["seller_orders"][0]
    clock(shipped)
    response = client.post(f"/api/v1/seller-orders/{part['id']}/ship",
                           json={"carrier": "EMS", "tracking_number": "1"},
                           headers=bearer(owner_of(part["seller"]["id"])))
    assert response.status_code == 200, response.get_json()
    return part["id"]


@pytest.fixture
def parcels(client, clock, shopper, market):
    market["orange"].origin_township = "安西镇长安村"
    market["oil"].origin_township = "潋江镇"
    db.session.commit()
    ship_later(client, clock, shopper, market["orange"], "2026-10-01T00:00", "2026-10-01T20:00")
    ship_later(client, clock, shopper, market["orange"], "2026-10-02T00:00", "2026-10-03T00:00")
    ship_later(client, clock, shopper, market["orange"], "2026-10-05T00:00", "2026-10-06T01:00")
    paid = ship_later(client, clock, shopper, market["oil"], "2026-10-07T00:00",
                      "2026-10-09T00:00")
    # the same parcel paid by card two days after it was ordered: the clock starts then
    part = db.session.get(SellerOrder, paid)
    part.order.payment_method = PaymentMethod.STRIPE
    part.paid_at = part.order.created_at.replace(day=8, hour=12)
    db.session.commit()
    ship_later(client, clock, shopper, market["noodles"], "2026-10-31T10:00", "2026-10-31T17:00")
    return market


def get(client, user, path, **params):
    response = client.get(path, query_string=params, headers=bearer(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_parcels_within_24_hours_by_county_and_township(client, bureau_user, parcels):
    body = get(client, bureau_user, "/api/v1/metrics/logistics", **{"from": "2026-10",
                                                                     "to": "2026-10"})
    # 17:00 UTC on 31 Oct is 1 November in Shanghai: the noodles ship in November
    assert body["totals"] == {"parcels": 4, "within_24h": 3, "share_within_24h_percent": "75.00",
                              "median_hours_to_ship": "22.00"}  # 12, 20, 24, 25 hours
    assert body["village_parcels"]["parcels"] == 3
    assert body["village_parcels"]["within_24h"] == 2
    assert body["village_parcels"]["share_within_24h_percent"] == "66.67"
    assert body["village_parcels"]["median_hours_to_ship"] == "24.00"
    counties = {c["county_code"]: c for c in body["by_county"]}
    assert set(counties) == {"360722", "360732"}
    assert counties["360732"]["median_hours_to_ship"] == "12.00"
    assert counties["360722"]["village"]["parcels"] == 3
    assert [(t["county"], t["township"], t["village_level"], t["parcels"])
            for t in body["by_township"]] == [("信丰县", "安西镇长安村", True, 3),
                                              ("兴国县", "潋江镇", False, 1)]
    november = get(client, bureau_user, "/api/v1/metrics/logistics",
                   **{"from": "2026-11", "to": "2026-11"})
    assert november["totals"]["parcels"] == 1 and november["totals"]["within_24h"] == 1


def test_a_countys_office_sees_its_own_parcels(client, parcels):
    office = UserFactory(role_rows=[UserRole(role=Role.COUNTY_OFFICER, county_code="360732")])
    body = get(client, office, "/api/v1/counties/360732/metrics/logistics",
               **{"from": "2026-10", "to": "2026-10"})
    assert body["county_code"] == "360732"
    assert body["totals"]["parcels"] == 1 and body["village_parcels"]["parcels"] == 0
    assert_problem(client.get("/api/v1/counties/360722/metrics/logistics?from=2026-10&to=2026-10",
                              headers=bearer(office)), 403, "not_county_officer")


def test_no_parcels_no_shares(client, bureau_user):
    body = get(client, bureau_user, "/api/v1/metrics/logistics", **{"from": "2026-01",
                                                                     "to": "2026-12"})
    assert body["totals"] == {"parcels": 0, "within_24h": 0, "share_within_24h_percent": None,
                              "median_hours_to_ship": None}
    assert_problem(client.get("/api/v1/metrics/logistics?from=2026-12&to=2026-01",
                              headers=bearer(bureau_user)), 422, "invalid_period")


@pytest.mark.parametrize(("township", "village"), [
    ("安西镇长安村", True), ("梅水乡园村", True), ("长安村委会", True), ("长安村民委员会", True),
    ("长安村三组", True), ("安西镇", False), ("嘉定街道", False), ("村头镇", False), (None, False),
    ("", False)])
def test_village_level_origins(township, village):
    assert village_level(township) is village
