"""Helpers shared by the tests: a test module imports from here (or tests.factories),
never from another test module.  Fixtures live in the conftest.py files."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

from gannan.platform.auth import issue_token

PROBLEM = "application/problem+json"

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


def assert_problem(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"] == f"urn:gannan:problem:{code}"
    assert body["title"] and body["detail"]
    return body


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user)[0]}"}


@contextmanager
def counting_queries(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements ``engine`` runs inside the block (the ``count_queries`` fixture)."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


# --- catalog ------------------------------------------------------------------------------


def batch_body(**overrides):
    body = {
        "harvest_date": "2026-11-20",
        "quantity": 2000,
        "unit": "kg",
        "base": "信丰县安西镇脐橙基地",
        "producer": "信丰县果园合作社",
        "producer_kind": "cooperative",
        "farm_inputs": [{"name": "有机肥", "kind": "fertilizer", "amount": "50kg/亩",
                         "applied_on": "2026-03-10"}],
        "inspections": [{"lab": "赣州市农产品质量安全检测中心", "report_number": "GZJC-2026-1187",
                         "passed": True, "inspected_on": "2026-11-22"}],
        "compliance_certificate": {
            "product": "赣南脐橙", "quantity": "2000kg", "producer": "信丰县果园合作社",
            "origin": "江西省赣州市信丰县安西镇", "contact": "13907970001",
            "issued_on": "2026-11-23",
            "commitments": ["no_banned_pesticides_or_veterinary_drugs",
                            "pesticide_residues_within_limits"],
        },
    }
    body.update(overrides)
    return body


def add_batch(client, user, product_id, body):
    return client.post(f"/api/v1/products/{product_id}/batches", json=body, headers=bearer(user))


# --- orders -------------------------------------------------------------------------------

WEBHOOK_SECRET = "whsec_test_gannan"

ADDRESS = {"recipient": "王小明", "phone": "13912345678", "province": "广东省", "city": "深圳市",
           "county": "南山区", "detail": "科技园路1号"}


def sku_id(product) -> int:
    return product.skus[0].id


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


# --- reporting ----------------------------------------------------------------------------

XINFENG = {"recipient": "刘芳", "phone": "13800001111", "county_code": "360722", "detail": "嘉定镇"}
SHANGHAI_ADDR = {"recipient": "王伟", "phone": "13800003333", "province": "上海", "city": "上海",
                 "county": "浦东新区", "detail": "世纪大道"}


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


# Reference data the migrations load; every other table is emptied after each test.
REFERENCE_TABLES = {"counties", "categories", "alembic_version"}


def clean_tables(app) -> None:
    """Empty every table but the reference data, and the search index."""
    from gannan.platform.extensions import db

    db.session.rollback()
    if "search" in app.extensions:
        app.extensions["search"].reset()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                conn.execute(table.delete())
    db.session.remove()


def reset_schema() -> None:
    """Drop everything the previous run left and migrate from scratch.

    The tables are read from the database, not from the models: a database left by an
    older revision holds tables the models no longer have (``product_ratings`` before
    0015), whose foreign keys would stop the drop of the tables they point to."""
    from flask_migrate import upgrade
    from sqlalchemy import MetaData

    from gannan.platform.extensions import db

    found = MetaData()
    found.reflect(bind=db.engine)
    found.drop_all(bind=db.engine)
    upgrade()


# --- money --------------------------------------------------------------------------------

def money_invariants() -> dict[int, int]:
    """Check the money ledger: every transaction balances, every seller posting belongs
    to the transaction's seller.  Returns {seller_id: balance_fen} summed from postings."""
    from sqlalchemy import func

    from gannan.money.models import Account, MoneyTransaction, Posting
    from gannan.platform.extensions import db

    unbalanced = db.session.execute(
        db.select(Posting.transaction_id, func.sum(Posting.amount_fen))
        .group_by(Posting.transaction_id).having(func.sum(Posting.amount_fen) != 0)).all()
    assert unbalanced == []
    strays = db.session.scalar(
        db.select(func.count()).select_from(Posting)
        .join(MoneyTransaction, MoneyTransaction.id == Posting.transaction_id)
        .where(Posting.seller_id.is_not(None), Posting.seller_id != MoneyTransaction.seller_id))
    assert strays == 0
    rows = db.session.execute(
        db.select(Posting.seller_id, func.sum(Posting.amount_fen))
        .where(Posting.account.in_([Account.SELLER_PAYABLE, Account.COD_CASH_HELD]))
        .group_by(Posting.seller_id)).all()
    return {seller_id: -int(total) for seller_id, total in rows}


def ship_and_deliver(client, seller_order_id, staff_user, cash=True):
    staff = bearer(staff_user)
    path = f"/api/v1/seller-orders/{seller_order_id}"
    shipped = client.post(f"{path}/ship", json={"carrier": "EMS", "tracking_number": "1"},
                          headers=staff)
    assert shipped.status_code == 200, shipped.get_json()
    delivered = client.post(f"{path}/deliver", json={"cash_collected": cash}, headers=staff)
    assert delivered.status_code == 200, delivered.get_json()


def jpeg_with_gps() -> bytes:
    """A small JPEG whose EXIF holds a camera make and a GPS position."""
    from PIL import Image

    image = Image.new("RGB", (64, 48), (250, 140, 20))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (25.0, 50.0, 0.0), 3: "E", 4: (114.0, 56.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def race(app, attempts: int, attempt: Callable[[int], object]) -> list[object]:
    """Run ``attempt(n)`` for n in 0 … attempts-1 in as many threads, released at once,
    each in an app context of its own (its own session and connection).  Returns what
    each returned, or the code (a string) of the ``Conflict`` it raised, in finishing order."""
    from gannan.platform.errors import Conflict
    from gannan.platform.extensions import db

    outcomes: list[object] = []
    start = threading.Barrier(attempts)

    def run(n: int) -> None:
        with app.app_context():
            start.wait()
            try:
                outcomes.append(attempt(n))
            except Conflict as exc:
                outcomes.append(str(exc.code))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == attempts, f"only {len(outcomes)} of {attempts} attempts finished"
    return outcomes


@contextmanager
def throwaway_postgres(prefix: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (on the server of
    ``DATABASE_URL_PG``), dropped afterwards: for tests that run migrations from base."""
    import sqlalchemy as sa

    from gannan.platform.config import normalise_database_url
    from tests.services import need_postgres

    base = sa.engine.make_url(normalise_database_url(need_postgres()))
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        for attempt in range(10):  # an autovacuum worker (not ours to end) may be in it
            try:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except sa.exc.ProgrammingError:
                if attempt == 9:
                    raise
                time.sleep(1)
        admin.dispose()
