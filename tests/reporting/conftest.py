"""Sales placed through the API at chosen times, for the reports to count."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from gannan.platform import types
from tests.conftest import bearer
from tests.orders.conftest import add_to_cart, checkout, owner_of

# re-exported fixtures of the orders tests
from tests.orders.conftest import market, shopper  # noqa: F401


@pytest.fixture
def clock(monkeypatch):
    """``clock("2026-10-31T16:30")``: the platform's UTC time from now on."""

    def set_to(iso_utc: str) -> None:
        moment = datetime.fromisoformat(iso_utc).replace(tzinfo=timezone.utc)

        class Frozen(datetime):
            @classmethod
            def now(cls, tz=None):
                return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

        monkeypatch.setattr(types, "datetime", Frozen)

    return set_to


def cod_sale(client, shopper, products, address):
    """Check out ``products`` ({product: quantity}) by cash on delivery and have every
    seller ship and deliver; returns the order."""
    for product, quantity in products.items():
        add_to_cart(client, shopper, product, quantity)
    order = checkout(client, shopper, address=address).get_json()
    for part in order["seller_orders"]:
        staff = bearer(owner_of(part["seller"]["id"]))
        client.post(f"/api/v1/seller-orders/{part['id']}/ship",
                    json={"carrier": "EMS", "tracking_number": "1"}, headers=staff)
        delivered = client.post(f"/api/v1/seller-orders/{part['id']}/deliver",
                                json={"cash_collected": True}, headers=staff)
        assert delivered.status_code == 200, delivered.get_json()
    return order
