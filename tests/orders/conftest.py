"""Fixtures for orders: Stripe on stripe-mock (the market and the shopper are in
tests/conftest.py, the helpers in tests/helpers.py)."""

from __future__ import annotations

import pytest

from tests.helpers import WEBHOOK_SECRET
from tests.services import need_stripe_mock


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
