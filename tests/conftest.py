"""Fixtures: one app per test session on the configured database, clean tables per test.

The database is SQLite in a temporary folder unless ``DATABASE_URL`` names another
(CI runs the whole suite a second time on PostgreSQL).  The schema is built by the
Alembic migrations, as in production, not by ``create_all``.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest
from flask import request, request_finished
from flask_smorest.spec.plugins import FlaskPlugin

from gannan import create_app
from gannan.catalog.models import ProductStatus, Sku
from gannan.platform import types as platform_types
from gannan.platform.extensions import db
from gannan.platform.models import Role, SellerStatus, UserRole
from tests.factories import ProductFactory, SellerFactory, UserFactory, category
from tests.helpers import PROBLEM, TEST_CONFIG, clean_tables, counting_queries, reset_schema



def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from gannan.platform.config import normalise_database_url

    app = create_app({
        **TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url(tmp_path_factory)),
        "SEARCH_INDEX_PATH": str(tmp_path_factory.mktemp("search") / "index.sqlite3"),
        "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
    })
    with app.app_context():
        reset_schema()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield
        clean_tables(app)
    from gannan.platform.extensions import limiter

    limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def documented_problems(app) -> dict[tuple[str, str], dict[str, set[str]]]:
    """{(OpenAPI path, method): {status: codes}}: the error catalogue the API publishes."""
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    return {
        (path, method): {
            status: set(response["content"][PROBLEM]["schema"]["allOf"][1]["properties"]
                        ["code"]["enum"])
            for status, response in operation["responses"].items() if int(status) >= 400
        }
        for path, item in spec["paths"].items()
        for method, operation in item.items() if method != "parameters"
    }


@pytest.fixture(autouse=True)
def _errors_are_documented(app, documented_problems):
    """Every error any test meets from an API operation is problem+json and listed in the
    OpenAPI document for that operation and status: the catalogue is never out of date."""
    undocumented: list[str] = []

    def check(sender, response, **extra) -> None:
        if response.status_code < 400 or request.url_rule is None:
            return  # a success, or no operation (unknown path, method not allowed)
        path = FlaskPlugin.flaskpath2openapi(request.url_rule.rule)
        listed = documented_problems.get((path, request.method.lower()))
        if listed is None:
            return  # not an API operation (health check, docs)
        code = response.get_json(force=True).get("code") \
            if response.mimetype == PROBLEM else f"<{response.mimetype}>"
        if code not in listed.get(str(response.status_code), set()):
            undocumented.append(f"{request.method} {path}: {response.status_code} {code}")

    request_finished.connect(check, app)
    yield
    request_finished.disconnect(check, app)
    assert not undocumented, f"answers the OpenAPI document does not list: {undocumented}"


@pytest.fixture
def consumer():
    return UserFactory()


@pytest.fixture
def admin():
    return UserFactory(role_rows=[UserRole(role=Role.PLATFORM_ADMIN)])


@pytest.fixture
def bureau_user():
    return UserFactory(role_rows=[UserRole(role=Role.BUREAU)])


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def seller(owner):
    """An approved seller in 信丰县 owned by ``owner``."""
    return SellerFactory(owner=owner, status=SellerStatus.APPROVED, name="信丰县果园合作社")


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


@pytest.fixture
def count_queries(app):
    """``with count_queries() as statements: ...``: the SQL statements the block runs
    (SQLAlchemy engine events), for tests that bound the queries of a hot path."""
    return lambda: counting_queries(db.engine)


@pytest.fixture
def stripe_on(app):
    """Stripe through the real stripe-mock (payments, refunds, Connect accounts and
    transfers), with the webhook secret the tests sign with (tests/helpers.py)."""
    import os

    from tests.helpers import WEBHOOK_SECRET
    from tests.services import need_stripe_mock

    saved = {k: app.config.get(k) for k in ("STRIPE_API_KEY", "STRIPE_API_BASE",
                                            "STRIPE_WEBHOOK_SECRET")}
    app.config.update(STRIPE_API_BASE=need_stripe_mock(),
                      STRIPE_API_KEY=os.environ.get("STRIPE_API_KEY", "sk_test_gannan"),
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    yield
    app.config.update(saved)


@pytest.fixture
def clock(monkeypatch):
    """``clock("2026-11-01T02:00")``: the platform's UTC time from now on."""

    def set_to(iso_utc: str) -> None:
        moment = datetime.fromisoformat(iso_utc).replace(tzinfo=timezone.utc)

        class Frozen(datetime):
            @classmethod
            def now(cls, tz=None):
                return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

        monkeypatch.setattr(platform_types, "datetime", Frozen)

    return set_to
