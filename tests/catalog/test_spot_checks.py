"""Spot checks: a failure takes the product off sale, out of search, onto the record."""

import pytest

from gannan.catalog.indexing import queue_reindex
from gannan.catalog.models import ProductStatus
from gannan.platform.extensions import db
from tests.factories import ProductFactory
from tests.helpers import add_batch, assert_problem, batch_body, bearer

CHECK = {"sampled_on": "2026-11-25", "lab": "江西省食品检验检测研究院",
         "report_number": "JXJC-2026-0457"}


@pytest.fixture
def listed(seller):
    product = ProductFactory(seller=seller, status=ProductStatus.PUBLISHED,
                             title="信丰脐橙 抽检样品")
    queue_reindex([product.id])
    db.session.commit()
    return product


def found(client, q):
    return [p["id"] for p in client.get("/api/v1/products", query_string={"q": q})
            .get_json()["items"]]


def test_failed_check_blocks_at_once(client, admin, owner, seller, listed):
    assert found(client, "脐橙") == [listed.id]
    code = add_batch(client, owner, listed.id, batch_body()).get_json()["trace_code"]

    response = client.post("/api/v1/admin/spot-checks", headers=bearer(admin),
                           json={**CHECK, "trace_code": code, "passed": False,
                                 "notes": "甲基对硫磷检出"})
    assert response.status_code == 201
    assert response.get_json()["trace_code"] == code

    assert found(client, "脐橙") == []
    assert_problem(client.get(f"/api/v1/products/{listed.id}"), 404, "product_not_found")
    chain = client.get(f"/api/v1/trace/{code}").get_json()
    assert chain["product"]["status"] == "blocked"
    assert [(s["passed"], s["report_number"]) for s in chain["spot_checks"]] == [
        (False, "JXJC-2026-0457")]
    record = client.get(f"/api/v1/sellers/{seller.id}/spot-checks", headers=bearer(owner))
    assert [s["passed"] for s in record.get_json()["items"]] == [False]
    notes = client.get(f"/api/v1/sellers/{seller.id}/notifications", headers=bearer(owner))
    assert notes.get_json()["items"][0]["kind"] == "spot_check_failed"

    publish = client.post(f"/api/v1/products/{listed.id}/publish", headers=bearer(owner))
    assert_problem(publish, 409, "product_blocked")

    unblocked = client.post(f"/api/v1/admin/products/{listed.id}/unblock", headers=bearer(admin),
                            json={"reason": "复检合格 JXJC-2026-0502"})
    assert unblocked.get_json()["status"] == "unpublished"
    assert client.post(f"/api/v1/products/{listed.id}/publish",
                       headers=bearer(owner)).status_code == 200
    assert found(client, "脐橙") == [listed.id]


def test_passed_check_changes_nothing_but_the_record(client, admin, listed):
    response = client.post("/api/v1/admin/spot-checks", headers=bearer(admin),
                           json={**CHECK, "product_id": listed.id, "passed": True})
    assert response.status_code == 201
    db.session.refresh(listed)
    assert listed.status is ProductStatus.PUBLISHED
    assert found(client, "脐橙") == [listed.id]


def test_spot_check_input(client, admin, consumer, listed):
    assert_problem(client.post("/api/v1/admin/spot-checks", headers=bearer(consumer),
                               json={**CHECK, "product_id": listed.id, "passed": False}),
                   403, "forbidden")
    assert_problem(client.post("/api/v1/admin/spot-checks", headers=bearer(admin),
                               json={**CHECK, "passed": False}), 422, "target_required")
    assert_problem(client.post("/api/v1/admin/spot-checks", headers=bearer(admin),
                               json={**CHECK, "passed": False, "product_id": listed.id,
                                     "trace_code": "X"}), 422, "target_required")
    assert_problem(client.post("/api/v1/admin/spot-checks", headers=bearer(admin),
                               json={**CHECK, "passed": False, "trace_code": "NOPE"}),
                   404, "trace_code_not_found")
    assert_problem(client.post(f"/api/v1/admin/products/{listed.id}/unblock",
                               headers=bearer(admin), json={"reason": "x"}),
                   409, "product_not_blocked")
    db.session.refresh(listed)
    assert listed.status is ProductStatus.PUBLISHED
