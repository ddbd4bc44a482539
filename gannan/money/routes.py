"""HTTP layer of money: commission rates, balances, statements, payouts."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from gannan.money import render
from gannan.money.schemas import (
    BalanceSchema,
    CommissionRateArgsSchema,
    CommissionRateCreateSchema,
    CommissionRatePageSchema,
    CommissionRateSchema,
    DownloadArgsSchema,
    MarkPaidSchema,
    PayoutAccountSchema,
    PayoutSchema,
    SettlementRunSchema,
    StatementListArgsSchema,
    StatementListSchema,
    StatementPageSchema,
    StatementSchema,
)
from gannan.money.services import commission, ledger, payouts, settlement
from gannan.platform.auth import Policy, any_of, require_user, role, seller_member
from gannan.platform.models import MemberRole, Role
from gannan.platform.pagination import paginate

admin = role(Role.PLATFORM_ADMIN)


def _seller_of_statement(view_args) -> int:
    return settlement.statement_or_404(view_args["statement_id"]).seller_id


seller_staff_or_admin = any_of(seller_member(), admin)
seller_owner = seller_member(MemberRole.OWNER)
statement_staff_or_admin = any_of(seller_member(seller_of=_seller_of_statement), admin)

money_blp = Blueprint("money", __name__, url_prefix="/api/v1",
                      description="Commission, sellers' balances, statements and payouts")
policy = Policy(money_blp, default=admin)


@money_blp.route("/admin/commission-rates")
class CommissionRates(MethodView):
    @money_blp.arguments(CommissionRateArgsSchema, location="query")
    @money_blp.response(200, CommissionRatePageSchema)
    def get(self, args):
        """Commission rates with their history, newest first"""
        query = commission.rate_history(args.get("category_id"), args.get("seller_id"))
        return paginate(query, args["page"], args["page_size"])

    @money_blp.arguments(CommissionRateCreateSchema)
    @money_blp.response(201, CommissionRateSchema)
    def post(self, data):
        """Set a rate for a category, a seller, or a seller in a category, from a date;
        orders already placed keep the rates of their day"""
        return commission.set_rate(require_user().id, data["rate_bp"], data["effective_from"],
                                   data["category_id"], data["seller_id"])


@money_blp.route("/admin/settlements")
class Settlements(MethodView):
    @money_blp.arguments(SettlementRunSchema, required=False)
    @money_blp.response(201, StatementListSchema)
    def post(self, data):
        """Settle now: one statement per seller with settleable orders (also weekly)"""
        return {"items": settlement.run_settlement(data["as_of"], require_user().id)}


@money_blp.route("/admin/statements")
class AdminStatements(MethodView):
    @money_blp.arguments(StatementListArgsSchema, location="query")
    @money_blp.response(200, StatementPageSchema)
    def get(self, args):
        """Every seller's statements, newest first"""
        query = settlement.statements(args.get("seller_id"))
        return paginate(query, args["page"], args["page_size"])


@money_blp.route("/sellers/<id:seller_id>/balance")
@policy.allow(seller_staff_or_admin)
class Balance(MethodView):
    @money_blp.response(200, BalanceSchema)
    def get(self, seller_id):
        """What the platform owes the seller, summed from the money ledger"""
        return ledger.balance(seller_id)


@money_blp.route("/sellers/<id:seller_id>/statements")
@policy.allow(seller_staff_or_admin)
class SellerStatements(MethodView):
    @money_blp.arguments(StatementListArgsSchema(exclude=("seller_id",)), location="query")
    @money_blp.response(200, StatementPageSchema)
    def get(self, args, seller_id):
        """The seller's statements, newest first"""
        return paginate(settlement.statements(seller_id), args["page"], args["page_size"])


@money_blp.route("/statements/<id:statement_id>")
@policy.allow(statement_staff_or_admin)
class StatementDetail(MethodView):
    @money_blp.response(200, StatementSchema)
    def get(self, statement_id):
        """One statement with the movements it settles"""
        return settlement.statement_or_404(statement_id)


@money_blp.route("/statements/<id:statement_id>/download")
@policy.allow(statement_staff_or_admin)
class StatementDownload(MethodView):
    @money_blp.arguments(DownloadArgsSchema, location="query")
    @money_blp.response(200)
    def get(self, args, statement_id):
        """The statement as CSV or PDF (?format=csv|pdf)"""
        statement = settlement.statement_or_404(statement_id)
        body, mimetype = render.RENDERERS[args["format"]](statement)
        return Response(body, mimetype=mimetype, headers={
            "Content-Disposition":
                f'attachment; filename="{statement.number}.{args["format"]}"'})


@money_blp.route("/admin/statements/<id:statement_id>/pay")
class PayStatement(MethodView):
    @money_blp.response(200, PayoutSchema)
    def post(self, statement_id):
        """Send the statement's payout to the seller's Stripe connected account (once;
        the weekly run sends them by itself)"""
        return payouts.pay_statement(statement_id, require_user().id)


@money_blp.route("/admin/statements/<id:statement_id>/mark-paid")
class MarkStatementPaid(MethodView):
    @money_blp.arguments(MarkPaidSchema)
    @money_blp.response(200, PayoutSchema)
    def post(self, data, statement_id):
        """Record the bank transfer that paid the statement (to the seller, or from it)"""
        return payouts.mark_paid(statement_id, require_user().id, data["reference"])


@money_blp.route("/sellers/<id:seller_id>/payout-account")
@policy.allow(seller_staff_or_admin, "GET")
@policy.allow(seller_owner, "POST")
class SellerPayoutAccount(MethodView):
    @money_blp.response(200, PayoutAccountSchema)
    def get(self, seller_id):
        """The seller's Stripe connected account, where payouts go"""
        return payouts.payout_account(seller_id)

    @money_blp.response(201, PayoutAccountSchema)
    def post(self, seller_id):
        """Open a Stripe connected account for payouts (the owner; once)"""
        return payouts.connect_account(seller_id), 201


BLUEPRINTS = (money_blp,)
