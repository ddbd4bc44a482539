"""GET /api/v1/products: Chinese and pinyin search over listed products, with facets."""

import pytest

from gannan.catalog.indexing import queue_reindex
from gannan.catalog.models import CertificateKind, Product, ProductStatus, Sku
from gannan.platform.extensions import db
from gannan.platform.models import SellerStatus
from tests.factories import CertificateFactory, ProductFactory, SellerFactory, category
from tests.helpers import assert_problem


def sku(price, stock=10):
    return [Sku(code="S", spec="标准装", price_fen=price, stock=stock)]


@pytest.fixture
def catalogue(seller):
    """A small catalogue from several counties; returns {name: product}."""
    xunwu = SellerFactory(status=SellerStatus.APPROVED, county_code="360734", name="寻乌果业")
    xingguo = SellerFactory(status=SellerStatus.APPROVED, county_code="360732", name="兴国油茶")
    shangyou = SellerFactory(status=SellerStatus.APPROVED, county_code="360724", name="上犹茶场")
    published = {"status": ProductStatus.PUBLISHED}
    products = {
        "xinfeng_orange": ProductFactory(seller=seller, title="赣南脐橙 特级 5kg", skus=sku(6880),
                                         regional_brand="赣南脐橙", **published),
        "xunwu_orange": ProductFactory(seller=xunwu, title="寻乌脐橙 10斤装", skus=sku(4990),
                                       origin_county_code="360734", **published),
        "honey_tangerine": ProductFactory(seller=xunwu, title="寻乌蜜桔", skus=sku(2990, 0),
                                          category=category("tangerine"),
                                          description="与脐橙同园种植的蜜桔",
                                          origin_county_code="360734", **published),
        "camellia_oil": ProductFactory(seller=xingguo, title="兴国 山茶油 5L", skus=sku(39800),
                                       category=category("camellia_oil"), description="冷榨",
                                       origin_county_code="360732", **published),
        "black_tea": ProductFactory(seller=shangyou, title="上犹 红茶 250g", skus=sku(12800),
                                    category=category("black_tea"), description="梅岭高山",
                                    origin_county_code="360724", **published),
        "draft": ProductFactory(seller=seller, title="赣南脐橙 草稿"),
    }
    CertificateFactory(products=[products["xinfeng_orange"]])
    queue_reindex(p.id for p in products.values())
    db.session.commit()
    return products


def search(client, **params):
    response = client.get("/api/v1/products", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ids(body):
    return [item["id"] for item in body["items"]]


@pytest.mark.parametrize("q, expected", [
    ("脐橙", ["xinfeng_orange", "xunwu_orange", "honey_tangerine"]),
    ("qicheng", ["xinfeng_orange", "xunwu_orange", "honey_tangerine"]),
    ("gnqc", ["xinfeng_orange"]),
    ("赣南 qicheng", ["xinfeng_orange"]),
    ("赣南脐橙 特级", ["xinfeng_orange"]),
    ("茶油", ["camellia_oil"]),
    ("chayou", ["camellia_oil"]),
    ("红茶", ["black_tea"]),
    ("榴莲", []),
])
def test_queries(client, catalogue, q, expected):
    body = search(client, q=q)
    got = ids(body)
    assert sorted(got) == sorted(catalogue[name].id for name in expected)
    assert body["total"] == len(expected)
    if len(expected) > 1:
        # title matches rank above the description-only match
        assert got[-1] == catalogue[expected[-1]].id


def test_only_listed_products_appear(client, catalogue, seller):
    assert catalogue["draft"].id not in ids(search(client))
    seller.status = SellerStatus.SUSPENDED
    queue_reindex([catalogue["xinfeng_orange"].id])
    db.session.commit()
    assert catalogue["xinfeng_orange"].id not in ids(search(client, q="脐橙"))


def test_filters_and_facets(client, catalogue):
    body = search(client, q="脐橙", county="360734")
    assert sorted(ids(body)) == sorted([catalogue["xunwu_orange"].id,
                                        catalogue["honey_tangerine"].id])
    assert body["facets"]["county"] == {"360734": 2}
    tea = search(client, category="tea")
    assert ids(tea) == [catalogue["black_tea"].id]
    assert search(client, category="fruit")["total"] == 3
    priced = search(client, min_price_fen=3000, max_price_fen=7000)
    assert sorted(ids(priced)) == sorted([catalogue["xinfeng_orange"].id,
                                          catalogue["xunwu_orange"].id])
    everything = search(client)
    assert everything["facets"]["category"]["fruit"] == 3
    assert everything["facets"]["certification"] == {"brand_licence": 1}
    assert search(client, certification="brand_licence")["total"] == 1


def test_sold_out_is_marked_and_can_be_hidden(client, catalogue):
    body = search(client, q="蜜桔")
    assert body["items"][0]["sold_out"] is True
    assert search(client, q="蜜桔", in_stock="true")["total"] == 0
    assert search(client, q="蜜桔", in_stock="false")["total"] == 1


def test_rating_sort_and_minimum(client, catalogue):
    """Ratings are set here directly (reviews move them: tests/orders/test_reviews.py)."""
    rated = {"xunwu_orange": (2, 9), "camellia_oil": (1, 5), "black_tea": (2, 9),
             "honey_tangerine": (3, 6)}
    for name, (count, total) in rated.items():
        catalogue[name].rating_count, catalogue[name].rating_sum = count, total
    queue_reindex(catalogue[name].id for name in rated)
    db.session.commit()
    order = [catalogue[name].id for name in
             ("camellia_oil", "black_tea", "xunwu_orange", "honey_tangerine", "xinfeng_orange")]
    body = search(client, sort="rating")
    assert ids(body) == order  # 5.0; 4.5 twice (newer id first); 2.0; unrated last
    assert [(i["rating"], i["rating_count"]) for i in body["items"]] == [
        (5.0, 1), (4.5, 2), (4.5, 2), (2.0, 3), (None, 0)]
    assert ids(search(client, sort="rating", min_rating="4.5")) == order[:3]
    assert ids(search(client, q="脐橙", min_rating="4")) == [catalogue["xunwu_orange"].id]
    assert search(client, min_rating="")["total"] == 5  # empty: no filter
    assert search(client, min_rating="5")["total"] == 1


def test_sorting_and_paging(client, catalogue):
    cheap_first = [i["min_price_fen"] for i in search(client, sort="price_asc")["items"]]
    assert cheap_first == sorted(cheap_first)
    dear_first = [i["min_price_fen"] for i in search(client, sort="price_desc")["items"]]
    assert dear_first == sorted(dear_first, reverse=True)
    page1 = search(client, sort="price_asc", page_size=2)
    page2 = search(client, sort="price_asc", page_size=2, page=2)
    assert page1["total"] == page2["total"] == 5
    assert len(page1["items"]) == 2 and not set(ids(page1)) & set(ids(page2))


@pytest.mark.parametrize("params, code", [
    ({"min_price_fen": 500, "max_price_fen": 100}, "invalid_price_range"),
    ({"category": "durian"}, "unknown_category"),
    ({"county": "360799"}, "unknown_county"),
    ({"county": "360727"}, "retired_county"),
    ({"sort": "cheapest"}, "validation_error"),
    ({"page_size": 101}, "validation_error"),
    ({"min_price_fen": -1}, "validation_error"),
    ({"page": 101, "page_size": 100}, "page_out_of_range"),
    *[({"min_rating": bad}, "invalid_min_rating")
      for bad in ("0", "0.99", "5.01", "6", "-1", "abc", "4.555", "nan", "inf", "1e0", "4,5",
                  " 4 .5", "4.")],
])
def test_bad_search_parameters(client, params, code):
    assert_problem(client.get("/api/v1/products", query_string=params), 422, code)


def test_search_queries_do_not_grow_with_page_size(client, seller, count_queries):
    made = [ProductFactory(seller=seller, title=f"脐橙 {n}", status=ProductStatus.PUBLISHED)
            for n in range(25)]
    queue_reindex(p.id for p in made)
    db.session.commit()
    counts = {}
    for size in (1, 5, 25):
        with count_queries() as statements:
            assert len(search(client, q="脐橙", page_size=size)["items"]) == size
        counts[size] = len(statements)
    assert counts[1] == counts[5] == counts[25], counts


@pytest.mark.parametrize("params", [{"q": "脐橙"}, {}, {"q": "脐橙", "county": "360722"},
                                    {"category": "fruit", "sort": "price_asc"},
                                    {"sort": "rating"}])
def test_a_search_page_is_one_statement(client, catalogue, count_queries, params):
    """The page's products with seller, category, county, prices and valid certificate
    kinds.  Nothing per product, nothing per filter."""
    with count_queries() as statements:
        body = search(client, **params)
    assert body["items"]
    assert len(statements) == 1, statements


def test_an_empty_page_reads_no_product(client, catalogue, count_queries):
    with count_queries() as statements:
        assert search(client, q="榴莲")["items"] == []
    assert statements == []


def test_a_summary_writes_cold_chain_as_a_boolean(client, catalogue):
    """The driver's value comes back unconverted (0 or 1 on SQLite); the page shows the
    boolean the schema dumps, which a dict comparison (1 == True) would not tell."""
    oil = catalogue["camellia_oil"]
    oil.cold_chain = True
    db.session.commit()
    items = {item["id"]: item for item in search(client)["items"]}
    assert items[oil.id]["cold_chain"] is True
    assert items[catalogue["black_tea"].id]["cold_chain"] is False
    page = client.get("/api/v1/products").get_data(as_text=True)
    assert page.count('"cold_chain":true') == 1 and page.count('"cold_chain":false') == 4


def test_summaries_read_in_a_transaction_see_its_writes(catalogue):
    """Inside a transaction (a page that wrote something) the cards are read on its
    connection; outside one, on a connection of their own, which sees what is committed."""
    from gannan.catalog.services.products import product_summaries

    oil = catalogue["camellia_oil"]
    oil.skus[0].price_fen = 100
    db.session.flush()
    assert db.session().in_transaction()
    assert product_summaries([oil.id])[0]["min_price_fen"] == 100
    db.session.rollback()
    assert not db.session().in_transaction()
    assert [item["min_price_fen"] for item in product_summaries([oil.id])] == [39800]


def test_a_summary_shows_what_the_product_schema_shows(client, catalogue, seller):
    """The summaries read as columns serialise exactly as the products themselves do."""
    from datetime import date, timedelta

    from gannan.catalog.schemas import ProductSummarySchema

    orange = catalogue["xinfeng_orange"]
    orange.images = ["https://img.example.cn/1.jpg", "https://img.example.cn/2.jpg"]
    orange.rating_count, orange.rating_sum = 3, 13
    CertificateFactory(products=[orange], kind=CertificateKind.GREEN_FOOD,
                       valid_until=date.today() - timedelta(days=2))  # expired: not shown
    CertificateFactory(products=[orange, catalogue["honey_tangerine"]],
                       kind=CertificateKind.ORGANIC)
    db.session.commit()
    body = search(client)
    products = db.session.scalars(db.select(Product).where(
        Product.id.in_(ids(body)))).all()
    expected = {p.id: ProductSummarySchema().dump(p) for p in products}
    assert len(expected) == 5
    assert {item["id"]: item for item in body["items"]} == expected
    assert expected[orange.id]["certifications"] == ["brand_licence", "organic"]
    assert expected[catalogue["honey_tangerine"].id]["sold_out"] is True
    assert (expected[orange.id]["rating"], expected[orange.id]["rating_count"]) == (4.33, 3)
    assert (expected[catalogue["camellia_oil"].id]["rating"],
            expected[catalogue["camellia_oil"].id]["rating_count"]) == (None, 0)
