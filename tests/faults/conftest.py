"""The fault suite's stack: PostgreSQL (the configured one, its own database only), a
private Redis and stripe-mock, the real Elasticsearch behind a proxy we can close, and
an app wired to them as production is (tasks go to Redis, not inline)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

from gannan import create_app
from gannan.catalog.indexing import search_backend
from gannan.platform.config import normalise_database_url
from gannan.platform.extensions import db
from gannan.platform.models import SellerStatus
from tests.faults.support import WEBHOOK_SECRET
from tests.helpers import TEST_CONFIG, clean_tables, reset_schema
from tests.factories import SellerFactory, UserFactory
from tests.private_services import (
    ROOT,
    PrivateRedis,
    PrivateStripeMock,
    TcpProxy,
    celery_worker,
    wait_worker_ready,
)
from tests.services import need_elasticsearch, need_postgres

@dataclass
class Stack:
    database_url: str
    redis: PrivateRedis
    stripe: PrivateStripeMock
    search: TcpProxy
    index: str
    es_url: str
    workdir: Path

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a worker or server process on this stack."""
        return {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL_PG"}},
            "PYTHONPATH": str(ROOT), "GANNAN_ENV": "development", "LOG_FORMAT": "json",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": f"{self.redis.url}/0",
            "CELERY_RESULT_BACKEND": f"{self.redis.url}/1",
            "CELERY_VISIBILITY_TIMEOUT": "3",
            "SEARCH_BACKEND": "elasticsearch", "ELASTICSEARCH_URL": self.search.url,
            "ELASTICSEARCH_INDEX": self.index,
            "STRIPE_API_KEY": "sk_test_faults", "STRIPE_API_BASE": self.stripe.url,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            **extra,
        }


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    database_url = normalise_database_url(need_postgres())
    es_url = need_elasticsearch()
    workdir = tmp_path_factory.mktemp("faults")
    redis = PrivateRedis(workdir)
    stripe = PrivateStripeMock(workdir)
    target = urlparse(es_url)
    proxy = TcpProxy(target.hostname, target.port or 9200)
    index = f"gannan-faults-{uuid.uuid4().hex[:8]}"
    try:
        redis.start()
        stripe.start()
        proxy.start()
        yield Stack(database_url, redis, stripe, proxy, index, es_url, workdir)
    finally:  # our processes never outlive the session
        proxy.stop()
        stripe.stop()
        redis.stop()
        from elasticsearch import Elasticsearch

        Elasticsearch(es_url).options(ignore_status=404).indices.delete(index=index)


@pytest.fixture(scope="session")
def fault_app(stack):
    app = create_app({
        **TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": stack.database_url,
        "SEARCH_BACKEND": "elasticsearch",
        "ELASTICSEARCH_URL": stack.search.url,
        "ELASTICSEARCH_INDEX": stack.index,
        "STRIPE_API_KEY": "sk_test_faults",
        "STRIPE_API_BASE": stack.stripe.url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "CELERY": {"broker_url": f"{stack.redis.url}/0",
                   "result_backend": f"{stack.redis.url}/1",
                   "task_always_eager": False,
                   "broker_transport_options": {"visibility_timeout": 3,
                                                "unacked_restore_interval": 1,
                                                "unacked_restore_throttle": 1}},
    })
    with app.app_context():
        reset_schema()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def fapp(fault_app, stack, monkeypatch):
    """The fault app's context for one test; its tables are emptied afterwards, with every
    service back up."""
    # Celery reads these variables before its configuration (celery.app.utils.Settings),
    # so while the shared services' are set they would win over the private Redis.
    monkeypatch.setenv("CELERY_BROKER_URL", f"{stack.redis.url}/0")
    monkeypatch.setenv("CELERY_RESULT_BACKEND", f"{stack.redis.url}/1")
    with fault_app.app_context():
        yield fault_app
        stack.search.stop()
        stack.search.start()
        if not stack.redis.process.alive():
            stack.redis.start()
        if not stack.stripe.process.alive():
            stack.stripe.start()
        # The workers index; this process may never have opened the backend, and
        # clean_tables only resets one it opened: empty the stack's index here.
        search_backend(fault_app)
        clean_tables(fault_app)


@pytest.fixture
def fclient(fapp):
    return fapp.test_client()


@pytest.fixture
def worker(stack, request):
    """One real Celery worker process on the stack (stopped after the test)."""
    process = celery_worker(f"w-{request.node.name[:20]}-{uuid.uuid4().hex[:4]}",
                            stack.env(), stack.workdir)
    process.start()
    try:
        wait_worker_ready(process)
        yield process
    finally:
        process.stop()


@pytest.fixture
def shop(fapp):
    """An approved seller with its owner, a shopper, and one published product."""
    owner = UserFactory()
    seller = SellerFactory(owner=owner, status=SellerStatus.APPROVED)
    return {"owner": owner, "seller": seller, "shopper": UserFactory()}
