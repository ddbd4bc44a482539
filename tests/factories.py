"""factory_boy factories for the platform's models."""

from __future__ import annotations

from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory

from gannan.catalog.models import (
    Category,
    Certificate,
    CertificateKind,
    Product,
    ProductStatus,
    Sku,
    TraceBatch,
)
from gannan.catalog.services.trace import new_trace_code
from gannan.platform.auth import hash_password
from gannan.platform.demo import demo_uscc
from gannan.platform.extensions import db
from gannan.platform.models import (
    MemberRole,
    Qualification,
    QualificationKind,
    Seller,
    SellerKind,
    SellerMember,
    SellerStatus,
    User,
)
from gannan.platform.types import utcnow

PASSWORD = "correct horse battery"


class _Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(_Factory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.cn")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password_hash = factory.LazyFunction(lambda: hash_password(PASSWORD))


def valid_uscc(n: int, county: str = "360722") -> str:
    """A USCC with a correct check digit: 91 + county + a 9-character organisation code."""
    return demo_uscc("91" + county, f"MA{n:07d}")


class SellerFactory(_Factory):
    class Meta:
        model = Seller

    name = factory.Sequence(lambda n: f"赣州测试农业有限公司{n}")
    uscc = factory.Sequence(lambda n: valid_uscc(n))
    kind = SellerKind.ENTERPRISE
    county_code = "360722"
    contact_name = "张三"
    contact_phone = "13800000000"
    address = "江西省赣州市信丰县"
    status = SellerStatus.PENDING

    @factory.post_generation
    def owner(self, create, extracted, **kwargs):
        if extracted is not None:
            self.members.append(SellerMember(user=extracted, role=MemberRole.OWNER))

    @factory.post_generation
    def licence(self, create, extracted, **kwargs):
        if extracted is not False:
            self.qualifications.append(
                Qualification(kind=QualificationKind.BUSINESS_LICENCE, number=self.uscc,
                              valid_from=date(2020, 1, 1), valid_until=None)
            )
        if create:
            db.session.commit()


def category(slug: str) -> Category:
    return db.session.scalar(db.select(Category).where(Category.slug == slug))


class ProductFactory(_Factory):
    """A product with one SKU; ``status`` published gets ``published_at`` too."""

    class Meta:
        model = Product

    seller = factory.SubFactory(SellerFactory, status=SellerStatus.APPROVED)
    category = factory.LazyFunction(lambda: category("navel_orange"))
    title = factory.Sequence(lambda n: f"赣南脐橙 测试果 {n}号")
    description = "信丰县果园直发"
    origin_county_code = "360722"
    agricultural = True
    status = ProductStatus.DRAFT
    published_at = factory.LazyAttribute(
        lambda o: utcnow() if o.status is ProductStatus.PUBLISHED else None)
    skus = factory.LazyFunction(
        lambda: [Sku(code="A1", spec="5kg 特级", price_fen=6800, stock=100, weight_g=5000)])


class CertificateFactory(_Factory):
    class Meta:
        model = Certificate

    seller_id = factory.LazyAttribute(lambda o: o.products[0].seller_id)
    kind = CertificateKind.BRAND_LICENCE
    number = factory.Sequence(lambda n: f"GNQC-2026-{n:04d}")
    issuer = "赣州市赣南脐橙协会"
    brand = "赣南脐橙"
    valid_from = date(2024, 1, 1)
    valid_until = date(2030, 12, 31)
    products = factory.LazyFunction(list)


class TraceBatchFactory(_Factory):
    class Meta:
        model = TraceBatch

    product = factory.SubFactory(ProductFactory)
    trace_code = factory.LazyFunction(new_trace_code)
    harvest_date = date(2026, 11, 20)
    production_date = None
    quantity = 2000
    unit = "kg"
    base_name = "信丰县安西镇脐橙基地"
    producer_name = "信丰县果园合作社"
    producer_kind = "cooperative"
    farm_inputs = factory.LazyFunction(list)
    compliance_certificate = factory.LazyFunction(lambda: {
        "product": "赣南脐橙", "quantity": "2000kg", "producer": "信丰县果园合作社",
        "origin": "江西省赣州市信丰县安西镇", "contact": "13907970001", "issued_on": "2026-11-23",
        "commitments": ["no_banned_pesticides_or_veterinary_drugs"]})
