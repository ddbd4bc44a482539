"""Seller applications, qualifications, admin review with audit, staff, visibility."""

from datetime import date, timedelta

import pytest

from gannan.platform.extensions import db
from gannan.platform.models import (
    Qualification,
    QualificationKind,
    Seller,
    SellerDecision,
    SellerStatus,
)
from tests.factories import SellerFactory, UserFactory, valid_uscc
from tests.helpers import assert_problem, bearer

APPLICATION = {
    "name": "信丰县脐橙种植有限公司",
    "kind": "enterprise",
    "county_code": "360722",
    "contact_name": "刘建国",
    "contact_phone": "13907971234",
    "address": "江西省赣州市信丰县嘉定镇",
}


@pytest.fixture
def application():
    return {**APPLICATION, "uscc": valid_uscc(4242)}


def apply(client, user, payload):
    return client.post("/api/v1/sellers", json=payload, headers=bearer(user))


def test_apply_creates_a_pending_seller_owned_by_the_caller(client, consumer, application):
    response = apply(client, consumer, application)
    assert response.status_code == 201
    seller = response.get_json()
    assert seller["status"] == "pending"
    assert seller["county"]["name"] == "信丰县"
    assert seller["uscc"] == application["uscc"]
    me = client.get("/api/v1/me", headers=bearer(consumer)).get_json()
    assert me["sellers"] == [{"seller_id": seller["id"], "seller_name": application["name"],
                              "seller_status": "pending", "role": "owner"}]


def test_uscc_is_normalised(client, consumer, application):
    spaced = application["uscc"].lower()
    response = apply(client, consumer, {**application, "uscc": f" {spaced[:8]} {spaced[8:]} "})
    assert response.status_code == 201
    assert response.get_json()["uscc"] == application["uscc"]


def test_bad_check_digit_is_invalid_uscc(client, consumer, application):
    good = application["uscc"]
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    body = assert_problem(apply(client, consumer, {**application, "uscc": bad}), 422,
                          "invalid_uscc")
    assert "uscc" in body["errors"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Seller)) == 0


def test_same_uscc_twice_is_409(client, consumer, application):
    assert apply(client, consumer, application).status_code == 201
    other = UserFactory()
    assert_problem(apply(client, other, {**application, "name": "另一家"}), 409, "uscc_taken")


@pytest.mark.parametrize("code, problem", [("360727", "retired_county"),
                                           ("360782", "retired_county"),
                                           ("360799", "unknown_county")])
def test_county_must_be_current(client, consumer, application, code, problem):
    body = assert_problem(apply(client, consumer, {**application, "county_code": code}), 422,
                          problem)
    assert "county_code" in body["errors"]


@pytest.mark.parametrize("field, value", [("kind", "shop"), ("contact_phone", "12345"),
                                          ("name", ""), ("county_code", "36072")])
def test_field_rules(client, consumer, application, field, value):
    body = assert_problem(apply(client, consumer, {**application, field: value}), 422,
                          "validation_error")
    assert field in body["errors"]


def test_apply_needs_an_account(client, application):
    assert_problem(client.post("/api/v1/sellers", json=application), 401,
                   "authentication_required")


# --- qualifications -------------------------------------------------------------


def add_qualification(client, user, seller_id, **payload):
    return client.post(f"/api/v1/sellers/{seller_id}/qualifications", json=payload,
                       headers=bearer(user))


@pytest.fixture
def owned(consumer):
    return SellerFactory(owner=consumer, licence=False)


def test_qualification_kinds(client, consumer, owned):
    ok = [
        {"kind": "business_licence", "number": owned.uscc, "valid_from": "2020-01-01"},
        {"kind": "food_business_licence", "number": "JY13607220001234",
         "valid_from": "2024-01-01", "valid_until": "2029-01-01"},
        {"kind": "food_production_licence", "number": "sc10636072200015",
         "valid_from": "2024-01-01", "valid_until": "2029-01-01"},
    ]
    for payload in ok:
        response = add_qualification(client, consumer, owned.id, **payload)
        assert response.status_code == 201, response.get_json()
    listed = client.get(f"/api/v1/sellers/{owned.id}/qualifications",
                        headers=bearer(consumer)).get_json()
    assert [q["number"] for q in listed] == [owned.uscc, "JY13607220001234", "SC10636072200015"]
    assert listed[0]["valid_until"] is None


@pytest.mark.parametrize("payload, code", [
    ({"kind": "food_business_licence", "number": "JY1360722000123"}, "invalid_licence_number"),
    ({"kind": "food_business_licence", "number": "SC13607220001234"}, "invalid_licence_number"),
    ({"kind": "food_production_licence", "number": "SC1063607220001X"}, "invalid_licence_number"),
    ({"kind": "business_licence", "number": "91360722MA00000000"}, "invalid_uscc"),
])
def test_bad_qualification_numbers(client, consumer, owned, payload, code):
    payload = {"valid_from": "2024-01-01", **payload}
    assert_problem(add_qualification(client, consumer, owned.id, **payload), 422, code)


def test_business_licence_must_carry_the_sellers_uscc(client, consumer, owned):
    response = add_qualification(client, consumer, owned.id, kind="business_licence",
                                 number=valid_uscc(999), valid_from="2020-01-01")
    assert_problem(response, 422, "licence_uscc_mismatch")


def test_validity_rules(client, consumer, owned):
    today = date.today()
    reversed_range = add_qualification(
        client, consumer, owned.id, kind="food_business_licence", number="JY13607220001234",
        valid_from="2025-01-01", valid_until="2024-12-31")
    assert_problem(reversed_range, 422, "invalid_validity")
    expired = add_qualification(
        client, consumer, owned.id, kind="food_business_licence", number="JY13607220001234",
        valid_from="2019-01-01", valid_until=str(today - timedelta(days=1)))
    assert_problem(expired, 422, "qualification_expired")
    assert client.get(f"/api/v1/sellers/{owned.id}/qualifications",
                      headers=bearer(consumer)).get_json() == []


def test_duplicate_qualification_is_409(client, consumer, owned):
    payload = {"kind": "food_business_licence", "number": "JY13607220001234",
               "valid_from": "2024-01-01"}
    assert add_qualification(client, consumer, owned.id, **payload).status_code == 201
    assert_problem(add_qualification(client, consumer, owned.id, **payload), 409,
                   "duplicate_qualification")


# --- review -----------------------------------------------------------------------


def review(client, actor, seller_id, action, reason=None):
    body = {} if reason is None else {"reason": reason}
    return client.post(f"/api/v1/admin/sellers/{seller_id}/{action}", json=body,
                       headers=bearer(actor))


def test_full_review_flow_is_audited(client, admin, consumer, application):
    seller_id = apply(client, consumer, application).get_json()["id"]
    assert_problem(client.get(f"/api/v1/sellers/{seller_id}"), 404, "seller_not_found")

    assert_problem(review(client, admin, seller_id, "approve"), 409, "business_licence_required")
    add_qualification(client, consumer, seller_id, kind="business_licence",
                      number=application["uscc"], valid_from="2021-05-01")
    approved = review(client, admin, seller_id, "approve", "资料齐全")
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "approved"

    public = client.get(f"/api/v1/sellers/{seller_id}").get_json()
    assert public["name"] == application["name"]
    assert public["status"] == "approved"
    assert "contact_phone" not in public and "contact_name" not in public
    assert any(s["id"] == seller_id for s in client.get("/api/v1/sellers").get_json()["items"])

    suspended = review(client, admin, seller_id, "suspend", "抽检不合格")
    assert suspended.get_json()["status"] == "suspended"
    assert_problem(client.get(f"/api/v1/sellers/{seller_id}"), 404, "seller_not_found")
    assert review(client, admin, seller_id, "approve", "整改完成").status_code == 200

    detail = client.get(f"/api/v1/admin/sellers/{seller_id}", headers=bearer(admin)).get_json()
    trail = [(d["action"], d["from_status"], d["to_status"], d["reason"], d["actor_email"])
             for d in detail["decisions"]]
    assert trail == [
        ("approve", "pending", "approved", "资料齐全", admin.email),
        ("suspend", "approved", "suspended", "抽检不合格", admin.email),
        ("approve", "suspended", "approved", "整改完成", admin.email),
    ]
    assert all(d["created_at"].endswith("+00:00") for d in detail["decisions"])


def test_reject_and_suspend_need_a_reason(client, admin):
    seller = SellerFactory()
    assert_problem(review(client, admin, seller.id, "reject"), 422, "validation_error")
    assert_problem(review(client, admin, seller.id, "reject", ""), 422, "validation_error")
    response = review(client, admin, seller.id, "reject", "营业执照模糊")
    assert response.get_json()["status"] == "rejected"
    assert response.get_json()["status_reason"] == "营业执照模糊"


@pytest.mark.parametrize("status, action", [
    (SellerStatus.PENDING, "suspend"), (SellerStatus.APPROVED, "reject"),
    (SellerStatus.APPROVED, "approve"), (SellerStatus.REJECTED, "suspend"),
])
def test_invalid_transitions_change_nothing(client, admin, status, action):
    seller = SellerFactory(status=status)
    assert_problem(review(client, admin, seller.id, action, "x"), 409, "invalid_transition")
    db.session.refresh(seller)
    assert seller.status is status
    assert db.session.scalar(db.select(db.func.count()).select_from(SellerDecision)) == 0


def test_expired_business_licence_does_not_count(client, admin):
    seller = SellerFactory(licence=False)
    seller.qualifications.append(Qualification(
        kind=QualificationKind.BUSINESS_LICENCE, number=seller.uscc,
        valid_from=date(2010, 1, 1), valid_until=date(2020, 1, 1)))
    db.session.commit()
    assert_problem(review(client, admin, seller.id, "approve"), 409, "business_licence_required")


def test_review_queue(client, admin):
    pending = SellerFactory()
    SellerFactory(status=SellerStatus.APPROVED)
    body = client.get("/api/v1/admin/sellers?status=pending", headers=bearer(admin)).get_json()
    assert [s["id"] for s in body["items"]] == [pending.id]
    assert body["total"] == 1
    assert body["items"][0]["contact_phone"] == "13800000000"


# --- authorization --------------------------------------------------------------------


def test_consumer_cannot_review_or_see_the_queue(client, consumer):
    seller = SellerFactory()
    assert_problem(review(client, consumer, seller.id, "approve"), 403, "forbidden")
    assert_problem(client.get("/api/v1/admin/sellers", headers=bearer(consumer)), 403,
                   "forbidden")
    assert_problem(client.post(f"/api/v1/admin/sellers/{seller.id}/approve", json={}), 401,
                   "authentication_required")
    db.session.refresh(seller)
    assert seller.status is SellerStatus.PENDING


def test_bureau_is_not_an_admin(client, bureau_user):
    seller = SellerFactory()
    assert_problem(review(client, bureau_user, seller.id, "approve"), 403, "forbidden")


def test_others_cannot_see_a_pending_application(client, consumer):
    owner = UserFactory()
    seller = SellerFactory(owner=owner)
    assert_problem(client.get(f"/api/v1/sellers/{seller.id}", headers=bearer(consumer)), 404,
                   "seller_not_found")
    assert_problem(client.get(f"/api/v1/sellers/{seller.id}"), 404, "seller_not_found")
    own = client.get(f"/api/v1/sellers/{seller.id}", headers=bearer(owner)).get_json()
    assert own["status"] == "pending" and own["contact_phone"] == "13800000000"
    assert_problem(client.get(f"/api/v1/sellers/{seller.id}/qualifications",
                              headers=bearer(consumer)), 403, "not_seller_member")


def test_staff_act_only_for_their_seller(client):
    owner_a, owner_b, staff = UserFactory(), UserFactory(), UserFactory()
    seller_a = SellerFactory(owner=owner_a, licence=False)
    seller_b = SellerFactory(owner=owner_b, licence=False)

    added = client.post(f"/api/v1/sellers/{seller_a.id}/staff", json={"email": staff.email},
                        headers=bearer(owner_a))
    assert added.status_code == 201
    assert added.get_json()["role"] == "staff"

    payload = {"kind": "food_business_licence", "number": "JY13607220001234",
               "valid_from": "2024-01-01"}
    assert add_qualification(client, staff, seller_a.id, **payload).status_code == 201
    assert_problem(add_qualification(client, staff, seller_b.id, **payload), 403,
                   "not_seller_member")
    assert_problem(client.post(f"/api/v1/sellers/{seller_a.id}/staff",
                               json={"email": owner_b.email}, headers=bearer(staff)),
                   403, "not_seller_owner")
    assert_problem(client.post(f"/api/v1/sellers/{seller_b.id}/staff",
                               json={"email": staff.email}, headers=bearer(owner_a)),
                   403, "not_seller_member")

    members = client.get(f"/api/v1/sellers/{seller_a.id}/staff", headers=bearer(staff)).get_json()
    assert {(m["email"], m["role"]) for m in members["items"]} == {
        (owner_a.email, "owner"), (staff.email, "staff")}

    assert_problem(client.delete(f"/api/v1/sellers/{seller_a.id}/staff/{owner_a.id}",
                                 headers=bearer(owner_a)), 409, "owner_not_removable")
    assert client.delete(f"/api/v1/sellers/{seller_a.id}/staff/{staff.id}",
                         headers=bearer(owner_a)).status_code == 204
    assert_problem(add_qualification(client, staff, seller_a.id, kind="food_production_licence",
                                     number="SC10636072200015", valid_from="2024-01-01"),
                   403, "not_seller_member")


def test_staff_must_have_an_account_and_join_once(client, consumer, owned):
    assert_problem(client.post(f"/api/v1/sellers/{owned.id}/staff",
                               json={"email": "ghost@example.cn"}, headers=bearer(consumer)),
                   404, "user_not_found")
    assert_problem(client.post(f"/api/v1/sellers/{owned.id}/staff",
                               json={"email": consumer.email}, headers=bearer(consumer)),
                   409, "already_member")


def test_missing_seller_is_404_for_members_routes(client, consumer):
    assert_problem(client.get("/api/v1/sellers/999/qualifications", headers=bearer(consumer)),
                   404, "seller_not_found")


# --- listing ------------------------------------------------------------------------------


def test_public_list_shows_only_approved_sellers_with_filters(client):
    shown = SellerFactory(status=SellerStatus.APPROVED, county_code="360731")
    SellerFactory(status=SellerStatus.APPROVED, county_code="360722")
    SellerFactory(status=SellerStatus.PENDING, county_code="360731")
    SellerFactory(status=SellerStatus.SUSPENDED, county_code="360731")
    body = client.get("/api/v1/sellers?county=360731").get_json()
    assert [s["id"] for s in body["items"]] == [shown.id]
    assert "contact_phone" not in body["items"][0]


def test_list_queries_do_not_grow_with_page_size(client, count_queries):
    for _ in range(30):
        SellerFactory(status=SellerStatus.APPROVED)
    counts = {}
    for size in (1, 10, 30):
        with count_queries() as statements:
            body = client.get(f"/api/v1/sellers?page_size={size}").get_json()
        assert len(body["items"]) == size and body["total"] == 30
        counts[size] = len(statements)
    assert counts[1] == counts[10] == counts[30], counts
