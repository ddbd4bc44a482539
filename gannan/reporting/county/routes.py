"""HTTP layer of a county commerce office: its county's metrics and applicants."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from gannan.platform.auth import Policy, any_of, county_officer, role
from gannan.platform.counties import require_current_county
from gannan.platform.jsonbody import Blueprint
from gannan.platform.models import Role
from gannan.platform.pagination import paginate
from gannan.reporting.county.metrics import county_sales_metrics
from gannan.reporting.register import services as register
from gannan.reporting.register.schemas import (
    ApplicantDetailSchema,
    ApplicantPageSchema,
    ApplicantQueryArgsSchema,
    FiguresArgsSchema,
    FiguresPageSchema,
    LookupArgsSchema,
    LookupSchema,
)
from gannan.reporting.logistics import logistics_metrics
from gannan.reporting.schemas import (
    LogisticsArgsSchema,
    LogisticsSchema,
    MetricsArgsSchema,
    MetricsSchema,
)


county_blp = Blueprint("county", __name__,
                       url_prefix="/api/v1/counties/<string:county_code>",
                       description="A county's metrics and applicants, for its commerce office")
Policy(county_blp, default=any_of(county_officer(), role(Role.BUREAU),
                                  role(Role.PLATFORM_ADMIN)))


class CountyMetricsArgsSchema(MetricsArgsSchema):
    group_by = fields.String(load_default=None, validate=validate.OneOf(
        ["township", "category", "seller", "channel", "month"]))


class CountyMetricsSchema(MetricsSchema):
    county_code = fields.String()


@county_blp.route("/metrics/sales")
class CountySalesMetrics(MethodView):
    @county_blp.arguments(CountyMetricsArgsSchema, location="query")
    @county_blp.response(200, CountyMetricsSchema)
    def get(self, args, county_code):
        """The county's sales: products of the county's origin, months in Asia/Shanghai"""
        county = require_current_county(county_code)
        return county_sales_metrics(county.code, args["from_"], args["to"], args["group_by"])


@county_blp.route("/metrics/logistics")
class CountyLogisticsMetrics(MethodView):
    @county_blp.arguments(LogisticsArgsSchema, location="query")
    @county_blp.response(200, LogisticsSchema)
    def get(self, args, county_code):
        """Parcels from the county: left within 24 hours, median hours, by township"""
        county = require_current_county(county_code)
        return logistics_metrics(args["from_"], args["to"], county.code)


@county_blp.route("/applicants")
class CountyApplicants(MethodView):
    @county_blp.arguments(ApplicantQueryArgsSchema, location="query")
    @county_blp.response(200, ApplicantPageSchema)
    def get(self, args, county_code):
        """The county's applicants in the bureau's register; ?q= a USCC or name prefix"""
        county = require_current_county(county_code)
        page = paginate(register.list_applicants(q=args.get("q"), county=county.code,
                                                 kind=args.get("kind")),
                        args["page"], args["page_size"])
        register.with_sellers(page.items)
        return page


@county_blp.route("/applicants/lookup")
class CountyApplicantLookup(MethodView):
    @county_blp.arguments(LookupArgsSchema, location="query")
    @county_blp.response(200, LookupSchema)
    def get(self, args, county_code):
        """The county's applicants and sellers whose USCC or name starts with ?q="""
        return {"items": register.lookup(args["q"], require_current_county(county_code).code)}


@county_blp.route("/applicants/<id:applicant_id>")
class CountyApplicantDetail(MethodView):
    @county_blp.response(200, ApplicantDetailSchema)
    def get(self, county_code, applicant_id):
        """An applicant of the county: its sales here and its certified figures per year"""
        return register.applicant_detail(applicant_id, county_code)


@county_blp.route("/figures")
class CountyFigures(MethodView):
    @county_blp.arguments(FiguresArgsSchema, location="query")
    @county_blp.response(200, FiguresPageSchema)
    def get(self, args, county_code):
        """The certified figures of the county's applicants for ?year="""
        county = require_current_county(county_code)
        return paginate(register.figures_query(args["year"], county.code), args["page"],
                        args["page_size"])


BLUEPRINTS = (county_blp,)
