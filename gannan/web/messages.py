"""What the pages say when something goes wrong: one place for every Chinese message.

Services raise :class:`~gannan.platform.errors.ProblemError` with a stable ``code``
(the API's contract); the pages turn the code into a sentence a shopper understands.
Validation errors of the marshmallow schemas (the API's own) are translated per
field the same way.  A code without a sentence here falls back to a generic one, and
tests/web/test_messages.py checks that every code a shopper can meet has one.
"""

from __future__ import annotations

import re
from typing import Any

from gannan.platform.errors import ProblemError

MESSAGES: dict[str, str] = {
    # accounts
    "invalid_credentials": "邮箱或密码不正确，请重新输入。",
    "email_taken": "这个邮箱已经注册过了，请直接登录。",
    "rate_limited": "尝试次数太多了，请稍等一分钟再试。",
    "authentication_required": "请先登录。",
    "forbidden": "你没有权限查看这个页面。",
    "not_order_buyer": "这是别人的订单，你无法查看或操作。",
    # catalog
    "product_not_found": "没有找到这个商品，它可能已经下架。",
    "trace_code_not_found": "没有找到这个溯源码。请核对包装上的 16 位编码。",
    "unknown_category": "没有这个商品分类。",
    "unknown_county": "没有这个区县，请从赣州的 18 个区县中选择。",
    "retired_county": "这个区县代码已经停用，请选择新的区县。",
    "invalid_price_range": "最低价不能高于最高价。",
    "invalid_min_rating": "最低评分应在 1 到 5 星之间（最多两位小数）。",
    "page_out_of_range": "结果太多，只能浏览前一万条；请缩小搜索范围。",
    "search_unavailable": "搜索暂时不可用，请稍后再试。",
    # cart and checkout
    "sku_unavailable": "「{item}」已经停售，请从购物车中移除后再结算。",
    "out_of_stock": "「{item}」库存不足{available_text}，请减少数量或移除后再结算。",
    "quantity_too_large": "同一件商品最多购买 999 件。",
    "cart_item_not_found": "购物车里没有这件商品了。",
    "cart_empty": "购物车是空的，先去挑选商品吧。",
    "unknown_province": "请选择正确的省份。",
    "address_incomplete": "请把收货地址填写完整。",
    "payment_method_unavailable": "这种支付方式暂不可用，请选择货到付款。",
    "idempotency_key_reused": "这张结算单已经提交过了。请核对后重新提交。",
    "payment_provider_unavailable": "支付服务暂时不可用，请稍后再试，或选择货到付款。",
    # orders
    "order_not_found": "没有找到这个订单。",
    "seller_order_not_found": "没有找到这个订单。",
    "invalid_transition": "订单当前的状态不能进行这个操作。",
    "already_shipped": "订单已有部分发货，不能取消；请联系商家申请退款。",
    "order_not_paid": "订单尚未付款。",
    "concurrent_update": "这笔订单刚刚被另一项操作更新了，请刷新页面后再试。",
    "batch_not_found": "没有找到这个批次。",
    "database_busy": "现在操作的人较多，什么都没有改变，请稍后再试。",
    "stock_limit": "库存数量超出上限（最多 1 亿件）。",
    # generic
    "validation_error": "填写的内容有误，请检查标红的项目。",
    "not_found": "页面不存在。",
    "conflict": "操作与现有数据冲突，请刷新后重试。",
}
GENERIC = "操作没有成功，请稍后再试。"

LABELS = {
    "email": "邮箱", "password": "密码", "display_name": "昵称",
    "recipient": "收货人", "phone": "手机号", "county_code": "区县", "province": "省份",
    "city": "城市", "county": "区/县", "township": "乡镇/街道", "village": "村/社区",
    "detail": "详细地址", "quantity": "数量", "sku_id": "规格", "payment_method": "支付方式",
    "q": "搜索词", "min_price_fen": "最低价", "max_price_fen": "最高价", "page": "页码",
}

# marshmallow's default messages (and the schemas' own) -> a sentence with {label}
_FIELD_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Missing data for required field"), "请填写{label}。"),
    (re.compile(r"^Field may not be null"), "请填写{label}。"),
    (re.compile(r"^Not a mainland China phone number"),
     "请填写正确的手机号（如 13912345678）或带区号的座机号（如 0797-8888888）。"),
    (re.compile(r"^Not a valid email address"), "请填写正确的邮箱地址。"),
    (re.compile(r"^Not a valid integer"), "{label}请填写整数。"),
    (re.compile(r"^Must be greater than or equal to (\d+) and less than or equal to (\d+)"),
     "{label}须在 {0} 到 {1} 之间。"),
    (re.compile(r"^Must be greater than or equal to (\d+)"), "{label}不能小于 {0}。"),
    (re.compile(r"^Shorter than minimum length (\d+)"), "{label}至少 {0} 个字符。"),
    (re.compile(r"^Length must be between 1 and (\d+)"), "{label}最多 {0} 个字。"),
    (re.compile(r"^Length must be between (\d+) and (\d+)"), "{label}须为 {0} 到 {1} 个字符。"),
    (re.compile(r"^Longer than maximum length (\d+)"), "{label}最多 {0} 个字。"),
    (re.compile(r"^Must be one of"), "请从选项中选择{label}。"),
    (re.compile(r"^String does not match expected pattern|^Invalid value"),
     "{label}的格式不正确。"),
    (re.compile(r"^Unknown field"), "不认识的字段。"),
]


def field_message(field: str, english: str) -> str:
    label = LABELS.get(field.rsplit(".", 1)[-1], field)
    for pattern, template in _FIELD_PATTERNS:
        match = pattern.match(english)
        if match:
            return template.format(*match.groups(), label=label)
    return f"{label}填写有误。"


def field_errors(errors: dict[str, list[str]] | None) -> dict[str, str]:
    """``{"address.phone": ["Not a mainland …"]}`` → ``{"phone": "请填写正确的手机号…"}``:
    one Chinese sentence per form field (the form's names have no ``address.``)."""
    out: dict[str, str] = {}
    for field, messages in (errors or {}).items():
        name = field.removeprefix("address.")
        if messages and name not in out:
            out[name] = field_message(name, messages[0])
    return out


def problem_message(error: ProblemError, **context: Any) -> str:
    """The sentence for a service's problem; ``context`` fills the placeholders
    (``item``: the SKU a cart or checkout problem is about)."""
    template = MESSAGES.get(error.code, GENERIC)
    extra = getattr(error, "extra", {}) or {}
    available = extra.get("available")
    values = {"item": "这件商品", "available_text": "", **context}
    if isinstance(available, int):
        values["available_text"] = f"（只剩 {available} 件）" if available else "（已售罄）"
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template
