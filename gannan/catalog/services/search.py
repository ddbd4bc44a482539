"""Product search: the index ranks, the database renders."""

from __future__ import annotations

import logging
import re
import sqlite3
from typing import Any

from elasticsearch import ApiError, TransportError

from gannan.catalog.categories import category_slugs, require_category
from gannan.catalog.errors import CatalogErrorCode
from gannan.catalog.indexing import search_backend
from gannan.catalog.search.base import SearchQuery
from gannan.catalog.services.products import product_summaries
from gannan.platform.counties import require_current_county
from gannan.platform.errors import ProblemError, ValidationFailed
from gannan.platform.types import shanghai_today

log = logging.getLogger(__name__)
# 1 to 5 stars, at most two decimals (the precision a rating is shown and indexed with).
_MIN_RATING = re.compile(r"[1-5](\.[0-9]{1,2})?")
# Elasticsearch's index.max_result_window; the embedded index keeps the same limit.
MAX_RESULT_WINDOW = 10_000


def search_products(args: dict[str, Any]) -> dict[str, Any]:
    """A page of listed products as ``ProductSearchResultSchema`` dumps it."""
    low, high = args.get("min_price_fen"), args.get("max_price_fen")
    if low is not None and high is not None and low > high:
        raise ValidationFailed("min_price_fen is above max_price_fen.",
                               code=CatalogErrorCode.INVALID_PRICE_RANGE,
                               field="min_price_fen")
    if args.get("category") and args["category"] not in category_slugs():
        require_category(args["category"])  # says why
    if args.get("county"):
        require_current_county(args["county"], field="county")
    min_rating = _min_rating(args.get("min_rating"))
    query = SearchQuery(
        today=shanghai_today(),
        q=(args.get("q") or "").strip() or None,
        category=args.get("category"),
        county=args.get("county"),
        certification=args["certification"].value if args.get("certification") else None,
        min_price_fen=low,
        max_price_fen=high,
        in_stock=True if args.get("in_stock") else None,  # false means "don't filter"
        min_rating=min_rating,
        sort=args["sort"],
        page=args["page"],
        page_size=args["page_size"],
    )
    if query.page * query.page_size > MAX_RESULT_WINDOW:
        raise ValidationFailed(
            f"Results are browsable to the {MAX_RESULT_WINDOW}th; narrow the search instead.",
            code=CatalogErrorCode.PAGE_OUT_OF_RANGE, field="page")
    try:
        result = search_backend().search(query)
    except (ApiError, TransportError, sqlite3.Error) as exc:
        log.exception("search backend failed")
        raise ProblemError("Search is unavailable for a moment; try again.", status=503,
                           code=CatalogErrorCode.SEARCH_UNAVAILABLE,
                           title="Search unavailable") from exc
    return {
        "items": product_summaries(result.ids),
        "total": result.total,
        "page": query.page,
        "page_size": query.page_size,
        "facets": result.facets,
    }


def _min_rating(raw: str | None) -> float | None:
    """``min_rating`` as a number from 1 to 5 with at most two decimals; empty: no filter."""
    if raw is None or not raw.strip():
        return None
    value = raw.strip()
    if not _MIN_RATING.fullmatch(value) or float(value) > 5:
        raise ValidationFailed("min_rating is a number from 1 to 5 with at most two decimals.",
                               code=CatalogErrorCode.INVALID_MIN_RATING, field="min_rating")
    return float(value)
