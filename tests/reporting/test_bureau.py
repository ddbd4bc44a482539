"""Metrics, the bureau's inputs, awards from the database, and a real worker building."""

import os

import pytest

from gannan import create_app
from gannan.reporting.models import MonthlyReport
from gannan.platform.extensions import db
from tests.factories import valid_uscc
from tests.helpers import assert_problem, bearer, cod_sale, SHANGHAI_ADDR, TEST_CONFIG, XINFENG
from tests.services import need_redis


@pytest.fixture
def sales(client, clock, shopper, market):
    clock("2026-09-10T04:00")
    cod_sale(client, shopper, {market["orange"]: 1}, SHANGHAI_ADDR)
    clock("2026-10-10T04:00")
    cod_sale(client, shopper, {market["orange"]: 2, market["oil"]: 1}, XINFENG)
    return market


def test_metrics_grouped(client, bureau_user, sales):
    def get(**params):
        response = client.get("/api/v1/metrics/sales", query_string=params,
                              headers=bearer(bureau_user))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    whole = get(**{"from": "2026-09", "to": "2026-10"})
    assert whole["totals"]["online_retail_fen"] == 6880 * 3 + 9800
    assert whole["totals"]["orders"] == 2
    months = get(**{"from": "2026-09", "to": "2026-10", "group_by": "month"})["groups"]
    assert [(m["period"], m["online_retail_fen"]) for m in months] == [
        ("2026-09", 6880), ("2026-10", 2 * 6880 + 9800)]
    counties = get(**{"from": "2026-10", "to": "2026-10", "group_by": "county"})["groups"]
    assert [(c["county"], c["name"], c["online_retail_fen"]) for c in counties] == [
        ("360722", "信丰县", 2 * 6880), ("360732", "兴国县", 9800)]
    sellers = get(**{"from": "2026-09", "to": "2026-10", "group_by": "seller"})["groups"]
    assert sellers[0]["online_retail_fen"] == 3 * 6880
    assert get(**{"from": "2026-10", "to": "2026-10", "group_by": "channel"})["groups"] == [
        {"channel": "storefront", **{k: v for k, v in get(**{"from": "2026-10", "to":
                                                             "2026-10"})["totals"].items()}}]
    assert_problem(client.get("/api/v1/metrics/sales", query_string={"from": "2026-10",
                                                                     "to": "2026-09"},
                              headers=bearer(bureau_user)), 422, "invalid_period")
    assert_problem(client.get("/api/v1/metrics/sales", query_string={"from": "2026-13",
                                                                     "to": "2026-09"},
                              headers=bearer(bureau_user)), 422, "validation_error")


def test_external_sales_and_awards(client, bureau_user, sales):
    seller_id = sales["orange"].seller_id
    body = {"seller_id": seller_id, "year": 2026, "online_fen": 250_000_000_00,
            "agricultural_fen": 20_000_000_00, "upstream_fen": 15_000_000_00,
            "note": "天猫旗舰店 2026 审计数"}
    recorded = client.put("/api/v1/bureau/external-sales", json=body, headers=bearer(bureau_user))
    assert recorded.status_code == 200, recorded.get_json()
    bad = {**body, "upstream_fen": body["agricultural_fen"] + 1}
    assert_problem(client.put("/api/v1/bureau/external-sales", json=bad,
                              headers=bearer(bureau_user)), 422, "inconsistent_sales")
    awards = client.get("/api/v1/awards?year=2026", headers=bearer(bureau_user)).get_json()
    mine = [line for line in awards["lines"] if line["ref"] == f"seller:{seller_id}"]
    kinds = {line["kind"]: line for line in mine}
    # 250 M 元 first exceeds 100 M and 200 M: 200k + 300k = 500k (the yearly cap);
    # agricultural 1% of upstream is at most 200k: growth is the higher (就高不就低)
    assert kinds["growth"]["computed_fen"] == 500_000_00
    assert kinds["growth"]["allocated_fen"] == 500_000_00
    assert kinds["agricultural"]["allocated_fen"] == 0
    assert "platform" in {line["kind"] for line in awards["lines"]}


def test_award_settings_are_the_bureaus(client, bureau_user, consumer):
    settings = client.get("/api/v1/bureau/award-settings", headers=bearer(bureau_user))
    assert settings.get_json()["agricultural_rate"] == "1/100"
    changed = client.put("/api/v1/bureau/award-settings", json={"agricultural_rate": "1/200"},
                         headers=bearer(bureau_user))
    assert changed.status_code == 200 and changed.get_json()["agricultural_rate"] == "1/200"
    too_high = client.put("/api/v1/bureau/award-settings", json={"agricultural_rate": "2/100"},
                          headers=bearer(bureau_user))
    assert_problem(too_high, 422, "invalid_settings")
    assert_problem(client.put("/api/v1/bureau/award-settings", json={"nope": 1},
                              headers=bearer(bureau_user)), 422, "invalid_settings")
    assert client.get("/api/v1/bureau/award-settings", headers=bearer(bureau_user)).get_json()[
        "agricultural_rate"] == "1/200"
    assert_problem(client.get("/api/v1/bureau/award-settings", headers=bearer(consumer)), 403,
                   "forbidden")


def test_livestream_base_sales_come_from_its_rooms(client, bureau_user, clock, shopper, market):
    base = {"name": "赣州直播电商产业园", "operator_name": "赣州直播科技有限公司",
            "operator_uscc": valid_uscc(777, "360702"), "county_code": "360702",
            "area_m2": 1200, "rooms": 25, "resident_enterprises": 31, "hosts": 40,
            "live_rooms": ["抖音 赣南好物直播间"]}
    created = client.post("/api/v1/bureau/livestream-bases", json=base,
                          headers=bearer(bureau_user))
    assert created.status_code == 201, created.get_json()
    assert_problem(client.post("/api/v1/bureau/livestream-bases",
                               json={**base, "operator_uscc": "91360702MA00000000"},
                               headers=bearer(bureau_user)), 422, "invalid_uscc")
    awards = client.get("/api/v1/awards?year=2026", headers=bearer(bureau_user)).get_json()
    line = next(l for l in awards["lines"] if l["kind"] == "livestream_base")
    assert line["allocated_fen"] == 0  # facilities are there, sales are not


@pytest.mark.celery_worker
def test_report_built_by_a_real_worker(app, client, admin, sales):
    """POST → Redis → a real Celery worker builds the report in the app's database
    (PostgreSQL in CI's second run)."""
    from celery.contrib.testing.worker import start_worker

    broker = need_redis()
    worker_app = create_app({
        **TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SEARCH_INDEX_PATH": app.config["SEARCH_INDEX_PATH"],
        "CELERY": {"broker_url": broker, "task_always_eager": False,
                   "result_backend": os.environ.get("CELERY_RESULT_BACKEND", broker)},
    })
    celery = worker_app.extensions["celery"]
    worker_client = worker_app.test_client()
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with worker_app.app_context():
            task = worker_client.post("/api/v1/admin/reports/monthly",
                                      json={"period": "2026-10"}, headers=bearer(admin))
            assert task.status_code == 202
            result = celery.AsyncResult(task.get_json()["task_id"]).get(timeout=60)
            status = worker_client.get(task.get_json()["status_url"], headers=bearer(admin))
    assert status.get_json()["state"] == "SUCCESS" and status.get_json()["result"] == result
    assert result["period"] == "2026-10" and result["version"] == 1
    db.session.expire_all()
    stored = db.session.scalar(db.select(MonthlyReport))
    assert stored.sha256 == result["sha256"]


@pytest.mark.parametrize("year", [2027, 2031])
def test_awards_for_a_year_outside_the_plan_are_422(client, bureau_user, year):
    response = client.get(f"/api/v1/awards?year={year}", headers=bearer(bureau_user))
    assert_problem(response, 422, "year_outside_plan")
    assert "2024–2026" in response.get_json()["detail"]
