"""Helpers of the page tests (fixtures are in conftest.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from gannan.platform.extensions import db
from tests.factories import PASSWORD
from tests.helpers import counting_queries

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


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Count the SQL statements run inside the block (``len(statements)``)."""
    with counting_queries(db.engine) as statements:
        yield statements


def text(response) -> str:
    return response.get_data(as_text=True)


WEBHOOK_SECRET = "whsec_test_web"


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
