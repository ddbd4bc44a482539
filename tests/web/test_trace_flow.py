"""The trace page shows where a batch went (provinces, never buyers) and its recall; the
buyer of a recalled batch reads the notice on its orders page."""

from __future__ import annotations

import uuid

from gannan.catalog.models import ProductStatus, Sku
from tests.factories import ProductFactory, TraceBatchFactory, UserFactory
from tests.helpers import add_to_cart, bearer, checkout, owner_of
from tests.web.support import Pages, text

SHENZHEN = {"recipient": "李娜", "phone": "13800004444", "province": "广东省", "city": "深圳市",
            "county": "南山区", "detail": "科技园路1号"}


def test_the_trace_page_shows_the_flow_and_the_recall(client, seller, admin):
    product = ProductFactory(seller=seller, status=ProductStatus.PUBLISHED, title="赣南脐橙 5kg",
                             skus=[Sku(code="QC5", spec="5kg", price_fen=6880, stock=50,
                                       weight_g=5000)])
    batch = TraceBatchFactory(product=product, quantity=1000, unit="kg")
    page = text(client.get(f"/t/{batch.trace_code}"))
    assert "流向" in page and "本批次尚未发货" in page

    shopper = UserFactory()
    add_to_cart(client, shopper, product, 3)
    part = checkout(client, shopper, key=uuid.uuid4().hex, address=SHENZHEN).get_json()[
        "seller_orders"][0]
    shipped = client.post(f"/api/v1/seller-orders/{part['id']}/ship",
                          json={"carrier": "顺丰", "tracking_number": "SF1"},
                          headers=bearer(owner_of(seller.id)))
    assert shipped.status_code == 200
    page = text(client.get(f"/t/{batch.trace_code}"))
    assert "本批次已发出 <b>3</b> 件（1 个包裹），约 15 公斤，占本批次 1.50%" in page
    assert "广东" in page and "李娜" not in page and "13800004444" not in page

    client.post(f"/api/v1/batches/{batch.id}/recall", json={"reason": "果实霉变"},
                headers=bearer(admin))
    page = text(client.get(f"/t/{batch.trace_code}"))
    assert "该批次已召回" in page and "果实霉变" in page and "购买同款" not in page
    # the buyer reads it on its orders page, in Chinese; another shopper does not
    buyer = Pages(client)
    buyer.sign_in(shopper)
    orders = text(buyer.get("/orders"))
    assert "批次召回" in orders and f"批次 {batch.trace_code} 已召回：果实霉变" in orders
    assert "The batch" not in orders
    other = Pages(client)
    other.sign_in(UserFactory())
    assert "批次召回" not in text(other.get("/orders"))
