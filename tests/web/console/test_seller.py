"""The seller console, as an owner and staff use it: applying, listing, stock, certificates,
batches and labels, orders and the CSV, shipping rule, staff."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from gannan.catalog.models import Certificate, CertificateKind, Product, ProductStatus, Sku, \
    TraceBatch
from gannan.orders.models import SellerOrder, SellerOrderStatus, ShippingRule
from gannan.orders.services import fulfilment
from gannan.platform.demo import demo_uscc
from gannan.platform.errors import ProblemError
from gannan.platform.extensions import db
from gannan.platform.models import MemberRole, Seller, SellerMember, SellerStatus
from gannan.platform.services import validate_uscc
from gannan.platform.types import shanghai_today
from gannan.web.console.seller_orders import may_ship
from tests.factories import CertificateFactory, ProductFactory, UserFactory
from tests.pdfcheck import label_qr_codes
from tests.web.console.pages import cod_order, post, sign_in, text

VALID_USCC = demo_uscc("93360726", "MA3AY0001")  # a cooperative in 安远县



# --- applying ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed, shown", [
    (VALID_USCC, "代码有效"),
    (VALID_USCC[:-1] + ("0" if VALID_USCC[-1] != "0" else "1"), "代码无效"),
    ("91360", "已输入 5 位，共 18 位"),
])
def test_the_uscc_is_checked_as_it_is_typed(client, consumer, typed, shown):
    sign_in(client, consumer)
    response = client.get(f"/seller/apply/uscc?uscc={typed}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert shown in text(response)
    # the verdict of the validator the API applies (python-stdnum) to the same text
    if shown == "代码无效":
        with pytest.raises(ProblemError, match="not a valid unified social credit code"):
            validate_uscc(typed)
    elif shown == "代码有效":
        assert validate_uscc(typed) == typed


def test_an_application_is_pending_until_reviewed_and_the_seller_sees_the_reason(client,
                                                                                 consumer,
                                                                                 admin):
    sign_in(client, consumer)
    refused = post(client, "/seller/apply", {"name": "", "uscc": "123", "county_code": "360721",
                                             "contact_phone": "12345"})
    page = text(refused)
    assert refused.status_code == 422
    assert "请填写名称" in page and "请选择从选项中" not in page
    assert "请填写正确的手机号" in page
    retired = post(client, "/seller/apply", {
        "name": "安远县试验合作社", "uscc": VALID_USCC, "kind": "cooperative",
        "county_code": "360721", "contact_name": "赵林", "contact_phone": "13907970099",
        "address": "安远县欣山镇"})
    assert retired.status_code == 422 and "这个区县代码已经停用" in text(retired)

    applied = post(client, "/seller/apply", {
        "name": "安远县试验合作社", "uscc": VALID_USCC.lower(), "kind": "cooperative",
        "county_code": "360726", "contact_name": "赵林", "contact_phone": "13907970099",
        "address": "安远县欣山镇"})
    assert applied.status_code == 302
    seller = db.session.scalar(db.select(Seller).where(Seller.uscc == VALID_USCC))
    assert seller.status is SellerStatus.PENDING and seller.county.name == "安远县"
    overview = client.get(applied.headers["Location"])
    assert "待审核" in text(overview) and "还差一步" in text(overview)

    wrong = post(client, f"/seller/{seller.id}/qualifications", {
        "kind": "business_licence", "number": demo_uscc("91360702", "MA0000001"),
        "valid_from": "2024-01-01"})
    assert wrong.status_code == 422 and "须与商家登记的一致" in text(wrong)
    licence = post(client, f"/seller/{seller.id}/qualifications", {
        "kind": "business_licence", "number": VALID_USCC, "valid_from": "2024-01-01"})
    assert licence.status_code == 302
    assert "还差一步" not in text(client.get(f"/seller/{seller.id}"))

    sign_in(client, admin)
    post(client, f"/admin/sellers/{seller.id}/reject", {"reason": "营业执照照片不清晰，请重新上传"})
    sign_in(client, consumer)
    page = text(client.get(f"/seller/{seller.id}"))
    assert "已驳回" in page and "营业执照照片不清晰，请重新上传" in page


# --- products, stock, certificates ------------------------------------------------------------


def test_a_product_is_created_in_yuan_and_says_why_it_cannot_be_published(client, world):
    sign_in(client, world.owner)
    created = post(client, f"/seller/{world.seller_id}/products/new", {
        "title": "赣南脐橙 一级 10kg", "category": "navel_orange", "origin_county_code": "360722",
        "regional_brand": "赣南脐橙", "spec": "10kg 一级", "code": "QC-10", "price_fen": "99.9",
        "stock": "40"})
    assert created.status_code == 302, text(created)
    product = db.session.scalar(db.select(Product).where(Product.title == "赣南脐橙 一级 10kg"))
    assert product.status is ProductStatus.DRAFT
    assert [(s.price_fen, s.stock) for s in product.skus] == [(9990, 40)]
    page = text(client.get(created.headers["Location"]))
    assert "还不能上架" in page and "须有有效的品牌授权书或地理标志证书覆盖它" in page

    refused = post(client, f"/seller/products/{product.id}/publish")
    assert refused.status_code == 409 and "品牌授权书" in text(refused)
    certificate = db.session.get(Certificate, world.certificate_id)
    covered = post(client, f"/seller/{world.seller_id}/certificates/{certificate.id}/products",
                   {"product_ids": [str(world.product_id), str(product.id)]})
    assert covered.status_code == 302
    assert "还不能上架" not in text(client.get(f"/seller/products/{product.id}"))
    assert post(client, f"/seller/products/{product.id}/publish").status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, product.id).status is ProductStatus.PUBLISHED


def test_a_pending_sellers_product_lists_every_reason(client, owner):
    from tests.factories import SellerFactory

    seller = SellerFactory(owner=owner, status=SellerStatus.PENDING)
    product = ProductFactory(seller=seller, regional_brand="赣南脐橙", skus=[])
    sign_in(client, owner)
    listing = client.get(f"/seller/{seller.id}/products")
    assert re.search(r'<a href="[^"]+/products" aria-current="page">商品</a>',
                     listing.get_data(as_text=True))  # the tab shows where one is
    page = text(listing)
    for reason in ("商家通过平台审核后才能上架商品", "至少要有一个规格才能上架",
                   "须有有效的品牌授权书或地理标志证书覆盖它"):
        assert reason in page
    assert f"/seller/products/{product.id}/publish" not in page  # no button that must fail


def test_prices_typed_in_yuan_are_exact_or_refused_in_words(client, world):
    sign_in(client, world.owner)
    url = f"/seller/products/{world.product_id}/skus"
    for typed, stored in (("12", 1200), ("12.3", 1230), ("0.07", 7), ("1,299.90", 129990)):
        response = post(client, url, {"spec": f"规格 {typed}", "code": f"C{stored}",
                                      "price_fen": typed, "stock": "1"})
        assert response.status_code == 302, text(response)
        assert db.session.scalar(db.select(Sku.price_fen).where(Sku.code == f"C{stored}")) \
            == stored
    bad = post(client, url, {"spec": "规格", "code": "BAD", "price_fen": "12.345", "stock": "1"})
    assert bad.status_code == 422 and "元，最多两位小数" in text(bad)


def test_stock_is_changed_in_place_and_never_below_zero(client, world):
    sign_in(client, world.owner)
    url = f"/seller/products/{world.product_id}/skus/{world.sku_id}/stock"
    htmx = {"HX-Request": "true"}
    added = post(client, url, {"delta": "+25"}, headers=htmx)
    assert added.status_code == 200
    assert "<html" not in added.get_data(as_text=True)  # a fragment, swapped in place
    assert "现有 73 件" in text(added)  # 50, less the 2 the world's order holds, plus 25
    too_many = post(client, url, {"delta": "-74"}, headers=htmx)
    assert "库存不够扣减" in text(too_many) and ">73<" in too_many.get_data(as_text=True)
    assert "请填写要增减的整数" in text(post(client, url, {"delta": "十"}, headers=htmx))
    plain = post(client, url, {"delta": "-5", "back": "https://evil.example/"})
    assert plain.status_code == 302
    assert plain.headers["Location"] == f"/seller/products/{world.product_id}"  # not elsewhere
    assert db.session.get(Sku, world.sku_id).stock == 68


def test_certificates_warn_thirty_days_before_they_expire(client, world):
    product = db.session.get(Product, world.product_id)
    today = shanghai_today()
    CertificateFactory(products=[product], kind=CertificateKind.GREEN_FOOD, brand=None,
                       number="GF360722260001", valid_until=today + timedelta(days=30))
    CertificateFactory(products=[product], kind=CertificateKind.ORGANIC, brand=None,
                       number="ORG-1", valid_until=today + timedelta(days=31))
    CertificateFactory(products=[product], kind=CertificateKind.GEOGRAPHICAL_INDICATION,
                       number="AGI-1", valid_until=today - timedelta(days=1))
    sign_in(client, world.owner)
    page = text(client.get(f"/seller/{world.seller_id}/certificates"))
    assert page.count("30 天内到期") == 1 and f"30 天内到期：{today + timedelta(days=30)}" in page
    assert "已过期" in page
    overview = text(client.get(f"/seller/{world.seller_id}"))
    assert "证照到期提醒" in overview and "GF360722260001" in overview and "AGI-1" in overview
    assert "ORG-1" not in overview


# --- batches and labels --------------------------------------------------------------------


BATCH_FORM = {
    "harvest_date": "2026-11-20", "quantity": "2000", "unit": "kg",
    "base": "信丰县安西镇脐橙基地", "producer": "信丰县果园合作社", "producer_kind": "cooperative",
    "cc_product": "赣南脐橙", "cc_quantity": "2000kg", "cc_producer": "信丰县果园合作社",
    "cc_origin": "江西省赣州市信丰县安西镇", "cc_contact": "13907970001",
    "cc_issued_on": "2026-11-21",
    "commitments": ["no_banned_pesticides_or_veterinary_drugs", "pesticide_residues_within_limits"],
    "inspection_lab": "赣州市农产品质量安全检测中心", "inspection_report_number": "GZ-2026-1",
    "inspection_inspected_on": "2026-11-21", "inspection_passed": "yes",
}


def test_a_batch_with_its_compliance_certificate_and_its_label_sheet(client, world, tmp_path):
    sign_in(client, world.owner)
    url = f"/seller/products/{world.product_id}/batches/new"
    missing = post(client, url, {**BATCH_FORM, "commitments": [], "cc_contact": ""})
    assert missing.status_code == 422
    assert "请至少勾选一项承诺" in text(missing) and "请填写联系方式" in text(missing)
    made = post(client, url, BATCH_FORM)
    assert made.status_code == 302, text(made)
    batch = db.session.scalar(db.select(TraceBatch).order_by(TraceBatch.id.desc()))
    assert batch.compliance_certificate["commitments"] == BATCH_FORM["commitments"]
    assert [(i.lab, i.passed) for i in batch.inspections] == [("赣州市农产品质量安全检测中心", True)]
    page = text(client.get(made.headers["Location"]))
    assert batch.trace_code in page and "承诺达标合格证" in page and "常规农药兽药残留不超标" in page

    sheet = client.get(f"/seller/products/{world.product_id}/batches/{batch.id}/labels.pdf"
                       "?count=4")
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    found = label_qr_codes(sheet.data, tmp_path)
    url = f"https://shop.example.cn/t/{batch.trace_code}"
    assert found == [[url]] * 4 + [[]] * 20
    assert client.get(f"/seller/products/{world.product_id}/batches/{batch.id}/labels.pdf"
                      "?count=999").status_code == 422


def test_a_batch_of_another_product_is_not_found(client, world):
    other = ProductFactory(seller=db.session.get(Seller, world.seller_id))
    sign_in(client, world.owner)
    assert client.get(f"/seller/products/{other.id}/batches/{world.batch_id}").status_code == 404


# --- orders --------------------------------------------------------------------------------


def test_a_cod_order_is_shipped_delivered_with_the_cash_and_refunded(client, world):
    sign_in(client, world.staff)
    listing = text(client.get(f"/seller/{world.seller_id}/orders"))
    assert "待发货（货到付款）" in listing and "王小明" in listing
    url = f"/seller/orders/{world.seller_order_id}"
    assert "发货" in text(client.get(url))
    assert post(client, f"{url}/ship", {"carrier": "", "tracking_number": ""}).status_code == 422
    shipped = post(client, f"{url}/ship", {"carrier": "顺丰速运", "tracking_number": "SF100200300"})
    assert shipped.status_code == 302
    uncollected = post(client, f"{url}/deliver", {})
    assert uncollected.status_code == 409 and "确认已收到货款" in text(uncollected)
    delivered = post(client, f"{url}/deliver", {"cash_collected": "on"})
    assert delivered.status_code == 302
    part = db.session.get(SellerOrder, world.seller_order_id)
    db.session.refresh(part)
    assert part.status is SellerOrderStatus.DELIVERED and part.paid_fen == part.total_fen

    line = part.lines[0]
    too_much = post(client, f"{url}/refund", {"amount_fen": f"{part.paid_fen / 100 + 1:.2f}",
                                              "reason": "坏果"})
    assert too_much.status_code == 422 and "超过了可退金额" in text(too_much)
    refunded = post(client, f"{url}/refund", {"amount_fen": "10", "reason": "一箱有坏果",
                                              "line_ids": [str(line.id)]})
    assert refunded.status_code == 302
    db.session.refresh(part)
    assert part.refunded_fen == 1000 and part.lines[0].refunded_fen == 1000


def test_may_ship_is_what_the_fulfilment_service_accepts(client, world):
    """The console offers "ship" exactly when fulfilment.ship would accept it."""
    part = db.session.get(SellerOrder, world.seller_order_id)
    assert may_ship(part)  # cash on delivery, not yet shipped
    fulfilment.ship(part.id, world.owner.id, "EMS", "1")
    assert not may_ship(part)
    with pytest.raises(Exception, match="cannot become shipped"):
        fulfilment.ship(part.id, world.owner.id, "EMS", "2")


def test_a_periods_orders_as_csv(client, world):
    other = cod_order(UserFactory(), world.sku_id, 1, {
        "recipient": "李四", "phone": "13800001111", "county_code": "360722", "detail": "嘉定镇"})
    sign_in(client, world.owner)
    today = shanghai_today()
    response = client.get(f"/seller/{world.seller_id}/orders.csv?from={today}&to={today}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["订单号", "下单时间", "订单状态"]
    numbers = {row[0] for row in rows[1:]}
    assert other.number in numbers and len(rows) == 3
    assert {row[7] for row in rows[1:]} == {"68.80"}
    yesterday = today - timedelta(days=1)
    empty = client.get(f"/seller/{world.seller_id}/orders.csv?from={yesterday}&to={yesterday}")
    assert len(list(csv.reader(io.StringIO(empty.data.decode("utf-8-sig"))))) == 1
    reversed_ = client.get(f"/seller/{world.seller_id}/orders.csv?from={today}&to={yesterday}")
    assert reversed_.status_code == 422


# --- shipping rule and staff ---------------------------------------------------------------


def test_the_shipping_rule_is_typed_in_yuan(client, world):
    sign_in(client, world.owner)
    saved = post(client, f"/seller/{world.seller_id}/shipping", {
        "flat_fee_fen": "8", "free_above_fen": "88.00", "cold_chain_surcharge_fen": "15.5"})
    assert saved.status_code == 302
    rule = db.session.get(ShippingRule, world.seller_id)
    assert (rule.flat_fee_fen, rule.free_above_fen, rule.cold_chain_surcharge_fen) == \
        (800, 8800, 1550)
    refused = post(client, f"/seller/{world.seller_id}/shipping", {"flat_fee_fen": "5000"})
    assert refused.status_code == 422 and "须在 0.00 到 1,000.00 元之间" in text(refused)


def test_the_owner_adds_and_removes_staff_and_staff_cannot(client, world):
    newcomer = UserFactory(email="xiaoli@example.cn")
    sign_in(client, world.staff)
    assert post(client, f"/seller/{world.seller_id}/staff",
                {"email": newcomer.email}).status_code == 403
    sign_in(client, world.owner)
    unknown = post(client, f"/seller/{world.seller_id}/staff", {"email": "nobody@example.cn"})
    assert unknown.status_code == 404 and "请对方先注册" in text(unknown)
    assert post(client, f"/seller/{world.seller_id}/staff",
                {"email": newcomer.email}).status_code == 302
    assert db.session.scalar(db.select(SellerMember.role).where(
        SellerMember.user_id == newcomer.id)) is MemberRole.STAFF
    owner_row = post(client, f"/seller/{world.seller_id}/staff/{world.owner.id}/remove")
    assert owner_row.status_code == 409 and "店主不能被移除" in text(owner_row)
    assert post(client, f"/seller/{world.seller_id}/staff/{newcomer.id}/remove").status_code \
        == 302
