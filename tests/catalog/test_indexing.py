"""The index follows commits through the outbox; nothing is lost; reindex rebuilds it."""

import os
import time
import uuid

import pytest

from gannan import create_app
from gannan.catalog.indexing import queue_reindex, search_backend
from gannan.catalog.models import ProductStatus, SearchOutbox
from gannan.platform.extensions import db
from tests.factories import ProductFactory
from tests.helpers import bearer, TEST_CONFIG
from tests.services import need_elasticsearch, need_redis


def found(client, **params):
    return [p["id"] for p in client.get("/api/v1/products", query_string=params)
            .get_json()["items"]]


def outbox_size():
    return db.session.scalar(db.select(db.func.count()).select_from(SearchOutbox))


def test_a_commit_reaches_the_index_and_empties_the_outbox(client, owner, seller):
    product = ProductFactory(seller=seller)
    assert client.post(f"/api/v1/products/{product.id}/publish",
                       headers=bearer(owner)).status_code == 200
    assert found(client, q="脐橙") == [product.id]
    assert outbox_size() == 0
    client.patch(f"/api/v1/products/{product.id}", json={"title": "南康甜柚"},
                 headers=bearer(owner))
    assert found(client, q="测试果") == []
    assert found(client, q="甜柚") == [product.id]
    assert found(client, q="tianyou") == [product.id]


def test_a_crash_before_indexing_loses_nothing(app, client, owner, seller, monkeypatch):
    """The broker is gone after the commit: the change waits in the outbox for the sweep."""
    product = ProductFactory(seller=seller)
    celery = app.extensions["celery"]

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(celery.tasks["catalog.drain_search_outbox"], "apply_async", broker_down)
    response = client.post(f"/api/v1/products/{product.id}/publish", headers=bearer(owner))
    assert response.status_code == 200  # the sale is not refused because search is behind
    assert found(client, q="脐橙") == []
    assert outbox_size() == 1

    monkeypatch.undo()
    assert celery.tasks["catalog.drain_search_outbox"].apply().get() == 1  # the periodic sweep
    assert found(client, q="脐橙") == [product.id]
    assert outbox_size() == 0


def test_a_rolled_back_change_queues_nothing(seller):
    product = ProductFactory(seller=seller, status=ProductStatus.PUBLISHED)
    queue_reindex([product.id])
    db.session.rollback()
    assert outbox_size() == 0
    assert "search_outbox_pending" not in db.session.info


def test_seller_suspension_takes_its_products_out_of_search(client, admin, seller):
    product = ProductFactory(seller=seller, status=ProductStatus.PUBLISHED)
    queue_reindex([product.id])
    db.session.commit()
    assert found(client, q="脐橙") == [product.id]
    client.post(f"/api/v1/admin/sellers/{seller.id}/suspend", json={"reason": "投诉核查"},
                headers=bearer(admin))
    assert found(client, q="脐橙") == []
    client.post(f"/api/v1/admin/sellers/{seller.id}/approve", json={"reason": "核查完毕"},
                headers=bearer(admin))
    assert found(client, q="脐橙") == [product.id]


def test_reindex_command_rebuilds_from_the_database(app, client, seller):
    products = [ProductFactory(seller=seller, status=ProductStatus.PUBLISHED) for _ in range(3)]
    ProductFactory(seller=seller)  # a draft stays out
    search_backend().reset()
    assert found(client) == []
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "indexed 3 listed products" in result.output
    assert sorted(found(client)) == sorted(p.id for p in products)


@pytest.mark.elasticsearch
@pytest.mark.celery_worker
def test_elasticsearch_indexing_through_a_real_worker(app, owner, seller):
    """Publishing through the API reaches Elasticsearch via Redis and a real worker."""
    from celery.contrib.testing.worker import start_worker

    es_url, broker = need_elasticsearch(), need_redis()
    index = f"gannan-test-{uuid.uuid4().hex[:8]}"
    es_app = create_app({
        **TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SEARCH_BACKEND": "elasticsearch",
        "ELASTICSEARCH_URL": es_url,
        "ELASTICSEARCH_INDEX": index,
        "CELERY": {"broker_url": broker, "task_always_eager": False,
                   "result_backend": os.environ.get("CELERY_RESULT_BACKEND", broker)},
    })
    product = ProductFactory(seller=seller, title="赣南脐橙 果园直发")
    client = es_app.test_client()
    celery = es_app.extensions["celery"]
    try:
        with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            with es_app.app_context():
                response = client.post(f"/api/v1/products/{product.id}/publish",
                                       headers=bearer(owner))
                assert response.status_code == 200
                assert wait_for(lambda: found(client, q="qicheng") == [product.id])
                assert found(client, q="脐橙", county="360722") == [product.id]
                product_now = db.session.get(type(product), product.id)
                client.post(f"/api/v1/products/{product_now.id}/unpublish", headers=bearer(owner))
                assert wait_for(lambda: found(client, q="脐橙") == [])
    finally:
        with es_app.app_context():
            search_backend(es_app)
            es_app.extensions["search"].client.options(ignore_status=404).indices.delete(
                index=index)


def wait_for(condition, timeout=20.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
