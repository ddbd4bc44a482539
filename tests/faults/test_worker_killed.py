"""A worker is SIGKILLed in the middle of a monthly report build: the task is not lost
(acks_late; Redis hands it out again after the visibility timeout), another worker
builds the report, once, and nothing half-built was ever stored."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest

from gannan.platform.extensions import db
from gannan.platform.models import Role, UserRole
from gannan.reporting.metrics import Month
from gannan.reporting.models import MonthlyReport
from gannan.reporting.monthly import build_content
from gannan.reporting.signing import canonical, sha256_hex
from tests.helpers import bearer
from tests.factories import UserFactory
from tests.faults.support import buy, publish
from tests.private_services import celery_worker, wait_until, wait_worker_ready

pytestmark = [pytest.mark.faults, pytest.mark.redis, pytest.mark.celery_worker]


def log_lines(process) -> list[dict]:
    lines = []
    for text in process.log().splitlines():
        if text.startswith("{"):
            lines.append(json.loads(text))
    return lines


def reports() -> list[MonthlyReport]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(MonthlyReport)))


def test_worker_killed_mid_report(stack, fapp, fclient, shop):
    owner, seller, shopper = shop["owner"], shop["seller"], shop["shopper"]
    admin = UserFactory(role_rows=[UserRole(role=Role.PLATFORM_ADMIN)])
    _, sku = publish(fclient, owner, seller)
    order = buy(fclient, shopper, sku, quantity=3).get_json()
    part = order["seller_orders"][0]["id"]
    fclient.post(f"/api/v1/seller-orders/{part}/ship", headers=bearer(owner),
                 json={"carrier": "EMS", "tracking_number": "E1"})
    assert fclient.post(f"/api/v1/seller-orders/{part}/deliver", headers=bearer(owner),
                        json={"cash_collected": True}).status_code == 200
    period = order["created_at"][:7]  # the ledger month of the sale (UTC ≈ Shanghai here)
    period = str(Month.parse(period))

    marker = stack.workdir / f"slow-report-{time.monotonic_ns()}"
    env = stack.env(SLOW_REPORT_MARKER=str(marker), SLOW_REPORT_SECONDS="60")
    workers = [celery_worker(name, env, stack.workdir, "tests.faults.slow_report_worker")
               for name in (f"one-{marker.name}", f"two-{marker.name}")]
    try:
        for process in workers:
            process.start()
        for process in workers:
            wait_worker_ready(process)
        requested = fclient.post("/api/v1/admin/reports/monthly", json={"period": period},
                                 headers=bearer(admin))
        assert requested.status_code == 202
        task_id = requested.get_json()["task_id"]
        wait_until(marker.exists, 60, what="the build started")
        doomed = next(p for p in workers if p.pid == int(marker.read_text()))
        rescuer = next(p for p in workers if p is not doomed)
        doomed.kill()  # SIGKILL, mid-build
        killed_at = datetime.now(timezone.utc)
        assert reports() == []  # nothing half-written

        wait_until(reports, 60, interval=0.3, what="the report built by the other worker")
        result = fapp.extensions["celery"].AsyncResult(task_id).get(timeout=30)
    finally:
        for process in workers:
            process.stop()
    received = [datetime.fromisoformat(line["time"]) for line in log_lines(rescuer)
                if task_id in line["message"] and "received" in line["message"]]
    assert len(received) == 1 and received[0] > killed_at  # handed over after the kill only
    print(f"report taken over {(received[0] - killed_at).total_seconds():.1f}s after SIGKILL")
    built = reports()
    assert [(r.period, r.version) for r in built] == [(period, 1)]
    expected = sha256_hex(canonical(build_content(Month.parse(period))))
    assert built[0].sha256 == expected == result["sha256"]  # complete, not half
