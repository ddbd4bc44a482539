"""What the consoles say when a service refuses: the problem codes sellers, reviewers
and the bureau meet, and the names of the fields on their forms, in Chinese.

The storefront's sentences (:mod:`gannan.web.messages`) stay the fallback; a code a
console can meet has its own sentence here (tests/web/console/test_messages.py
checks that every code the services the consoles call can raise has one).
"""

from __future__ import annotations

import re

from gannan.platform.errors import ProblemError
from gannan.web import messages as shared

MESSAGES: dict[str, str] = {
    # sellers and their review
    "invalid_uscc": "统一社会信用代码不正确：应为 18 位，最后一位是校验码。请核对营业执照。",
    "uscc_taken": "这个统一社会信用代码已经登记过商家了。如果是你的企业，请联系平台。",
    "unknown_county": "请从赣州的 18 个区县中选择。",
    "retired_county": "这个区县代码已经停用，请选择新的区县。",
    "seller_not_found": "没有找到这个商家。",
    "licence_uscc_mismatch": "营业执照上的统一社会信用代码必须与商家登记的一致。",
    "invalid_licence_number": "许可证编号格式不对：食品经营许可证为 JY 加 14 位数字，"
                              "食品生产许可证为 SC 加 14 位数字。",
    "invalid_validity": "有效期的结束日期早于开始日期。",
    "qualification_expired": "这份资质已经过期，不能登记。",
    "duplicate_qualification": "这份资质已经登记过了。",
    "invalid_transition": "当前状态下不能进行这个操作，请刷新页面查看最新状态。",
    "business_licence_required": "商家还没有有效的营业执照，不能通过审核。",
    "county_recommendation_required": "这个商家所在区县的商务部门还没有推荐，暂时不能通过审核。",
    "already_recommended": "县商务部门已经推荐过这份申请了。",
    "not_county_officer": "只有本区县的商务部门可以查看或推荐。",
    "user_not_found": "没有使用这个邮箱的账号，请对方先注册。",
    "already_member": "这个账号已经是本店员工了。",
    "member_not_found": "这个账号不是本店员工。",
    "owner_not_removable": "店主不能被移除。",
    "not_seller_member": "你不是这个商家的员工，无法查看或操作。",
    "not_seller_owner": "只有店主可以管理员工。",
    # catalog
    "unknown_category": "请选择商品分类。",
    "duplicate_sku_code": "规格编码重复了，同一商品的每个规格编码须不同。",
    "brand_licence_required": "商品标注了区域公用品牌，须有有效的品牌授权书或地理标志证书"
                              "覆盖它（在“证书”页勾选这个商品）。",
    "seller_not_approved": "商家通过平台审核后才能上架商品。",
    "product_blocked": "商品已被封禁，暂时不能上架：抽检不合格的，平台解除封禁后才能上架；"
                       "批次召回的，登记新批次后即可上架。",
    "no_skus": "至少要有一个规格才能上架。",
    "sku_not_found": "没有找到这个规格。",
    "insufficient_stock": "库存不够扣减。",
    "stock_limit": "库存已到一个规格能登记的上限，不能再增加。",
    "invalid_certificate_number": "证书编号格式不对：绿色食品为 GF 加 12 位数字。",
    "brand_required": "品牌授权书和地理标志证书须写明授权的区域公用品牌。",
    "brand_not_applicable": "只有品牌授权书和地理标志证书才填写品牌。",
    "duplicate_certificate": "这张证书已经登记过了。",
    "product_not_owned": "只能选择本店的商品。",
    "certificate_not_found": "没有找到这张证书。",
    "batch_date_required": "请填写采收日期或生产日期。",
    "date_in_future": "日期不能晚于今天。",
    "target_required": "请填写商品编号或溯源码（二选一）。",
    "product_not_blocked": "这个商品没有被封禁。",
    "trace_code_not_found": "没有找到这个溯源码。",
    "batch_not_found": "没有找到这个批次。",
    "label_count_out_of_range": "标签数量须在 1 到 240 张（10 页）之间。",
    "product_not_found": "没有找到这个商品。",
    # orders
    "seller_order_not_found": "没有找到这个订单。",
    "order_not_paid": "订单还没有付款。",
    "cash_not_collected": "货到付款订单须确认已收到货款后才能标记送达。",
    "refund_exceeds_paid": "退款金额超过了可退金额。",
    "unknown_line": "请选择本订单的商品。",
    "payment_provider_unavailable": "支付服务暂时不可用，退款没有成功，请稍后再试。",
    "batch_required": "这个商品有多个批次，请为每件商品选择装箱的批次。",
    "batch_not_of_product": "所选批次不是这个商品的批次。",
    "line_not_in_order": "请选择本订单的商品。",
    "batch_recalled": "这个批次已经召回，不能再发货；请选择其他批次或登记新批次。",
    "already_recalled": "这个批次已经召回过了。",
    # reports
    "invalid_period": "月份格式不对，请选择年月。",
    "range_too_long": "一次最多查询 120 个月。",
    "report_not_found": "这个月还没有报告；请先生成。",
    "already_certified": "这个版本已经认证过了。",
    "correction_reason_required": "这个月已有认证版本；认证更正版本须写明更正原因。",
    "period_not_ended": "这个月（北京时间）还没有结束，月末之后才能认证。",
    "unknown_format": "没有这种下载格式。",
    # generic
    "forbidden": "你没有权限查看这个页面。",
    "validation_error": "填写的内容有误，请检查标红的项目。",
}

LABELS = {
    # seller application and qualifications
    "name": "名称", "uscc": "统一社会信用代码", "kind": "类型", "county_code": "所在区县",
    "contact_name": "联系人", "contact_phone": "联系电话", "address": "地址",
    "number": "编号", "valid_from": "有效期起", "valid_until": "有效期至",
    "email": "邮箱", "reason": "原因",
    # products and SKUs
    "title": "商品名称", "description": "商品介绍", "category": "分类",
    "origin_county_code": "产地区县", "origin_township": "产地乡镇", "regional_brand": "区域公用品牌",
    "code": "规格编码", "spec": "规格", "price_fen": "价格", "stock": "库存", "weight_g": "重量（克）",
    "delta": "库存变动", "skus": "规格",
    # certificates and batches
    "issuer": "发证机构", "brand": "品牌", "product_ids": "覆盖商品",
    "harvest_date": "采收日期", "production_date": "生产日期", "quantity": "数量", "unit": "单位",
    "base": "基地", "producer": "生产者", "producer_kind": "生产者类型",
    "product": "产品名称", "origin": "产地", "contact": "联系方式", "issued_on": "开具日期",
    "commitments": "承诺内容", "lab": "检测机构", "report_number": "报告编号",
    "passed": "检测结果", "inspected_on": "检测日期", "amount": "用量", "applied_on": "使用日期",
    "sampled_on": "抽样日期", "notes": "备注", "product_id": "商品编号", "trace_code": "溯源码",
    # fulfilment
    "carrier": "快递公司", "tracking_number": "运单号", "amount_fen": "退款金额",
    "line_ids": "退款商品", "cash_collected": "已收货款", "lines": "批次",
    "line_id": "商品", "batch_id": "批次",
    "flat_fee_fen": "运费", "free_above_fen": "满额包邮", "cold_chain_surcharge_fen": "冷链加价",
    # reports
    "period": "月份", "from": "开始月份", "to": "结束月份", "version": "版本", "year": "年份",
    "count": "标签数量",
}


def problem_text(error: ProblemError) -> str:
    """The sentence for a service's problem on a console page."""
    return MESSAGES.get(error.code) or shared.problem_message(error)


def _leaf(field: str) -> str:
    """The form field a schema path names: ``skus.0.price_fen`` → ``price_fen``."""
    parts = [part for part in field.split(".") if not part.isdigit()]
    return parts[-1] if parts else field


def field_text(field: str, english: str) -> str:
    """One Chinese sentence for a schema's message about ``field``."""
    leaf = _leaf(field)
    label = LABELS.get(leaf) or shared.LABELS.get(leaf, leaf)
    if leaf.endswith("_fen"):  # typed in 元 on the pages, checked in fen by the schema
        amount = _amount_text(label, english)
        if amount:
            return amount
    for pattern, template in shared._FIELD_PATTERNS:  # the storefront's translations
        match = pattern.match(english)
        if match:
            return template.format(*match.groups(), label=label)
    if english.startswith("Not a valid date"):
        return f"{label}请填写日期（如 2026-11-03）。"
    if english.startswith("Not a valid boolean"):
        return f"请选择{label}。"
    return f"{label}填写有误。"


def _yuan(fen_text: str) -> str:
    whole, cents = divmod(int(fen_text), 100)
    return f"{whole:,}.{cents:02d}"


def _amount_text(label: str, english: str) -> str | None:
    if english.startswith(("Not a valid integer", "Missing data", "Field may not be null")):
        return f"请填写{label}（元，最多两位小数），如 68.80。"
    bounds = re.match(r"^Must be greater than or equal to (\d+)(?: and less than or equal to "
                      r"(\d+))?", english)
    if bounds:
        low, high = bounds.groups()
        if high:
            return f"{label}须在 {_yuan(low)} 到 {_yuan(high)} 元之间。"
        return f"{label}不能小于 {_yuan(low)} 元。"
    return None


def field_errors(errors: dict[str, list[str]] | None) -> dict[str, str]:
    """``{"compliance_certificate.issued_on": ["Not a valid date."]}`` → one sentence per
    form field, keyed by the form's field name (the path's last part)."""
    out: dict[str, str] = {}
    for field, messages in (errors or {}).items():
        name = _leaf(field)
        if messages and name not in out:
            out[name] = field_text(field, messages[0])
    return out
