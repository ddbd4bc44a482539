"""The production search index: Elasticsearch 9, core analyzers only.

The terms come from :mod:`.analysis` (no ``cjk`` analyzer is needed), stored as
space-joined strings in ``text`` fields that the ``whitespace`` analyzer splits.

Scoring matches :mod:`.sqlite_fts` exactly: the token fields use the built-in
``boolean`` similarity, under which a matching term query scores its boost and nothing
else (no tf, idf or length, so nothing depends on shard statistics or deleted
documents).  Each query term is a required ``bool`` whose ``should`` holds one ``term``
query per field boosted by :data:`.analysis.FIELD_WEIGHTS`; Lucene sums the clauses,
giving the sum over query terms of the weights of the fields holding them, small
integers that a float adds without error.  Ties are broken by ``product_id``
descending, as in SQLite.  (Neither ``combined_fields`` nor ``most_fields`` BM25
computes what FTS5's ``bm25()`` does, so with BM25 the two would order differently;
see :mod:`.sqlite_fts`.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, Final

from elasticsearch import BadRequestError, Elasticsearch, helpers

from gannan.catalog.search.analysis import FIELD_WEIGHTS, epoch_millis, field_tokens, query_tokens
from gannan.catalog.search.base import (
    CertificationSpan,
    SearchDocument,
    SearchQuery,
    SearchResult,
    Sort,
)

# No end date is stored as the last day a date field can say, so one range query serves.
OPEN_END: Final = "9999-12-31"
# Buckets returned per facet; counties, categories and kinds are all far fewer.
FACET_SIZE: Final = 1000
# Documents per bulk request (each ~3 kB of terms): fewer round trips than the helper's 500.
BULK_CHUNK: Final = 2000

_TOKENS = {
    "type": "text",
    "analyzer": "whitespace",
    "search_analyzer": "whitespace",
    "similarity": "boolean",
    "norms": False,
    "index_options": "docs",
}
_DAY = {"type": "date", "format": "strict_date"}

# No periodic refresh: every writer makes its writes visible with refresh() (the outbox
# drain and the reindex do), so a bulk load is not cut into a segment per second.
SETTINGS: Final = {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"}
MAPPINGS: Final = {
    "dynamic": "strict",
    # Searches return ids only (``source=False``) and every write sends the whole
    # document, so nothing reads the stored source: not keeping it makes indexing lighter.
    "_source": {"enabled": False},
    "properties": {
        "product_id": {"type": "long"},
        **{f"{field}_tokens": _TOKENS for field in FIELD_WEIGHTS},
        "category_slugs": {"type": "keyword"},
        "county_code": {"type": "keyword"},
        "seller_id": {"type": "long"},
        "min_price_fen": {"type": "long"},
        "in_stock": {"type": "boolean"},
        "published_at": {"type": "date", "format": "epoch_millis"},
        # models.mean_rating (two decimals) as a double: the same value SQLite compares
        "rating": {"type": "double"},
        "rating_count": {"type": "integer"},
        "certifications": {
            "type": "nested",
            "properties": {"kind": {"type": "keyword"}, "valid_from": _DAY, "valid_until": _DAY},
        },
    },
}

_SORT: Final[dict[Sort, list[dict[str, str]]]] = {
    "relevance": [{"_score": "desc"}, {"product_id": "desc"}],
    "price_asc": [{"min_price_fen": "asc"}, {"product_id": "desc"}],
    "price_desc": [{"min_price_fen": "desc"}, {"product_id": "desc"}],
    "newest": [{"published_at": "desc"}, {"product_id": "desc"}],
    # Unrated documents have no rating: last, as NULLs sort last descending in SQLite.
    "rating": [{"rating": {"order": "desc", "missing": "_last"}},
               {"rating_count": "desc"}, {"product_id": "desc"}],
}


class ElasticsearchBackend:
    """The :class:`~.base.SearchBackend` on the Elasticsearch index ``index`` at ``url``."""

    name = "elasticsearch"

    def __init__(self, url: str, index: str = "gannan-products",
                 client: Elasticsearch | None = None) -> None:
        self.index = index
        self.client = client if client is not None else Elasticsearch(url)

    def ensure_index(self) -> None:
        try:
            self._create()
        except BadRequestError as error:
            if error.message != "resource_already_exists_exception":
                raise
            self._wait_until_searchable()  # another process may be creating it right now

    def reset(self) -> None:
        self.client.indices.delete(index=self.index, ignore_unavailable=True)
        self._create()

    def upsert(self, docs: Sequence[SearchDocument]) -> None:
        actions = ({"_op_type": "index", "_index": self.index, "_id": str(doc.product_id),
                    "_source": _source(doc)} for doc in docs)
        helpers.bulk(self.client, actions, refresh=False, chunk_size=BULK_CHUNK)

    def delete(self, product_ids: Sequence[int]) -> None:
        actions = ({"_op_type": "delete", "_index": self.index, "_id": str(product_id)}
                   for product_id in product_ids)
        helpers.bulk(self.client, actions, refresh=False, ignore_status=(404,))

    def refresh(self) -> None:
        self.client.indices.refresh(index=self.index)

    def search(self, query: SearchQuery) -> SearchResult:
        response = self.client.search(
            index=self.index,
            query=_query(query),
            aggs=_aggregations(query.today),
            sort=_SORT[query.sort],
            from_=(query.page - 1) * query.page_size,
            size=query.page_size,
            track_total_hits=True,
            source=False,
        )
        hits = response["hits"]
        return SearchResult(
            ids=[int(hit["_id"]) for hit in hits["hits"]],
            total=hits["total"]["value"],
            facets=_facets(response["aggregations"]),
        )

    def _create(self) -> None:
        self.client.indices.create(index=self.index, settings=SETTINGS, mappings=MAPPINGS)
        self._wait_until_searchable()

    def _wait_until_searchable(self) -> None:
        # A search that reaches a shard still starting fails with 503 (NoShardAvailable).
        self.client.cluster.health(index=self.index, wait_for_status="green", timeout="30s")


def _source(doc: SearchDocument) -> dict[str, Any]:
    return {
        "product_id": doc.product_id,
        **{f"{field}_tokens": tokens for field, tokens in field_tokens(doc).items()},
        "category_slugs": list(doc.category_slugs),
        "county_code": doc.county_code,
        "seller_id": doc.seller_id,
        "min_price_fen": doc.min_price_fen,
        "in_stock": doc.in_stock,
        "published_at": epoch_millis(doc.published_at),
        "certifications": [_certification(span) for span in doc.certifications],
        **({"rating": doc.rating} if doc.rating is not None else {}),
        "rating_count": doc.rating_count,
    }


def _certification(span: CertificationSpan) -> dict[str, str]:
    until = span.valid_until.isoformat() if span.valid_until else OPEN_END
    return {"kind": span.kind, "valid_from": span.valid_from.isoformat(), "valid_until": until}


def _query(query: SearchQuery) -> dict[str, Any]:
    """Every query term required, scored by the weights of the fields holding it; filters."""
    return {"bool": {"must": [_term(token) for token in query_tokens(query.q or "")],
                     "filter": list(_filters(query))}}


def _term(token: str) -> dict[str, Any]:
    fields = [{"term": {f"{field}_tokens": {"value": token, "boost": weight}}}
              for field, weight in FIELD_WEIGHTS.items()]
    return {"bool": {"should": fields, "minimum_should_match": 1}}


def _filters(query: SearchQuery) -> Iterator[dict[str, Any]]:
    if query.category is not None:
        yield {"term": {"category_slugs": query.category}}
    if query.county is not None:
        yield {"term": {"county_code": query.county}}
    if query.certification is not None:
        kind = {"term": {"certifications.kind": query.certification}}
        yield {"nested": {"path": "certifications", "score_mode": "none",
                          "query": {"bool": {"filter": [kind, *_valid_on(query.today)]}}}}
    if query.min_price_fen is not None or query.max_price_fen is not None:
        bounds = {"gte": query.min_price_fen, "lte": query.max_price_fen}
        yield {"range": {"min_price_fen": {k: v for k, v in bounds.items() if v is not None}}}
    if query.in_stock is not None:
        yield {"term": {"in_stock": query.in_stock}}
    if query.min_rating is not None:
        yield {"range": {"rating": {"gte": query.min_rating}}}


def _valid_on(today: date) -> list[dict[str, Any]]:
    """A certificate is valid on a day inside [valid_from, valid_until]."""
    day = today.isoformat()
    return [{"range": {"certifications.valid_from": {"lte": day}}},
            {"range": {"certifications.valid_until": {"gte": day}}}]


def _aggregations(today: date) -> dict[str, Any]:
    kinds = {"terms": {"field": "certifications.kind", "size": FACET_SIZE},
             "aggs": {"products": {"reverse_nested": {}}}}
    valid = {"filter": {"bool": {"filter": _valid_on(today)}}, "aggs": {"kinds": kinds}}
    return {
        "category": {"terms": {"field": "category_slugs", "size": FACET_SIZE}},
        "county": {"terms": {"field": "county_code", "size": FACET_SIZE}},
        "certification": {"nested": {"path": "certifications"}, "aggs": {"valid": valid}},
    }


def _facets(aggregations: dict[str, Any]) -> dict[str, dict[str, int]]:
    kinds = aggregations["certification"]["valid"]["kinds"]["buckets"]
    return {
        "category": _counts(aggregations["category"]["buckets"]),
        "county": _counts(aggregations["county"]["buckets"]),
        # A product with two valid certificates of one kind counts once.
        "certification": {b["key"]: b["products"]["doc_count"] for b in kinds},
    }


def _counts(buckets: list[dict[str, Any]]) -> dict[str, int]:
    return {bucket["key"]: bucket["doc_count"] for bucket in buckets}
