"""Pages through Flask's test client: a shopper with a session, forms with CSRF tokens,
and a SQL statement counter."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from gannan.catalog.models import ProductStatus, Sku
from gannan.platform.extensions import db
from gannan.platform.models import SellerStatus
from tests.factories import PASSWORD, ProductFactory, SellerFactory, UserFactory, category

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


class Pages:
    """A browser-like client: keeps cookies, reads the CSRF token from the last page."""

    def __init__(self, client) -> None:
        self.client = client
        self.token: str | None = None

    def get(self, path: str, **kwargs):
        response = self.client.get(path, **kwargs)
        found = TOKEN.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict | None = None, csrf: bool = True, **kwargs):
        if csrf and self.token is None:
            self.get("/login")
        form = {**({"csrf_token": self.token} if csrf else {}), **(data or {})}
        response = self.client.post(path, data=form, **kwargs)
        found = TOKEN.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        elif response.status_code in (301, 302, 303):
            self.token = None  # a browser would take the token from the next page
        return response

    def sign_in(self, user, password: str = PASSWORD):
        response = self.post("/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        self.token = None  # a new session: the old token is gone
        return response

    def add(self, product, quantity: int = 1, sku=None):
        sku = sku or product.skus[0]
        return self.post("/cart/add", {"product_id": str(product.id), "sku_id": str(sku.id),
                                       "quantity": str(quantity)})

    def checkout_form(self) -> dict[str, str]:
        page = self.get("/checkout").get_data(as_text=True)
        return {"idempotency_key": KEY.search(page).group(1), "recipient": "王小明",
                "phone": "13912345678", "where": "ganzhou", "county_code": "360722",
                "detail": "嘉定镇阳明路8号", "payment_method": "cod"}


@pytest.fixture
def pages(client):
    return Pages(client)


@pytest.fixture
def shopper():
    return UserFactory()


@pytest.fixture
def market(seller):
    """Two sellers, one product each, listed."""
    xingguo = SellerFactory(status=SellerStatus.APPROVED, county_code="360732",
                            name="兴国县山茶油有限公司", owner=UserFactory())
    orange = ProductFactory(seller=seller, title="赣南脐橙 5kg", status=ProductStatus.PUBLISHED,
                            skus=[Sku(code="QC5", spec="5kg 特级", price_fen=6880, stock=50)])
    oil = ProductFactory(seller=xingguo, title="山茶油 1L", status=ProductStatus.PUBLISHED,
                         category=category("camellia_oil"), origin_county_code="360732",
                         skus=[Sku(code="CY1", spec="1L 玻璃瓶", price_fen=9800, stock=20)])
    return {"orange": orange, "oil": oil}


@contextmanager
def count_queries():
    """Count the SQL statements run inside the block (``len(statements)``)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def text(response) -> str:
    return response.get_data(as_text=True)


WEBHOOK_SECRET = "whsec_test_web"


@pytest.fixture
def stripe_on(app):
    """Stripe on the real stripe-mock, with a test key (the pay page's test mode)."""
    import os

    from tests.services import need_stripe_mock

    saved = {k: app.config.get(k) for k in ("STRIPE_API_KEY", "STRIPE_API_BASE",
                                            "STRIPE_WEBHOOK_SECRET", "STRIPE_PUBLISHABLE_KEY")}
    app.config.update(STRIPE_API_BASE=need_stripe_mock(),
                      STRIPE_API_KEY=os.environ.get("STRIPE_API_KEY", "sk_test_gannan"),
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_PUBLISHABLE_KEY="")
    yield
    app.config.update(saved)


def send_succeeded(client, order) -> None:
    """Stripe's signed ``payment_intent.succeeded`` for the order, as Stripe signs it."""
    import hashlib
    import hmac
    import json
    import time

    created = int(time.time())
    payload = json.dumps({
        "id": f"evt_web_{order.id}", "object": "event", "type": "payment_intent.succeeded",
        "created": created, "livemode": False, "data": {"object": {
            "id": order.stripe_payment_intent_id, "object": "payment_intent",
            "amount": order.total_fen, "amount_received": order.total_fen, "currency": "cny",
            "status": "succeeded"}}}).encode()
    signature = hmac.new(WEBHOOK_SECRET.encode(), f"{created}.".encode() + payload,
                         hashlib.sha256).hexdigest()
    response = client.post("/api/v1/payments/stripe/webhook", data=payload, headers={
        "Stripe-Signature": f"t={created},v1={signature}", "Content-Type": "application/json"})
    assert response.status_code == 200 and response.get_json()["outcome"] == "paid"
