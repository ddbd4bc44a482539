"""The platform admin console: review, spot checks, the brand sweep, monthly reports."""

from __future__ import annotations

import re
from datetime import timedelta

from gannan.catalog.models import Certificate, Product, ProductStatus
from gannan.orders.services import fulfilment
from gannan.platform.extensions import db
from gannan.platform.models import Notification, Seller, SellerStatus
from gannan.platform.types import shanghai_today
from gannan.reporting import monthly
from gannan.reporting.models import MonthlyReport, ReportStatus
from gannan.web.console.report_diff import compare
from tests.factories import SellerFactory, UserFactory
from tests.web.console.pages import cod_order, post, sign_in, text


# --- seller review ---------------------------------------------------------------------------


def test_the_review_queue_shows_documents_and_history_and_decides_with_a_reason(client, admin):
    licensed = SellerFactory(owner=UserFactory(), name="寻乌县南桥蜜桔专业合作社",
                             county_code="360734")
    bare = SellerFactory(owner=UserFactory(), name="石城县白莲合作社", county_code="360735",
                         licence=False)
    SellerFactory(owner=UserFactory(), status=SellerStatus.APPROVED, name="已通过的商家")
    sign_in(client, admin)
    queue = text(client.get("/admin/sellers"))
    assert "寻乌县南桥蜜桔专业合作社" in queue and "石城县白莲合作社" in queue
    assert "已通过的商家" not in queue and "商家审核 2" in queue  # the tab counts the queue
    assert "无有效执照" in queue

    page = text(client.get(f"/admin/sellers/{licensed.id}"))
    assert licensed.uscc in page and "营业执照" in page and "与申请代码一致" in page
    assert "通过" in page and "驳回" in page and "暂停" not in page  # what a pending one allows

    no_licence = post(client, f"/admin/sellers/{bare.id}/approve", {})
    assert no_licence.status_code == 409 and "还没有有效的营业执照" in text(no_licence)
    no_reason = post(client, f"/admin/sellers/{licensed.id}/reject", {"reason": ""})
    assert no_reason.status_code == 422 and "须写明原因" in text(no_reason)
    assert post(client, f"/admin/sellers/{licensed.id}/approve",
                {"reason": "资料齐全"}).status_code == 302
    assert post(client, f"/admin/sellers/{licensed.id}/suspend",
                {"reason": "投诉核查中"}).status_code == 302
    history = text(client.get(f"/admin/sellers/{licensed.id}"))
    assert re.search(r"暂停（已通过 → 已暂停） 投诉核查中.*通过（待审核 → 已通过） 资料齐全", history)
    assert db.session.get(Seller, licensed.id).status is SellerStatus.SUSPENDED
    assert post(client, f"/admin/sellers/{licensed.id}/cancel", {}).status_code == 404


# --- spot checks and the brand sweep ------------------------------------------------------------


def test_a_failed_spot_check_blocks_and_a_reasoned_lift_unblocks(client, world):
    sign_in(client, world.admin)
    unknown = post(client, "/admin/spot-checks", {
        "target": "ZZZZZZZZZZZZZZZZ", "sampled_on": "2026-11-02", "lab": "赣州市检测中心",
        "report_number": "R-1", "passed": "no"})
    assert unknown.status_code == 404 and "没有找到这个溯源码" in text(unknown)
    batch_code = db.session.scalar(db.select(Product).where(Product.id == world.product_id)) \
        .latest_batches[0].trace_code
    failed = post(client, "/admin/spot-checks", {
        "target": batch_code.lower(), "sampled_on": "2026-11-02", "lab": "赣州市检测中心",
        "report_number": "GZJC-2026-0042", "passed": "no", "notes": "农残超标"})
    assert failed.status_code == 302
    assert db.session.get(Product, world.product_id).status is ProductStatus.BLOCKED
    page = text(client.get("/admin/spot-checks"))
    assert "封禁中的商品（1）" in page and "GZJC-2026-0042" in page and "不合格" in page
    assert post(client, f"/admin/products/{world.product_id}/unblock",
                {"reason": ""}).status_code == 422
    assert post(client, f"/admin/products/{world.product_id}/unblock",
                {"reason": "复检合格 GZJC-2026-0050"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, world.product_id).status is ProductStatus.UNPUBLISHED
    sign_in(client, world.owner)
    notices = text(client.get(f"/seller/{world.seller_id}"))
    assert "《赣南脐橙 特级 5kg》已解除封禁，可以重新上架。原因：复检合格 GZJC-2026-0050" in notices
    assert "《赣南脐橙 特级 5kg》抽检不合格：赣州市检测中心，报告 GZJC-2026-0042，抽样日期 2026-11-02" \
        in notices


def test_the_brand_sweep_page_shows_takedowns_and_what_expires_within_30_days(client, world):
    certificate = db.session.get(Certificate, world.certificate_id)
    certificate.valid_until = shanghai_today() + timedelta(days=20)
    db.session.add(Notification(seller_id=world.seller_id, kind="brand_licence_expired",
                                message="《赣南脐橙 旧款》已下架：区域公用品牌“赣南脐橙”的授权或地理标志证书"
                                        "已过期。Product 9 was unpublished"))
    db.session.commit()
    sign_in(client, world.admin)
    page = text(client.get("/admin/brand-licences"))
    assert "《赣南脐橙 旧款》已下架" in page and "Product 9" not in page
    assert "赣南脐橙 特级 5kg" in page and f"至 {certificate.valid_until}" in page
    certificate.valid_until = shanghai_today() + timedelta(days=40)
    db.session.commit()
    assert "没有。所有在售品牌商品的授权" in text(client.get("/admin/brand-licences"))


# --- monthly reports ----------------------------------------------------------------------


def deliver(world):
    fulfilment.ship(world.seller_order_id, world.owner.id, "EMS", "1")
    fulfilment.deliver(world.seller_order_id, world.owner.id, True)


def test_build_follow_compare_and_certify_a_month(client, clock, world):
    clock("2026-10-20T04:00")
    deliver(world)  # 2 × 68.80 in October, Shanghai time
    clock("2026-10-31T15:00")  # 23:00 on 31 October in Shanghai
    sign_in(client, world.admin)
    built = post(client, "/admin/reports", {"period": "2026-10"})
    assert built.status_code == 302 and "/admin/reports/2026-10?task=" in built.headers["Location"]
    page = client.get(built.headers["Location"])
    body = text(page)
    assert "已完成（任务在本服务器上同步运行）" in body  # inline tasks: no state kept, no 500
    assert "首个版本" in body and "¥137.60" in body
    assert "还没有结束" in body and "认证并签名" not in body
    refused = post(client, "/admin/reports/2026-10/certify", {"version": "1"})
    assert refused.status_code == 409 and "还没有结束" in text(refused)

    clock("2026-10-31T16:00")  # midnight: 1 November in Shanghai
    assert "认证并签名" in text(client.get("/admin/reports/2026-10"))
    assert post(client, "/admin/reports/2026-10/certify", {"version": "1"}).status_code == 302
    assert monthly.versions("2026-10")[0].status is ReportStatus.CERTIFIED

    clock("2026-10-25T04:00")  # a late-recorded October sale
    late = cod_order(UserFactory(), world.sku_id, 1)
    fulfilment.ship(late.seller_orders[0].id, world.owner.id, "EMS", "2")
    fulfilment.deliver(late.seller_orders[0].id, world.owner.id, True)
    clock("2026-11-02T01:00")
    post(client, "/admin/reports", {"period": "2026-10"})
    page = text(client.get("/admin/reports/2026-10"))
    assert "第 2 版草稿与已认证第 1 版的差异" in page
    assert re.search(r"总计 （另有 \d 行未变） 项目 数值 网络零售额 ¥137\.60 → ¥206\.40 "
                     r"\+ ¥68\.80", page)
    assert re.search(r"按区县（产地） （另有 17 行未变） 项目 网络零售额 农产品网络零售额 "
                     r"农产品上行销售额 订单数 信丰县 ¥137\.60 → ¥206\.40 \+ ¥68\.80", page)
    no_reason = post(client, "/admin/reports/2026-10/certify", {"version": "2"})
    assert no_reason.status_code == 422 and "须写明更正原因" in text(no_reason)
    assert post(client, "/admin/reports/2026-10/certify",
                {"version": "2", "reason": "补录 10 月 25 日货到付款订单"}).status_code == 302
    certified = monthly.versions("2026-10")
    assert [r.status for r in certified] == [ReportStatus.CERTIFIED] * 2
    assert certified[1].correction_reason == "补录 10 月 25 日货到付款订单"


def test_progress_from_a_result_backend_and_without_one(client, world, monkeypatch):
    from gannan.reporting import tasks

    sign_in(client, world.admin)
    monthly.generate("2026-10")
    htmx = {"HX-Request": "true"}
    monkeypatch.setattr(tasks, "task_state", lambda task_id: "STARTED")
    running = client.get("/admin/reports/tasks/abc?period=2026-10", headers=htmx)
    assert "正在生成" in text(running) and 'hx-trigger="every 2s"' in running.get_data(True)
    monkeypatch.setattr(tasks, "task_state", lambda task_id: "SUCCESS")
    done = client.get("/admin/reports/tasks/abc?period=2026-10", headers=htmx)
    assert "已完成" in text(done) and "hx-trigger" not in done.get_data(True)
    assert "第 1 版（草稿）" in text(done)
    monkeypatch.setattr(tasks, "task_state", lambda task_id: None)
    monkeypatch.setitem(client.application.extensions["celery"].conf, "task_always_eager", False)
    unknown = client.get("/admin/reports/tasks/abc?period=2026-10", headers=htmx)
    assert "无法查询任务进度" in text(unknown) and "第 1 版" in text(unknown)
    assert 'hx-trigger="every 2s"' in unknown.get_data(True)  # the stored versions answer
    assert client.get("/admin/reports/tasks/abc?period=2026-13",
                      headers=htmx).status_code == 404


def test_the_diff_lists_only_the_lines_that_changed():
    old = {"totals": {"online_retail_fen": 13760, "orders": 1, "buyers": 1},
           "by_county": [{"county": "信丰县", "online_retail_fen": 13760, "orders": 1},
                         {"county": "兴国县", "online_retail_fen": 9800, "orders": 1}],
           "award_estimate": {"total_fen": 0}}
    new = {"totals": {"online_retail_fen": 20640, "orders": 2, "buyers": 1},
           "by_county": [{"county": "信丰县", "online_retail_fen": 20640, "orders": 2},
                         {"county": "兴国县", "online_retail_fen": 9800, "orders": 1}],
           "award_estimate": {"total_fen": 0}}
    diff = compare(old, new)
    tables = {t.title: t for t in diff.tables}
    totals = {line.name: (line.cells[0].old, line.cells[0].new, line.cells[0].delta)
              for line in tables["总计"].lines}
    assert totals == {"网络零售额": (13760, 20640, 6880), "订单数": (1, 2, 1)}
    county = tables["按区县（产地）"]
    assert [line.name for line in county.lines] == ["信丰县"] and county.unchanged == 1
    cells = dict(zip(county.columns, county.lines[0].cells))
    assert (cells["网络零售额"].old, cells["网络零售额"].new, cells["网络零售额"].money) == \
        (13760, 20640, True)
    assert (cells["订单数"].delta, cells["订单数"].money) == (1, False)
    assert diff.changed == 4 and not diff.first
    first = compare(None, new)
    assert first.first and [line.name for line in
                            {t.title: t for t in first.tables}["按区县（产地）"].lines] == \
        ["信丰县", "兴国县"]


def test_the_admin_downloads_a_draft_the_bureau_does_not(client, world):
    monthly.generate("2026-10")
    sign_in(client, world.admin)
    draft = client.get("/bureau/reports/2026-10.csv?version=1")
    assert draft.status_code == 200 and draft.data.startswith(b"\xef\xbb\xbf")
    sign_in(client, world.bureau)
    assert client.get("/bureau/reports/2026-10.csv?version=1").status_code == 404
    assert client.get("/bureau/reports/2026-10.doc").status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(MonthlyReport)) == 1
