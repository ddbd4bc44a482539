"""Fixtures: one app per test session on the configured database, clean tables per test.

The database is SQLite in a temporary folder unless ``DATABASE_URL`` names another
(CI runs the whole suite a second time on PostgreSQL).  The schema is built by the
Alembic migrations, as in production, not by ``create_all``.
"""

from __future__ import annotations

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from gannan import create_app
from gannan.platform.auth import issue_token
from gannan.platform.extensions import db
from gannan.platform.models import Role, UserRole
from tests.factories import UserFactory

# Reference data the migrations load; every other table is emptied after each test.
REFERENCE_TABLES = {"counties", "categories", "alembic_version"}

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
    "PASSWORD_HASH_PROFILE": "CHEAPEST",
    "LOGIN_RATE_LIMIT": "1000 per minute",
    "REGISTRATION_RATE_LIMIT": "1000 per minute",
    "CELERY": {"broker_url": "memory://", "result_backend": None, "task_always_eager": True},
    "SEARCH_BACKEND": "sqlite",
    # Stripe is off unless a test turns it on (tests/orders: the stripe_on fixture).
    "STRIPE_API_KEY": "",
    "STRIPE_API_BASE": "",
    "STRIPE_WEBHOOK_SECRET": "",
    "PUBLIC_BASE_URL": "https://shop.example.cn",
}


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def reset_schema() -> None:
    """Drop everything the previous run left and migrate from scratch."""
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from gannan.platform.config import normalise_database_url

    app = create_app({
        **TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url(tmp_path_factory)),
        "SEARCH_INDEX_PATH": str(tmp_path_factory.mktemp("search") / "index.sqlite3"),
    })
    with app.app_context():
        reset_schema()
    yield app
    with app.app_context():
        db.engine.dispose()


def clean_tables(app) -> None:
    db.session.rollback()
    if "search" in app.extensions:
        app.extensions["search"].reset()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                conn.execute(table.delete())
    db.session.remove()


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


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user)[0]}"}


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
    from gannan.platform.models import SellerStatus
    from tests.factories import SellerFactory

    return SellerFactory(owner=owner, status=SellerStatus.APPROVED, name="信丰县果园合作社")
