"""Browsing: home, search (the API's search, same parameters), product page."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import render_template, request

from gannan.catalog.access import product_or_404, product_visible
from gannan.catalog.categories import all_categories
from gannan.catalog.schemas import ProductQueryArgsSchema
from gannan.catalog.services.products import products_by_ids
from gannan.catalog.services.search import search_products
from gannan.platform.counties import current_counties
from gannan.platform.errors import ProblemError
from gannan.platform.types import shanghai_today
from gannan.web.forms import FormInvalid, load_query
from gannan.web.messages import problem_message
from gannan.web.blueprints import web_blueprint

blp, policy = web_blueprint("web_shop", __name__)

PAGE_SIZE = 20
FEATURED = 6
# Price chips of the search page, in fen (the API's own parameters).
PRICE_RANGES = [("50 元以下", None, 5000), ("50–100 元", 5000, 10000),
                ("100–200 元", 10000, 20000), ("200 元以上", 20000, None)]
SORTS = [("relevance", "综合"), ("price_asc", "价格从低到高"), ("price_desc", "价格从高到低"),
         ("newest", "最新上架"), ("rating", "评分最高")]
# The rating filter's choices (the API's min_rating).
MIN_RATINGS = [("4.5", "4.5 星及以上"), ("4", "4 星及以上"), ("3", "3 星及以上")]


def _names() -> tuple[dict[str, str], dict[str, str]]:
    categories = {c.slug: c.name for c in all_categories()}
    counties = {c.code: c.name for c in current_counties()}
    return categories, counties


def search_page(args: dict) -> dict:
    """The API's search (same parameters, facets, ranking), with the page's products as
    objects: a card shows their category tree, certificates and SKUs."""
    result = search_products(args)
    result["items"] = products_by_ids([item["id"] for item in result["items"]])
    return result


@blp.get("/")
def home():
    categories = [c for c in all_categories() if c.parent_id is None]
    listing = search_page({"sort": "newest", "page": 1, "page_size": 24})
    featured = [p for p in listing["items"] if p.valid_certificates][:FEATURED]
    counties = current_counties()
    county_counts = listing["facets"].get("county", {})
    return render_template("web/home.html", categories=categories, counties=counties,
                           county_counts=county_counts, featured=featured,
                           total=listing["total"])


def search_url(args: dict, **changes) -> str:
    """The search URL with ``changes`` applied (None removes a parameter)."""
    merged = {k: v for k, v in {**args, **changes}.items() if v not in (None, "")}
    merged.pop("page_size", None)
    if "page" not in changes:
        merged.pop("page", None)
    return "/search" + ("?" + urlencode(merged) if merged else "")


@blp.get("/search")
def search():
    raw = {k: v for k, v in request.args.items() if k != "page_size"}
    categories, counties = _names()
    message, errors, result = None, {}, None
    try:
        args = load_query(ProductQueryArgsSchema(), raw)
        args["page_size"] = PAGE_SIZE
        result = search_page(args)
    except FormInvalid as invalid:
        errors = invalid.errors
        message = next(iter(errors.values()))
    except ProblemError as error:
        message = problem_message(error)
    template = "web/_results.html" if request.headers.get("HX-Request") else "web/search.html"
    status = 200 if message is None else 422
    return render_template(
        template, result=result, args=raw, message=message, errors=errors,
        categories=categories, counties=counties, price_ranges=PRICE_RANGES, sorts=SORTS,
        min_ratings=MIN_RATINGS, search_url=search_url, page_size=PAGE_SIZE,
    ), status


@blp.get("/p/<id:product_id>")
@policy.allow(product_visible)
def product(product_id: int):
    item = product_or_404(product_id)
    return render_template("web/product.html", product=item, seller=item.seller,
                           batches=item.latest_batches, today=shanghai_today(),
                           message=None, form={})
