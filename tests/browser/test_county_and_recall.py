"""The pages of issue 13 in Debian's chromium, at phone size: a county commerce office
recommends its county's application (推荐) before the platform admin approves it; a
seller ships a box from a named batch, sees where the batch went, recalls it; the trace
page tells a shopper who scans the code, and the buyer reads the notice on its orders.

Screenshots (the README's) go to the browser artifacts.
"""

from __future__ import annotations

from datetime import date

import pytest

from gannan.catalog.models import Product, TraceBatch
from gannan.orders.models import OrderLine, SellerOrder
from gannan.orders.schemas import CheckoutSchema
from gannan.orders.services import cart, checkout
from gannan.platform.demo import demo_uscc
from gannan.platform.extensions import db
from gannan.platform.models import Seller, SellerStatus
from gannan.platform.services import find_user_by_email
from tests.factories import TraceBatchFactory

pytestmark = pytest.mark.browser

ADMIN, OFFICE, SELLER, SHOPPER = ("admin@demo.gannan.test", "xunwu-office@demo.gannan.test",
                                  "xinfeng@demo.gannan.test", "shopper@demo.gannan.test")
XUNWU = "寻乌县南桥蜜桔专业合作社"
ORANGE = "赣南脐橙 特级 5kg 礼盒"


def test_the_county_office_recommends_before_the_admin_approves(browser):
    pending = db.session.scalar(db.select(Seller).where(
        Seller.uscc == demo_uscc("93360734", "MA37K6M1U")))
    browser.sign_in(ADMIN)
    browser.open(f"/admin/sellers/{pending.id}")
    assert "等待寻乌县商务部门推荐" in browser.find("#recommendation").text
    browser.submit("#decide form button[type=submit]")  # approve: refused, and why
    assert "商务部门还没有推荐" in browser.text()

    browser.sign_in(OFFICE)
    browser.open("/console")  # the office's one console: its own county
    assert browser.path == "/county/360734", browser.path
    waiting = browser.find("#recommend").text
    assert XUNWU in waiting and "信丰县" not in browser.find("#sellers").text
    browser.screenshot("console-county-phone.png")
    browser.fill("reason", "县商务局实地核查，同意推荐")
    browser.submit("#recommend form button[type=submit]")
    assert f"已推荐 {XUNWU}" in browser.text() and "没有等待推荐的申请" in browser.text()
    assert "已推荐" in browser.find(f"#sellers tr[data-seller='{pending.id}']").text

    browser.sign_in(ADMIN)
    browser.open(f"/admin/sellers/{pending.id}")
    assert "县商务局实地核查，同意推荐" in browser.find("#recommendation").text
    browser.driver.execute_script("document.getElementById('decide').scrollIntoView()")
    browser.screenshot("console-admin-recommended-phone.png", top=False)
    browser.submit("#decide form button[type=submit]")
    assert "已通过审核" in browser.text()
    db.session.expire_all()
    assert db.session.get(Seller, pending.id).status is SellerStatus.APPROVED


def cod_order_to_guangdong(product: Product, quantity: int) -> SellerOrder:
    buyer = find_user_by_email(SHOPPER)
    cart.add_item(buyer.id, product.skus[0].id, quantity)
    body = CheckoutSchema().load({"payment_method": "cod", "address": {
        "recipient": "王小明", "phone": "13912345678", "province": "广东省", "city": "深圳市",
        "county": "南山区", "detail": "科技园路 1 号"}})
    order, _ = checkout.checkout(buyer, "recall-browser-1", body)
    db.session.commit()
    return order.seller_orders[0]


def test_a_seller_ships_from_a_batch_recalls_it_and_the_shopper_is_told(browser):
    product = db.session.scalar(db.select(Product).where(Product.title == ORANGE))
    first = db.session.scalar(db.select(TraceBatch).where(TraceBatch.product_id == product.id))
    later = TraceBatchFactory(product=product, harvest_date=date(2026, 12, 1),
                              base_name="信丰县安西镇脐橙基地")
    db.session.commit()
    part = cod_order_to_guangdong(product, 2)

    browser.sign_in(SELLER)
    browser.open(f"/seller/orders/{part.id}")
    line = db.session.scalar(db.select(OrderLine).where(OrderLine.seller_order_id == part.id))
    browser.fill("carrier", "顺丰速运")
    browser.fill("tracking_number", "SF2026120100")
    browser.submit("#ship button[type=submit]")  # no batch chosen: asked for it
    assert "请为每件商品选择装箱的批次" in browser.text()
    options = [o.text for o in browser.find_all(f"select[name='batch_{line.id}'] option")]
    assert any(first.trace_code in o for o in options) and any(
        later.trace_code in o for o in options)
    browser.select(f"batch_{line.id}", next(o for o in options if first.trace_code in o))
    browser.fill("tracking_number", "SF2026120100")
    browser.fill("carrier", "顺丰速运")
    browser.submit("#ship button[type=submit]")
    assert "已发货：顺丰速运 SF2026120100" in browser.text()
    assert f"批次 {first.trace_code}" in browser.text()

    browser.open(f"/seller/products/{product.id}/batches/{first.id}")
    assert "广东 2 件" in browser.find("#flow").text
    browser.click("#recall summary")
    browser.fill("reason", "果实腐烂率超标，主动召回")
    browser.submit("#recall button[type=submit]")
    recalled = browser.find("#recalled").text
    assert "已召回" in recalled and "果实腐烂率超标，主动召回" in recalled
    assert "王小明" in recalled and "13912345678" in recalled  # who to call back
    assert "1 位买家已收到通知" in browser.text()
    browser.screenshot("console-seller-recall-phone.png")

    browser.driver.delete_all_cookies()  # a shopper who scans the code, not signed in
    browser.open(f"/t/{first.trace_code}")
    verdict = browser.find(".verdict").text
    assert "该批次已召回" in verdict and "果实腐烂率超标" in verdict
    text = browser.text()
    assert "流向" in text and "广东" in text and "王小明" not in text and "13912345678" not in text
    assert not browser.find_all(".sticky-buy a")  # nothing to buy
    browser.screenshot("trace-recall.png")

    browser.sign_in(SHOPPER)
    browser.open("/orders")
    notice = browser.find(".recall-notice").text
    assert first.trace_code in notice and "果实腐烂率超标，主动召回" in notice
