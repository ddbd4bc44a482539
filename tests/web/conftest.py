"""Fixtures of the page tests: a shopper with a session (tests/web/support.py has the
browser-like client and the SQL statement counter)."""

from __future__ import annotations

import pytest

from gannan.catalog.models import ProductStatus, Sku
from gannan.platform.models import SellerStatus
from tests.factories import ProductFactory, SellerFactory, UserFactory, category
from tests.web.support import WEBHOOK_SECRET, Pages


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


