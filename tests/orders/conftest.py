"""Fixtures for orders: three sellers with products, a shopper, Stripe on stripe-mock."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import pytest

from gannan.catalog.models import ProductStatus, Sku
from gannan.platform.models import SellerStatus
from tests.conftest import bearer
from tests.factories import ProductFactory, SellerFactory, UserFactory, category
from tests.services import need_stripe_mock

WEBHOOK_SECRET = "whsec_test_gannan"


@pytest.fixture
def shopper():
    return UserFactory()


@pytest.fixture
def market(owner, seller):
    """Three sellers from three counties, one product each; returns {key: (product, sku)}."""
    xingguo = SellerFactory(status=SellerStatus.APPROVED, county_code="360732", name="兴国油茶",
                            owner=UserFactory())
    huichang = SellerFactory(status=SellerStatus.APPROVED, county_code="360733", name="会昌米粉",
                             owner=UserFactory())
    orange = ProductFactory(seller=seller, title="赣南脐橙 5kg", status=ProductStatus.PUBLISHED,
                            skus=[Sku(code="QC5", spec="5kg", price_fen=6880, stock=50)])
    oil = ProductFactory(seller=xingguo, title="山茶油 1L", status=ProductStatus.PUBLISHED,
                         category=category("camellia_oil"), origin_county_code="360732",
                         skus=[Sku(code="CY1", spec="1L", price_fen=9800, stock=20)])
    noodles = ProductFactory(seller=huichang, title="会昌米粉 2.5kg",
                             status=ProductStatus.PUBLISHED, category=category("rice_noodles"),
                             origin_county_code="360733",
                             skus=[Sku(code="MF", spec="2.5kg", price_fen=4590, stock=100)])
    return {"orange": orange, "oil": oil, "noodles": noodles}


def sku_id(product) -> int:
    return product.skus[0].id


ADDRESS = {"recipient": "王小明", "phone": "13912345678", "province": "广东省", "city": "深圳市",
           "county": "南山区", "detail": "科技园路1号"}


def add_to_cart(client, user, product, quantity=1):
    response = client.post("/api/v1/cart/items", json={"sku_id": sku_id(product),
                                                       "quantity": quantity},
                           headers=bearer(user))
    assert response.status_code == 201, response.get_json()
    return response


def checkout(client, user, key=None, **body):
    payload = {"address": ADDRESS, "payment_method": "cod", **body}
    headers = {**bearer(user), "Idempotency-Key": key or uuid.uuid4().hex}
    return client.post("/api/v1/checkout", json=payload, headers=headers)


@pytest.fixture
def stripe_on(app):
    """Stripe through the real stripe-mock, with a webhook secret the tests sign with."""
    import os

    saved = {k: app.config.get(k) for k in ("STRIPE_API_KEY", "STRIPE_API_BASE",
                                            "STRIPE_WEBHOOK_SECRET")}
    app.config.update(STRIPE_API_BASE=need_stripe_mock(),
                      STRIPE_API_KEY=os.environ.get("STRIPE_API_KEY", "sk_test_gannan"),
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    yield
    app.config.update(saved)


def signed_event(event_type: str, obj: dict, event_id: str | None = None,
                 timestamp: int | None = None, secret: str = WEBHOOK_SECRET):
    """(payload bytes, headers) of a Stripe event signed as Stripe signs them."""
    created = int(time.time()) if timestamp is None else timestamp
    event = {"id": event_id or f"evt_{uuid.uuid4().hex[:24]}", "object": "event",
             "type": event_type, "created": created, "api_version": "2024-06-20",
             "livemode": False, "data": {"object": obj}}
    payload = json.dumps(event).encode()
    signature = hmac.new(secret.encode(), f"{created}.".encode() + payload,
                         hashlib.sha256).hexdigest()
    return payload, {"Stripe-Signature": f"t={created},v1={signature}",
                     "Content-Type": "application/json"}


def send_event(client, event_type, obj, **kwargs):
    payload, headers = signed_event(event_type, obj, **kwargs)
    return client.post("/api/v1/payments/stripe/webhook", data=payload, headers=headers)


def succeeded(order_json, amount=None):
    amount = order_json["total_fen"] if amount is None else amount
    return {"id": order_json["stripe_payment_intent_id"], "object": "payment_intent",
            "amount": amount, "amount_received": amount, "currency": "cny",
            "status": "succeeded"}


def owner_of(seller_id: int):
    from gannan.platform.extensions import db
    from gannan.platform.models import MemberRole, SellerMember

    return db.session.scalar(db.select(SellerMember).where(
        SellerMember.seller_id == seller_id, SellerMember.role == MemberRole.OWNER)).user
