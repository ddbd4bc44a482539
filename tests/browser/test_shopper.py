"""What a shopper does with a phone, in Debian's chromium against the running app."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gannan.catalog.models import Certificate, CertificateKind, Product, Sku, TraceBatch
from gannan.catalog.services import products as product_services
from gannan.catalog.services.spot_checks import record_spot_check
from gannan.orders.models import Order
from gannan.orders.services import fulfilment
from gannan.platform.extensions import db
from gannan.platform.models import MemberRole, SellerMember
from gannan.platform.services import find_user_by_email
from gannan.platform.types import shanghai_today

pytestmark = pytest.mark.browser

ORANGE = "赣南脐橙 特级 5kg 礼盒"
OIL = "赣南茶油 冷榨山茶油 5L"
SHOPPER = "shopper@demo.gannan.test"


def product_named(title: str) -> Product:
    return db.session.scalar(db.select(Product).where(Product.title == title))


def batch_of(product: Product) -> TraceBatch:
    return db.session.scalar(db.select(TraceBatch).where(TraceBatch.product_id == product.id))


def add_to_cart(browser, title: str, spec: str, quantity: int = 1) -> None:
    product = product_named(title)
    browser.open(f"/p/{product.id}")
    sku = next(s for s in product.skus if s.spec == spec)
    browser.click(f"input[name=sku_id][value='{sku.id}']")
    browser.fill("quantity", str(quantity))
    browser.submit("form.buy button[type=submit]")
    assert browser.path == "/cart", browser.text()


def set_quantity_in_place(browser, line: int, quantity: str) -> None:
    """Type a quantity on a cart line and leave the field: htmx posts the form and swaps
    the cart, without a page load."""
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    field = browser.find_all(".qty-form input[name=quantity]")[line]
    old_cart = browser.find("#cart")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
    field.click()
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(quantity, Keys.TAB)

    def swapped(driver) -> bool:
        try:
            old_cart.is_enabled()
        except Exception:  # noqa: BLE001 - replaced by the swap
            return True
        return False

    WebDriverWait(browser.driver, 10, poll_frequency=0.05).until(swapped)


def fill_address(browser, county: str = "信丰县") -> None:
    browser.fill("recipient", "王小明")
    browser.fill("phone", "13912345678")
    browser.click("label[for=where-gz]")
    browser.select("county_code", county)
    browser.fill("detail", "嘉定镇阳明路 8 号")


def test_scanning_a_trace_code_shows_batch_inspection_and_certificate_validity(browser):
    orange = product_named(ORANGE)
    expired = Certificate(seller_id=orange.seller_id, kind=CertificateKind.GREEN_FOOD,
                          number="GF360722230001", issuer="中国绿色食品发展中心",
                          valid_from=date(2021, 1, 1),
                          valid_until=shanghai_today() - timedelta(days=1))
    expired.products.append(orange)
    db.session.add(expired)
    db.session.commit()
    batch = batch_of(orange)

    browser.open(f"/t/{batch.trace_code}")

    text = browser.text()
    assert batch.trace_code in text
    assert ORANGE in text and "信丰县" in text and "安西镇" in text
    assert "承诺达标合格证" in text and "常规农药兽药残留不超标" in text
    assert "赣州市农产品质量安全检测中心" in text and "合格" in text
    certificates = {item.text.split("\n")[0]: item.text
                    for item in browser.find_all(".trace .block .list li")}
    assert "有效" in certificates["区域公用品牌授权 · 赣南脐橙 有效"]
    assert any(t.startswith("绿色食品") and "已过期" in t for t in certificates.values())
    assert "营业执照" in text and orange.seller.uscc in text  # 电子商务法 art. 15
    browser.screenshot("trace.png")

    browser.follow("购买同款")
    assert browser.path == f"/p/{orange.id}"


def test_an_old_qr_code_pointing_at_the_api_opens_the_page(browser):
    batch = batch_of(product_named(ORANGE))
    browser.open(f"/api/v1/trace/{batch.trace_code}")
    assert browser.path == f"/t/{batch.trace_code}"
    assert "承诺达标合格证" in browser.text()


def test_an_unknown_trace_code_is_a_friendly_page(browser):
    browser.open("/t/0000000000000000")
    assert "没有找到这个溯源码" in browser.text()


def test_a_blocked_products_trace_page_says_it_is_blocked(browser):
    oil = product_named(OIL)
    record_spot_check(find_user_by_email("admin@demo.gannan.test"), {
        "product_id": oil.id, "sampled_on": shanghai_today(), "lab": "江西省食品检验检测研究院",
        "report_number": "JXSJ-2026-0415", "passed": False, "notes": "酸价超标"})
    browser.open(f"/t/{batch_of(oil).trace_code}")
    assert "该产品抽检不合格，已被下架" in browser.find(".verdict").text
    assert "不合格" in browser.text() and "酸价超标" in browser.text()
    assert not browser.find_all(".sticky-buy a")  # nothing to buy


@pytest.mark.parametrize("query", ["脐橙", "qicheng", "gnqc"])
def test_search_in_chinese_pinyin_and_initials_finds_the_oranges(browser, query):
    browser.open("/")
    if query == "qicheng":
        browser.screenshot("home.png")
    box = browser.find(".searchbar input[name=q]")
    box.send_keys(query)
    browser.submit(".searchbar button")
    titles = [card.text for card in browser.find_all(".card h3")]
    assert ORANGE in titles, browser.text()
    if query == "脐橙":
        browser.screenshot("search.png")
    browser.follow(ORANGE)
    assert browser.find("h1").text == ORANGE
    if query == "qicheng":
        browser.screenshot("product.png")
    assert "5kg 特级 80-85mm" in browser.text()


def test_two_sellers_checked_out_with_cash_on_delivery_split_by_seller(browser):
    browser.sign_in(SHOPPER)
    add_to_cart(browser, ORANGE, "5kg 特级 80-85mm", 2)
    add_to_cart(browser, OIL, "1L 玻璃瓶", 1)
    assert [h.text for h in browser.find_all(".part-head")] == [
        "信丰县绿源脐橙专业合作社", "兴国县山茶油有限公司"]
    # htmx: a changed quantity updates the cart in place, and a refused one says why
    set_quantity_in_place(browser, 1, "500")
    assert "库存不足（只剩 200 件）" in browser.find("#cart .line-bad").text
    set_quantity_in_place(browser, 1, "2")
    assert "合计 ¥333.60" in browser.find(".summary").text.replace("\n", " ")
    set_quantity_in_place(browser, 1, "1")
    browser.screenshot("cart.png")

    browser.follow("去结算")
    fill_address(browser)
    browser.click("input[name=payment_method][value=cod]")
    browser.screenshot("checkout.png")
    browser.submit("form.checkout button[type=submit]")

    assert "下单成功" in browser.text()
    order = db.session.scalar(db.select(Order).order_by(Order.id.desc()))
    assert order.number in browser.text() and order.county_code == "360722"
    parts = browser.find_all(".part")
    assert len(parts) == 2
    assert "信丰县绿源脐橙专业合作社" in parts[0].text and "赣南脐橙" in parts[0].text
    assert "兴国县山茶油有限公司" in parts[1].text and "赣南茶油" in parts[1].text
    assert "137.60" in parts[0].text and "98.00" in parts[1].text
    browser.screenshot("order.png")

    # the orange grower ships; the shopper sees carrier and tracking number, then confirms
    orange_part = order.seller_orders[0]
    owner = db.session.scalar(db.select(SellerMember).where(
        SellerMember.seller_id == orange_part.seller_id, SellerMember.role == MemberRole.OWNER))
    fulfilment.ship(orange_part.id, owner.user_id, "顺丰速运", "SF1234567890")
    fulfilment.deliver(orange_part.id, owner.user_id, cash_collected=True)
    browser.follow("我的订单")
    card = browser.find(".order-card")
    assert "顺丰速运 SF1234567890" in card.text and "已送达" in card.text
    browser.navigate_by(browser.find(".order-link"))
    browser.submit(".part button[type=submit]")  # 确认收货
    assert "已确认收货" in browser.text()
    assert "已完成" in browser.find_all(".part")[0].text


def test_a_wrong_password_says_so_and_keeps_the_email(browser):
    browser.sign_in(SHOPPER, "not-the-password")
    assert "邮箱或密码不正确" in browser.find(".alert").text
    assert browser.find("input[name=email]").get_attribute("value") == SHOPPER


def test_an_empty_cart_says_it_is_empty_and_checkout_sends_back(browser):
    browser.sign_in(SHOPPER)
    browser.open("/cart")
    assert "购物车是空的" in browser.text()
    browser.open("/checkout")
    assert browser.path == "/cart"
    assert "购物车是空的，先去挑选商品吧" in browser.find(".flash").text


def test_an_out_of_stock_line_is_named_and_the_cart_kept(browser):
    browser.sign_in(SHOPPER)
    add_to_cart(browser, ORANGE, "10kg 一级 75-80mm", 3)
    browser.follow("去结算")
    fill_address(browser)
    # someone else buys the last boxes while the shopper types the address
    sku = db.session.scalar(db.select(Sku).where(Sku.code == "QC-10KG-Y"))
    product_services.adjust_stock(sku.product_id, sku.id, 2 - sku.stock)
    browser.submit("form.checkout button[type=submit]")

    alert = browser.find(".alert").text
    assert "10kg 一级 75-80mm" in alert and "库存不足" in alert and "只剩 2 件" in alert
    assert browser.find("input[name=recipient]").get_attribute("value") == "王小明"
    assert db.session.scalar(db.select(Order.id)) is None
    browser.open("/cart")
    assert "10kg 一级 75-80mm" in browser.text() and "只剩 2 件" in browser.text()


def test_browse_and_buy_with_javascript_switched_off(browser_nojs):
    browser = browser_nojs
    browser.open("/")
    browser.follow("茶油")
    browser.follow(OIL)
    one_litre = next(s for s in product_named(OIL).skus if s.code == "CY-1L")
    browser.click(f"input[name=sku_id][value='{one_litre.id}']")
    browser.submit("form.buy button[type=submit]")
    assert browser.path.startswith("/login")  # signing in comes first, then back
    browser.fill("email", SHOPPER)
    browser.fill("password", "gannan-demo-2026")
    browser.submit("main form button[type=submit]")
    browser.click(f"input[name=sku_id][value='{one_litre.id}']")
    browser.submit("form.buy button[type=submit]")
    assert browser.path == "/cart"
    browser.fill("quantity", "2")
    browser.submit("form.qty-form button[type=submit]")  # the <noscript> button
    assert browser.find("input[name=quantity]").get_attribute("value") == "2"
    browser.follow("去结算")
    browser.fill("recipient", "李华")
    browser.fill("phone", "0797-8888888")
    browser.click("label[for=where-else]")
    browser.select("province", "广东")
    browser.fill("city", "深圳市")
    browser.fill("county", "南山区")
    browser.fill("detail", "科技园路 1 号")
    browser.submit("form.checkout button[type=submit]")
    assert "下单成功" in browser.text()
    order = db.session.scalar(db.select(Order))
    assert (order.province, order.city, order.county, order.county_code) == (
        "广东", "深圳", "南山区", None)
    assert order.items_total_fen == 2 * 9800
