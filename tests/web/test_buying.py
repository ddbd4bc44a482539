"""Cart, checkout and my orders on pages: the API's services, schemas and rules."""

import pytest

from gannan.catalog.models import Sku
from gannan.catalog.services.products import adjust_stock
from gannan.orders.models import Order, OrderStatus, SellerOrderStatus
from gannan.orders.services import fulfilment, refunds
from gannan.platform.errors import ProblemError
from gannan.platform.extensions import db
from gannan.web.orders import may_cancel
from tests.factories import UserFactory
from tests.web.conftest import Pages, send_succeeded, text


def orders() -> list[Order]:
    return list(db.session.scalars(db.select(Order).order_by(Order.id)))


def test_signed_out_shoppers_are_sent_to_sign_in_and_back(pages, market):
    orange = market["orange"]
    pages.get(f"/p/{orange.id}")
    response = pages.post("/cart/add", {"sku_id": str(orange.skus[0].id), "quantity": "1"},
                          headers={"Referer": f"http://localhost/p/{orange.id}"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/p/{orange.id}"  # back to the product
    assert pages.get("/checkout").headers["Location"] == "/login?next=/checkout"


@pytest.mark.parametrize("quantity, message", [
    ("0", "数量须在 1 到 999 之间"), ("1000", "数量须在 1 到 999 之间"), ("abc", "数量请填写整数"),
    ("", "请填写数量"), ("99999999999999999999", "数量请填写整数"),
])
def test_quantity_is_checked_by_the_apis_schema(pages, shopper, market, quantity, message):
    pages.sign_in(shopper)
    response = pages.add(market["orange"], quantity)
    assert response.status_code == 422 and message in text(response)
    assert f'value="{quantity}"' in text(response)  # what was typed stays


def test_more_than_in_stock_is_refused_naming_the_item(pages, shopper, market):
    pages.sign_in(shopper)
    response = pages.add(market["oil"], 21)
    assert response.status_code == 409
    assert "「山茶油 1L · 1L 玻璃瓶」库存不足（只剩 20 件）" in text(response)


def test_cart_groups_by_seller_with_shipping_and_changes_quantities(pages, shopper, market):
    pages.sign_in(shopper)
    pages.add(market["orange"], 2)
    pages.add(market["oil"])
    page = text(pages.get("/cart"))
    assert page.index("信丰县果园合作社") < page.index("兴国县山茶油有限公司")
    assert "包邮" in page  # 137.60 元 passes the 99 元 threshold; the oil does not
    assert "合计 <span class=\"price\"><small>¥</small>245.60" in page
    item = shopper_cart_item(shopper, market["oil"])
    too_many = pages.post(f"/cart/items/{item.id}", {"quantity": "50"})
    assert too_many.status_code == 409 and "只剩 20 件" in text(too_many)
    assert pages.post(f"/cart/items/{item.id}", {"quantity": "3"}).status_code == 302
    assert item.quantity == 3
    assert pages.post(f"/cart/items/{item.id}/remove").status_code == 302
    assert "山茶油" not in text(pages.get("/cart"))


def shopper_cart_item(user, product):
    from gannan.orders.services.cart import cart_of

    return next(i for i in cart_of(user.id).items if i.sku.product_id == product.id)


def test_another_shoppers_cart_item_cannot_be_touched(pages, shopper, market):
    other = UserFactory()
    intruder = Pages(pages.client)
    intruder.sign_in(other)
    intruder.add(market["orange"])
    item = shopper_cart_item(other, market["orange"])
    intruder.post("/logout")
    pages.sign_in(shopper)
    response = pages.post(f"/cart/items/{item.id}/remove")
    assert response.status_code == 404 and "购物车里没有这件商品了" in text(response)
    assert shopper_cart_item(other, market["orange"]).quantity == 1


def test_checkout_with_cash_on_delivery_one_order_split_by_seller(pages, shopper, market):
    pages.sign_in(shopper)
    pages.add(market["orange"], 2)
    pages.add(market["oil"])
    form = pages.checkout_form()
    response = pages.post("/checkout", form)
    [order] = orders()
    assert response.headers["Location"] == f"/orders/{order.id}"
    assert order.payment_method.value == "cod" and order.county_code == "360722"
    assert [so.total_fen for so in order.seller_orders] == [13760, 10800]
    page = text(pages.get(f"/orders/{order.id}"))
    assert "下单成功" in page and "2 个包裹" in page and "待发货" in page
    assert "信丰县果园合作社" in page and "兴国县山茶油有限公司" in page


def test_a_double_submitted_checkout_makes_one_order(pages, shopper, market):
    pages.sign_in(shopper)
    pages.add(market["orange"])
    form = pages.checkout_form()
    first = pages.post("/checkout", form)
    second = pages.post("/checkout", form)
    assert len(orders()) == 1
    assert first.headers["Location"] == second.headers["Location"]


@pytest.mark.parametrize("changes, field, message", [
    ({"phone": "12345"}, "phone", "请填写正确的手机号"),
    ({"recipient": ""}, "recipient", "请填写收货人"),
    ({"county_code": ""}, "county_code", "请选择区县"),
    ({"county_code": "360721"}, "county_code", "这个区县代码已经停用"),
    ({"where": "elsewhere", "province": "火星", "city": "x", "county": "y"}, "province",
     "请选择正确的省份"),
    ({"where": "elsewhere", "province": "广东"}, "city", "请填写城市"),
    ({"detail": "路" * 300}, "detail", "详细地址最多 255 个字"),
])
def test_address_is_checked_by_the_apis_schema_and_input_kept(pages, shopper, market, changes,
                                                              field, message):
    pages.sign_in(shopper)
    pages.add(market["orange"])
    form = {**pages.checkout_form(), **changes}
    response = pages.post("/checkout", form)
    page = text(response)
    assert response.status_code == 422, page
    assert f'<p class="error" id="e-{field}">' in page
    assert message in page
    assert 'value="王小明"' in page or field == "recipient"
    assert form["idempotency_key"] in page  # the same key: a resubmit cannot double-buy
    assert orders() == []


def test_an_address_elsewhere_in_china(pages, shopper, market):
    pages.sign_in(shopper)
    pages.add(market["oil"])
    form = {**pages.checkout_form(), "where": "elsewhere", "county_code": "",
            "province": "广东", "city": "深圳市", "county": "南山区", "phone": "0755-86013388"}
    assert pages.post("/checkout", form).status_code == 302
    [order] = orders()
    assert (order.province, order.city, order.county, order.county_code) == (
        "广东", "深圳", "南山区", None)


def test_out_of_stock_at_checkout_names_the_item_and_keeps_the_cart(pages, shopper, market):
    pages.sign_in(shopper)
    pages.add(market["oil"], 5)
    form = pages.checkout_form()
    sku = market["oil"].skus[0]
    adjust_stock(market["oil"].id, sku.id, -17)  # three left
    response = pages.post("/checkout", form)
    page = text(response)
    assert response.status_code == 409
    assert "「山茶油 1L · 1L 玻璃瓶」库存不足（只剩 3 件）" in page
    assert 'value="嘉定镇阳明路8号"' in page
    assert orders() == [] and db.session.get(Sku, sku.id).stock == 3
    assert shopper_cart_item(shopper, market["oil"]).quantity == 5


def test_an_empty_cart_cannot_check_out(pages, shopper, market):
    pages.sign_in(shopper)
    response = pages.get("/checkout")
    assert response.headers["Location"] == "/cart"
    assert "购物车是空的，先去挑选商品吧" in text(pages.get("/cart"))
    pages.add(market["orange"])
    form = pages.checkout_form()
    item = shopper_cart_item(shopper, market["orange"])
    pages.post(f"/cart/items/{item.id}/remove")
    pages.get("/cart")
    refused = pages.post("/checkout", form)
    assert refused.headers["Location"] == "/cart" and orders() == []


def test_my_orders_show_each_sellers_part_carrier_and_tracking(pages, shopper, market, owner):
    pages.sign_in(shopper)
    pages.add(market["orange"])
    pages.add(market["oil"])
    pages.post("/checkout", pages.checkout_form())
    [order] = orders()
    orange_part = order.seller_orders[0]
    fulfilment.ship(orange_part.id, owner.id, "中国邮政", "9876543210123")
    page = text(pages.get("/orders"))
    assert order.number in page and "中国邮政 9876543210123" in page and "已发货" in page
    assert "取消订单" not in text(pages.get(f"/orders/{order.id}"))  # part of it shipped
    assert "确认收货" not in text(pages.get(f"/orders/{order.id}"))
    fulfilment.deliver(orange_part.id, owner.id, cash_collected=True)
    pages.get(f"/orders/{order.id}")
    confirmed = pages.post(f"/orders/parts/{orange_part.id}/confirm")
    assert confirmed.status_code == 302
    assert orange_part.status is SellerOrderStatus.COMPLETED
    again = pages.post(f"/orders/parts/{orange_part.id}/confirm")
    assert again.status_code == 409 and "订单当前的状态不能进行这个操作" in text(again)


def test_cancel_before_shipping(pages, shopper, market):
    pages.sign_in(shopper)
    pages.add(market["oil"], 2)
    pages.post("/checkout", pages.checkout_form())
    [order] = orders()
    assert "取消订单" in text(pages.get(f"/orders/{order.id}"))
    assert pages.post(f"/orders/{order.id}/cancel").status_code == 302
    assert order.status is OrderStatus.CANCELLED
    assert market["oil"].skus[0].stock == 20  # back on the shelf
    assert "取消订单" not in text(pages.get(f"/orders/{order.id}"))


def test_the_cancel_button_shows_exactly_when_the_service_would_cancel(shopper, market, owner):
    """may_cancel is the page's reading of refunds.cancel_order: the two must agree."""
    from gannan.orders.services.cart import add_item
    from gannan.orders.services.checkout import checkout

    def fresh_order(key):
        add_item(shopper.id, market["orange"].skus[0].id, 1)
        return checkout(shopper, key, {"address": {"recipient": "王", "phone": "13912345678",
                                                   "county_code": "360722", "detail": "x"},
                                       "payment_method": "cod", "channel": "storefront"})[0]

    cases = {"placed": lambda o: None,
             "shipped": lambda o: fulfilment.ship(o.seller_orders[0].id, owner.id, "顺丰", "SF1"),
             "cancelled": lambda o: refunds.cancel_order(o.id, shopper.id)}
    for name, prepare in cases.items():
        order = fresh_order(name)
        prepare(order)
        shown = may_cancel(order)
        try:
            refunds.cancel_order(order.id, shopper.id)
            accepted = True
        except ProblemError:
            db.session.rollback()
            accepted = False
        assert shown == accepted, name


def test_another_shoppers_order_is_forbidden(pages, shopper, market):
    pages.sign_in(shopper)
    pages.add(market["orange"])
    pages.post("/checkout", pages.checkout_form())
    [order] = orders()
    pages.post("/logout")
    pages.sign_in(UserFactory())
    for response in (pages.get(f"/orders/{order.id}"), pages.post(f"/orders/{order.id}/cancel"),
                     pages.post(f"/orders/parts/{order.seller_orders[0].id}/confirm")):
        assert response.status_code == 403 and "这是别人的订单" in text(response)
    assert pages.get("/orders/999999").status_code == 404
    assert order.status is OrderStatus.PLACED


@pytest.mark.stripe_mock
def test_paying_by_card_confirms_on_stripe_mock_and_the_webhook_makes_it_paid(
        pages, shopper, market, stripe_on):
    pages.sign_in(shopper)
    pages.add(market["orange"])
    form = {**pages.checkout_form(), "payment_method": "stripe"}
    response = pages.post("/checkout", form)
    [order] = orders()
    assert response.headers["Location"] == f"/orders/{order.id}/pay"
    assert order.stripe_payment_intent_id.startswith("pi_")
    page = text(pages.get(f"/orders/{order.id}/pay"))
    assert "用测试卡支付 ¥78.80" in page
    paid = pages.post(f"/orders/{order.id}/pay")
    assert paid.headers["Location"] == f"/orders/{order.id}"
    assert "付款已提交" in text(pages.get(f"/orders/{order.id}"))
    assert order.status is OrderStatus.PENDING_PAYMENT  # only Stripe's word makes it paid
    send_succeeded(pages.client, order)
    db.session.refresh(order)
    assert order.status is OrderStatus.PAID
    assert "已付款" in text(pages.get(f"/orders/{order.id}"))
