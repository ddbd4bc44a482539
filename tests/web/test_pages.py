"""Public pages: trace page, home, search, product; errors as pages; the API's index."""

from datetime import date, timedelta

import pytest

from gannan.catalog.demo import load_demo_catalogue
from gannan.catalog.models import Certificate, CertificateKind, Product, ProductStatus, TraceBatch
from gannan.platform.demo import load_demo
from gannan.platform.extensions import db
from gannan.platform.types import shanghai_today
from gannan.web.wsgi import raw_query_bytes
from tests.factories import ProductFactory
from tests.web.support import text

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def demo():
    load_demo()
    load_demo_catalogue()
    return {p.title: p for p in db.session.scalars(db.select(Product))}


def batch_of(product) -> TraceBatch:
    return db.session.scalar(db.select(TraceBatch).where(TraceBatch.product_id == product.id))


def test_trace_page_shows_the_chain_and_each_certificates_validity(client, demo):
    orange = demo["赣南脐橙 特级 5kg 礼盒"]
    lapsed = Certificate(seller_id=orange.seller_id, kind=CertificateKind.ORGANIC,
                         number="227OP2300001", issuer="中绿华夏有机产品认证中心",
                         valid_from=date(2020, 1, 1),
                         valid_until=shanghai_today() - timedelta(days=1))
    db.session.add(lapsed)
    lapsed.products.append(orange)
    db.session.commit()
    code = batch_of(orange).trace_code
    page = text(client.get(f"/t/{code}"))
    for expected in (code, "赣南脐橙 特级 5kg 礼盒", "信丰县", "安西镇", "信丰县生产基地",
                     "承诺达标合格证", "不使用禁用农药兽药、停用兽药和非法添加物",
                     "赣州市农产品质量安全检测中心", "GNQC-SQ-2025-0317", "有效", "已过期",
                     "暂无抽检记录", orange.seller.uscc, "电子商务法", "购买同款"):
        assert expected in page, expected
    assert f'href="/p/{orange.id}"' in page
    assert client.get(f"/t/{code.lower()}").status_code == 200  # typed in lower case


def test_an_unknown_or_absurd_trace_code_is_a_friendly_404_page(client):
    for code in ("0000000000000000", "x" * 200):
        response = client.get(f"/t/{code}")
        assert response.status_code == 404 and response.mimetype == "text/html"
        assert "没有找到这个溯源码" in text(response)


def test_trace_lookup_form_goes_to_the_page(client):
    response = client.get("/t", query_string={"code": " abcd-efgh 1234 5678 "})
    assert response.headers["Location"] == "/t/ABCDEFGH12345678"


def test_old_qr_codes_on_the_api_open_the_page_in_a_browser_json_elsewhere(client, demo):
    code = batch_of(demo["赣南茶油 冷榨山茶油 5L"]).trace_code
    browser = client.get(f"/api/v1/trace/{code}", headers=HTML)
    assert browser.status_code == 302 and browser.headers["Location"] == f"/t/{code}"
    for accept in (None, "*/*", "application/json", "application/json, text/html"):
        api = client.get(f"/api/v1/trace/{code}", headers={"Accept": accept} if accept else {})
        assert api.status_code == 200 and api.get_json()["trace_code"] == code, accept
    assert client.get(f"/api/v1/trace/{code}/qr.png", headers=HTML).mimetype == "image/png"


def test_blocked_product_says_so_on_its_trace_page(client, demo, admin):
    from gannan.catalog.services.spot_checks import record_spot_check

    oil = demo["赣南茶油 冷榨山茶油 5L"]
    record_spot_check(admin, {"product_id": oil.id, "sampled_on": shanghai_today(),
                              "lab": "江西省食品检验检测研究院", "report_number": "JX-1",
                              "passed": False})
    page = text(client.get(f"/t/{batch_of(oil).trace_code}"))
    assert "该产品抽检不合格，已被下架" in page and "购买同款" not in page
    assert client.get(f"/p/{oil.id}").status_code == 404  # not listed any more


def test_home_lists_categories_counties_and_certified_products(client, demo):
    page = text(client.get("/"))
    for expected in ("水果", "茶油", "章贡区", "龙南市", "赣南脐橙 特级 5kg 礼盒", "区域公用品牌授权"):
        assert expected in page
    assert "上犹 红茶 工夫红茶 250g" not in page  # no certificate: not among the certified


@pytest.mark.parametrize("query", ["脐橙", "qicheng", "gnqc"])
def test_search_finds_in_chinese_pinyin_and_initials(client, demo, query):
    page = text(client.get("/search", query_string={"q": query}))
    assert "赣南脐橙 特级 5kg 礼盒" in page and "赣南茶油" not in page


def test_search_takes_the_apis_parameters_and_shows_facets(client, demo):
    page = text(client.get("/search", query_string={"county": "360732"}))
    assert "赣南茶油 冷榨山茶油 5L" in page and "赣南脐橙" not in page.split('id="results"')[1]
    assert "地理标志产品" in page  # certification facet
    cheap = text(client.get("/search", query_string={"max_price_fen": "5000"}))
    assert "会昌米粉" in cheap and "赣南茶油 冷榨山茶油 5L" not in cheap
    partial = client.get("/search", query_string={"q": "茶"}, headers={"HX-Request": "true"})
    assert text(partial).lstrip().startswith('<div id="results">')  # htmx gets the list only


@pytest.mark.parametrize("params, message", [
    ({"county": "360721"}, "这个区县代码已经停用"),
    ({"county": "abc"}, "格式不正确"),
    ({"min_price_fen": "9000", "max_price_fen": "100"}, "最低价不能高于最高价"),
    ({"page": "0"}, "页码"),
    ({"min_rating": "9"}, "最低评分应在 1 到 5 星之间"),
])
def test_bad_search_parameters_are_a_message_not_a_crash(client, params, message):
    response = client.get("/search", query_string=params)
    assert response.status_code == 422 and message in text(response)


def test_product_page_shows_skus_prices_stock_certificates_batches_seller(client, demo):
    orange = demo["赣南脐橙 特级 5kg 礼盒"]
    page = text(client.get(f"/p/{orange.id}"))
    for expected in ("5kg 特级 80-85mm", "68.80", "10kg 一级 75-80mm", "99.00", "有货",
                     "区域公用品牌授权", batch_of(orange).trace_code, "信丰县绿源脐橙专业合作社",
                     "统一社会信用代码"):
        assert expected in page, expected
    sold_out = demo["脐橙 家庭装 果径70-75mm 9斤"]
    page = text(client.get(f"/p/{sold_out.id}"))
    assert "已售罄" in page and "disabled>加入购物车" in page


def test_ratings_show_on_cards_and_the_product_page_and_sort_and_filter(client, demo):
    from gannan.catalog.indexing import queue_reindex

    orange, oil = demo["赣南脐橙 特级 5kg 礼盒"], demo["赣南茶油 冷榨山茶油 5L"]
    orange.rating_count, orange.rating_sum = 2, 9
    oil.rating_count, oil.rating_sum = 1, 4
    queue_reindex([orange.id, oil.id])
    db.session.commit()
    page = text(client.get(f"/p/{orange.id}"))
    assert "★ 4.5" in page and "2 条评价" in page
    assert "暂无评分" in text(client.get(f"/p/{demo['上犹 红茶 工夫红茶 250g'].id}"))
    best = text(client.get("/search", query_string={"sort": "rating"}))
    assert '<option value="rating" selected>评分最高</option>' in best
    results = best.split('id="results"')[1]
    assert results.index("赣南脐橙 特级 5kg 礼盒") < results.index("赣南茶油 冷榨山茶油 5L")
    assert "★ 4.0" in results and "暂无评分" in results
    good = text(client.get("/search", query_string={"min_rating": "4.5"}))
    assert '<option value="4.5" selected>4.5 星及以上</option>' in good
    assert "共 1 件商品" in good and "赣南茶油 冷榨山茶油 5L" not in good.split('id="results"')[1]


def test_unlisted_products_are_a_404_page_except_for_their_seller(client, seller, owner):
    draft = ProductFactory(seller=seller, status=ProductStatus.DRAFT)
    response = client.get(f"/p/{draft.id}")
    assert response.status_code == 404 and "页面不存在" in text(response)
    from tests.web.support import Pages

    member = Pages(client)
    member.sign_in(owner)
    assert client.get(f"/p/{draft.id}").status_code == 200  # the same Policy as the API


def test_unknown_urls_are_pages_outside_the_api_and_problems_inside(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "页面不存在" in text(page)
    api = client.get("/api/v1/no/such/thing")
    assert api.status_code == 404 and api.mimetype == "application/problem+json"
    assert client.delete("/search").status_code == 405


def test_a_crash_on_a_page_is_a_500_page_without_details(client, monkeypatch):
    from gannan.web import shop

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(shop, "search_products", boom)
    response = client.get("/")
    assert response.status_code == 500 and "服务器出了点问题" in text(response)
    assert "secret internals" not in text(response)


def test_api_index_lists_docs_openapi_and_pages(client):
    body = client.get("/api/v1/").get_json()
    assert body["links"]["docs"].endswith("/api/v1/docs")
    assert body["links"]["openapi"].endswith("/api/v1/openapi.json")
    assert body["links"]["pages"] == "http://localhost/"
    assert client.get(body["links"]["openapi"]).status_code == 200
    assert "接口文档" in text(client.get("/api/v1/", headers=HTML))
    assert client.get("/api/v1").status_code == 200


def test_a_raw_utf8_query_string_is_read_as_utf8(client, demo):
    raw = "q=茶油&county=360732".encode().decode("latin-1")  # what a PEP 3333 server passes
    body = client.get("/api/v1/products", environ_overrides={"QUERY_STRING": raw}).get_json()
    assert [item["title"] for item in body["items"]] == ["赣南茶油 冷榨山茶油 5L"]
    # Werkzeug's development server encodes it once more (make run)
    twice = "q=茶油".encode().decode("latin-1").encode().decode("latin-1")
    assert client.get("/api/v1/products", environ_overrides={"QUERY_STRING": twice}
                      ).get_json()["total"] == 1
    page = text(client.get("/search", environ_overrides={"QUERY_STRING": raw}))
    assert "“茶油”的搜索结果" in page


@pytest.mark.parametrize("sent, raw", [
    ("q=%E8%8C%B6", None),  # ASCII: untouched
    ("q=茶".encode().decode("latin-1"), "q=茶".encode()),
    ("q=茶".encode().decode("latin-1").encode().decode("latin-1"), "q=茶".encode()),
    ("q=é".encode().decode("latin-1"), "q=é".encode()),
    ("q=\xff", b"q=\xff"),  # not UTF-8 at all: passed on for the app to refuse
])
def test_raw_query_bytes(sent, raw):
    if raw is None:
        assert sent.isascii()
    else:
        assert raw_query_bytes(sent) == raw
