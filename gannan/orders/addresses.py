"""Delivery addresses anywhere in China; in Ganzhou resolved to a county code, because
the reports split agricultural sales by where the buyer is (same county, elsewhere in
Ganzhou, outside Ganzhou)."""

from __future__ import annotations

from typing import Any

from gannan.orders.errors import OrderErrorCode
from gannan.platform.counties import require_current_county
from gannan.platform.errors import PlatformErrorCode, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import County

# The 34 provincial-level divisions, by the short names people write.
PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆",
    "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "台湾", "香港", "澳门",
)
SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def province_name(text: str) -> str:
    """The province's short name, or 422 ``unknown_province``."""
    stem = text.strip()
    for suffix in SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem[: -len(suffix)]
            break
    if stem not in PROVINCES:
        raise ValidationFailed(f"{text!r} is not a province of China.",
                               code=OrderErrorCode.UNKNOWN_PROVINCE,
                               field="address.province")
    return stem


def _ganzhou_county(name: str) -> County:
    """A Ganzhou county by its name as written (信丰县, 信丰); a retired name maps to its
    successor; anything else is 422 ``unknown_county``."""
    name = name.strip()
    for county in db.session.scalars(db.select(County)):
        if name in (county.name, county.name[:-1]):
            return db.session.get(County, county.replaced_by) if county.retired else county
    raise ValidationFailed(f"{name!r} is not a county of Ganzhou.",
                           code=PlatformErrorCode.UNKNOWN_COUNTY,
                           field="address.county")


def resolve_address(data: dict[str, Any]) -> dict[str, Any]:
    """Order columns for the address: a county code, or province/city/county text."""
    if data.get("county_code"):
        county = require_current_county(data["county_code"], field="address.county_code")
        province, city, county_name = "江西", "赣州", county.name
    else:
        missing = [f for f in ("province", "city", "county") if not data.get(f)]
        if missing:
            raise ValidationFailed("Give county_code, or province, city and county.",
                                   code=OrderErrorCode.ADDRESS_INCOMPLETE,
                                   field=f"address.{missing[0]}")
        province = province_name(data["province"])
        city = data["city"].strip().removesuffix("市")
        county = _ganzhou_county(data["county"]) if province == "江西" and city == "赣州" \
            else None
        county_name = county.name if county else data["county"].strip()
    return {
        "recipient": data["recipient"].strip(), "phone": data["phone"],
        "province": province, "city": city, "county": county_name,
        "county_code": county.code if county else None,
        "township": data.get("township"), "village": data.get("village"),
        "detail": data["detail"].strip(),
    }
