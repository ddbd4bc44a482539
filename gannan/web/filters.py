"""Template filters: money in 元, times in Asia/Shanghai, enums in Chinese."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask import Flask

from gannan.platform.types import SHANGHAI

LABELS: dict[str, str] = {
    # orders
    "pending_payment": "待付款", "paid": "已付款", "placed": "已下单",
    "cancelled": "已取消", "expired": "已过期", "shipped": "已发货", "delivered": "已送达",
    "completed": "已完成", "refunded": "已退款", "partially_refunded": "部分退款",
    "cod": "货到付款", "stripe": "在线支付（银行卡）",
    # catalog
    "draft": "草稿", "published": "在售", "unpublished": "已下架", "blocked": "抽检不合格，已下架",
    "green_food": "绿色食品", "organic": "有机产品", "geographical_indication": "地理标志产品",
    "brand_licence": "区域公用品牌授权",
    "cooperative": "农民专业合作社", "farmer": "农户", "enterprise": "企业",
    "family_farm": "家庭农场", "individual_business": "个体工商户",
    "platform": "电商平台", "livestream_base_operator": "直播基地运营方",
    "business_licence": "营业执照", "food_business_licence": "食品经营许可证",
    "food_production_licence": "食品生产许可证",
    "fertilizer": "肥料", "pesticide": "农药", "herbicide": "除草剂",
    "growth_regulator": "植物生长调节剂", "other": "其他",
    "kg": "千克", "jin": "斤", "box": "箱", "bottle": "瓶", "bag": "袋", "piece": "件",
    # 承诺达标合格证 commitments
    "no_banned_pesticides_or_veterinary_drugs": "不使用禁用农药兽药、停用兽药和非法添加物",
    "pesticide_residues_within_limits": "常规农药兽药残留不超标",
    "withdrawal_periods_respected": "遵守农药安全间隔期、兽药休药期规定",
}


def label(value: object) -> str:
    key = value.value if isinstance(value, enum.Enum) else str(value)
    return LABELS.get(key, key)


def yuan(fen: int | None) -> str:
    """Integer fen as 元 with two decimals: 6880 → 68.80 (exact, no float)."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def shanghai(value: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).strftime(fmt)
    return value.strftime("%Y-%m-%d")


def day(value: date | str | None) -> str:
    if not value:
        return "—"
    if isinstance(value, str):
        return value[:10]
    return f"{value:%Y-%m-%d}"


def init_filters(app: Flask) -> None:
    app.add_template_filter(yuan)
    app.add_template_filter(label)
    app.add_template_filter(shanghai)
    app.add_template_filter(day)
