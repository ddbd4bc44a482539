"""Pages for people: the trace page a QR code opens, and the storefront.

Server-rendered Jinja2 in Simplified Chinese, phone first, no JavaScript needed
(htmx, one vendored file, only makes some updates partial).  Every view calls the
same services and the same ``Policy`` rules as the API; forms are checked by the
API's schemas; a service's problem becomes a Chinese sentence on the form.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask, url_for

from gannan.web import account, cart, checkout, orders, shop, trace
from gannan.web.api_index import init_api_index
from gannan.web.console import BLUEPRINTS as CONSOLE_BLUEPRINTS
from gannan.web.errors import register_page_errors
from gannan.web.filters import init_filters
from gannan.web.session import init_session, page_user
from gannan.web.wsgi import Utf8QueryString

HTMX_VERSION = "2.0.11"
STATIC = Path(__file__).parent / "static"
PAGE_BLUEPRINTS = [trace.blp, shop.blp, account.blp, cart.blp, checkout.blp, orders.blp]


class _AssetsBlueprint(Blueprint):
    def get_send_file_max_age(self, filename: str | None) -> int | None:
        # Asset URLs carry a content hash (asset_url), so a file never changes under its URL.
        return 365 * 24 * 3600


assets = _AssetsBlueprint("web", __name__, template_folder="templates",
                          static_folder="static", static_url_path="/assets")


@cache
def _digest(filename: str) -> str:
    return hashlib.sha256((STATIC / filename).read_bytes()).hexdigest()[:10]


def asset_url(filename: str) -> str:
    return url_for("web.static", filename=filename, v=_digest(filename))


def init_app(app: Flask) -> None:
    init_session(app)
    init_filters(app)
    app.register_blueprint(assets)
    for blueprint in PAGE_BLUEPRINTS:
        app.register_blueprint(blueprint)
    for blueprint in CONSOLE_BLUEPRINTS:  # sellers', reviewers' and the bureau's pages
        app.register_blueprint(blueprint)
    register_page_errors(app)
    init_api_index(app)
    app.jinja_env.globals.update(asset_url=asset_url,
                                 htmx_file=f"vendor/htmx-{HTMX_VERSION}.min.js")
    app.context_processor(lambda: {"current_user": page_user()})
    app.wsgi_app = Utf8QueryString(app.wsgi_app)
