"""The county commerce office's console: its county's sales and parcels, the
applications waiting for its recommendation (推荐), and the admin's review page that
waits for it (主体自愿申请、县级部门推荐、平台审核)."""

from __future__ import annotations

from gannan.orders.services import fulfilment
from gannan.platform.extensions import db
from gannan.platform.models import Seller, SellerStatus
from gannan.reporting.register.services import register_applicant
from tests.factories import SellerFactory, UserFactory, valid_uscc
from tests.web.console.pages import post, sign_in, text


def test_an_office_opens_its_own_county_and_sees_its_parcels(client, world):
    fulfilment.ship(world.seller_order_id, world.owner.id, "EMS", "E1")
    sign_in(client, world.officer)
    assert client.get("/county").headers["Location"] == "/county/360722"
    choose = text(client.get("/console", follow_redirects=True))
    assert "信丰县商务局" in choose and "本县概览" in choose
    page = text(client.get("/county/360722"))
    # the COD order of two shipped at once: one parcel of 安西镇, left within 24 hours
    assert "100.00% 24 小时内发出（1/1 个包裹）" in page
    assert "安西镇" in page and "信丰县果园合作社" in page
    assert "兴国县山茶油有限公司" not in page  # another county's seller
    sign_in(client, world.other_officer)
    assert client.get("/county/360722").status_code == 403


def test_the_office_recommends_and_only_then_the_admin_approves(client, world):
    pending = SellerFactory(county_code="360722", owner=UserFactory(), name="信丰县新苗果业")
    assert pending.status is SellerStatus.PENDING
    sign_in(client, world.admin)
    review = text(client.get(f"/admin/sellers/{pending.id}"))
    assert "等待信丰县商务部门推荐" in review
    refused = post(client, f"/admin/sellers/{pending.id}/approve", {"reason": ""})
    assert refused.status_code == 409 and "商务部门还没有推荐" in text(refused)

    sign_in(client, world.officer)
    page = text(client.get("/county/360722"))
    assert "待推荐的开店申请" in page and "信丰县新苗果业" in page
    done = post(client, f"/county/360722/sellers/{pending.id}/recommend",
                {"reason": "实地核查，同意推荐"})
    assert done.status_code == 302
    page = text(client.get("/county/360722"))
    assert "已推荐 信丰县新苗果业，等待平台审核" in page and "没有等待推荐的申请" in page
    again = post(client, f"/county/360722/sellers/{pending.id}/recommend", {})
    assert again.status_code == 409 and "已经推荐过" in text(again)

    sign_in(client, world.admin)
    review = text(client.get(f"/admin/sellers/{pending.id}"))
    assert "信丰县商务部门已推荐" in review and "实地核查，同意推荐" in review
    assert post(client, f"/admin/sellers/{pending.id}/approve", {"reason": ""}
                ).status_code == 302
    db.session.expire_all()
    assert db.session.get(Seller, pending.id).status is SellerStatus.APPROVED


def test_another_countys_office_cannot_recommend_through_its_own_path(client, world):
    pending = SellerFactory(county_code="360722", owner=UserFactory())
    sign_in(client, world.other_officer)
    refused = post(client, f"/county/360732/sellers/{pending.id}/recommend", {})
    assert refused.status_code == 404
    assert not db.session.get(Seller, pending.id).recommendations


def test_the_offices_applicants_by_uscc_or_name_prefix(client, world):
    for number, name, county in ((7001, "信丰县脐橙电商有限公司", "360722"),
                                 (7002, "信丰县赣南茶业", "360722"),
                                 (7003, "兴国县红军鱼合作社", "360732")):
        register_applicant(world.bureau, {"uscc": valid_uscc(number, county), "name": name,
                                          "kind": "enterprise", "county_code": county})
    sign_in(client, world.officer)
    page = text(client.get("/county/360722"))
    assert "信丰县脐橙电商有限公司" in page and "信丰县赣南茶业" in page
    assert "兴国县红军鱼合作社" not in page
    found = text(client.get("/county/360722?q=信丰县脐"))
    assert "信丰县脐橙电商有限公司" in found and "信丰县赣南茶业" not in found
    by_code = text(client.get(f"/county/360722?q={valid_uscc(7002, '360722')[:17]}"))
    assert "信丰县赣南茶业" in by_code and "信丰县脐橙电商有限公司" not in by_code
