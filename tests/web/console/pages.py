"""Helpers of the console tests (fixtures are in conftest.py): signing in through the
session cookie, forms with their CSRF token, reading a page as text, placing an order,
counting SQL statements, and the console's routes with who may open each."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from flask import g
from sqlalchemy import event

from gannan.orders.schemas import CheckoutSchema
from gannan.orders.services import cart, checkout
from gannan.platform.extensions import db
from gannan.platform.models import User

SHOPPER_ADDRESS = {"recipient": "王小明", "phone": "13912345678", "province": "上海",
                   "city": "上海", "county": "浦东新区", "detail": "世纪大道1号"}


def cod_order(buyer: User, sku_id: int, quantity: int = 1, address: dict | None = None):
    """A cash-on-delivery order placed through the orders services, as checkout does."""
    cart.add_item(buyer.id, sku_id, quantity)
    body = CheckoutSchema().load({"address": address or SHOPPER_ADDRESS, "payment_method": "cod"})
    order, _ = checkout.checkout(buyer, uuid.uuid4().hex, body)
    return order


def sign_in(client, user: User | None) -> None:
    """The pages' session cookie for ``user`` (None: signed out): a fresh session, as
    signing in makes one."""
    # flask-wtf keeps the request's token on ``g``, which outlives a request here (the
    # tests hold an app context open): forget it, or the new session never gets one.
    g.pop("csrf_token", None)
    with client.session_transaction() as session:
        session.clear()
        if user is not None:
            session["uid"] = user.id


def csrf_token(client) -> str:
    """The CSRF token of the client's session, as a page's form carries it (the sign-in
    page has a form for everyone)."""
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def post(client, path: str, data: dict | None = None, **kwargs):
    """Submit a form as a browser would: with the session's CSRF token."""
    return client.post(path, data={"csrf_token": csrf_token(client), **(data or {})}, **kwargs)


def text(response) -> str:
    """A page as its reader sees it: the text, tags dropped, white space squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


# --- the console's routes and who may open each -------------------------------------------

ROLES = ("anonymous", "consumer", "owner", "staff", "other_owner", "admin", "bureau", "officer",
         "other_officer")
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
MEMBERS = frozenset({"owner", "staff"})
ANY_ACCOUNT = {"console.choose", "console_seller.home", "console_seller.apply",
               "console_seller.check_uscc", "console_seller.apply_submit"}
OWNER_ONLY = {"console_seller.staff_add", "console_seller.staff_remove"}
BLUEPRINTS = ("console", "console_seller", "console_admin", "console_bureau", "console_county")
#: A county's pages (the world's seller's county): its office, the bureau and admins; the
#: office alone recommends, and /county leads an office to its own county.
OFFICERS = {"console_county.home": frozenset({"officer", "other_officer"}),
            "console_county.recommend": frozenset({"officer"})}


def allowed(endpoint: str) -> frozenset[str]:
    """Who may open ``endpoint``: the API's rule for the same data."""
    if endpoint in ANY_ACCOUNT:
        return SIGNED_IN
    if endpoint in OWNER_ONLY:
        return frozenset({"owner"})
    if endpoint in OFFICERS:
        return OFFICERS[endpoint]
    blueprint = endpoint.split(".")[0]
    return {"console_seller": MEMBERS, "console_admin": frozenset({"admin"}),
            "console_bureau": frozenset({"admin", "bureau"}),
            "console_county": frozenset({"admin", "bureau", "officer"})}[blueprint]


def console_routes() -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) of every console route, read from an app's URL map."""
    from gannan import create_app
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in BLUEPRINTS:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, rule.rule))
    return sorted(routes)


def path_of(rule: str, world) -> str:
    values = {"seller_id": world.seller_id, "product_id": world.product_id,
              "sku_id": world.sku_id, "batch_id": world.batch_id,
              "seller_order_id": world.seller_order_id, "certificate_id": world.certificate_id,
              "user_id": world.staff.id, "period": "2026-10", "task_id": "task-1",
              "action": "approve", "name": "2026-10.pdf", "county_code": "360722"}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule)
