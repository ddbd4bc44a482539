"""Fixtures of the console tests: a small world with every kind of account in it (the
clock is the root conftest's).  Helpers are in tests/web/console/pages.py."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gannan.catalog.models import ProductStatus, Sku
from gannan.platform.extensions import db
from gannan.platform.models import MemberRole, Role, SellerMember, SellerStatus, User, UserRole
from tests.factories import (
    CertificateFactory,
    ProductFactory,
    SellerFactory,
    TraceBatchFactory,
    UserFactory,
)
from tests.web.console.pages import cod_order


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
    officer: User  # the commerce office of the seller's county (信丰县)
    other_officer: User  # 兴国县's


@pytest.fixture
def world() -> World:
    """A 信丰 seller (owner and staff) with a branded, licensed, published product, its
    batch, and a shopper's cash-on-delivery order of two; another seller's owner; an
    admin, the bureau, a plain shopper, and the commerce offices of 信丰 and 兴国."""
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
        order_id=order.id,
        officer=UserFactory(role_rows=[UserRole(role=Role.COUNTY_OFFICER, county_code="360722")]),
        other_officer=UserFactory(role_rows=[UserRole(role=Role.COUNTY_OFFICER,
                                                      county_code="360732")]))
