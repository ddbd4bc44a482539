"""What running on several machines needs: probes, request ids and JSON logs, metrics,
proxies, other origins, the one beat."""

from __future__ import annotations

import json
import logging
import time
import uuid

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from gannan import create_app
from gannan.platform.extensions import db, limiter
from gannan.platform.logs import JsonFormatter
from tests.helpers import TEST_CONFIG, bearer
from gannan.platform.models import SellerStatus
from tests.factories import SellerFactory, UserFactory
from tests.services import need_redis


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code and body["status"] == status
    return body


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def make_app(app):
    """Another app on the session's database, with settings of the test's own."""

    def build(**settings):
        return create_app({**TEST_CONFIG,
                           "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                           "SEARCH_INDEX_PATH": app.config["SEARCH_INDEX_PATH"], **settings})

    yield build
    limiter.reset()


# --- probes -------------------------------------------------------------------------------


def test_liveness_touches_no_service(app, client):
    statements = []
    listener = lambda *args, **kwargs: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get("/api/v1/health")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert statements == []


def test_ready_reports_each_service(client):
    body = client.get("/api/v1/ready").get_json()
    assert body["status"] == "ready"
    assert {name: check["state"] for name, check in body["checks"].items()} == {
        "database": "up", "broker": "up", "search": "up"}
    assert body["checks"]["broker"]["backend"] == "inline"  # the embedded default
    assert body["checks"]["search"]["backend"] == "sqlite"


def test_ready_is_503_naming_the_service_that_is_down(client, monkeypatch):
    from gannan.catalog.search.sqlite_fts import SqliteSearchBackend

    def down(self, query):
        raise ConnectionError("index gone")

    monkeypatch.setattr(SqliteSearchBackend, "search", down)
    response = client.get("/api/v1/ready")
    body = assert_problem(response, 503, "not_ready")
    assert body["checks"]["search"]["state"] == "down"
    assert "index gone" in body["checks"]["search"]["error"]
    assert body["checks"]["database"]["state"] == "up"
    assert "search" in body["detail"]
    assert client.get("/api/v1/health").status_code == 200  # alive all the same


def test_a_lost_database_connection_is_a_503_not_a_500(client, monkeypatch):
    from gannan.platform import routes

    def cut(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("terminating connection due to "
                                                       "administrator command"))

    # (the county list is served from memory; an approved seller's profile reads the
    # database once the access rule has let the caller in)
    seller = SellerFactory(status=SellerStatus.APPROVED)
    monkeypatch.setattr(routes.services, "get_seller", cut)
    response = client.get(f"/api/v1/sellers/{seller.id}")
    body = assert_problem(response, 503, "database_unavailable")
    assert response.headers["Retry-After"] == "1"
    assert "terminating" not in json.dumps(body)  # no driver detail to clients


# --- request ids and logs -----------------------------------------------------------------


def test_a_request_id_is_made_echoed_and_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="gannan.request")
    response = client.get("/api/v1/counties")
    made = response.headers["X-Request-ID"]
    assert len(made) == 32 and int(made, 16) >= 0
    given = f"shop-{uuid.uuid4()}"
    assert client.get("/api/v1/counties", headers={"X-Request-ID": given}) \
        .headers["X-Request-ID"] == given
    lines = [r for r in caplog.records if r.name == "gannan.request"]
    assert [r.request_id for r in lines] == [made, given]
    assert lines[1].route == "/api/v1/counties" and lines[1].status == 200


@pytest.mark.parametrize("bad", ["short", "has space in it", "x" * 200, "inject\"><script>x",
                                 "../../etc/passwd", "ünïcode-request-id"])
def test_a_malformed_request_id_is_replaced(client, bad):
    response = client.get("/api/v1/health", headers={"X-Request-ID": bad})
    assert response.headers["X-Request-ID"] != bad
    assert len(response.headers["X-Request-ID"]) == 32


def test_every_log_line_of_a_request_carries_its_id(client, caplog):
    caplog.set_level(logging.INFO)
    client.post("/api/v1/auth/token", json={"email": "nobody@example.cn", "password": "x"},
                headers={"X-Request-ID": "req-0000-login"})
    mine = [r for r in caplog.records if getattr(r, "request_id", None) == "req-0000-login"]
    assert mine and mine[-1].name == "gannan.request"


def test_json_log_lines():
    record = logging.getLogger("gannan.test").makeRecord(
        "gannan.test", logging.WARNING, __file__, 1, "订单 %s 已创建", ("GN1",), None,
        extra={"order_id": 7})
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "订单 GN1 已创建"
    assert line["level"] == "WARNING" and line["logger"] == "gannan.test"
    assert line["order_id"] == 7 and "request_id" in line
    assert line["time"].endswith("+00:00")


# --- metrics ------------------------------------------------------------------------------


def test_metrics_count_requests_by_route_template(client):
    route = "/api/v1/sellers/<id:seller_id>"
    before = sample("gannan_http_requests_total", method="GET", route=route, status="404")
    client.get("/api/v1/sellers/987654")
    client.get("/api/v1/sellers/987655")
    text = client.get("/metrics").get_data(as_text=True)
    assert sample("gannan_http_requests_total", method="GET", route=route,
                  status="404") == before + 2
    assert "gannan_http_request_duration_seconds_bucket" in text
    assert "987654" not in text  # ids never become labels


def test_metrics_time_every_request_from_the_request_id_hooks_start(client):
    """The latency histogram reads the start the request-id hook took (no hook of its
    own): every request is timed, with a duration between 0 and the whole call."""
    route, count = "/api/v1/counties", "gannan_http_request_duration_seconds_count"
    before = sample(count, method="GET", route=route)
    total = sample("gannan_http_request_duration_seconds_sum", method="GET", route=route)
    started = time.perf_counter()
    for _ in range(3):
        assert client.get(route).status_code == 200
    elapsed = time.perf_counter() - started
    assert sample(count, method="GET", route=route) == before + 3
    spent = sample("gannan_http_request_duration_seconds_sum", method="GET", route=route) - total
    assert 0 < spent <= elapsed
    assert sample("gannan_http_requests_total", method="GET", route=route,
                  status="200") >= 3


def test_metrics_count_checkouts_payments_and_refunds_once_committed(client, owner, seller):
    from tests.factories import ProductFactory
    from gannan.catalog.models import ProductStatus, Sku

    shopper = UserFactory()
    product = ProductFactory(seller=seller, status=ProductStatus.PUBLISHED,
                             skus=[Sku(code="M1", spec="5kg", price_fen=5000, stock=3)])
    before = {name: sample(name, payment_method="cod") for name in (
        "gannan_checkouts_total", "gannan_payments_total", "gannan_refunds_total",
        "gannan_refund_fen_total")}
    address = {"recipient": "王小明", "phone": "13912345678", "province": "广东省",
               "city": "深圳市", "county": "南山区", "detail": "科技园路1号"}
    empty = client.post("/api/v1/checkout", json={"payment_method": "cod", "address": address},
                        headers={**bearer(shopper), "Idempotency-Key": "k-empty"})
    assert empty.status_code == 422  # refused: not a checkout
    client.post("/api/v1/cart/items", json={"sku_id": product.skus[0].id, "quantity": 1},
                headers=bearer(shopper))
    order = client.post("/api/v1/checkout", json={"payment_method": "cod", "address": address},
                        headers={**bearer(shopper), "Idempotency-Key": "k-1"}).get_json()
    client.post("/api/v1/checkout", json={"payment_method": "cod", "address": address},
                headers={**bearer(shopper), "Idempotency-Key": "k-1"})  # a replay
    part = order["seller_orders"][0]["id"]
    client.post(f"/api/v1/seller-orders/{part}/ship",
                json={"carrier": "EMS", "tracking_number": "1"}, headers=bearer(owner))
    client.post(f"/api/v1/seller-orders/{part}/deliver", json={"cash_collected": True},
                headers=bearer(owner))
    refund = client.post(f"/api/v1/seller-orders/{part}/refunds",
                         json={"amount_fen": 1200, "reason": "破损"}, headers=bearer(owner))
    assert refund.status_code == 201, refund.get_json()
    assert sample("gannan_checkouts_total", payment_method="cod") == \
        before["gannan_checkouts_total"] + 1
    assert sample("gannan_payments_total", payment_method="cod") == \
        before["gannan_payments_total"] + 1
    assert sample("gannan_refunds_total", payment_method="cod") == \
        before["gannan_refunds_total"] + 1
    assert sample("gannan_refund_fen_total", payment_method="cod") == \
        before["gannan_refund_fen_total"] + 1200


def test_metrics_count_task_runs(app):
    before = sample("gannan_task_runs_total", task="platform.ping", outcome="succeeded")
    assert app.extensions["celery"].tasks["platform.ping"].apply().get()["pong"]
    assert sample("gannan_task_runs_total", task="platform.ping",
                  outcome="succeeded") == before + 1


# --- proxies and other origins ------------------------------------------------------------


def test_behind_a_trusted_proxy_limits_see_the_client(make_app):
    proxied = make_app(TRUSTED_PROXIES=1, LOGIN_RATE_LIMIT="2 per minute").test_client()
    user = UserFactory()

    def login(forwarded_for, email):
        return proxied.post("/api/v1/auth/token", json={"email": email, "password": "x"},
                            headers={"X-Forwarded-For": forwarded_for},
                            environ_base={"REMOTE_ADDR": "10.9.9.9"})  # the proxy

    for n in range(2):
        assert login("203.0.113.7", f"a{n}@example.cn").status_code == 401
    assert_problem(login("203.0.113.7", "a9@example.cn"), 429, "rate_limited")
    # another client behind the same proxy has its own allowance
    assert login("198.51.100.2", user.email).status_code == 401


def test_without_trusted_proxies_a_forged_header_changes_nothing(make_app):
    direct = make_app(LOGIN_RATE_LIMIT="2 per minute").test_client()
    for n in range(2):
        response = direct.post("/api/v1/auth/token",
                               json={"email": f"b{n}@example.cn", "password": "x"},
                               headers={"X-Forwarded-For": f"192.0.2.{n}"})
        assert response.status_code == 401
    response = direct.post("/api/v1/auth/token", json={"email": "b9@example.cn", "password": "x"},
                           headers={"X-Forwarded-For": "192.0.2.200"})
    assert_problem(response, 429, "rate_limited")


def test_cors_for_configured_storefronts_only(make_app, client):
    shop = "https://shop.gannan.example"
    cors = make_app(CORS_ORIGINS=[shop]).test_client()
    preflight = cors.options("/api/v1/checkout", headers={
        "Origin": shop, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Idempotency-Key, Content-Type"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == shop
    assert "idempotency-key" in preflight.headers["Access-Control-Allow-Headers"].lower()
    got = cors.get("/api/v1/counties", headers={"Origin": shop})
    assert got.headers["Access-Control-Allow-Origin"] == shop
    assert "X-Request-ID" in got.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in got.headers
    other = cors.get("/api/v1/counties", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    # not configured (the default): no CORS at all
    assert "Access-Control-Allow-Origin" not in client.get(
        "/api/v1/counties", headers={"Origin": shop}).headers


# --- one beat -----------------------------------------------------------------------------


@pytest.mark.redis
def test_only_one_beat_sends_the_schedule(app, monkeypatch):
    """Two beats: the second stands by (sends nothing) until the first stops."""
    import redis
    from celery.beat import PersistentScheduler

    from gannan.platform import beat

    url = need_redis()
    monkeypatch.setattr(beat, "LOCK_NAME", f"gannan:test:beat:{uuid.uuid4().hex}")
    sent = []
    monkeypatch.setattr(PersistentScheduler, "tick", lambda self, *a, **k: sent.append(self) or 1)
    celery = app.extensions["celery"]
    celery.conf.beat_lock_url = url
    first = beat.SingletonScheduler(app=celery, lazy=True)
    second = beat.SingletonScheduler(app=celery, lazy=True)
    try:
        first.tick(), second.tick(), first.tick(), second.tick()
        assert sent == [first, first]
        assert second.tick() == second.max_interval <= beat.LOCK_TTL / 4
        first.close()  # a clean stop hands over at once
        second.tick()
        assert sent[-1] is second
        redis.Redis.from_url(url).delete(beat.LOCK_NAME)  # the lock expired or was stolen
        third = beat.SingletonScheduler(app=celery, lazy=True)
        third.tick()  # takes it...
        second.tick()  # ...and the old holder notices it lost it
        assert sent[-2:] == [second, third] and not second._held
    finally:
        celery.conf.beat_lock_url = ""
        redis.Redis.from_url(url).delete(beat.LOCK_NAME)


def test_a_beat_without_a_lock_store_still_runs(app, caplog):
    from gannan.platform import beat

    celery = app.extensions["celery"]
    assert not celery.conf.get("beat_lock_url")  # inline tasks, no Redis
    with caplog.at_level(logging.WARNING):
        scheduler = beat.SingletonScheduler(app=celery, lazy=True)
    assert scheduler._lock is None
    assert "second beat" in caplog.text


def test_ensure_sync_remembers_plain_functions_and_never_a_coroutine_function(app):
    """GannanFlask keeps the functions it found plain (by function, so a view method of a
    new MethodView per request is one entry); an async function is never taken for one."""
    class View:
        def get(self):
            return "plain"

        async def post(self):
            return "async"

    before = len(app._plain_functions)
    first, second = View(), View()
    assert app.ensure_sync(first.get) == first.get
    assert app.ensure_sync(second.get)() == "plain"
    assert View.get in app._plain_functions
    assert len(app._plain_functions) == before + 1
    for _ in range(2):  # Flask wraps it (and without asgiref says so), every time
        with pytest.raises(RuntimeError, match="async"):
            app.ensure_sync(first.post)
    assert View.post not in app._plain_functions
