"""County commerce offices: the county_officer role of one county, and its recommendation
(推荐) before an admin approves a seller of its county."""

from __future__ import annotations

import pytest

from gannan.platform.extensions import db
from gannan.platform.models import Role, SellerStatus, UserRole
from gannan.platform.services import grant_role
from tests.factories import SellerFactory, UserFactory
from tests.helpers import assert_problem, bearer

XINFENG, XINGGUO = "360722", "360732"


def officer_of(county: str):
    return UserFactory(role_rows=[UserRole(role=Role.COUNTY_OFFICER, county_code=county)])


@pytest.fixture
def xinfeng_office():
    return officer_of(XINFENG)


def approve(client, admin, seller_id, reason="资料齐全"):
    return client.post(f"/api/v1/admin/sellers/{seller_id}/approve", json={"reason": reason},
                       headers=bearer(admin))


def recommend(client, user, seller_id, county=XINFENG, reason="县商务局核实，同意推荐"):
    return client.post(f"/api/v1/counties/{county}/sellers/{seller_id}/recommend",
                       json={"reason": reason}, headers=bearer(user))


def test_a_county_officer_acts_for_exactly_one_county(client, consumer):
    with pytest.raises(Exception, match="county"):
        grant_role(consumer, Role.COUNTY_OFFICER)
    db.session.rollback()
    grant_role(consumer, Role.COUNTY_OFFICER, XINFENG)
    assert consumer.county_office == XINFENG
    me = client.get("/api/v1/me", headers=bearer(consumer)).get_json()
    assert me["county_office"] == XINFENG and "county_officer" in me["roles"]
    with pytest.raises(Exception, match="already the officer"):
        grant_role(consumer, Role.COUNTY_OFFICER, XINGGUO)
    db.session.rollback()
    with pytest.raises(Exception):  # the database itself refuses a county on another role
        db.session.add(UserRole(user_id=consumer.id, role=Role.BUREAU, county_code=XINFENG))
        db.session.commit()
    db.session.rollback()


def test_the_cli_grants_the_role_with_its_county(app):
    user = UserFactory(email="office@xinfeng.gov.cn")
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["users", "grant", user.email, "county_officer"])
    assert missing.exit_code != 0 and "county" in missing.output
    granted = runner.invoke(args=["users", "grant", user.email, "county_officer", "--county",
                                  XINFENG])
    assert granted.exit_code == 0, granted.output
    assert f"county={XINFENG}" in granted.output
    retired = runner.invoke(args=["users", "create", "b@x.cn", "--password", "赣州寻乌-office-2026",
                                  "--role", "county_officer", "--county", "360721"])
    assert retired.exit_code != 0 and "retired" in retired.output


def test_a_seller_of_an_office_county_waits_for_its_recommendation(client, admin,
                                                                   xinfeng_office):
    pending = SellerFactory(county_code=XINFENG, owner=UserFactory())
    xingguo_office = officer_of(XINGGUO)
    assert_problem(approve(client, admin, pending.id), 409, "county_recommendation_required")
    assert_problem(recommend(client, xingguo_office, pending.id), 403, "not_county_officer")
    assert_problem(recommend(client, xingguo_office, pending.id, county=XINGGUO), 404,
                   "seller_not_found")  # its own path, but not its seller
    assert_problem(recommend(client, admin, pending.id), 403, "not_county_officer")

    done = recommend(client, xinfeng_office, pending.id)
    assert done.status_code == 200, done.get_json()
    recommendation = done.get_json()["recommendations"][0]
    assert (recommendation["officer_email"], recommendation["reason"]) == (
        xinfeng_office.email, "县商务局核实，同意推荐")
    assert_problem(recommend(client, xinfeng_office, pending.id), 409, "already_recommended")
    approved = approve(client, admin, pending.id)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert_problem(recommend(client, xinfeng_office, pending.id), 409, "invalid_transition")
    detail = client.get(f"/api/v1/admin/sellers/{pending.id}", headers=bearer(admin)).get_json()
    assert len(detail["recommendations"]) == 1


def test_a_rejected_application_needs_a_new_recommendation(client, admin, xinfeng_office):
    pending = SellerFactory(county_code=XINFENG, owner=UserFactory())
    recommend(client, xinfeng_office, pending.id)
    rejected = client.post(f"/api/v1/admin/sellers/{pending.id}/reject",
                           json={"reason": "资料不全"}, headers=bearer(admin))
    assert rejected.status_code == 200
    assert_problem(approve(client, admin, pending.id), 409, "county_recommendation_required")
    assert recommend(client, xinfeng_office, pending.id, reason="补正后推荐").status_code == 200
    assert approve(client, admin, pending.id).status_code == 200
    suspended = client.post(f"/api/v1/admin/sellers/{pending.id}/suspend",
                            json={"reason": "抽检不合格"}, headers=bearer(admin))
    assert suspended.status_code == 200
    assert approve(client, admin, pending.id, "整改完成").status_code == 200  # reinstated


def test_counties_without_an_office_and_the_setting_off(app, client, admin, xinfeng_office):
    elsewhere = SellerFactory(county_code=XINGGUO, owner=UserFactory())
    assert approve(client, admin, elsewhere.id).status_code == 200  # no office in 兴国
    pending = SellerFactory(county_code=XINFENG, owner=UserFactory())
    app.config["COUNTY_RECOMMENDATION_REQUIRED"] = False
    try:
        assert approve(client, admin, pending.id).status_code == 200
    finally:
        app.config["COUNTY_RECOMMENDATION_REQUIRED"] = True
    inactive = SellerFactory(county_code=XINFENG, owner=UserFactory())
    xinfeng_office.is_active = False
    db.session.commit()
    assert approve(client, admin, inactive.id).status_code == 200  # no active office


def test_an_office_lists_its_own_sellers_only(client, xinfeng_office, seller):
    other = SellerFactory(county_code=XINGGUO, owner=UserFactory())
    pending = SellerFactory(county_code=XINFENG, owner=UserFactory())
    listed = client.get(f"/api/v1/counties/{XINFENG}/sellers", headers=bearer(xinfeng_office))
    assert listed.status_code == 200
    assert sorted(s["id"] for s in listed.get_json()["items"]) == sorted([seller.id, pending.id])
    queue = client.get(f"/api/v1/counties/{XINFENG}/sellers?status=pending",
                       headers=bearer(xinfeng_office)).get_json()
    assert [s["id"] for s in queue["items"]] == [pending.id]
    assert queue["items"][0]["recommendations"] == []
    assert_problem(client.get(f"/api/v1/counties/{XINFENG}/sellers/{other.id}",
                              headers=bearer(xinfeng_office)), 404, "seller_not_found")
    assert_problem(client.get(f"/api/v1/counties/{XINGGUO}/sellers",
                              headers=bearer(xinfeng_office)), 403, "not_county_officer")
    assert pending.status is SellerStatus.PENDING
