"""Every console page answers in a bounded number of SQL statements: at most
``BUDGET``, and not one more when its lists hold twelve rows of everything instead of
one.

The bureau's dashboard is the one page whose count depends on what it is asked: its
month chart is the API's ``sales_metrics(group_by="month")``, one statement per month,
so it may use one more per month shown (24 at most, bureau.MAX_DASHBOARD_MONTHS)."""

from __future__ import annotations

from datetime import date

import pytest
from flask import g

from gannan.catalog.models import ProductStatus, Sku
from gannan.catalog.services.spot_checks import record_spot_check
from gannan.orders.services import fulfilment
from gannan.platform.extensions import db
from gannan.platform.models import Notification, Seller, SellerStatus
from gannan.reporting import monthly
from tests.factories import (
    CertificateFactory,
    ProductFactory,
    SellerFactory,
    TraceBatchFactory,
    UserFactory,
)
from tests.web.console.pages import allowed, cod_order, console_routes, counting_queries, \
    path_of, sign_in

BUDGET = 30
PAGES = [(endpoint, rule) for endpoint, method, rule in console_routes() if method == "GET"]
# What each page is opened as: the first role the walls let in.
AS = ("owner", "admin", "bureau", "consumer", "officer")
QUERIES = {"console_admin.task": "?period=2026-11",  # with HX-Request: the fragment htmx polls
           "console_seller.orders_csv": "?from=2026-01-01&to=2026-12-31",
           "console_seller.check_uscc": "?uscc=91360722MA00000010",
           "console_bureau.dashboard": "?from=2026-01&to=2026-12"}
MONTHS = {"console_bureau.dashboard": 12}


def grow(world, first: int, last: int) -> None:
    """Rows ``first`` to ``last`` of everything the console pages list."""
    seller_id = world.seller_id
    seller = db.session.get(Seller, seller_id)
    for n in range(first, last):
        product = ProductFactory(seller=seller, title=f"脐橙 {n} 号",
                                 status=ProductStatus.PUBLISHED, regional_brand="赣南脐橙",
                                 skus=[Sku(code=f"S{n}a", spec="5kg", price_fen=5000, stock=9),
                                       Sku(code=f"S{n}b", spec="10kg", price_fen=9000, stock=9)])
        CertificateFactory(products=[product])
        TraceBatchFactory(product=product)
        order = cod_order(UserFactory(), product.skus[0].id, 1)
        part = order.seller_orders[0]
        fulfilment.ship(part.id, world.owner.id, "EMS", f"E{n}")
        fulfilment.deliver(part.id, world.owner.id, True)
        record_spot_check(world.admin, {"product_id": product.id, "sampled_on": date(2026, 10, 2),
                                        "lab": "赣州市检测中心", "report_number": f"R{n}",
                                        "passed": bool(n % 3)})
        SellerFactory(owner=UserFactory(), status=SellerStatus.PENDING)
        db.session.add(Notification(seller_id=seller_id, kind="brand_licence_expired",
                                    message=f"《脐橙 {n} 号》已下架 Product {n}"))
    db.session.commit()


@pytest.fixture
def reports(world):
    monthly.generate("2026-10")
    monthly.certify("2026-10", None, world.admin, None)
    monthly.generate("2026-11")
    return "2026-10"


def count(client, world, endpoint: str, rule: str) -> tuple[int, int]:
    role = next(r for r in AS if r in allowed(endpoint))
    sign_in(client, getattr(world, role))
    path = path_of(rule, world)
    path += QUERIES.get(endpoint, "")
    headers = {"HX-Request": "true"} if endpoint == "console_admin.task" else {}
    g.pop("csrf_token", None)
    db.session.expire_all()  # what the request loads, it loads itself
    with counting_queries() as statements:
        response = client.get(path, headers=headers)
    assert response.status_code in (200, 302), (path, response.status_code)
    return len(statements), response.status_code


def test_every_console_page_is_bounded_and_constant_in_the_rows_it_lists(client, world,
                                                                         reports):
    grow(world, 0, 1)
    before = {e: count(client, world, e, r) for e, r in PAGES}
    over = {e: n for e, (n, _) in before.items() if n > BUDGET + MONTHS.get(e, 0)}
    assert not over, over
    grow(world, 1, 12)
    after = {e: count(client, world, e, r) for e, r in PAGES}
    grew = {e: (before[e][0], after[e][0]) for e in before if after[e][0] != before[e][0]}
    assert not grew, "\n".join(f"{k}: {v}" for k, v in grew.items())
