"""The consoles in Debian's chromium: a cooperative in 安远 applies, a reviewer approves it,
it lists oranges with a batch and prints their labels, ships and delivers a shopper's
cash-on-delivery order; the platform certifies the month; the bureau reads the county's
figure to the fen, downloads the PDF and verifies the JSON.

The month can be certified only once it is over in Shanghai: after the delivery the
test moves the platform's clock to 02:00 on the 1st of the next month, as the monthly
schedule would run.  Screenshots of each console, at phone width and on a desk, go to
the browser artifacts (the README's come from here).
"""

from __future__ import annotations

import base64
import json
import urllib.request
from datetime import datetime, timezone

import pytest

from gannan.catalog.models import Product, ProductStatus, TraceBatch
from gannan.orders.models import SellerOrder, SellerOrderStatus
from gannan.platform import types
from gannan.platform.demo import demo_uscc
from gannan.platform.extensions import db
from gannan.platform.models import Seller, SellerStatus
from gannan.platform.types import SHANGHAI
from gannan.reporting.metrics import Month
from gannan.reporting.models import LedgerEntry, MonthlyReport, ReportStatus
from tests.pdfcheck import embedded_fonts, label_qr_codes

pytestmark = pytest.mark.browser

USCC = demo_uscc("93360726", "MA3AYQC01")  # 安远县: a farmers' cooperative (93), county 360726
NAME = "安远县欣山脐橙专业合作社"
TITLE = "安远脐橙 特级 5kg"
ADMIN, BUREAU, SHOPPER = ("admin@demo.gannan.test", "bureau@demo.gannan.test",
                          "shopper@demo.gannan.test")
DESK = 1280


def wait_for(browser, css: str, words: str, timeout: float = 10) -> None:
    """Until the element ``css`` says ``words`` (htmx swaps it in after a request)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser.driver, timeout, poll_frequency=0.05).until(
        lambda driver: words in browser.find(css).text)


def set_date(browser, name: str, value: str) -> None:
    """A date field, as its picker would set it (typing depends on the locale)."""
    browser.driver.execute_script("arguments[0].value = arguments[1]",
                                  browser.find(f"[name='{name}']"), value)


def download(browser, path: str) -> bytes:
    """What a link gives, fetched with the browser's session cookie."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in browser.driver.get_cookies())
    request = urllib.request.Request(browser.base + path, headers={"Cookie": cookies})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, path
        return response.read()


def shoot(browser, name: str, width: int | None = None) -> None:
    """A phone's screen (390×844 at 2×), or the whole page at ``width`` CSS pixels."""
    driver = browser.driver
    driver.execute_script("window.scrollTo(0, 0)")
    if not width:
        driver.save_screenshot(str(browser.artifacts / name))
        return
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    height = driver.execute_script("return document.documentElement.scrollHeight")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 2400), "scale": 1}})
    (browser.artifacts / name).write_bytes(base64.b64decode(shot["data"]))
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})


def tab(browser, name: str) -> None:
    """Open the console tab called ``name``."""
    link = next(a for a in browser.find_all(".tabs a") if a.text.strip().startswith(name))
    browser.navigate_by(link)


def freeze_clock(monkeypatch, moment: datetime | None) -> None:
    """The platform's time (gannan.platform.types), for the server thread too; None: the
    real time again."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

    monkeypatch.setattr(types, "datetime", Frozen if moment else datetime)


# (sku code, quantity, buyer's county or None for outside Ganzhou) per earlier month
HISTORY = [("QC-5KG-T", 3, "360702"), ("CY-1L", 2, None), ("MF-25", 4, "360733"),
           ("LC-250", 1, None), ("CY-5L", 1, "360732"), ("QC-10KG-Y", 2, "360722")]


def earlier_sales(monkeypatch, months: int = 5) -> None:
    """Cash-on-delivery sales of the demo sellers in the months before this one, placed
    and delivered through the orders services, so the bureau's charts have a history."""
    from gannan.catalog.models import Sku
    from gannan.orders.schemas import CheckoutSchema
    from gannan.orders.services import cart, checkout, fulfilment
    from tests.factories import UserFactory

    today = datetime.now(SHANGHAI)
    month = Month(today.year, today.month)
    for back in range(months, 0, -1):
        when = month
        for _ in range(back):
            when = when.previous()
        for index, (code, quantity, county) in enumerate(HISTORY[:3 + back % 4]):
            freeze_clock(monkeypatch, datetime(when.year, when.month, 3 + 4 * index, 10,
                                               tzinfo=SHANGHAI).astimezone(timezone.utc))
            sku = db.session.scalar(db.select(Sku).where(Sku.code == code))
            buyer = UserFactory()
            cart.add_item(buyer.id, sku.id, quantity + back % 2)
            address = ({"county_code": county} if county else
                       {"province": "广东省", "city": "深圳市", "county": "南山区"})
            body = CheckoutSchema().load({"payment_method": "cod", "address": {
                "recipient": "测试", "phone": "13800000000", "detail": "1 号", **address}})
            order, _ = checkout.checkout(buyer, f"history-{when}-{index}", body)
            for part in order.seller_orders:
                owner = part.seller.members[0].user_id
                fulfilment.ship(part.id, owner, "EMS", f"E{when}{index}")
                fulfilment.deliver(part.id, owner, True)
    freeze_clock(monkeypatch, None)


def apply_and_get_approved(browser) -> Seller:
    browser.open("/signup")
    browser.fill("email", "zhao@anyuan.example.cn")
    browser.fill("display_name", "赵林")
    browser.fill("password", "qicheng-2026")
    browser.submit("main form button[type=submit]")
    browser.open("/console")
    assert "还没有可用的工作台" in browser.text()
    browser.follow("申请开店")

    browser.fill("name", NAME)
    wrong = USCC[:-1] + ("0" if USCC[-1] != "0" else "1")
    browser.fill("uscc", wrong)
    wait_for(browser, "#uscc-check", "代码无效")  # checked as it is typed
    browser.fill("uscc", USCC)
    wait_for(browser, "#uscc-check", "代码有效")
    browser.select("kind", "农民专业合作社")
    browser.select("county_code", "安远县")
    browser.fill("contact_name", "赵林")
    browser.fill("contact_phone", "13907970626")
    browser.fill("address", "江西省赣州市安远县欣山镇濂江路 6 号")
    browser.submit("main form button[type=submit]")
    assert "待审核" in browser.text() and "还差一步" in browser.text()
    browser.fill("number", USCC)  # the form stands open while none is on file
    set_date(browser, "valid_from", "2023-03-01")
    browser.submit("#qualifications form button[type=submit]")
    assert "资质已登记" in browser.text() and "还差一步" not in browser.text()
    seller = db.session.scalar(db.select(Seller).where(Seller.uscc == USCC))
    assert seller.status is SellerStatus.PENDING and seller.county_code == "360726"

    browser.sign_in(ADMIN)
    browser.open("/admin/sellers")
    browser.follow(NAME)
    assert USCC in browser.text() and "与申请代码一致" in browser.text()
    shoot(browser, "console-admin-phone.png")
    browser.fill("reason", "营业执照与申请一致，准予开店")
    browser.submit("#decide form button[type=submit]")  # the first decision: approve
    assert "已通过审核" in browser.text()
    return seller


def list_oranges_with_a_batch(browser, tmp_path) -> Product:
    browser.sign_in("zhao@anyuan.example.cn", "qicheng-2026")
    browser.open("/seller")  # the one shop this account runs
    assert NAME in browser.text() and "营业执照与申请一致，准予开店" in browser.text()
    tab(browser, "商品")
    browser.follow("新建商品")
    browser.fill("title", TITLE)
    browser.select("category", "— 脐橙")
    browser.fill("origin_township", "欣山镇")
    browser.fill("spec", "5kg 特级 75-80mm")
    browser.fill("code", "AY-5KG")
    browser.fill("price_fen", "59.90")
    browser.fill("stock", "200")
    browser.submit("main form button[type=submit]")
    product = db.session.scalar(db.select(Product).where(Product.title == TITLE))
    assert product.origin_county_code == "360726" and product.skus[0].price_fen == 5990

    browser.follow("登记批次")
    browser.fill("quantity", "1500")
    browser.fill("base", "安远县欣山镇脐橙基地")
    browser.submit("main form button[type=submit]")
    batch = db.session.scalar(db.select(TraceBatch).where(TraceBatch.product_id == product.id))
    assert batch.trace_code in browser.text() and "承诺达标合格证" in browser.text()
    assert len(batch.compliance_certificate["commitments"]) == 3
    shoot(browser, "console-seller-batch-phone.png")

    action = browser.find("form[action$='labels.pdf']").get_attribute("action")
    sheet = download(browser, action.removeprefix(browser.base) + "?count=24")
    url = f"https://shop.example.cn/t/{batch.trace_code}"
    assert label_qr_codes(sheet, tmp_path) == [[url]] * 24  # each label's QR, decoded

    browser.open(f"/seller/products/{product.id}")
    browser.submit("form[action$='/publish'] button")
    assert "商品已上架" in browser.text()
    db.session.expire_all()
    assert db.session.get(Product, product.id).status is ProductStatus.PUBLISHED
    return product


def shopper_orders_two_boxes(browser, product: Product) -> None:
    browser.sign_in(SHOPPER)
    browser.open(f"/p/{product.id}")
    browser.fill("quantity", "2")
    browser.submit("form.buy button[type=submit]")
    browser.follow("去结算")
    browser.fill("recipient", "王小明")
    browser.fill("phone", "13912345678")
    browser.click("label[for=where-gz]")
    browser.select("county_code", "章贡区")
    browser.fill("detail", "红旗大道 16 号")
    browser.click("input[name=payment_method][value=cod]")
    browser.submit("form.checkout button[type=submit]")
    assert "下单成功" in browser.text()


def ship_and_deliver(browser, product: Product) -> SellerOrder:
    browser.sign_in("zhao@anyuan.example.cn", "qicheng-2026")
    browser.open("/seller")
    tab(browser, "订单")
    assert "待发货（货到付款）" in browser.text()
    browser.navigate_by(browser.find("table .row-link"))
    browser.fill("carrier", "顺丰速运")
    browser.fill("tracking_number", "SF1234567890")
    browser.submit("#ship button[type=submit]")
    assert "已发货：顺丰速运 SF1234567890" in browser.text()
    browser.click("input[name=cash_collected]")
    browser.submit("#deliver button[type=submit]")
    assert "已送达，已收货款 ¥119.80" in browser.text()
    shoot(browser, "console-seller-order-phone.png")
    part = db.session.scalar(db.select(SellerOrder).where(
        SellerOrder.seller_id == product.seller_id))
    assert part.status is SellerOrderStatus.DELIVERED and part.paid_fen == 11980
    browser.open(f"/seller/products/{product.id}")
    shoot(browser, "console-seller-phone.png")
    return part


def test_a_new_cooperative_sells_and_the_bureau_verifies_the_certified_month(
        browser, monkeypatch, tmp_path):
    earlier_sales(monkeypatch)
    apply_and_get_approved(browser)
    product = list_oranges_with_a_batch(browser, tmp_path)
    shopper_orders_two_boxes(browser, product)
    ship_and_deliver(browser, product)

    sold = db.session.scalar(db.select(LedgerEntry.business_time).where(
        LedgerEntry.seller_id == product.seller_id)).astimezone(SHANGHAI)
    month = Month(sold.year, sold.month)
    after = month.next()
    freeze_clock(monkeypatch, datetime(after.year, after.month, 1, 2, tzinfo=SHANGHAI)
               .astimezone(timezone.utc))  # the month is over in Ganzhou

    browser.sign_in(ADMIN)
    browser.open("/admin/reports")
    browser.select("period", f"{month.year} 年 {month.month} 月")
    browser.submit("main form[action$='/admin/reports'] button[type=submit]")
    assert "已完成" in browser.find("#progress").text  # tasks run inline here: no state kept
    assert "首个版本" in browser.text() and "¥119.80" in browser.text()
    shoot(browser, "console-admin-desk.png", DESK)
    browser.submit("#certify button[type=submit]")
    assert "已认证并签名" in browser.text()
    report = db.session.scalar(db.select(MonthlyReport).where(MonthlyReport.period == str(month)))
    assert report.status is ReportStatus.CERTIFIED

    browser.sign_in(BUREAU)
    browser.open("/bureau")
    first = month
    for _ in range(5):
        first = first.previous()
    browser.select("from", str(first))
    browser.select("to", str(month))
    browser.submit(".period-form button[type=submit]")
    row = browser.find("tr[data-county='360726']").text
    assert "安远县" in row and "¥119.80" in row  # the county's figure, to the fen
    shoot(browser, "console-bureau-phone.png")
    shoot(browser, "console-bureau-desk.png", DESK)

    tab(browser, "认证报告")
    pdf = download(browser, browser.find("a[href*='.pdf']").get_attribute("href")
                   .removeprefix(browser.base))
    assert pdf.startswith(b"%PDF") and "/FontFile2" in embedded_fonts(pdf).values()
    envelope = download(browser, f"/bureau/reports/{month}")
    county = next(c for c in json.loads(envelope)["report"]["by_county"]
                  if c["county_code"] == "360726")
    assert county["online_retail_fen"] == 11980
    saved = tmp_path / f"gannan-report-{month}.json"
    saved.write_bytes(envelope)

    tab(browser, "核验报告")
    browser.find("input[type=file]").send_keys(str(saved))
    wait_for(browser, ".file-name", saved.name)  # named in the drop zone
    browser.submit("main form button[type=submit]")
    verdict = browser.find("#verdict").text
    assert "报告真实有效" in verdict and f"{month} 第 1 版" in verdict
    shoot(browser, "console-bureau-verify-phone.png")

    browser.sign_in("xinfeng@demo.gannan.test")  # a shop with a few months behind it
    browser.open("/seller")
    tab(browser, "订单")
    shoot(browser, "console-seller-desk.png", DESK)
