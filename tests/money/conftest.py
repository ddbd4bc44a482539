"""Fixtures for money: Stripe on stripe-mock, an admin's commission rates."""

from __future__ import annotations

import os

import pytest

from tests.helpers import WEBHOOK_SECRET
from tests.services import need_stripe_mock


@pytest.fixture
def stripe_on(app):
    """Stripe through the real stripe-mock (payments, Connect accounts, transfers)."""
    saved = {k: app.config.get(k) for k in ("STRIPE_API_KEY", "STRIPE_API_BASE",
                                            "STRIPE_WEBHOOK_SECRET")}
    app.config.update(STRIPE_API_BASE=need_stripe_mock(),
                      STRIPE_API_KEY=os.environ.get("STRIPE_API_KEY", "sk_test_gannan"),
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    yield
    app.config.update(saved)
