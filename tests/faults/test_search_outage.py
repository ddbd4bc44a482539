"""Elasticsearch stops: search says so at once, the rest of the shop works, and every
product change made meanwhile reaches the index when it is back (the outbox drains)."""

from __future__ import annotations

import time

import pytest
from elasticsearch import Elasticsearch

from gannan.catalog.indexing import listed_product_ids
from gannan.catalog.models import SearchOutbox
from gannan.platform.extensions import db
from tests.helpers import bearer
from tests.faults.support import buy, publish
from tests.private_services import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.elasticsearch, pytest.mark.celery_worker]


def indexed_ids(stack) -> set[int]:
    """What the real index holds (read around the proxy)."""
    es = Elasticsearch(stack.es_url)
    es.indices.refresh(index=stack.index)
    hits = es.search(index=stack.index, size=1000, source=False)["hits"]["hits"]
    return {int(hit["_id"]) for hit in hits}


def listed_in_db() -> set[int]:
    db.session.expire_all()
    return {pid for chunk in listed_product_ids() for pid in chunk}


def outbox() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(SearchOutbox))


def test_search_outage(stack, fapp, fclient, shop, worker):
    owner, seller, shopper = shop["owner"], shop["seller"], shop["shopper"]
    first, first_sku = publish(fclient, owner, seller, title="赣南脐橙 一号园")
    last_one, last_sku = publish(fclient, owner, seller, stock=1, title="赣南脐橙 最后一箱")
    wait_until(lambda: indexed_ids(stack) == {first, last_one}, 30, what="indexed")

    stack.search.stop()
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        response = fclient.get("/api/v1/products", query_string={"q": "脐橙"})
        timings.append(time.perf_counter() - started)
        assert response.status_code == 503
        assert response.get_json()["code"] == "search_unavailable"
    assert max(timings) < 1.0, timings

    # everything that does not search still works
    assert fclient.get(f"/api/v1/products/{first}").status_code == 200
    assert fclient.get("/api/v1/counties").status_code == 200
    assert buy(fclient, shopper, first_sku).status_code == 201
    sold_out = buy(fclient, shopper, last_sku)  # the last box: out of stock, reindex due
    assert sold_out.status_code == 201
    ready = fclient.get("/api/v1/ready")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["search"]["state"] == "down"
    assert ready.get_json()["checks"]["database"]["state"] == "up"

    # product changes while the index is away
    second, _ = publish(fclient, owner, seller, title="赣南脐橙 二号园")
    renamed = fclient.patch(f"/api/v1/products/{first}", json={"title": "南康甜柚 一号园"},
                            headers=bearer(owner))
    assert renamed.status_code == 200
    assert fclient.post(f"/api/v1/products/{second}/unpublish",
                        headers=bearer(owner)).status_code == 200
    third, _ = publish(fclient, owner, seller, title="赣南脐橙 三号园")
    time.sleep(2)  # the worker tried to drain after each commit, and failed
    assert outbox() > 0

    stack.search.start()
    fapp.extensions["celery"].send_task("catalog.drain_search_outbox")  # beat's sweep
    wait_until(lambda: outbox() == 0, 30, what="outbox drained")
    assert indexed_ids(stack) == listed_in_db() == {first, last_one, third}
    found = fclient.get("/api/v1/products", query_string={"q": "甜柚"}).get_json()
    assert [item["id"] for item in found["items"]] == [first]
    in_stock = fclient.get("/api/v1/products", query_string={"q": "脐橙", "in_stock": "true"})
    assert last_one not in [item["id"] for item in in_stock.get_json()["items"]]
    print(f"search down: 503 in {max(timings) * 1000:.0f} ms at most; index = database = "
          f"{len(listed_in_db())} products after the outbox drained")
