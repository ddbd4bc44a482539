"""Redis stops: checkout, payment webhooks and fulfilment go on; what would have been
queued (reindexing, the monthly report) runs once Redis is back."""

from __future__ import annotations

import time
import uuid

import pytest
from elasticsearch import Elasticsearch

from gannan.catalog.models import SearchOutbox
from gannan.orders.models import Order, OrderStatus
from gannan.platform.extensions import db
from gannan.platform.types import SHANGHAI, utcnow
from gannan.reporting.metrics import Month
from gannan.reporting.models import LedgerEntry, MonthlyReport
from tests.helpers import bearer
from tests.faults.support import buy, publish, signed
from tests.factories import UserFactory
from gannan.platform.models import Role, UserRole
from tests.private_services import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.redis, pytest.mark.celery_worker,
              pytest.mark.elasticsearch, pytest.mark.stripe_mock]


def in_index(stack, product_id: int) -> dict | None:
    """The product's indexed fields the test reads ({"in_stock": …}), or None when the
    index does not hold it.  The index keeps no _source, so read doc values."""
    es = Elasticsearch(stack.es_url)
    es.indices.refresh(index=stack.index)
    hits = es.search(index=stack.index, query={"ids": {"values": [str(product_id)]}},
                     docvalue_fields=["in_stock"], source=False)["hits"]["hits"]
    return {name: values[0] for name, values in hits[0].get("fields", {}).items()} \
        if hits else None


def outbox() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(SearchOutbox))


def test_broker_outage(stack, fapp, fclient, shop, worker):
    owner, seller, shopper = shop["owner"], shop["seller"], shop["shopper"]
    admin = UserFactory(role_rows=[UserRole(role=Role.PLATFORM_ADMIN)])
    scarce, scarce_sku = publish(fclient, owner, seller, stock=2, title="赣南脐橙 限量")
    wait_until(lambda: in_index(stack, scarce), 30, what="indexed")
    celery = fapp.extensions["celery"]

    stack.redis.stop()
    # the 02:00 monthly run, sent by beat now, is lost with the broker
    with pytest.raises(Exception):
        celery.send_task("reporting.build_previous_month")

    started = time.perf_counter()
    cod = buy(fclient, shopper, scarce_sku, quantity=2)  # sells out: a reindex is due
    assert cod.status_code == 201, cod.get_json()
    checkout_seconds = time.perf_counter() - started
    assert checkout_seconds < 3
    card = buy(fclient, UserFactory(), publish(fclient, owner, seller)[1], method="stripe")
    assert card.status_code == 201, card.get_json()
    order = card.get_json()
    event = {"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event",
             "type": "payment_intent.succeeded", "created": int(time.time()),
             "data": {"object": {"id": order["stripe_payment_intent_id"],
                                 "object": "payment_intent", "amount": order["total_fen"],
                                 "amount_received": order["total_fen"], "status": "succeeded"}}}
    payload, headers = signed(event)
    assert fclient.post("/api/v1/payments/stripe/webhook", data=payload,
                        headers=headers).get_json()["outcome"] == "paid"
    part = cod.get_json()["seller_orders"][0]["id"]
    assert fclient.post(f"/api/v1/seller-orders/{part}/ship", headers=bearer(owner),
                        json={"carrier": "EMS", "tracking_number": "E1"}).status_code == 200
    assert fclient.post(f"/api/v1/seller-orders/{part}/deliver", headers=bearer(owner),
                        json={"cash_collected": True}).status_code == 200
    late, _ = publish(fclient, owner, seller, title="赣南脐橙 停机期间上架")
    requested = fclient.post("/api/v1/admin/reports/monthly", json={"period": "2026-10"},
                             headers=bearer(admin))
    assert requested.status_code == 503  # the admin is told, not left with a lost task
    assert requested.get_json()["code"] == "task_queue_unavailable"
    assert outbox() >= 2
    ready = fclient.get("/api/v1/ready").get_json()
    assert ready["checks"]["broker"]["state"] == "down"
    assert ready["checks"]["database"]["state"] == "up"

    stack.redis.start()
    celery.send_task("catalog.drain_search_outbox")  # beat's sweep, every minute
    # beat's hourly catch-up (at mid-month: on the 1st before 02:00 it rightly waits)
    now = utcnow().astimezone(SHANGHAI)
    mid_month = now.replace(day=15, hour=12)
    celery.send_task("reporting.catch_up_monthly_report", kwargs={"at": mid_month.isoformat()})
    wait_until(lambda: outbox() == 0, 30, what="outbox drained")
    assert in_index(stack, scarce)["in_stock"] is False
    assert in_index(stack, late) is not None
    previous = str(Month(now.year, now.month).previous())

    def reports(period):
        db.session.expire_all()
        return db.session.scalars(db.select(MonthlyReport)
                                  .where(MonthlyReport.period == period)).all()

    wait_until(lambda: reports(previous), 30, what="missed monthly report built")
    again = fclient.post("/api/v1/admin/reports/monthly", json={"period": "2026-10"},
                         headers=bearer(admin))
    assert again.status_code == 202
    wait_until(lambda: reports("2026-10"), 30, what="requested report built")
    assert len(reports(previous)) == 1
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Order).where(
        Order.status == OrderStatus.PAID)) == 1
    # COD 2 × 6880 and the card payment 6880: each captured once in the ledger
    assert db.session.scalar(db.select(db.func.sum(LedgerEntry.amount_fen))) == 3 * 6880
    print(f"redis down: checkout in {checkout_seconds:.2f} s; reindex and report {previous} "
          "ran when it was back")
