"""Monthly reports end to end: API orders → ledger → metrics → signed reports."""

import json

import pytest

from gannan.reporting.models import MonthlyReport, ReportStatus
from gannan.reporting import metrics
from gannan.platform.extensions import db
from tests.helpers import SHANGHAI_ADDR, XINFENG, assert_problem, bearer, cod_sale, owner_of

ZHANGGONG = {"recipient": "陈静", "phone": "13800002222", "county_code": "360702", "detail": "x"}


@pytest.fixture
def october(client, clock, shopper, market):
    """Sales on 31 October 2026, Shanghai time (16:30 UTC is 00:30 on 1 Nov: November)."""
    clock("2026-10-31T15:00")  # 23:00 in Shanghai, still October
    first = cod_sale(client, shopper, {market["orange"]: 2, market["oil"]: 1}, XINFENG)
    second = cod_sale(client, shopper, {market["orange"]: 1}, SHANGHAI_ADDR)
    clock("2026-10-31T16:30")  # 00:30 on 1 November in Shanghai
    third = cod_sale(client, shopper, {market["noodles"]: 1}, ZHANGGONG)
    return first, second, third


def build(client, admin, period):
    response = client.post("/api/v1/admin/reports/monthly", json={"period": period},
                           headers=bearer(admin))
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["task_id"]
    return db.session.scalars(db.select(MonthlyReport).where(MonthlyReport.period == period)
                              .order_by(MonthlyReport.version)).all()


def content(report):
    return json.loads(report.content)


def test_orders_show_up_in_their_month_county_and_category(client, admin, october):
    oct_report = content(build(client, admin, "2026-10")[-1])
    totals = oct_report["totals"]
    assert totals["online_retail_fen"] == 2 * 6880 + 9800 + 6880
    assert totals["orders"] == 2 and totals["buyers"] == 1 and totals["active_sellers"] == 2
    county = {c["county_code"]: c for c in oct_report["by_county"]}
    assert len(county) == 18
    assert county["360722"]["online_retail_fen"] == 3 * 6880
    assert county["360732"]["online_retail_fen"] == 9800
    assert county["360733"]["online_retail_fen"] == 0  # noodles sold in November
    category = {c["category"]: c["online_retail_fen"] for c in oct_report["by_category"]}
    assert category == {"navel_orange": 3 * 6880, "camellia_oil": 9800}
    destination = oct_report["upstream_destination"]
    assert destination == {"same_county_fen": 2 * 6880, "elsewhere_in_ganzhou_fen": 9800,
                           "outside_ganzhou_fen": 6880}
    nov = content(build(client, admin, "2026-11")[-1])
    assert nov["totals"]["online_retail_fen"] == 4590
    assert nov["month_on_month"]["previous_period"] == "2026-10"
    assert nov["month_on_month"]["change_fen"] == 4590 - totals["online_retail_fen"]


def test_refunds_reduce_the_month_they_happen_in(client, admin, clock, october):
    first = october[0]
    part = next(p for p in first["seller_orders"] if p["items_total_fen"] == 2 * 6880)
    clock("2026-11-03T02:00")
    refund = client.post(f"/api/v1/seller-orders/{part['id']}/refunds",
                         json={"amount_fen": 1000, "reason": "一箱坏果"},
                         headers=bearer(owner_of(part["seller"]["id"])))
    assert refund.status_code == 201
    oct_totals = content(build(client, admin, "2026-10")[-1])["totals"]
    nov_totals = content(build(client, admin, "2026-11")[-1])["totals"]
    assert oct_totals["online_retail_fen"] == 3 * 6880 + 9800
    assert nov_totals["online_retail_fen"] == 4590 - 1000
    assert nov_totals["refunds_fen"] == -1000


def test_same_data_same_bytes_and_certified_never_changes(client, admin, clock, shopper,
                                                          market, october):
    first = build(client, admin, "2026-10")
    again = build(client, admin, "2026-10")
    assert len(again) == 1 and again[0].sha256 == first[0].sha256
    certified = client.post("/api/v1/admin/reports/monthly/2026-10/certify", json={},
                            headers=bearer(admin))
    assert certified.status_code == 200, certified.get_json()
    assert certified.get_json()["status"] == "certified"
    v1 = db.session.scalar(db.select(MonthlyReport).where(MonthlyReport.version == 1))
    frozen = (v1.content, v1.sha256, v1.signature)

    assert build(client, admin, "2026-10")[-1].version == 1  # same data: nothing new
    clock("2026-10-20T04:00")  # a late-recorded October sale
    cod_sale(client, shopper, {market["oil"]: 1}, XINFENG)
    versions = build(client, admin, "2026-10")
    assert [(r.version, r.status) for r in versions] == [(1, ReportStatus.CERTIFIED),
                                                         (2, ReportStatus.DRAFT)]
    assert (versions[0].content, versions[0].sha256, versions[0].signature) == frozen

    clock("2026-11-02T01:00")  # the correction is certified after October, too
    no_reason = client.post("/api/v1/admin/reports/monthly/2026-10/certify", json={},
                            headers=bearer(admin))
    assert_problem(no_reason, 422, "correction_reason_required")
    corrected = client.post("/api/v1/admin/reports/monthly/2026-10/certify",
                            json={"reason": "补录10月20日货到付款订单"}, headers=bearer(admin))
    assert corrected.get_json()["supersedes_id"] == versions[0].id
    envelope = client.get("/api/v1/reports/monthly/2026-10", headers=bearer(admin)).get_json()
    assert envelope["certification"]["version"] == 2
    assert envelope["certification"]["supersedes_version"] == 1
    old = client.get("/api/v1/reports/monthly/2026-10?version=1", headers=bearer(admin))
    assert old.get_json()["certification"]["sha256"] == frozen[1]

    v1 = db.session.get(MonthlyReport, versions[0].id)
    v1.content = v1.content.replace("2026-10", "2026-09")
    with pytest.raises(Exception, match="cannot change"):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(MonthlyReport, versions[0].id).content == frozen[0]


def test_tampered_report_fails_verification(app, client, admin, bureau_user, october, tmp_path):
    build(client, admin, "2026-10")
    client.post("/api/v1/admin/reports/monthly/2026-10/certify", json={}, headers=bearer(admin))
    envelope = client.get("/api/v1/reports/monthly/2026-10", headers=bearer(bureau_user))
    assert envelope.status_code == 200
    authentic = envelope.get_json()
    verdict = client.post("/api/v1/reports/verify", json=authentic).get_json()
    assert verdict["valid"] is True and verdict["period"] == "2026-10"

    tampered = json.loads(json.dumps(authentic))
    tampered["report"]["totals"]["online_retail_fen"] += 100
    verdict = client.post("/api/v1/reports/verify", json=tampered).get_json()
    assert verdict["valid"] is False and "altered" in verdict["reason"]
    rehashed = json.loads(json.dumps(tampered))
    from gannan.reporting.signing import canonical, sha256_hex
    rehashed["certification"]["sha256"] = sha256_hex(canonical(rehashed["report"]))
    verdict = client.post("/api/v1/reports/verify", json=rehashed).get_json()
    assert verdict["valid"] is False and "signature" in verdict["reason"]

    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_bytes(envelope.data)
    bad.write_text(json.dumps(tampered, ensure_ascii=False))
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["reports", "verify", str(good)])
    assert ok.exit_code == 0 and ok.output.startswith("VALID")
    forged = runner.invoke(args=["reports", "verify", str(bad)])
    assert forged.exit_code == 1 and forged.output.startswith("INVALID")

    for suffix, kind in (("pdf", "PDF"), ("xlsx", "XLSX"), ("csv", "CSV")):
        download = client.get(f"/api/v1/reports/monthly/2026-10.{suffix}",
                              headers=bearer(bureau_user))
        assert download.status_code == 200
        path = tmp_path / f"report.{suffix}"
        path.write_bytes(download.data)
        told = runner.invoke(args=["reports", "verify", str(path)])
        assert told.exit_code != 0
        assert f"the {kind} download" in told.output and "Only the JSON download" in told.output


def test_key_rotation_keeps_old_reports_verifiable(app, client, admin, clock, october,
                                                   monkeypatch, tmp_path):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))  # a fresh dev key folder
    build(client, admin, "2026-10")
    client.post("/api/v1/admin/reports/monthly/2026-10/certify", json={}, headers=bearer(admin))
    rotated = app.test_cli_runner().invoke(args=["reports", "rotate-key"])
    assert rotated.exit_code == 0, rotated.output
    clock("2026-12-01T03:00")  # November is over in Shanghai
    build(client, admin, "2026-11")
    client.post("/api/v1/admin/reports/monthly/2026-11/certify", json={}, headers=bearer(admin))
    keys = client.get("/api/v1/reports/signing-keys").get_json()["keys"]
    assert len(keys) == 2
    for period in ("2026-10", "2026-11"):
        envelope = client.get(f"/api/v1/reports/monthly/{period}", headers=bearer(admin))
        verdict = client.post("/api/v1/reports/verify", json=envelope.get_json()).get_json()
        assert verdict["valid"] is True, verdict
    key_ids = {client.get(f"/api/v1/reports/monthly/{p}", headers=bearer(admin)).get_json()[
        "certification"]["key_id"] for p in ("2026-10", "2026-11")}
    assert len(key_ids) == 2


def test_a_crash_mid_build_leaves_nothing(client, admin, october, monkeypatch):
    calls = {"n": 0}
    real = metrics.grouped

    def dies_on_third_query(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(metrics, "grouped", dies_on_third_query)
    from gannan.reporting.monthly import generate
    with pytest.raises(SystemExit):
        generate("2026-10")
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(MonthlyReport)) == 0
    monkeypatch.setattr(metrics, "grouped", real)
    retried = generate("2026-10")
    assert retried.version == 1 and retried.status is ReportStatus.DRAFT


@pytest.mark.parametrize("suffix, mimetype, magic", [
    (".csv", "text/csv", b"\xef\xbb\xbf"), (".xlsx", "application/vnd.openxmlformats", b"PK"),
    (".pdf", "application/pdf", b"%PDF"),
])
def test_downloads_in_every_format(client, admin, bureau_user, october, suffix, mimetype, magic):
    build(client, admin, "2026-10")
    assert_problem(client.get(f"/api/v1/reports/monthly/2026-10{suffix}",
                              headers=bearer(bureau_user)), 404, "report_not_found")
    client.post("/api/v1/admin/reports/monthly/2026-10/certify", json={}, headers=bearer(admin))
    response = client.get(f"/api/v1/reports/monthly/2026-10{suffix}", headers=bearer(bureau_user))
    assert response.status_code == 200
    assert response.mimetype.startswith(mimetype.split(";")[0])
    if suffix == ".csv":  # once, not "text/csv; charset=utf-8; charset=utf-8"
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(magic)
    assert "gannan-report-2026-10-v1" in response.headers["Content-Disposition"]


def test_who_reads_reports(client, consumer, bureau_user, admin, october):
    order = october[0]
    assert_problem(client.get("/api/v1/reports/monthly", headers=bearer(consumer)), 403,
                   "forbidden")
    assert client.get("/api/v1/reports/monthly", headers=bearer(bureau_user)).status_code == 200
    assert_problem(client.post("/api/v1/admin/reports/monthly", json={"period": "2026-10"},
                               headers=bearer(bureau_user)), 403, "forbidden")
    # the bureau sees figures, never shoppers' personal data
    for path in (f"/api/v1/orders/{order['id']}",
                 f"/api/v1/seller-orders/{order['seller_orders'][0]['id']}",
                 "/api/v1/admin/sellers"):
        assert client.get(path, headers=bearer(bureau_user)).status_code == 403
    report = client.get("/api/v1/reports/monthly", headers=bearer(bureau_user)).get_json()
    assert report["items"] == []  # drafts are for admins
    assert_problem(client.post("/api/v1/admin/reports/monthly", json={"period": "2026-13"},
                               headers=bearer(admin)), 422, "validation_error")


def test_a_month_is_certified_only_once_it_has_ended_in_shanghai(client, admin, clock, october):
    clock("2026-11-15T08:00")
    build(client, admin, "2026-11")
    early = client.post("/api/v1/admin/reports/monthly/2026-11/certify", json={},
                        headers=bearer(admin))
    assert_problem(early, 409, "period_not_ended")
    assert early.get_json()["ends_at"] == "2026-11-30T16:00:00+00:00"
    clock("2026-11-30T15:59")  # 23:59 on 30 November in Shanghai: not yet
    assert_problem(client.post("/api/v1/admin/reports/monthly/2026-11/certify", json={},
                               headers=bearer(admin)), 409, "period_not_ended")
    assert db.session.scalar(db.select(MonthlyReport.status)) is ReportStatus.DRAFT
    clock("2026-11-30T16:00")  # midnight: 1 December in Shanghai, still 30 November in UTC
    certified = client.post("/api/v1/admin/reports/monthly/2026-11/certify", json={},
                            headers=bearer(admin))
    assert certified.status_code == 200, certified.get_json()
    assert certified.get_json()["status"] == "certified"


def test_build_state_without_a_result_backend_is_unknown_not_an_error(client, admin, october):
    task = client.post("/api/v1/admin/reports/monthly", json={"period": "2026-10"},
                       headers=bearer(admin)).get_json()
    status = client.get(task["status_url"], headers=bearer(admin))
    assert status.status_code == 200
    assert status.get_json() == {"task_id": task["task_id"], "state": "UNKNOWN", "result": None}


def test_each_aggregate_is_read_once_whatever_the_month(october):
    """The month, its breakdowns, the year to date, the trend with both comparisons,
    what plan targets and awards read per seller and year, and the month's parcels and
    recalls (one statement each): a bounded number of statements that does not grow
    with the months of the trend (October and November both have sales; a month without
    any skips the seller-name lookup)."""
    from sqlalchemy import event

    from gannan.reporting.monthly import build_content

    build_content(metrics.Month.parse("2026-10"))  # reference data (counties) read once
    counts = {}
    for period in ("2026-01", "2026-10", "2026-11", "2026-12"):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            built = build_content(metrics.Month.parse(period))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        counts[period] = len(statements)
        assert len(built["monthly_trend"]) == int(period[5:])
    assert counts["2026-10"] == counts["2026-11"] == 17, counts
    assert max(counts.values()) <= 17, counts
