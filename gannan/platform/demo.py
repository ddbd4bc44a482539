"""The demo catalogue ``make run`` loads: accounts and sellers from several counties.

Idempotent: loading twice changes nothing.  Demo passwords are fixed and printed,
which is fine for a local demo and the reason ``demo load`` refuses to run in
production.
"""

from __future__ import annotations

from datetime import date

from stdnum.cn import uscc as uscc_std

from gannan.platform.extensions import db
from gannan.platform.models import (
    MemberRole,
    Qualification,
    QualificationKind,
    Role,
    Seller,
    SellerKind,
    SellerMember,
    SellerStatus,
)
from gannan.platform.services import find_user_by_email, register_user

DEMO_PASSWORD = "gannan-demo-2026"

ACCOUNTS = [
    # email, display name, roles
    ("admin@demo.gannan.test", "平台管理员", [Role.PLATFORM_ADMIN]),
    ("bureau@demo.gannan.test", "市商务局 数据专员", [Role.BUREAU]),
    ("shopper@demo.gannan.test", "王小明", []),
    ("xinfeng@demo.gannan.test", "刘建国 (信丰脐橙合作社)", []),
    ("xingguo@demo.gannan.test", "陈秀英 (兴国茶油)", []),
    ("huichang@demo.gannan.test", "李志强 (会昌米粉)", []),
    ("shangyou@demo.gannan.test", "黄丽华 (上犹茶叶)", []),
    ("xunwu@demo.gannan.test", "钟伟 (寻乌蜜桔, pending)", []),
    ("xunwu-office@demo.gannan.test", "寻乌县商务局 电商股", [Role.COUNTY_OFFICER]),
]
# county officers: the county each acts for
COUNTY_OFFICES = {"xunwu-office@demo.gannan.test": "360734"}

# owner email, name, USCC prefix (authority + type + county) + organisation code, kind,
# county, contact, phone, address, status
SELLERS = [
    ("xinfeng@demo.gannan.test", "信丰县绿源脐橙专业合作社", "93360722", "MA35F1K2X",
     SellerKind.COOPERATIVE, "360722", "刘建国", "13907970001", "江西省赣州市信丰县嘉定镇工业园路8号",
     SellerStatus.APPROVED),
    ("xingguo@demo.gannan.test", "兴国县山茶油有限公司", "91360732", "MA38A7L4P",
     SellerKind.ENTERPRISE, "360732", "陈秀英", "13907970002", "江西省赣州市兴国县潋江镇茶园路16号",
     SellerStatus.APPROVED),
    ("huichang@demo.gannan.test", "会昌县客家米粉厂", "92360733", "MA39C2D8R",
     SellerKind.INDIVIDUAL_BUSINESS, "360733", "李志强", "0797-5621234", "江西省赣州市会昌县文武坝镇米粉街3号",
     SellerStatus.APPROVED),
    ("shangyou@demo.gannan.test", "上犹县梅岭茶叶家庭农场", "92360724", "MA36H5J9T",
     SellerKind.FAMILY_FARM, "360724", "黄丽华", "13907970004", "江西省赣州市上犹县梅水乡园村",
     SellerStatus.APPROVED),
    ("xunwu@demo.gannan.test", "寻乌县南桥蜜桔专业合作社", "93360734", "MA37K6M1U",
     SellerKind.COOPERATIVE, "360734", "钟伟", "13907970005", "江西省赣州市寻乌县南桥镇",
     SellerStatus.PENDING),
]


def demo_uscc(prefix: str, organisation_code: str) -> str:
    body = prefix + organisation_code
    return body + uscc_std.calc_check_digit(body)


def load_demo() -> list[tuple[str, str]]:
    """Create what is missing; return the (email, role summary) of every demo account."""
    for email, name, roles in ACCOUNTS:
        if find_user_by_email(email) is None:
            register_user(email, DEMO_PASSWORD, name, roles, COUNTY_OFFICES.get(email))
    for owner, name, prefix, org, kind, county, contact, phone, address, status in SELLERS:
        uscc = demo_uscc(prefix, org)
        if db.session.scalar(db.select(Seller.id).where(Seller.uscc == uscc)):
            continue
        seller = Seller(
            name=name, uscc=uscc, kind=kind, county_code=county, contact_name=contact,
            contact_phone=phone, address=address, status=status,
        )
        seller.members.append(SellerMember(user=find_user_by_email(owner), role=MemberRole.OWNER))
        seller.qualifications.append(
            Qualification(kind=QualificationKind.BUSINESS_LICENCE, number=uscc,
                          valid_from=date(2019, 3, 1), valid_until=None)
        )
        db.session.add(seller)
    db.session.commit()
    return [(email, ", ".join(["consumer"] + [r.value for r in roles]) + (
        " + seller owner" if any(s[0] == email for s in SELLERS) else "") + (
        f" of {COUNTY_OFFICES[email]}" if email in COUNTY_OFFICES else ""))
        for email, _, roles in ACCOUNTS]
