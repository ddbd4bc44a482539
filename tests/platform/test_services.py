"""Smoke tests of the real services: each is reached and does a round-trip.

They run when the service is reachable (URLs from the environment) and are skipped
with the reason otherwise; under REQUIRE_SERVICES=1 (CI) a missing service fails.
"""

import os
import uuid

import pytest
import sqlalchemy as sa

from gannan import create_app
from gannan.platform.config import normalise_database_url
from tests.helpers import TEST_CONFIG
from tests.services import need_elasticsearch, need_postgres, need_redis, need_stripe_mock


@pytest.mark.postgres
def test_postgresql_round_trip():
    engine = sa.create_engine(normalise_database_url(need_postgres()))
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TEMP TABLE smoke (v text)"))
        conn.execute(sa.text("INSERT INTO smoke VALUES ('赣南脐橙')"))
        assert conn.execute(sa.text("SELECT v FROM smoke")).scalar_one() == "赣南脐橙"
        assert conn.dialect.name == "postgresql"
    engine.dispose()


@pytest.mark.redis
def test_redis_round_trip():
    import redis

    client = redis.Redis.from_url(need_redis())
    key = f"gannan:smoke:{uuid.uuid4().hex}"
    client.set(key, "茶油", ex=30)
    assert client.get(key).decode() == "茶油"
    client.delete(key)


@pytest.mark.celery_worker
def test_task_round_trip_through_a_real_worker(app):
    """A task sent to Redis is run by a real Celery worker inside the Flask app."""
    from celery.contrib.testing.worker import start_worker

    broker = need_redis()
    worker_app = create_app({
        **TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "CELERY": {
            "broker_url": broker,
            "result_backend": os.environ.get("CELERY_RESULT_BACKEND", broker),
            "task_always_eager": False,
        },
    })
    celery = worker_app.extensions["celery"]
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = celery.send_task("platform.ping")
        assert result.get(timeout=30) == {"pong": True, "counties": 18}


@pytest.mark.elasticsearch
def test_elasticsearch_round_trip():
    from elasticsearch import Elasticsearch

    es = Elasticsearch(need_elasticsearch(), request_timeout=30)
    index = f"gannan-smoke-{uuid.uuid4().hex[:8]}"
    try:
        es.index(index=index, id="1", document={"title": "赣南脐橙"}, refresh="wait_for")
        assert es.get(index=index, id="1")["_source"] == {"title": "赣南脐橙"}
        hits = es.search(index=index, query={"match_all": {}})["hits"]["total"]["value"]
        assert hits == 1
    finally:
        es.options(ignore_status=404).indices.delete(index=index)


@pytest.mark.stripe_mock
def test_stripe_mock_round_trip():
    import stripe

    client = stripe.StripeClient(
        os.environ.get("STRIPE_API_KEY", "sk_test_gannan"),
        base_addresses={"api": need_stripe_mock()},
    )
    intent = client.v1.payment_intents.create(
        params={"amount": 12_800, "currency": "cny", "payment_method_types": ["card"]},
        options={"idempotency_key": uuid.uuid4().hex},
    )
    assert intent.object == "payment_intent"
    assert intent.amount == 12_800
    assert intent.currency == "cny"
