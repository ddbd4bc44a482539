"""The monthly report's logistics and recall sections, and the plan-target rows they feed."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from gannan.platform.extensions import db
from gannan.reporting import render
from gannan.reporting.models import MonthlyReport
from tests.factories import TraceBatchFactory
from tests.helpers import add_to_cart, bearer, checkout, owner_of


def shipped_at(client, clock, shopper, product, placed, shipped):
    clock(placed)
    add_to_cart(client, shopper, product, 2)
    part = checkout(client, shopper).get_json()["seller_orders"][0]
    clock(shipped)
    response = client.post(f"/api/v1/seller-orders/{part['id']}/ship",
                           json={"carrier": "EMS", "tracking_number": "1"},
                           headers=bearer(owner_of(part["seller"]["id"])))
    assert response.status_code == 200, response.get_json()


@pytest.fixture
def october(client, clock, shopper, market, admin):
    orange = market["orange"]
    orange.origin_township = "安西镇长安村"
    db.session.commit()
    batch = TraceBatchFactory(product=orange)
    shipped_at(client, clock, shopper, orange, "2026-10-03T01:00", "2026-10-03T09:00")
    shipped_at(client, clock, shopper, orange, "2026-10-04T01:00", "2026-10-06T01:00")
    shipped_at(client, clock, shopper, market["oil"], "2026-10-04T01:00", "2026-10-04T02:30")
    clock("2026-10-20T02:00")
    recalled = client.post(f"/api/v1/batches/{batch.id}/recall", json={"reason": "果实霉变"},
                           headers=bearer(admin))
    assert recalled.status_code == 200
    clock("2026-11-02T02:00")
    built = client.post("/api/v1/admin/reports/monthly", json={"period": "2026-10"},
                        headers=bearer(admin))
    assert built.status_code == 202
    return batch


def content_of() -> dict:
    report = db.session.scalar(db.select(MonthlyReport).order_by(MonthlyReport.id.desc()))
    return json.loads(report.content)


def test_the_month_shows_its_parcels_and_recalls(october):
    content = content_of()
    logistics = content["logistics"]
    assert logistics["totals"] == {"parcels": 3, "within_24h": 2,
                                   "share_within_24h_percent": "66.67",
                                   "median_hours_to_ship": "8.00"}
    assert logistics["village_parcels"]["parcels"] == 2
    assert logistics["village_parcels"]["within_24h"] == 1
    assert [(c["county"], c["parcels"]) for c in logistics["by_county"]] == [("信丰县", 2),
                                                                          ("兴国县", 1)]
    assert content["recalls"] == [{
        "trace_code": october.trace_code, "product": "赣南脐橙 5kg", "seller_id":
        october.product.seller_id, "seller": "信丰县果园合作社", "county_code": "360722",
        "county": "信丰县", "recalled_at": "2026-10-20T10:00+08:00", "reason": "果实霉变",
        "parcels_shipped": 2, "units_shipped": 4}]


def test_every_format_has_the_sections_and_the_plan_rows(october):
    content = content_of()
    found = [s.key for s in render.sections(content)]
    assert found.index("logistics") < found.index("recalls") < found.index("award_lines")
    assert found[-1] == "by_seller"
    text = render.to_csv(content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    plan = [r for r in rows if r and r[0].startswith("24小时内出县")]
    assert plan == [["24小时内出县 Left within 24 hours", "", "", "1", "50.00"]]
    assert any(r and r[0] == october.trace_code and "果实霉变" in r for r in rows)
    sheets = load_workbook(io.BytesIO(render.to_xlsx(content))).sheetnames
    assert {"物流时效 Logistics", "物流乡镇 Townships", "召回 Recalls"} <= set(sheets)
    pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(
        render.to_pdf(content))).pages)
    assert "Batch recalls" in pdf and "Parcels shipped within 24 hours" in pdf


def test_the_same_month_builds_the_same_bytes(client, admin, october):
    first = content_of()
    again = client.post("/api/v1/admin/reports/monthly", json={"period": "2026-10"},
                        headers=bearer(admin))
    assert again.status_code == 202
    reports = db.session.scalars(db.select(MonthlyReport)).all()
    assert len(reports) == 1 and json.loads(reports[0].content) == first


def test_a_report_built_before_logistics_renders_without_them(october):
    content = content_of()
    del content["logistics"], content["recalls"]
    keys = [s.key for s in render.sections(content)]
    assert "logistics" not in keys and "recalls" not in keys
    assert "24小时内出县" not in render.to_csv(content).decode("utf-8-sig")
