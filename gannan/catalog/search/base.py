"""The search interface both backends implement: documents in, product ids out.

The database is the source of truth.  A :class:`SearchDocument` is what the index
keeps of one listable product (published, seller approved); the API answers a
search with product ids from the index and renders the products from the database.
Both backends index the same tokens (``analysis.py``), so a query behaves the same
on either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol, Sequence

Sort = Literal["relevance", "price_asc", "price_desc", "newest", "rating"]
FACETS = ("category", "county", "certification")


@dataclass(frozen=True)
class CertificationSpan:
    kind: str  # green_food | organic | geographical_indication | brand_licence
    valid_from: date
    valid_until: date | None  # None: no end date


@dataclass(frozen=True)
class SearchDocument:
    product_id: int
    title: str
    description: str
    brand: str | None  # regional public brand, e.g. 赣南脐橙
    category_slugs: tuple[str, ...]  # the category and its parents, e.g. ("tea", "green_tea")
    category_names: tuple[str, ...]  # e.g. ("茶叶", "绿茶")
    county_code: str
    county_name: str
    township: str | None
    seller_id: int
    seller_name: str
    min_price_fen: int  # the "from" price: cheapest SKU
    in_stock: bool  # any SKU with stock > 0
    published_at: datetime  # aware, UTC
    certifications: tuple[CertificationSpan, ...] = ()
    # models.mean_rating of the visible reviews (None: not rated), and how many
    rating: float | None = None
    rating_count: int = 0


@dataclass(frozen=True)
class SearchQuery:
    today: date  # Asia/Shanghai date that decides which certificates are valid
    q: str | None = None
    category: str | None = None  # a slug; matches the category and its children
    county: str | None = None  # county code
    certification: str | None = None  # a kind, valid on ``today``
    min_price_fen: int | None = None  # inclusive, on min_price_fen
    max_price_fen: int | None = None  # inclusive, on min_price_fen
    in_stock: bool | None = None  # True: only in-stock products
    min_rating: float | None = None  # inclusive, on rating; unrated products never match
    sort: Sort = "relevance"
    page: int = 1
    page_size: int = 20


@dataclass
class SearchResult:
    ids: list[int]
    total: int
    # {"category": {slug: n}, "county": {code: n}, "certification": {kind: n}}, counted over
    # every document matching the query and all filters (not only the page).
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


class SearchBackend(Protocol):
    name: str

    def ensure_index(self) -> None:
        """Create the index if it does not exist (idempotent)."""

    def reset(self) -> None:
        """Drop the index and create it empty."""

    def upsert(self, docs: Sequence[SearchDocument]) -> None: ...

    def delete(self, product_ids: Sequence[int]) -> None: ...

    def refresh(self) -> None:
        """Make every write so far visible to search."""

    def search(self, query: SearchQuery) -> SearchResult: ...
