"""marshmallow schemas of commission rates, balances, statements and payouts."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gannan.money.models import PayoutMethod, PayoutStatus
from gannan.platform.pagination import PageArgsSchema, page_schema
from gannan.platform.schemas import text

ID = validate.Range(min=1, max=2**31 - 1)


class CommissionRateCreateSchema(Schema):
    category_id = fields.Integer(strict=True, validate=ID, load_default=None)
    seller_id = fields.Integer(strict=True, validate=ID, load_default=None)
    rate_bp = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10000),
                             metadata={"description": "basis points: 500 = 5%"})
    effective_from = fields.Date(required=True,
                                 metadata={"description": "first day it applies (Asia/Shanghai)"})


class CommissionRateSchema(CommissionRateCreateSchema):
    id = fields.Integer()
    set_by_id = fields.Integer()
    created_at = fields.DateTime()


class CommissionRateArgsSchema(PageArgsSchema):
    category_id = fields.Integer(validate=ID)
    seller_id = fields.Integer(validate=ID)


CommissionRatePageSchema = page_schema(CommissionRateSchema, "CommissionRatePage")


class BalanceSchema(Schema):
    seller_id = fields.Integer()
    balance_fen = fields.Integer(metadata={
        "description": "what the platform owes the seller (negative: what the seller owes), "
                       "net of the cash on delivery it holds"})
    payable_fen = fields.Integer()
    cod_cash_held_fen = fields.Integer()
    unsettled_fen = fields.Integer(metadata={"description": "the part no statement settled yet"})


class SettlementRunSchema(Schema):
    as_of = fields.AwareDateTime(load_default=None, metadata={
        "description": "settle what is due at this time (default: now)"})


class PayoutSchema(Schema):
    method = fields.Enum(PayoutMethod, by_value=True)
    status = fields.Enum(PayoutStatus, by_value=True)
    amount_fen = fields.Integer()
    stripe_account_id = fields.String(allow_none=True)
    stripe_transfer_id = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    attempts = fields.Integer()
    sending_since = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)


class StatementLineSchema(Schema):
    seller_order_id = fields.Integer()
    kind = fields.String()
    business_time = fields.DateTime()
    amount_fen = fields.Integer()
    commission_fen = fields.Integer()
    net_fen = fields.Integer()


class StatementSummarySchema(Schema):
    id = fields.Integer()
    number = fields.String()
    seller_id = fields.Integer()
    period_start = fields.DateTime(allow_none=True)
    period_end = fields.DateTime()
    orders_count = fields.Integer()
    sales_fen = fields.Integer()
    cod_fen = fields.Integer()
    refunds_fen = fields.Integer()
    commission_fen = fields.Integer()
    net_fen = fields.Integer()
    payout_method = fields.Enum(PayoutMethod, by_value=True)
    issued_at = fields.DateTime()
    payout = fields.Nested(PayoutSchema, allow_none=True)


class StatementSchema(StatementSummarySchema):
    lines = fields.List(fields.Nested(StatementLineSchema))


class StatementListSchema(Schema):
    items = fields.List(fields.Nested(StatementSummarySchema))


StatementPageSchema = page_schema(StatementSummarySchema, "StatementPage")


class StatementListArgsSchema(PageArgsSchema):
    seller_id = fields.Integer(validate=ID)


class DownloadArgsSchema(Schema):
    format = fields.String(required=True, validate=validate.OneOf(["csv", "pdf"]))


class MarkPaidSchema(Schema):
    reference = text(120, required=True)


class PayoutAccountSchema(Schema):
    seller_id = fields.Integer()
    stripe_account_id = fields.String()
    created_at = fields.DateTime()
