"""Helpers of the fault suite (fixtures are in conftest.py)."""

from __future__ import annotations

import uuid

from tests.factories import ProductFactory
from tests.helpers import bearer

WEBHOOK_SECRET = "whsec_test_faults"
ADDRESS = {"recipient": "王小明", "phone": "13912345678", "province": "广东省",
           "city": "深圳市", "county": "南山区", "detail": "科技园路1号"}



def publish(client, owner, seller, stock=50, title="赣南脐橙 果园直发"):
    """A product made and published through the API (so it goes through the outbox)."""
    from gannan.catalog.models import Sku

    product = ProductFactory(seller=seller, title=title,
                             skus=[Sku(code="S1", spec="5kg", price_fen=6880, stock=stock)])
    response = client.post(f"/api/v1/products/{product.id}/publish", headers=bearer(owner))
    assert response.status_code == 200, response.get_json()
    return product.id, product.skus[0].id


def buy(client, shopper, sku_id, quantity=1, method="cod", key=None):
    added = client.post("/api/v1/cart/items", json={"sku_id": sku_id, "quantity": quantity},
                        headers=bearer(shopper))
    assert added.status_code == 201, added.get_json()
    return client.post("/api/v1/checkout", json={"payment_method": method, "address": ADDRESS},
                       headers={**bearer(shopper), "Idempotency-Key": key or uuid.uuid4().hex})


def signed(event: dict) -> tuple[bytes, dict[str, str]]:
    """(payload, headers) of a Stripe event signed with the stack's webhook secret."""
    import hashlib
    import hmac
    import json

    payload = json.dumps(event).encode()
    mac = hmac.new(WEBHOOK_SECRET.encode(), f"{event['created']}.".encode() + payload,
                   hashlib.sha256).hexdigest()
    return payload, {"Stripe-Signature": f"t={event['created']},v1={mac}",
                     "Content-Type": "application/json"}
