"""Both search backends against one hand-built catalogue: matching, relevance, filters,
facets, sorting, paging, writes, and identical results on SQLite and Elasticsearch.

Scores (see ``analysis.py``): each query term adds 10 if in the title, 4 if in the
brand field (brand, categories, county, township, seller), 1 if in the description.
The expected orders below follow from that, ties going to the higher product id.
"""

from __future__ import annotations

import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from gannan.catalog.models import mean_rating
from gannan.catalog.search.analysis import index_tokens
from gannan.catalog.search.base import (
    CertificationSpan,
    SearchBackend,
    SearchDocument,
    SearchQuery,
)
from gannan.catalog.search.elastic import ElasticsearchBackend
from gannan.catalog.search.factory import backend_from_config
from gannan.catalog.search.sqlite_fts import FTS_TOKENIZER, SqliteSearchBackend
from tests.services import need_elasticsearch

TODAY = date(2025, 6, 1)
FRUIT = (("fruit", "navel_orange"), ("水果", "脐橙"))
OIL = (("grain_oil", "camellia_oil"), ("粮油", "茶油"))
XINFENG, XUNWU, ANYUAN, XINGGUO, HUICHANG = "360722", "360734", "360726", "360732", "360733"
SHANGYOU, NINGDU, YUDU, SHICHENG = "360724", "360730", "360731", "360735"
COUNTY_NAMES = {
    XINFENG: "信丰县", XUNWU: "寻乌县", ANYUAN: "安远县", XINGGUO: "兴国县", HUICHANG: "会昌县",
    SHANGYOU: "上犹县", NINGDU: "宁都县", YUDU: "于都县", SHICHENG: "石城县",
}
GI, ORGANIC, GREEN = "geographical_indication", "organic", "green_food"


def at(day: str, microsecond: int = 0) -> datetime:
    moment = datetime.fromisoformat(day).replace(hour=8, microsecond=microsecond)
    return moment.replace(tzinfo=timezone.utc)


def span(kind: str, start: str, end: str | None = None) -> CertificationSpan:
    until = date.fromisoformat(end) if end else None
    return CertificationSpan(kind, date.fromisoformat(start), until)


def product(product_id: int, title: str, description: str, categories, county: str, seller: str,
            price: int, published: datetime, *, brand: str | None = None,
            township: str | None = None, in_stock: bool = True,
            certifications: tuple[CertificationSpan, ...] = (),
            rated: tuple[int, int] = (0, 0)) -> SearchDocument:
    slugs, names = categories
    return SearchDocument(
        product_id=product_id, title=title, description=description, brand=brand,
        category_slugs=slugs, category_names=names, county_code=county,
        county_name=COUNTY_NAMES[county], township=township, seller_id=100 + product_id,
        seller_name=seller, min_price_fen=price, in_stock=in_stock, published_at=published,
        certifications=certifications,
        rating=mean_rating(*rated), rating_count=rated[1],
    )


CATALOGUE = (
    product(1, "信丰脐橙 特级果 5kg", "信丰县嘉定镇果园直发，果肉细嫩，现摘现发。", FRUIT, XINFENG,
            "信丰县绿源脐橙专业合作社", 5990, at("2025-01-10"), brand="赣南脐橙", township="嘉定镇", rated=(9, 2),
            certifications=(span(GI, "2020-01-01"), span(GREEN, "2022-01-01", "2024-12-31"))),
    product(2, "寻乌脐橙 礼盒装 10斤", "寻乌高山果园，酸甜适中。", FRUIT, XUNWU, "寻乌县果业公司",
            8800, at("2025-02-01"), brand="赣南脐橙", rated=(18, 4),
            certifications=(span(ORGANIC, "2024-01-01", "2025-06-30"),)),
    product(3, "赣南脐橙 特级 精选大果", "产自安远县，赣南脐橙核心产区。", FRUIT, ANYUAN,
            "安远县橙心果业", 12800, at("2025-03-01"), brand="赣南脐橙", rated=(5, 1),
            certifications=(span(GI, "2021-05-01"),)),
    product(4, "兴国山茶油 500ml", "古法压榨山茶油，可凉拌可炒菜。", OIL, XINGGUO,
            "兴国县山茶油有限公司", 6800, at("2024-12-01"), rated=(9, 3),
            certifications=(span(ORGANIC, "2024-03-01"),)),
    product(5, "会昌米粉 2kg 客家特产", "早稻米制作，久煮不烂。", (("grain_oil", "rice_noodles"),
            ("粮油", "米粉")), HUICHANG, "会昌县客家米粉厂", 2500, at("2025-01-20"),
            certifications=(span(GREEN, "2023-01-01", "2026-12-31"),)),
    # 6 and 7 were published in the same millisecond (6 later by microseconds, which
    # Elasticsearch does not keep): "newest" must tie them and break on the id.
    product(6, "上犹红茶 梅岭工夫红茶", "高山茶园，汤色红亮。", (("tea", "black_tea"), ("茶叶", "红茶")),
            SHANGYOU, "上犹县梅岭茶叶家庭农场", 8800, at("2025-04-01", 900), rated=(9, 2)),
    product(7, "上犹绿茶 明前特级", "明前采摘，清香回甘。", (("tea", "green_tea"), ("茶叶", "绿茶")),
            SHANGYOU, "上犹县梅岭茶叶家庭农场", 9800, at("2025-04-01", 100),
            certifications=(span(ORGANIC, "2025-01-01", "2027-12-31"),)),
    product(8, "宁都黄鸡 散养", "宁都县农家散养，肉质紧实。", (("poultry",), ("禽类",)), NINGDU,
            "宁都县黄鸡养殖场", 15800, at("2025-03-15")),
    product(9, "于都土蜂蜜 500g", "蜜源为赣南脐橙花，清甜不腻。", (("honey",), ("蜂蜜",)), YUDU,
            "于都县百花蜂场", 4800, at("2025-05-01"), rated=(13, 3)),
    product(10, "信丰脐橙 预售", "今年新果，售完即止。", FRUIT, XINFENG, "信丰县绿源脐橙专业合作社",
            4990, at("2025-05-10"), brand="赣南脐橙", in_stock=False),
    product(11, "石城白莲 通心莲", "石城县特产，莲子饱满。", (("dried_goods", "lotus_seeds"),
            ("干货", "白莲")), SHICHENG, "石城县莲业合作社", 3600, at("2024-11-11")),
    product(12, "赣南高山茶油 礼盒装", "兴国县、于都县茶农合作，冷榨工艺。", OIL, YUDU, "赣南茶油集团",
            16800, at("2025-02-14"),
            certifications=(span(ORGANIC, "2024-01-01"), span(ORGANIC, "2025-01-01"))),
)
ALL_IDS = {doc.product_id for doc in CATALOGUE}
# 脐橙: 3 has it in title, brand and description (15), 10, 2 and 1 in title and brand (14),
# 9 only in its description (1).
NAVEL_ORANGES = [3, 10, 2, 1, 9]


def sqlite_backend(tmp_path) -> SqliteSearchBackend:
    return SqliteSearchBackend(str(tmp_path / "search.sqlite3"))


def elasticsearch_backend(request) -> ElasticsearchBackend:
    backend = ElasticsearchBackend(need_elasticsearch(), index=f"gannan-test-{uuid.uuid4().hex}")
    request.addfinalizer(
        lambda: backend.client.indices.delete(index=backend.index, ignore_unavailable=True))
    return backend


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def empty_backend(request, tmp_path) -> SearchBackend:
    if request.param == "sqlite":
        backend: SearchBackend = sqlite_backend(tmp_path)
    else:
        backend = elasticsearch_backend(request)
    backend.ensure_index()
    return backend


@pytest.fixture
def backend(empty_backend) -> SearchBackend:
    index(empty_backend, CATALOGUE)
    return empty_backend


def index(backend: SearchBackend, docs) -> None:
    backend.upsert(list(docs))
    backend.refresh()


def ids(backend: SearchBackend, q: str | None = None, **filters) -> list[int]:
    return backend.search(SearchQuery(today=filters.pop("today", TODAY), q=q, **filters)).ids


# -- matching ---------------------------------------------------------------------------

@pytest.mark.parametrize(("q", "expected"), [
    ("脐橙", NAVEL_ORANGES),
    ("茶油", [4, 12]),
    ("米粉", [5]),
    ("红茶", [6]),
    ("茶", [12, 6, 4, 7]),  # a single character finds the words containing it
    ("赣南脐橙 特级", [3, 1]),  # 3: all four terms in the title (55); 1: 脐橙 特级 in it (32)
    ("qicheng", NAVEL_ORANGES),
    ("QiCheng", NAVEL_ORANGES),
    ("ｑｉｃｈｅｎｇ", NAVEL_ORANGES),
    ("gnqc", [3, 10, 2, 1]),  # initials of the run 赣南脐橙, not of longer runs
    ("gannanqicheng", [3, 10, 2, 1]),
    ("chayou", [4, 12]),
    ("赣南 qicheng", NAVEL_ORANGES),
    ("ningdu", [8]),
    ("yudu", [9, 12]),  # 9: title and county; 12: county and description
    ("上犹", [7, 6]),
])
def test_must_work_queries(backend, q, expected):
    assert ids(backend, q) == expected


def test_every_query_term_must_match(backend):
    assert ids(backend, "上犹 红茶") == [6]
    assert ids(backend, "红茶 绿茶") == []
    assert ids(backend, "脐橙 榴莲") == []


def test_a_query_with_nothing_searchable_filters_nothing(backend):
    result = backend.search(SearchQuery(today=TODAY, q="！？ 🍊"))
    assert result.total == len(CATALOGUE)
    assert set(result.ids) == ALL_IDS


def test_title_match_outranks_description_only_match(backend):
    found = ids(backend, "脐橙")
    assert found[-1] == 9
    assert set(found[:-1]) == {1, 2, 3, 10}


def test_field_weights_title_then_brand_then_description(empty_backend):
    base = CATALOGUE[10]  # 石城白莲: nothing else mentions 贡莲
    index(empty_backend, [
        replace(base, product_id=21, description="贡莲"),                    # 1
        replace(base, product_id=22, title="石城贡莲"),                       # 10
        replace(base, product_id=23, seller_name="贡莲坊"),                   # 4
        replace(base, product_id=24, seller_name="贡莲坊", description="贡莲"),  # 4 + 1
        replace(base, product_id=25, title="贡莲", description="贡莲"),       # 10 + 1
    ])
    assert ids(empty_backend, "贡莲") == [25, 22, 24, 23, 21]


# -- filters ----------------------------------------------------------------------------

def test_county_filter_with_query(backend):
    assert ids(backend, "脐橙", county=XINFENG) == [10, 1]
    assert ids(backend, "茶油", county=XINFENG) == []


def test_category_filter_matches_the_category_and_its_children(backend):
    assert ids(backend, category="grain_oil", sort="price_asc") == [5, 4, 12]
    assert ids(backend, "chayou", category="camellia_oil") == [4, 12]
    assert ids(backend, "脐橙", category="honey") == [9]


def test_price_range_is_inclusive(backend):
    in_range = ids(backend, min_price_fen=4800, max_price_fen=8800, sort="price_asc")
    assert in_range == [9, 10, 1, 4, 6, 2]
    assert ids(backend, "脐橙", max_price_fen=5990) == [10, 1, 9]
    assert ids(backend, "脐橙", min_price_fen=8800) == [3, 2]


def test_in_stock_filter(backend):
    assert ids(backend, "脐橙", in_stock=True) == [3, 2, 1, 9]
    assert ids(backend, "脐橙", in_stock=False) == [10]


@pytest.mark.parametrize(("today", "expected"), [
    (date(2024, 12, 31), [12, 4, 2]),   # 7's certificate starts 2025-01-01
    (date(2025, 6, 30), [12, 7, 4, 2]),  # 2's last valid day
    (date(2025, 7, 1), [12, 7, 4]),     # 2's has expired
])
def test_certification_filter_counts_only_certificates_valid_today(backend, today, expected):
    assert ids(backend, certification=ORGANIC, today=today) == expected


def test_expired_certificate_on_a_product_with_a_valid_one_of_another_kind(backend):
    assert ids(backend, certification=GREEN) == [5]
    assert ids(backend, certification=GREEN, today=date(2024, 6, 1)) == [5, 1]
    assert ids(backend, "脐橙", certification=GI) == [3, 1]


# -- facets -----------------------------------------------------------------------------

def test_facets_count_every_match_not_only_the_page(backend):
    result = backend.search(SearchQuery(today=TODAY, q="脐橙", page_size=2))
    assert result.ids == [3, 10]
    assert result.facets == {
        "category": {"fruit": 4, "navel_orange": 4, "honey": 1},
        "county": {XINFENG: 2, XUNWU: 1, ANYUAN: 1, YUDU: 1},
        "certification": {GI: 2, ORGANIC: 1},  # 1's green_food certificate has expired
    }


def test_facets_follow_the_filters(backend):
    result = backend.search(SearchQuery(today=TODAY, q="脐橙", county=XINFENG))
    assert result.facets == {
        "category": {"fruit": 2, "navel_orange": 2},
        "county": {XINFENG: 2},
        "certification": {GI: 1},
    }


def test_certification_facet_counts_products_not_certificates(backend):
    result = backend.search(SearchQuery(today=TODAY, q="茶油"))
    assert result.facets["certification"] == {ORGANIC: 2}  # 12 holds two valid ones


# -- sorting and paging -----------------------------------------------------------------

@pytest.mark.parametrize(("sort", "expected"), [
    ("relevance", [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]),  # no query: all score alike
    ("price_asc", [5, 11, 9, 10, 1, 4, 6, 2, 7, 3, 8, 12]),
    ("price_desc", [12, 8, 3, 7, 6, 2, 4, 1, 10, 9, 11, 5]),
    ("newest", [10, 9, 7, 6, 8, 3, 12, 2, 5, 1, 4, 11]),
    # 5.0; 4.5 by 4, by 2 (6 and 1 tie: id); 4.33 (13/3); 3.0; then the unrated by id
    ("rating", [3, 2, 6, 1, 9, 4, 12, 11, 10, 8, 7, 5]),
])
def test_sorts_with_product_id_descending_as_tie_break(backend, sort, expected):
    assert ids(backend, sort=sort) == expected


def test_sort_applies_to_query_matches(backend):
    assert ids(backend, "脐橙", sort="price_asc") == [9, 10, 1, 2, 3]
    assert ids(backend, "脐橙", sort="newest") == [10, 9, 3, 2, 1]


def test_min_rating_is_inclusive_and_leaves_unrated_products_out(backend):
    assert ids(backend, sort="rating", min_rating=4.5) == [3, 2, 6, 1]
    assert ids(backend, sort="rating", min_rating=4.33) == [3, 2, 6, 1, 9]
    assert ids(backend, sort="rating", min_rating=1) == [3, 2, 6, 1, 9, 4]
    assert ids(backend, "脐橙", min_rating=4.5) == [3, 2, 1]  # relevance, filtered
    result = backend.search(SearchQuery(today=TODAY, q="茶", min_rating=4))
    assert result.total == 1 and result.facets["county"] == {SHANGYOU: 1}


def test_a_rating_change_is_visible_after_refresh(backend):
    index(backend, [replace(CATALOGUE[4], rating=4.8, rating_count=5)])  # product 5
    assert ids(backend, sort="rating", page_size=2) == [3, 5]
    index(backend, [replace(CATALOGUE[2], rating=None, rating_count=0)])  # 3: review hidden
    assert ids(backend, sort="rating", min_rating=4.6) == [5]


def test_pagination_and_total(backend):
    pages = [backend.search(SearchQuery(today=TODAY, sort="price_asc", page=page, page_size=5))
             for page in (1, 2, 3, 4)]
    assert [page.ids for page in pages] == [[5, 11, 9, 10, 1], [4, 6, 2, 7, 3], [8, 12], []]
    assert {page.total for page in pages} == {12}


# -- writes -----------------------------------------------------------------------------

def test_delete_and_update_are_visible_after_refresh(backend):
    backend.delete([4, 999])  # an id never indexed is ignored
    backend.upsert([replace(CATALOGUE[4], title="会昌米粉 新品", min_price_fen=9900),
                    replace(CATALOGUE[1], certifications=())])
    backend.refresh()
    assert ids(backend, "茶油") == [12]
    assert ids(backend, "新品") == [5]
    assert ids(backend, "米粉", max_price_fen=2500) == []
    assert ids(backend, certification=ORGANIC) == [12, 7]
    result = backend.search(SearchQuery(today=TODAY))
    assert result.total == 11
    assert XINGGUO not in result.facets["county"]


def test_a_write_by_another_process_is_seen_by_a_reader_holding_columns(tmp_path):
    """The embedded index keeps columns and match sets per process; a write through
    another backend object (another worker) changes the generation, so they are read
    again."""
    reader, writer = sqlite_backend(tmp_path), sqlite_backend(tmp_path)
    reader.ensure_index()
    index(writer, CATALOGUE)
    assert ids(reader, "脐橙") == NAVEL_ORANGES
    assert ids(reader, sort="price_asc")[:2] == [5, 11]
    writer.delete([3])
    index(writer, [replace(CATALOGUE[8], min_price_fen=100)])  # product 9
    assert ids(reader, "脐橙") == [10, 2, 1, 9]
    assert ids(reader, sort="price_asc")[:2] == [9, 5]
    writer.reset()
    assert reader.search(SearchQuery(today=TODAY, q="脐橙")).total == 0


def test_the_last_version_in_one_batch_wins(empty_backend):
    first = CATALOGUE[0]
    index(empty_backend, [first, replace(first, title="寻乌蜜橘")])
    assert ids(empty_backend, "蜜橘") == [1]
    assert ids(empty_backend, "特级") == []


def test_reset_empties_and_ensure_index_keeps(backend):
    backend.ensure_index()
    backend.refresh()
    assert backend.search(SearchQuery(today=TODAY)).total == len(CATALOGUE)
    backend.reset()
    backend.refresh()
    result = backend.search(SearchQuery(today=TODAY))
    assert (result.ids, result.total) == ([], 0)
    assert result.facets == {"category": {}, "county": {}, "certification": {}}


def test_sqlite_index_serves_concurrent_writers_and_readers(tmp_path):
    backend = sqlite_backend(tmp_path)
    backend.ensure_index()

    def write(doc: SearchDocument) -> None:
        backend.upsert([doc])

    def read(doc: SearchDocument) -> int:
        return backend.search(SearchQuery(today=TODAY, q=doc.title)).total

    with ThreadPoolExecutor(max_workers=8) as pool:
        writes = [pool.submit(write, doc) for doc in CATALOGUE]
        reads = [pool.submit(read, doc) for doc in CATALOGUE]
        for future in writes + reads:
            future.result()
    assert backend.search(SearchQuery(today=TODAY)).total == len(CATALOGUE)


# -- each backend's tokenizer keeps the terms whole -------------------------------------

TEXTS = ["赣南脐橙 特级 5kg", "𪜀𪜁茶叶 \U00030000\U00030001", "宁都县·嘉定镇", "ＡＢＣ１２３ lǜchá"]


def test_fts5_tokenizer_keeps_every_term_whole():
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize = '{FTS_TOKENIZER}')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, row)")
    terms = {token for text in TEXTS for token in index_tokens(text)}
    conn.execute("INSERT INTO t (x) VALUES (?)", (" ".join(terms),))
    assert {term for (term,) in conn.execute("SELECT term FROM v")} == terms


@pytest.mark.elasticsearch
def test_elasticsearch_analyzer_keeps_every_term_whole(request):
    backend = elasticsearch_backend(request)
    backend.ensure_index()
    terms = [token for text in TEXTS for token in index_tokens(text)]
    analyzed = backend.client.indices.analyze(index=backend.index, field="title_tokens",
                                              text=" ".join(terms))
    assert [token["token"] for token in analyzed["tokens"]] == terms


# -- both backends give the same results ------------------------------------------------

PARITY_QUERIES = [
    SearchQuery(today=TODAY, q="脐橙"),
    SearchQuery(today=TODAY, q="赣南脐橙 特级"),
    SearchQuery(today=TODAY, q="赣南 qicheng"),
    SearchQuery(today=TODAY, q="gnqc"),
    SearchQuery(today=TODAY, q="茶"),
    SearchQuery(today=TODAY, q="cha"),
    SearchQuery(today=TODAY, q="县"),
    SearchQuery(today=TODAY, q="合作"),
    SearchQuery(today=TODAY, q="yudu"),
    SearchQuery(today=TODAY, q="脐橙", county=XINFENG, in_stock=True),
    SearchQuery(today=TODAY, q="茶", min_price_fen=5000, max_price_fen=10000, sort="price_desc"),
    SearchQuery(today=date(2025, 7, 1), certification=ORGANIC, sort="newest"),
    SearchQuery(today=TODAY, q="赣南", page=2, page_size=3),
    # one term by relevance: pages cut across score classes (title, brand, body, ...)
    SearchQuery(today=TODAY, q="脐橙", page=2, page_size=2),
    SearchQuery(today=TODAY, q="县", page=3, page_size=2),
    SearchQuery(today=TODAY, q="县", county=SHANGYOU, page=1, page_size=1),
    SearchQuery(today=TODAY, q="gan", in_stock=True, min_price_fen=3000, page_size=4),
    SearchQuery(today=TODAY, sort="rating"),
    SearchQuery(today=TODAY, sort="rating", page=2, page_size=4),
    SearchQuery(today=TODAY, q="脐橙", sort="rating"),
    SearchQuery(today=TODAY, q="脐橙", min_rating=4.5),
    SearchQuery(today=TODAY, q="县", min_rating=4.33, sort="rating"),
    SearchQuery(today=TODAY, min_rating=3, sort="price_asc"),
    SearchQuery(today=TODAY, min_rating=4.51),
]


@pytest.mark.elasticsearch
def test_both_backends_return_identical_results(request, tmp_path):
    backends = [sqlite_backend(tmp_path), elasticsearch_backend(request)]
    for backend in backends:
        backend.ensure_index()
        index(backend, CATALOGUE)
    for query in PARITY_QUERIES:
        sqlite_result, elastic_result = (backend.search(query) for backend in backends)
        assert elastic_result == sqlite_result, query
    assert any(len(backends[0].search(query).ids) > 3 for query in PARITY_QUERIES)


# -- configuration ----------------------------------------------------------------------

def test_factory_defaults_to_sqlite_without_an_elasticsearch_url(tmp_path):
    path = str(tmp_path / "search.sqlite3")
    backend = backend_from_config({"ELASTICSEARCH_URL": "", "SEARCH_BACKEND": "",
                                   "SEARCH_INDEX_PATH": path})
    assert isinstance(backend, SqliteSearchBackend)
    assert backend.path == path


def test_factory_picks_elasticsearch_when_a_url_is_set():
    backend = backend_from_config({"ELASTICSEARCH_URL": "http://127.0.0.1:9200",
                                   "ELASTICSEARCH_INDEX": "shop"})
    assert isinstance(backend, ElasticsearchBackend)
    assert backend.index == "shop"
    default = backend_from_config({"ELASTICSEARCH_URL": "http://127.0.0.1:9200"})
    assert default.index == "gannan-products"


def test_factory_honours_an_explicit_backend(tmp_path):
    backend = backend_from_config({"SEARCH_BACKEND": "sqlite",
                                   "ELASTICSEARCH_URL": "http://127.0.0.1:9200",
                                   "SEARCH_INDEX_PATH": str(tmp_path / "i.sqlite3")})
    assert backend.name == "sqlite"


@pytest.mark.parametrize(("config", "message"), [
    ({"SEARCH_BACKEND": "solr"}, "unknown SEARCH_BACKEND 'solr'"),
    ({"SEARCH_BACKEND": "elasticsearch"}, "needs ELASTICSEARCH_URL"),
    ({"SEARCH_BACKEND": "sqlite"}, "needs SEARCH_INDEX_PATH"),
])
def test_factory_rejects_bad_configuration(config, message):
    with pytest.raises(ValueError, match=message):
        backend_from_config(config)


def test_an_index_file_of_an_older_layout_is_rebuilt_empty(tmp_path):
    """ensure_index on a file written by another layout starts it over (reindex fills it)."""
    path = tmp_path / "search.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE documents (product_id INTEGER PRIMARY KEY, county_code TEXT)")
        conn.execute("INSERT INTO documents VALUES (1, '360722')")
    backend = SqliteSearchBackend(str(path))
    backend.ensure_index()
    assert backend.search(SearchQuery(today=TODAY)).total == 0
    index(backend, CATALOGUE)
    backend.ensure_index()  # the current layout is kept
    assert backend.search(SearchQuery(today=TODAY)).total == len(CATALOGUE)
