"""Fixtures of the console tests: a small world with every kind of account in it, signing
in through the session cookie, and counting SQL statements."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask import g
from sqlalchemy import event

from gannan.catalog.models import ProductStatus, Sku
from gannan.orders.schemas import CheckoutSchema
from gannan.orders.services import cart, checkout
from gannan.platform.extensions import db
from gannan.platform.models import MemberRole, Role, SellerMember, SellerStatus, User, UserRole
from tests.factories import (
    CertificateFactory,
    ProductFactory,
    SellerFactory,
    TraceBatchFactory,
    UserFactory,
)

SHOPPER_ADDRESS = {"recipient": "王小明", "phone": "13912345678", "province": "上海",
                   "city": "上海", "county": "浦东新区", "detail": "世纪大道1号"}


@dataclass
class World:
    owner: User
    staff: User
    other_owner: User
    admin: User
    bureau: User
    consumer: User
    seller_id: int
    other_seller_id: int
    product_id: int
    sku_id: int
    batch_id: int
    certificate_id: int
    seller_order_id: int
    order_id: int


def cod_order(buyer: User, sku_id: int, quantity: int = 1, address: dict | None = None):
    """A cash-on-delivery order placed through the orders services, as checkout does."""
    cart.add_item(buyer.id, sku_id, quantity)
    body = CheckoutSchema().load({"address": address or SHOPPER_ADDRESS, "payment_method": "cod"})
    order, _ = checkout.checkout(buyer, uuid.uuid4().hex, body)
    return order


@pytest.fixture
def world() -> World:
    owner, staff, other_owner = UserFactory(), UserFactory(), UserFactory()
    seller = SellerFactory(owner=owner, status=SellerStatus.APPROVED, name="信丰县果园合作社")
    seller.members.append(SellerMember(user=staff, role=MemberRole.STAFF))
    other = SellerFactory(owner=other_owner, status=SellerStatus.APPROVED, county_code="360732",
                          name="兴国县山茶油有限公司")
    db.session.commit()
    product = ProductFactory(seller=seller, title="赣南脐橙 特级 5kg", status=ProductStatus.PUBLISHED,
                             regional_brand="赣南脐橙", origin_township="安西镇",
                             skus=[Sku(code="QC5", spec="5kg 特级", price_fen=6880, stock=50)])
    certificate = CertificateFactory(products=[product])
    batch = TraceBatchFactory(product=product)
    consumer = UserFactory(display_name="王小明", email="xiaoming@example.cn")
    order = cod_order(consumer, product.skus[0].id, 2)
    return World(
        owner=owner, staff=staff, other_owner=other_owner,
        admin=UserFactory(role_rows=[UserRole(role=Role.PLATFORM_ADMIN)]),
        bureau=UserFactory(role_rows=[UserRole(role=Role.BUREAU)]),
        consumer=consumer, seller_id=seller.id, other_seller_id=other.id,
        product_id=product.id, sku_id=product.skus[0].id, batch_id=batch.id,
        certificate_id=certificate.id, seller_order_id=order.seller_orders[0].id,
        order_id=order.id)


def sign_in(client, user: User | None) -> None:
    """The pages' session cookie for ``user`` (None: signed out): a fresh session, as
    signing in makes one."""
    # flask-wtf keeps the request's token on ``g``, which outlives a request here (the
    # tests hold an app context open): forget it, or the new session never gets one.
    g.pop("csrf_token", None)
    with client.session_transaction() as session:
        session.clear()
        if user is not None:
            session["uid"] = user.id


def csrf_token(client) -> str:
    """The CSRF token of the client's session, as a page's form carries it (the sign-in
    page has a form for everyone)."""
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def post(client, path: str, data: dict | None = None, **kwargs):
    """Submit a form as a browser would: with the session's CSRF token."""
    return client.post(path, data={"csrf_token": csrf_token(client), **(data or {})}, **kwargs)


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
