"""Settlement: what becomes settleable when, statements equal to the raw SQL of their
orders, immutable, corrections in later statements, CSV and PDF downloads."""

import csv
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from gannan.money.models import Payout, PayoutMethod, PayoutStatus, Statement
from gannan.money.services.settlement import run_settlement
from gannan.orders.services.fulfilment import complete_delivered
from gannan.platform.errors import Conflict
from gannan.platform.extensions import db
from gannan.platform.types import utcnow
from tests.helpers import (
    XINFENG,
    assert_problem,
    bearer,
    cod_sale,
    money_invariants,
    owner_of,
)
from tests.pdfcheck import embedded_fonts

DAY = timedelta(days=1)

# What a statement must say, from the orders alone (not the money ledger): goods and
# shipping paid, refunded, and the commission at each line's frozen rate on its net goods.
RAW = text("""
SELECT count(DISTINCT so.id)                                   AS orders,
       sum(CASE WHEN o.payment_method = 'stripe' THEN so.paid_fen ELSE 0 END) AS sales,
       sum(CASE WHEN o.payment_method = 'cod' THEN so.paid_fen ELSE 0 END)    AS cod,
       sum(so.refunded_fen)                                    AS refunds
FROM seller_orders so JOIN orders o ON o.id = so.order_id
WHERE so.seller_id = :seller AND so.id IN (
    SELECT seller_order_id FROM statement_lines WHERE statement_id = :statement)
""")
LINES = text("""
SELECT l.id, l.line_total_fen - l.refunded_fen AS net FROM order_lines l
WHERE l.seller_order_id IN (
    SELECT seller_order_id FROM statement_lines WHERE statement_id = :statement)
""")


def raw_figures(statement):
    row = db.session.execute(RAW, {"seller": statement.seller_id,
                                   "statement": statement.id}).mappings().one()
    from gannan.money.models import CommissionTerms

    rates = {}
    for terms in db.session.scalars(db.select(CommissionTerms).where(
            CommissionTerms.seller_id == statement.seller_id)):
        rates.update({int(k): v for k, v in terms.line_rates.items()})
    commission = sum((net * rates[line_id] + 5000) // 10000
                     for line_id, net in db.session.execute(LINES, {"statement": statement.id}))
    return {"orders": row["orders"], "sales": row["sales"], "cod": row["cod"],
            "refunds": row["refunds"], "commission": commission,
            "net": row["sales"] - row["refunds"] - commission}


def figures(statement):
    return {"orders": statement.orders_count, "sales": statement.sales_fen,
            "cod": statement.cod_fen, "refunds": statement.refunds_fen,
            "commission": statement.commission_fen, "net": statement.net_fen}


@pytest.fixture
def three_sales(client, shopper, market):
    """Three COD orders from three sellers, delivered today."""
    return cod_sale(client, shopper, {market["orange"]: 3, market["oil"]: 2,
                                      market["noodles"]: 1}, XINFENG)


def test_orders_settle_days_after_completion_and_statement_equals_raw_sql(
        client, three_sales, seller, admin):
    parts = {p["seller"]["id"]: p for p in three_sales["seller_orders"]}
    staff = bearer(owner_of(seller.id))
    refund = client.post(f"/api/v1/seller-orders/{parts[seller.id]['id']}/refunds",
                         json={"amount_fen": 2345, "reason": "坏果"}, headers=staff)
    assert refund.status_code == 201, refund.get_json()
    # delivered, not completed: nothing is due
    assert run_settlement(utcnow() + 30 * DAY) == []
    complete_delivered(utcnow() + 8 * DAY)
    completed = utcnow()  # completed_at is "now" (the run's clock is the argument)
    assert run_settlement(completed + 6 * DAY) == []  # MONEY_SETTLEMENT_DAYS is 7
    issued = run_settlement(completed + 7 * DAY + timedelta(minutes=1), admin.id)
    assert sorted(s.seller_id for s in issued) == sorted(parts)
    for statement in issued:
        assert figures(statement) == raw_figures(statement)
        # COD only: the sellers hold the cash and owe the platform its commission
        assert statement.net_fen == -statement.commission_fen - statement.refunds_fen < 0
        assert statement.payout_method is PayoutMethod.RECEIVABLE
        assert statement.payout.status is PayoutStatus.PENDING
    # settled: once set against the cash, each balance is exactly what the statement says
    balances = money_invariants()
    for statement in issued:
        assert balances[statement.seller_id] == statement.net_fen
    assert run_settlement(completed + 60 * DAY) == []  # nothing is settled twice


def test_a_later_refund_goes_into_the_next_statement(client, three_sales, seller, admin):
    complete_delivered(utcnow() + 8 * DAY)
    first = {s.seller_id: s for s in run_settlement(utcnow() + 8 * DAY)}[seller.id]
    part = next(p for p in three_sales["seller_orders"] if p["seller"]["id"] == seller.id)
    refund = client.post(f"/api/v1/seller-orders/{part['id']}/refunds",
                         json={"amount_fen": 1000, "reason": "补偿"},
                         headers=bearer(owner_of(seller.id)))
    assert refund.status_code == 201
    correction = run_settlement(utcnow() + 9 * DAY)
    assert [s.seller_id for s in correction] == [seller.id]
    later = correction[0]
    assert later.period_start == first.period_end
    assert (later.refunds_fen, later.sales_fen, later.cod_fen) == (1000, 0, 0)
    assert later.commission_fen == -((20640 * 500 + 5000) // 10000
                                     - ((20640 - 1000) * 500 + 5000) // 10000)
    assert later.net_fen == -1000 + (-later.commission_fen)
    assert money_invariants()[seller.id] == first.net_fen + later.net_fen
    # the first statement did not change, and cannot
    db.session.expire_all()
    first = db.session.get(Statement, first.id)
    assert first.refunds_fen == 0
    first.net_fen = 0
    with pytest.raises(Conflict, match="cannot change"):
        db.session.commit()
    db.session.rollback()


def test_sellers_read_and_download_their_statements(client, three_sales, seller, admin,
                                                     market):
    complete_delivered(utcnow() + 8 * DAY)
    response = client.post("/api/v1/admin/settlements", headers=bearer(admin),
                           json={"as_of": (utcnow() + 8 * DAY).isoformat()})
    assert response.status_code == 201, response.get_json()
    ours = next(s for s in response.get_json()["items"] if s["seller_id"] == seller.id)
    staff = bearer(owner_of(seller.id))
    listed = client.get(f"/api/v1/sellers/{seller.id}/statements", headers=staff).get_json()
    assert [s["id"] for s in listed["items"]] == [ours["id"]]
    detail = client.get(f"/api/v1/statements/{ours['id']}", headers=staff).get_json()
    assert [line["kind"] for line in detail["lines"]] == ["cod_sale"]
    assert detail["payout_method"] == "receivable"
    assert detail["payout"]["status"] == "pending"
    assert sum(line["net_fen"] for line in detail["lines"]) == detail["net_fen"]

    data = client.get(f"/api/v1/statements/{ours['id']}/download?format=csv", headers=staff)
    assert data.status_code == 200 and data.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(data.get_data().decode("utf-8-sig"))))
    assert ["结算单 Statement", ours["number"]] in rows
    assert [int(r[6]) for r in rows[rows.index(next(r for r in rows if r[:1] == ["订单号 order"]))
                                     + 1:]] == [detail["net_fen"]]

    pdf = client.get(f"/api/v1/statements/{ours['id']}/download?format=pdf", headers=staff)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "/FontFile2" in embedded_fonts(pdf.get_data()).values()
    page = PdfReader(io.BytesIO(pdf.get_data())).pages[0].extract_text()
    assert "卖家结算单" in page and three_sales["number"] in page

    other = next(s for s in response.get_json()["items"] if s["seller_id"] != seller.id)
    assert_problem(client.get(f"/api/v1/statements/{other['id']}", headers=staff),
                   403, "not_seller_member")
    assert_problem(client.get(f"/api/v1/statements/{ours['id']}/download?format=xls",
                              headers=staff), 422, "validation_error")
    assert_problem(client.get("/api/v1/statements/999999", headers=bearer(admin)),
                   404, "statement_not_found")
    assert_problem(client.post("/api/v1/admin/settlements", headers=staff, json={}),
                   403, "forbidden")


def test_settlement_runs_weekly_in_shanghai(app):
    celery = app.extensions["celery"]
    entry = celery.conf.beat_schedule["weekly-settlement"]
    assert entry["task"] == "money.run_settlement"
    assert (entry["schedule"].minute, entry["schedule"].hour,
            entry["schedule"].day_of_week) == ({0}, {3}, {1})
    assert celery.conf.timezone == "Asia/Shanghai"


def test_the_weekly_task_settles_what_is_due(app, client, three_sales):
    complete_delivered(utcnow() + 8 * DAY)
    db.session.execute(text("UPDATE seller_orders SET completed_at = :t"),
                       {"t": utcnow() - 8 * DAY})
    db.session.commit()
    result = app.extensions["celery"].tasks["money.run_settlement"].delay().get()
    assert len(result["statements"]) == 3
    assert db.session.scalar(db.select(db.func.count()).select_from(Payout)) == 3
