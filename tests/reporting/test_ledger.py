"""The ledger is append-only and a replayed event can add nothing."""

import pytest
from sqlalchemy.exc import IntegrityError

from gannan.platform.errors import Conflict
from gannan.platform.extensions import db
from gannan.platform.types import utcnow
from gannan.reporting.ledger import record_sale
from gannan.reporting.models import LedgerEntry
from tests.helpers import cod_sale, XINFENG


@pytest.fixture
def sold(client, shopper, market):
    return cod_sale(client, shopper, {market["orange"]: 2}, XINFENG)


def test_replaying_a_sale_adds_nothing(sold):
    from gannan.orders.models import SellerOrder

    seller_order = db.session.get(SellerOrder, sold["seller_orders"][0]["id"])
    before = db.session.scalar(db.select(db.func.sum(LedgerEntry.amount_fen)))
    record_sale(seller_order, f"cod:{seller_order.id}", utcnow())  # the same business event
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.sum(LedgerEntry.amount_fen))) == before == 13760


def test_rows_are_never_updated_or_deleted(sold):
    row = db.session.scalar(db.select(LedgerEntry))
    row.amount_fen = 1
    with pytest.raises(Conflict, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(db.select(LedgerEntry)))
    with pytest.raises(Conflict, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(db.select(LedgerEntry.amount_fen)) == 13760


def test_monthly_build_is_scheduled_at_two_on_the_first_in_shanghai(app):
    celery = app.extensions["celery"]
    entry = celery.conf.beat_schedule["monthly-report"]
    assert entry["task"] == "reporting.build_previous_month"
    schedule = entry["schedule"]
    assert (schedule.minute, schedule.hour, schedule.day_of_month) == ({0}, {2}, {1})
    assert celery.conf.timezone == "Asia/Shanghai"


def test_a_missed_monthly_run_is_caught_up_once(app, clock):
    """Beat could not send the 02:00 build (broker down): the hourly catch-up builds it,
    once, and never before 02:00 on the 1st."""
    from gannan.reporting.models import MonthlyReport

    celery = app.extensions["celery"]
    assert "monthly-report-catch-up" in celery.conf.beat_schedule

    def catch_up_monthly_report():
        return celery.tasks["reporting.catch_up_monthly_report"].apply().get()

    clock("2026-10-31T17:30")  # 01:30 on 1 November in Shanghai: the run is still due
    assert catch_up_monthly_report() is None
    assert db.session.scalar(db.select(db.func.count()).select_from(MonthlyReport)) == 0
    clock("2026-10-31T19:30")  # 03:30: it was missed
    assert catch_up_monthly_report() is not None
    assert catch_up_monthly_report() is None
    reports = db.session.scalars(db.select(MonthlyReport)).all()
    assert [(r.period, r.version) for r in reports] == [("2026-10", 1)]
