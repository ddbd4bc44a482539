"""The bureau's dashboard: figures to the fen, charts, targets, awards, certified
downloads, verifying a report; and never a shopper's personal data."""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from gannan.orders.services import fulfilment
from gannan.reporting import monthly
from tests.factories import UserFactory
from tests.pdfcheck import embedded_fonts
from tests.web.console.pages import cod_order, console_routes, path_of, post, sign_in, text

STANDARD_14 = {"/Helvetica", "/Helvetica-Bold", "/Times-Roman", "/Courier", "/Symbol",
               "/ZapfDingbats"}  # the fonts every PDF reader has
XINGGUO_BUYER = {"recipient": "陈静怡", "phone": "13812345679", "county_code": "360732",
                 "detail": "潋江镇红军路 18 号"}


@pytest.fixture
def october(clock, world):
    """Sales in October 2026 (Shanghai): the world's order of two 5 kg boxes to Shanghai
    (137.60 元) and one box to a buyer in 兴国县 (68.80 元); the month built and certified."""
    clock("2026-10-20T04:00")
    second = cod_order(UserFactory(email="chen@example.cn"), world.sku_id, 1, XINGGUO_BUYER)
    for part_id in (world.seller_order_id, second.seller_orders[0].id):
        fulfilment.ship(part_id, world.owner.id, "EMS", "1")
        fulfilment.deliver(part_id, world.owner.id, True)
    clock("2026-11-01T02:00")
    monthly.generate("2026-10")
    monthly.certify("2026-10", None, world.admin, None)
    return world


def test_the_dashboard_shows_each_countys_figure_to_the_fen(client, october):
    sign_in(client, october.bureau)
    page = client.get("/bureau?from=2026-10&to=2026-10")
    body = page.get_data(as_text=True)
    row = re.search(r'<tr data-county="360722">(.*?)</tr>', body, re.S).group(1)
    assert "信丰县" in row and "¥206.40" in row  # 3 × 68.80, to the fen
    assert "<svg" in body and 'aria-label="各区县（产地）网络零售额"' in body
    assert "<title>信丰县：206.40</title>" in body  # the bar says its figure too
    words = text(page)
    assert "网络零售额" in words and "农产品上行去向" in words
    assert "销往本县 ¥0.00 赣州市内 ¥68.80 赣州市外 ¥137.60" in words
    assert "其余 17 个区县这段时间没有网络零售额" in words
    november = text(client.get("/bureau?from=2026-11&to=2026-11"))
    assert "各区县（产地）网络零售额：这段时间没有数据" in november


def test_the_period_is_checked_by_the_metrics_schema(client, world):
    sign_in(client, world.bureau)
    assert "请选择开始和结束月份" in text(client.get("/bureau?from=2026-13&to=2026-10"))
    assert "结束月份早于开始月份" in text(client.get("/bureau?from=2026-10&to=2026-01"))
    assert "最多显示 24 个月" in text(client.get("/bureau?from=2024-01&to=2026-10"))


def test_targets_and_awards_with_each_rules_figures(client, october):
    sign_in(client, october.bureau)
    dashboard = text(client.get("/bureau?from=2026-01&to=2026-10"))
    assert "行动计划目标进度" in dashboard and "全市网络零售额目标 ¥80,000,000,000.00" in dashboard
    awards = text(client.get("/bureau/awards?year=2026"))
    assert "2026 年奖补测算" in awards and "（一）平台奖励" in awards
    assert "平台网络零售额 ¥206.40" in awards  # the platform's figure under rule (1)
    assert "年份须在 2024 到 2100 之间" in text(client.get("/bureau/awards?year=1999"))


def test_parcels_out_within_24_hours_by_county_and_from_villages(client, clock, world):
    """A box from 安西镇 ships 30 hours after it is ordered (cash on delivery), one from a
    village of 安西镇 within 2 hours: 1 of 2 parcels in time, the village's 1 of 1."""
    from gannan.catalog.models import Product
    from gannan.platform.extensions import db

    clock("2026-10-20T00:00")
    town = cod_order(UserFactory(), world.sku_id, 1, XINGGUO_BUYER)
    db.session.get(Product, world.product_id).origin_township = "安西镇长安村"
    db.session.commit()
    village = cod_order(UserFactory(), world.sku_id, 1, XINGGUO_BUYER)
    clock("2026-10-20T02:00")
    fulfilment.ship(village.seller_orders[0].id, world.owner.id, "EMS", "2")
    clock("2026-10-21T06:00")
    fulfilment.ship(town.seller_orders[0].id, world.owner.id, "EMS", "1")
    sign_in(client, world.bureau)
    page = client.get("/bureau?from=2026-10&to=2026-10")
    row = re.search(r'<tr data-county="360722">(.*?)</tr>', page.get_data(as_text=True),
                    re.S).group(1)
    assert re.sub(r"<[^>]+>|\s+", " ", row).split() == ["信丰县", "2", "50.00%", "16.00", "1"]
    words = text(page)
    assert "乡村快递包裹 24 小时内出县（2026-10 至 2026-10）： 100.00% （1/1 个包裹" in words
    assert "全部包裹 2 个，24 小时内发出 50.00%" in words


@pytest.mark.parametrize("suffix, magic", [(".pdf", b"%PDF"), (".xlsx", b"PK"),
                                           (".csv", b"\xef\xbb\xbf"), ("", b"{")])
def test_certified_downloads(client, october, suffix, magic):
    sign_in(client, october.bureau)
    listing = text(client.get("/bureau/reports"))
    assert "2026 年 10 月 · 第 1 版" in listing
    response = client.get(f"/bureau/reports/2026-10{suffix}?version=1")
    assert response.status_code == 200 and response.data.startswith(magic)
    assert f"gannan-report-2026-10-v1.{suffix[1:] or 'json'}" in \
        response.headers["Content-Disposition"]
    if suffix == ".pdf":  # Chinese in a font the PDF carries, not one the reader must have
        fonts = embedded_fonts(response.data)
        own = {name: kind for name, kind in fonts.items() if name not in STANDARD_14}
        assert own and set(own.values()) == {"/FontFile2"}, fonts  # a TrueType subset


def test_verifying_an_uploaded_report(client, october):
    sign_in(client, october.bureau)
    envelope = client.get("/bureau/reports/2026-10").data

    def upload(data: bytes, name: str = "gannan-report-2026-10-v1.json"):
        return post(client, "/bureau/verify", {"report": (io.BytesIO(data), name)},
                    content_type="multipart/form-data")

    good = text(upload(envelope))
    assert "报告真实有效" in good and "2026-10 第 1 版" in good
    tampered = json.loads(envelope)
    tampered["report"]["totals"]["online_retail_fen"] += 100
    bad = text(upload(json.dumps(tampered, ensure_ascii=False).encode()))
    assert "报告未通过核验" in bad and "内容被改动过" in bad
    pdf = client.get("/bureau/reports/2026-10.pdf").data
    not_json = upload(pdf, "report.pdf")
    assert not_json.status_code == 422 and "这个文件不是 JSON" in text(not_json)
    padded = envelope + b" " * (2 * 1024 * 1024)  # a year of sellers weighs more than 1 MiB
    assert "报告真实有效" in text(upload(padded))
    nothing = post(client, "/bureau/verify", {}, content_type="multipart/form-data")
    assert nothing.status_code == 422 and "请选择或拖入" in text(nothing)


def readable(response) -> str:
    """All the text of a page or a download (the cells of a workbook, a PDF's text)."""
    if response.mimetype == "application/pdf":
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    if "spreadsheetml" in response.mimetype:
        book = load_workbook(io.BytesIO(response.data))
        return " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True)
                        for cell in row if cell is not None)
    return response.data.decode("utf-8-sig")


def test_the_bureau_sees_no_shoppers_personal_data_anywhere(client, october):
    """Every bureau page and download, searched for what would name a shopper."""
    sign_in(client, october.bureau)
    shoppers = [october.consumer.display_name, october.consumer.email, "13912345678",
                "世纪大道", "浦东新区", "陈静怡", "13812345679", "chen@example.cn", "潋江镇红军路"]
    pages = [path_of(rule, october) for endpoint, method, rule in console_routes()
             if endpoint.startswith("console_bureau.") and method == "GET"]
    pages += [f"/bureau/reports/2026-10{s}" for s in ("", ".csv", ".xlsx")]
    pages += ["/bureau?from=2026-10&to=2026-10", "/bureau/awards?year=2026"]
    pages.append("/bureau/reports/2026-10.pdf")
    seen = 0
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        body = readable(response)
        leaked = [item for item in shoppers if item in body]
        assert not leaked, (path, leaked)
        seen += 1
    assert seen >= 8
