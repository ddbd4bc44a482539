"""The consoles' side of 流向 and 召回: the ship form asks which batch each line was
packed from when there is a choice, the batch page shows where the batch went, and the
seller (or an admin, by trace code) recalls it with a reason and gets the orders and
contacts to call back."""

from __future__ import annotations

from datetime import date

import pytest

from gannan.catalog.models import Product, ProductStatus, TraceBatch
from gannan.orders.models import OrderLine, SellerOrder
from gannan.platform.extensions import db
from gannan.platform.models import Notification
from tests.factories import TraceBatchFactory
from tests.web.console.pages import post, sign_in, text


def test_the_ship_form_asks_for_the_batch_when_there_is_a_choice(client, world):
    first = db.session.get(TraceBatch, world.batch_id)
    second = TraceBatchFactory(product=first.product, harvest_date=date(2026, 11, 25))
    sign_in(client, world.staff)
    url = f"/seller/orders/{world.seller_order_id}"
    page = client.get(url)
    assert f'name="batch_' in page.get_data(as_text=True)
    assert first.trace_code in text(page) and second.trace_code in text(page)

    unchosen = post(client, f"{url}/ship", {"carrier": "顺丰速运", "tracking_number": "SF1"})
    assert unchosen.status_code == 422 and "请为每件商品选择装箱的批次" in text(unchosen)
    line = db.session.scalar(db.select(OrderLine).where(
        OrderLine.seller_order_id == world.seller_order_id))
    shipped = post(client, f"{url}/ship", {"carrier": "顺丰速运", "tracking_number": "SF1",
                                           f"batch_{line.id}": str(first.id)})
    assert shipped.status_code == 302, text(shipped)
    db.session.expire_all()
    assert db.session.get(OrderLine, line.id).batch_id == first.id
    assert f"批次 {first.trace_code}" in text(client.get(url))


def test_the_only_batch_is_named_on_the_ship_form_and_recorded(client, world):
    batch = db.session.get(TraceBatch, world.batch_id)
    sign_in(client, world.owner)
    url = f"/seller/orders/{world.seller_order_id}"
    page = client.get(url)
    assert "唯一可发的批次" in text(page) and batch.trace_code in text(page)
    assert post(client, f"{url}/ship", {"carrier": "EMS", "tracking_number": "E1"}
                ).status_code == 302
    db.session.expire_all()
    assert {line.batch_id for line in db.session.scalars(db.select(OrderLine).where(
        OrderLine.seller_order_id == world.seller_order_id))} == {batch.id}


def test_the_seller_recalls_a_batch_and_sees_who_to_call_back(client, world):
    sign_in(client, world.owner)
    order_url = f"/seller/orders/{world.seller_order_id}"
    post(client, f"{order_url}/ship", {"carrier": "EMS", "tracking_number": "E1"})
    batch_url = f"/seller/products/{world.product_id}/batches/{world.batch_id}"
    page = text(client.get(batch_url))
    assert "已发出 1 个包裹、2 件" in page and "上海 2 件" in page

    assert post(client, f"{batch_url}/recall", {"reason": " "}).status_code == 422
    recalled = post(client, f"{batch_url}/recall", {"reason": "农残复检超标"})
    assert recalled.status_code == 302
    page = text(client.get(batch_url))
    assert "已召回" in page and "农残复检超标" in page and "1 位买家已收到通知" in page
    assert "王小明" in page and "13912345678" in page and "世纪大道1号" in page
    assert "召回这个批次" not in page
    db.session.expire_all()
    assert db.session.get(Product, world.product_id).status is ProductStatus.BLOCKED
    assert db.session.scalar(db.select(Notification.message).where(
        Notification.user_id == world.consumer.id, Notification.kind == "batch_recalled"))
    product_page = text(client.get(f"/seller/products/{world.product_id}"))
    assert "批次召回，已下架" in product_page and "登记新批次后可重新上架" in product_page
    assert "封禁原因" not in product_page  # no spot check blocked it
    shop_page = text(client.get(f"/p/{world.product_id}"))
    assert "该商品有批次召回，已暂停销售" in shop_page
    again = post(client, f"{batch_url}/recall", {"reason": "再次"})
    assert again.status_code == 409 and "已经召回过了" in text(again)


def test_another_sellers_owner_can_neither_see_nor_recall_the_batch(client, world):
    sign_in(client, world.other_owner)
    batch_url = f"/seller/products/{world.product_id}/batches/{world.batch_id}"
    assert client.get(batch_url).status_code in (403, 404)
    assert post(client, f"{batch_url}/recall", {"reason": "x"}).status_code in (403, 404)
    db.session.expire_all()
    assert db.session.get(TraceBatch, world.batch_id).recalled_at is None


def test_an_admin_recalls_a_batch_by_its_trace_code_and_sees_who_to_call_back(client, world):
    batch = db.session.get(TraceBatch, world.batch_id)
    sign_in(client, world.owner)
    post(client, f"/seller/orders/{world.seller_order_id}/ship",
         {"carrier": "EMS", "tracking_number": "E1"})
    sign_in(client, world.admin)
    assert "召回批次" in text(client.get("/admin/spot-checks"))
    unknown = post(client, "/admin/recalls", {"trace_code": "0000000000000000", "reason": "x"})
    assert unknown.status_code == 404 and "没有找到这个溯源码" in text(unknown)
    no_reason = post(client, "/admin/recalls", {"trace_code": batch.trace_code, "reason": ""})
    assert no_reason.status_code == 422 and "请写明召回原因" in text(no_reason)
    done = post(client, "/admin/recalls", {"trace_code": batch.trace_code.lower(),
                                           "reason": "市场监管局通报：农残超标"})
    assert done.status_code == 302
    page = text(client.get(done.headers["Location"]))
    assert "已召回" in page and "市场监管局通报：农残超标" in page
    assert "上海 2 件" in page and "王小明" in page and "13912345678" in page
    db.session.expire_all()
    assert db.session.get(Product, world.product_id).status is ProductStatus.BLOCKED
    assert db.session.get(TraceBatch, world.batch_id).recalled_by_id == world.admin.id


@pytest.mark.parametrize("name, value", [("batch_", "1"), ("batch_abc", "1"),
                                         ("batch_99999999999999999999", "1"),
                                         ("batch_1", "99999999999999999999"),
                                         ("batch_1", "一"), ("batch_1", "-3")])
def test_odd_batch_fields_on_the_ship_form_are_refused_in_words(client, world, name, value):
    sign_in(client, world.owner)
    url = f"/seller/orders/{world.seller_order_id}"
    refused = post(client, f"{url}/ship", {"carrier": "EMS", "tracking_number": "E1",
                                           name: value})
    assert refused.status_code == 422
    page = text(refused)
    assert "填写的内容有误" in page and "请从列表中选择装箱的批次" in page
    db.session.expire_all()
    assert db.session.get(SellerOrder, world.seller_order_id).shipped_at is None
