"""The bureau's register: applicants by USCC, explicit figures, two parts, look-up, audit."""

from __future__ import annotations

import pytest

from gannan.platform.extensions import db
from gannan.reporting.register.models import Applicant, CertifiedFigures, RegisterChange
from tests.factories import valid_uscc
from tests.helpers import (
    SHANGHAI_ADDR,
    add_to_cart,
    assert_problem,
    bearer,
    checkout,
    cod_sale,
    owner_of,
)

M = 1_000_000 * 100  # a million 元, in fen
FIGURES = ("online_retail_fen", "specialty_fen", "agricultural_fen", "upstream_fen",
           "livestream_fen")
TMALL = valid_uscc(4001, "360702")


def register(client, user, **body):
    return client.post("/api/v1/bureau/applicants", json=body, headers=bearer(user))


def put_figures(client, user, applicant_id, year=2026, **values):
    body = {"year": year, **dict.fromkeys(FIGURES), **values}
    return client.put(f"/api/v1/bureau/applicants/{applicant_id}/figures", json=body,
                      headers=bearer(user))


def awards(client, user, year=2026):
    response = client.get(f"/api/v1/awards?year={year}", headers=bearer(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def lines_of(report, ref):
    return {line["kind"]: line for line in report["lines"] if line["ref"] == ref}


@pytest.fixture
def enterprise(client, bureau_user):
    """An enterprise that sells on other platforms only: not a seller here."""
    created = register(client, bureau_user, uscc=valid_uscc(3001, "360732"),
                       name="兴国县赣南茶油有限公司", kind="enterprise", county_code="360732")
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def test_register_checks_uscc_county_and_duplicates(client, bureau_user, enterprise):
    assert enterprise["seller"] is None and enterprise["county"]["name"] == "兴国县"
    body = {"name": "x", "kind": "enterprise", "county_code": "360722"}
    assert_problem(register(client, bureau_user, uscc="91360702MA00000000", **body), 422,
                   "invalid_uscc")
    assert_problem(register(client, bureau_user, uscc=valid_uscc(3002), **{
        **body, "county_code": "360721"}), 422, "retired_county")
    assert_problem(register(client, bureau_user, uscc=enterprise["uscc"], **body), 409,
                   "applicant_exists")
    assert_problem(register(client, bureau_user, uscc=valid_uscc(3003)), 422,
                   "applicant_details_required")  # no seller has it to take them from
    this_platform = register(client, bureau_user, uscc="91360700MA3GNPT0XH", name="本平台",
                             kind="platform", county_code="360702")
    assert_problem(this_platform, 422, "this_platform")


def test_a_sellers_uscc_alone_registers_the_seller(client, bureau_user, seller):
    created = register(client, bureau_user, uscc=seller.uscc)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["name"], body["kind"], body["county"]["code"]) == (
        seller.name, "enterprise", seller.county_code)
    assert body["seller"] == {"id": seller.id, "name": seller.name, "status": "approved"}


def test_every_figure_is_explicit_and_corrections_are_audited(client, bureau_user,
                                                              enterprise):
    applicant_id = enterprise["id"]
    partial = client.put(f"/api/v1/bureau/applicants/{applicant_id}/figures",
                         json={"year": 2026, "online_retail_fen": 100},
                         headers=bearer(bureau_user))
    body = assert_problem(partial, 422, "validation_error")
    assert set(body["errors"]) == {"specialty_fen", "agricultural_fen", "upstream_fen",
                                   "livestream_fen"}
    first = put_figures(client, bureau_user, applicant_id, online_retail_fen=30 * M,
                        agricultural_fen=12 * M, note="京东 2026 审计")
    assert first.status_code == 200, first.get_json()
    stored = db.session.scalar(db.select(CertifiedFigures))
    assert stored.upstream_fen is None and stored.agricultural_fen == 12 * M  # NULL, not 0

    bad = put_figures(client, bureau_user, applicant_id, online_retail_fen=30 * M,
                      agricultural_fen=12 * M, upstream_fen=12 * M + 1)
    body = assert_problem(bad, 422, "invalid_figures")
    assert [(p["field"], p["code"]) for p in body["problems"]] == [
        ("upstream_fen", "upstream_exceeds_agricultural")]
    assert list(body["errors"]) == ["upstream_fen"]
    body = assert_problem(put_figures(client, bureau_user, applicant_id, online_retail_fen=30 * M,
                                      specialty_fen=31 * M, livestream_fen=5), 422,
                          "invalid_figures")
    assert [p["code"] for p in body["problems"]] == ["specialty_exceeds_online_retail",
                                                     "livestream_not_a_base"]
    no_reason = put_figures(client, bureau_user, applicant_id, online_retail_fen=30 * M,
                            agricultural_fen=12 * M, upstream_fen=11 * M)
    assert_problem(no_reason, 422, "change_reason_required")
    fixed = put_figures(client, bureau_user, applicant_id, online_retail_fen=30 * M,
                        agricultural_fen=12 * M, upstream_fen=11 * M, reason="补报上行数据")
    assert fixed.status_code == 200 and fixed.get_json()["upstream_fen"] == 11 * M
    again = put_figures(client, bureau_user, applicant_id, online_retail_fen=30 * M,
                        agricultural_fen=12 * M, upstream_fen=11 * M)
    assert again.status_code == 200  # the same figures: nothing to say why about

    changes = client.get(f"/api/v1/bureau/applicants/{applicant_id}/changes",
                         headers=bearer(bureau_user)).get_json()["items"]
    assert [(c["year"], c["reason"]) for c in changes] == [
        (None, "registered"), (2026, "first recorded"), (2026, "补报上行数据")]
    assert changes[-1]["changes"] == {"upstream_fen": [None, 11 * M]}
    assert changes[-1]["actor_email"] == bureau_user.email


def test_a_seller_and_its_external_figures_add_up_in_two_parts(client, bureau_user, clock,
                                                                shopper, market):
    clock("2026-05-10T04:00")
    cod_sale(client, shopper, {market["orange"]: 2}, SHANGHAI_ADDR)  # 2 × 68.80 元 here
    seller = market["orange"].seller
    applicant = register(client, bureau_user, uscc=seller.uscc).get_json()
    assert put_figures(client, bureau_user, applicant["id"], online_retail_fen=150 * M,
                       agricultural_fen=150 * M, upstream_fen=140 * M,
                       specialty_fen=150 * M).status_code == 200
    detail = client.get(f"/api/v1/bureau/applicants/{applicant['id']}",
                        headers=bearer(bureau_user)).get_json()
    year = next(y for y in detail["years"] if y["year"] == 2026)
    assert year["platform"]["online_retail_fen"] == 2 * 6880
    assert year["external"]["online_retail_fen"] == 150 * M
    assert year["certified"]["online_retail_fen"] == 150 * M + 2 * 6880
    assert year["certified"]["livestream_fen"] is None  # not reported
    assert next(y for y in detail["years"] if y["year"] == 2025)["external"] is None

    lines = lines_of(awards(client, bureau_user), f"seller:{seller.id}")
    growth = lines["growth"]
    assert growth["figures"]["platform_online_fen"] == 2 * 6880
    assert growth["figures"]["external_online_fen"] == 150 * M
    assert growth["figures"]["certified_online_fen"] == 150 * M + 2 * 6880
    assert growth["computed_fen"] == 200_000 * 100  # first exceeds 100 M 元
    assert growth["uscc"] == seller.uscc


def test_an_applicant_that_is_no_seller_gets_its_own_lines(client, bureau_user, enterprise):
    put_figures(client, bureau_user, enterprise["id"], online_retail_fen=120 * M,
                agricultural_fen=30 * M, upstream_fen=25 * M)
    lines = lines_of(awards(client, bureau_user), f"applicant:{enterprise['id']}")
    assert lines["growth"]["computed_fen"] == 200_000 * 100
    assert lines["growth"]["figures"]["platform_online_fen"] == 0
    assert lines["agricultural"]["computed_fen"] == 200_000 * 100  # 1% of 25 M, capped
    assert lines["agricultural"]["after_preference_fen"] == 0  # 就高不就低: growth on a tie


def test_upstream_not_reported_is_said_in_award_5(client, bureau_user, enterprise):
    put_figures(client, bureau_user, enterprise["id"], online_retail_fen=30 * M,
                agricultural_fen=12 * M)
    line = lines_of(awards(client, bureau_user), f"applicant:{enterprise['id']}")[
        "agricultural"]
    assert line["computed_fen"] == 0
    assert line["figures"]["external_upstream_fen"] is None
    assert line["figures"]["certified_upstream_fen"] is None
    assert "agricultural upstream sales (农产品上行) not reported" in line["rule"]
    assert "兴国县赣南茶油有限公司" in line["rule"]


def test_another_platform_is_an_applicant_for_award_1(client, bureau_user):
    platform = register(client, bureau_user, uscc=TMALL, name="赣州本地生活电商平台",
                        kind="platform", county_code="360702").get_json()
    put_figures(client, bureau_user, platform["id"], online_retail_fen=8 * M,
                specialty_fen=5 * M)
    report = awards(client, bureau_user)
    line = lines_of(report, f"applicant:{platform['id']}")["platform"]
    assert line["computed_fen"] == 50_000 * 100  # 1% of 5 M 元
    assert line["uscc"] == TMALL
    assert lines_of(report, "platform")["platform"]["uscc"] == "91360700MA3GNPT0XH"

    put_figures(client, bureau_user, platform["id"], online_retail_fen=8 * M,
                reason="特色产品销售额待核")
    line = lines_of(awards(client, bureau_user), f"applicant:{platform['id']}")["platform"]
    assert line["computed_fen"] == 0 and "Ganzhou specialty sales not reported" in line["rule"]


def test_a_bases_external_live_sales_add_to_its_rooms(client, bureau_user, clock, shopper,
                                                      market):
    operator = valid_uscc(5001, "360702")
    base = {"name": "赣州直播电商产业园", "operator_name": "赣州直播科技有限公司",
            "operator_uscc": operator, "county_code": "360702", "area_m2": 600, "rooms": 12,
            "resident_enterprises": 22, "hosts": 25, "live_rooms": ["赣南好物直播间"]}
    base_id = client.post("/api/v1/bureau/livestream-bases", json=base,
                          headers=bearer(bureau_user)).get_json()["id"]
    clock("2026-06-01T04:00")
    add_to_cart(client, shopper, market["orange"], 1)
    order = checkout(client, shopper, channel="livestream", channel_ref="赣南好物直播间").get_json()
    part = order["seller_orders"][0]
    staff = bearer(owner_of(part["seller"]["id"]))
    client.post(f"/api/v1/seller-orders/{part['id']}/ship",
                json={"carrier": "EMS", "tracking_number": "1"}, headers=staff)
    client.post(f"/api/v1/seller-orders/{part['id']}/deliver", json={"cash_collected": True},
                headers=staff)

    applicant = register(client, bureau_user, uscc=operator, name="赣州直播科技有限公司",
                         kind="livestream_base_operator", county_code="360702").get_json()
    put_figures(client, bureau_user, applicant["id"], livestream_fen=20 * M)
    line = lines_of(awards(client, bureau_user), f"base:{base_id}")["livestream_base"]
    assert line["figures"]["platform_livestream_sales_fen"] == 6880
    assert line["figures"]["external_livestream_sales_fen"] == 20 * M
    assert line["figures"]["livestream_sales_fen"] == 20 * M + 6880
    assert line["computed_fen"] == 100_000 * 100  # tier 1: first exceeds 20 M 元
    enterprise = register(client, bureau_user, uscc=valid_uscc(5002), name="某企业",
                          kind="enterprise", county_code="360722").get_json()
    body = assert_problem(put_figures(client, bureau_user, enterprise["id"], livestream_fen=1),
                          422, "invalid_figures")
    assert [p["code"] for p in body["problems"]] == ["livestream_not_a_base"]


def test_lookup_by_uscc_or_name_prefix_finds_sellers_too(client, bureau_user, seller,
                                                         enterprise):
    def lookup(q):
        response = client.get("/api/v1/bureau/applicants/lookup", query_string={"q": q},
                              headers=bearer(bureau_user))
        assert response.status_code == 200, response.get_json()
        return response.get_json()["items"]

    by_name = lookup("兴国县赣南")
    assert [(i["uscc"], i["registered"]) for i in by_name] == [(enterprise["uscc"], True)]
    by_uscc = lookup(seller.uscc[:12].lower())
    assert [(i["uscc"], i["registered"], i["seller"]["id"]) for i in by_uscc] == [
        (seller.uscc, False, seller.id)]
    assert lookup("%") == [] and lookup("_") == []  # LIKE wildcards are plain characters
    page = client.get("/api/v1/bureau/applicants", query_string={"q": "兴国"},
                      headers=bearer(bureau_user)).get_json()
    assert page["total"] == 1 and page["items"][0]["id"] == enterprise["id"]


def test_the_original_external_sales_api_still_works(client, bureau_user, seller):
    body = {"seller_id": seller.id, "year": 2026, "online_fen": 1_000_00,
            "agricultural_fen": 500_00, "note": "天猫"}
    put = client.put("/api/v1/bureau/external-sales", json=body, headers=bearer(bureau_user))
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["upstream_fen"] is None  # left out: not reported
    listed = client.get("/api/v1/bureau/external-sales?year=2026",
                        headers=bearer(bureau_user)).get_json()
    assert [(r["seller_id"], r["online_fen"], r["agricultural_fen"]) for r in listed] == [
        (seller.id, 1_000_00, 500_00)]
    applicant = db.session.scalar(db.select(Applicant))
    assert applicant.uscc == seller.uscc and listed[0]["applicant_id"] == applicant.id
    assert db.session.scalar(db.select(db.func.count()).select_from(RegisterChange)) == 2


def test_the_register_is_the_bureaus(client, consumer, owner, seller):
    for user in (consumer, owner):
        assert_problem(client.get("/api/v1/bureau/applicants", headers=bearer(user)), 403,
                       "forbidden")
    assert_problem(client.get("/api/v1/bureau/applicants"), 401, "authentication_required")


def test_a_seller_registered_under_another_name_is_found_as_registered(client, bureau_user,
                                                                      seller):
    registered = register(client, bureau_user, uscc=seller.uscc, name="信丰果业集团有限公司",
                          kind="enterprise", county_code="360722").get_json()
    found = client.get("/api/v1/bureau/applicants/lookup", query_string={"q": seller.name[:4]},
                       headers=bearer(bureau_user)).get_json()["items"]
    assert [(i["applicant_id"], i["registered"], i["name"], i["seller"]["id"])
            for i in found] == [(registered["id"], True, "信丰果业集团有限公司", seller.id)]
