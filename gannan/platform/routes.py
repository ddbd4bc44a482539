"""HTTP layer of the platform: auth, counties, sellers and their admin review.

Each blueprint's access rules are declared with its :class:`Policy` and enforced
before any view runs; views only call a service and return.
"""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask.views import MethodView
from werkzeug.http import http_date, quote_etag

from gannan.platform import services
from gannan.platform.auth import (
    Policy,
    any_of,
    can_manage,
    county_officer,
    current_user,
    issue_token,
    public,
    require_user,
    role,
    seller_member,
    seller_visible,
)
from gannan.platform.counties import counties_listing, require_current_county
from gannan.platform.extensions import limiter
from gannan.platform.jsonbody import Blueprint
from gannan.platform.models import MemberRole, ReviewAction, Role, SellerStatus
from gannan.platform.pagination import paginate
from gannan.platform.schemas import (
    AdminSellerQueryArgsSchema,
    CountyListSchema,
    CountySchema,
    CountySellerPageSchema,
    CountySellerQueryArgsSchema,
    MemberListSchema,
    MemberSchema,
    OptionalReasonSchema,
    QualificationCreateSchema,
    QualificationSchema,
    ReasonSchema,
    RegisterSchema,
    SellerCreateSchema,
    SellerPageSchema,
    SellerPublicPageSchema,
    SellerPublicSchema,
    SellerQueryArgsSchema,
    SellerReviewSchema,
    SellerSchema,
    StaffAddSchema,
    TokenRequestSchema,
    TokenSchema,
    UserNotificationListSchema,
    UserSchema,
)

# Counties change only with a migration and a restart: caches may keep the list an hour,
# then revalidate it with its ETag.
COUNTIES_MAX_AGE = 3600

# --- accounts -----------------------------------------------------------------

auth_blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Accounts and tokens")
auth_policy = Policy(auth_blp)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def _login_email_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else request.form.get("email")
    if not isinstance(email, str) or not email or len(email) > 254:
        return "login-email:-"  # not an account's address: the schema refuses it
    return f"login-email:{email.strip().lower()}"


#: Per client address and per account, so neither can be brute-forced; shared by the
#: token endpoint and the sign-in page (gannan.web), so one cannot be used to dodge the
#: other's limit.
LOGIN_LIMITS = [
    limiter.shared_limit(_login_limit, scope="login"),
    limiter.shared_limit(_login_limit, scope="login-email", key_func=_login_email_key),
]


@auth_blp.route("/auth/register")
@auth_policy.allow(public)
class Register(MethodView):
    # Per client address, so one machine cannot mint accounts in bulk.
    decorators = [limiter.limit(_registration_limit)]

    @auth_blp.arguments(RegisterSchema)
    @auth_blp.response(201, UserSchema)
    def post(self, data):
        """Create a consumer account"""
        return services.register_user(data["email"], data["password"], data["display_name"])


@auth_blp.route("/auth/token")
@auth_policy.allow(public)
class Token(MethodView):
    decorators = LOGIN_LIMITS

    @auth_blp.arguments(TokenRequestSchema)
    @auth_blp.response(200, TokenSchema)
    def post(self, data):
        """Exchange e-mail and password for a bearer access token"""
        user = services.authenticate(data["email"], data["password"])
        token, ttl = issue_token(user)
        return {"access_token": token, "token_type": "Bearer", "expires_in": ttl}


@auth_blp.route("/me")
class Me(MethodView):
    @auth_blp.response(200, UserSchema)
    def get(self):
        """The caller's account, roles and the sellers it acts for"""
        return require_user()


@auth_blp.route("/me/notifications")
class MyNotifications(MethodView):
    @auth_blp.response(200, UserNotificationListSchema)
    def get(self):
        """Messages to the caller, e.g. a recall of a batch it bought, newest first"""
        return {"items": services.user_notifications(require_user().id)}


# --- counties -----------------------------------------------------------------

counties_blp = Blueprint(
    "counties", __name__, url_prefix="/api/v1/counties",
    description="Ganzhou's 18 county-level divisions (GB/T 2260)",
)
counties_policy = Policy(counties_blp, default=public)


@limiter.request_filter
def _reference_data() -> bool:
    """Public reference data with no limit of its own: the limiter skips it before
    resolving any limit (an exemption would still resolve them on every request)."""
    return request.blueprint == counties_blp.name


@counties_blp.route("")
class Counties(MethodView):
    @counties_blp.response(200, CountyListSchema)
    @counties_blp.alt_response(304, description="Not modified: the ETag sent in "
                               "If-None-Match is still current")
    def get(self):
        """List the current county-level divisions of Ganzhou

        Reference data, served from memory with an ETag: send it back in If-None-Match
        to get 304 Not Modified while the list is unchanged."""
        body, etag = counties_listing(_render_counties)
        # The headers as set_etag and cache_control would write them, in that order,
        # without building a cache-control object per request.
        response = Response(body, headers=[
            ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
            ("ETag", quote_etag(etag)), ("Cache-Control", _COUNTIES_CACHE_CONTROL)])
        environ = request.environ
        if environ.get("HTTP_IF_NONE_MATCH") or environ.get("HTTP_IF_MATCH"):
            return response.make_conditional(request)
        # Without either header make_conditional only adds the date (no Last-Modified,
        # no ranges offered): skip parsing a request that has nothing to compare.
        response.headers["Date"] = http_date()
        return response


_COUNTIES_CACHE_CONTROL = f"public, max-age={COUNTIES_MAX_AGE}"


def _render_counties(items) -> bytes:
    data = CountyListSchema().dump({"items": items, "total": len(items)})
    return current_app.json.response(data).get_data()


@counties_blp.route("/<string:code>")
class CountyDetail(MethodView):
    @counties_blp.response(200, CountySchema)
    def get(self, code):
        """One current county; retired codes answer 422 naming their successor"""
        return require_current_county(code, field="code")


# --- sellers ------------------------------------------------------------------

sellers_blp = Blueprint(
    "sellers", __name__, url_prefix="/api/v1/sellers", description="Seller applications and staff"
)
sellers_policy = Policy(sellers_blp)


@sellers_blp.route("")
@sellers_policy.allow(public, "GET")
class Sellers(MethodView):
    @sellers_blp.arguments(SellerQueryArgsSchema, location="query")
    @sellers_blp.response(200, SellerPublicPageSchema)
    def get(self, args):
        """List approved sellers"""
        query = services.list_sellers(
            status=SellerStatus.APPROVED, county=args.get("county"), kind=args.get("kind")
        )
        return paginate(query, args["page"], args["page_size"])

    @sellers_blp.arguments(SellerCreateSchema)
    @sellers_blp.response(201, SellerSchema)
    def post(self, data):
        """Apply as a seller; the caller becomes its owner and the application is pending"""
        return services.apply_as_seller(require_user(), data)


@sellers_blp.route("/<id:seller_id>")
@sellers_policy.allow(seller_visible)
class SellerDetail(MethodView):
    @sellers_blp.response(200, SellerSchema)
    def get(self, seller_id):
        """A seller's profile: public fields once approved; members and admins see all"""
        seller = services.get_seller(seller_id)
        private = can_manage(current_user(), seller_id)
        return jsonify((SellerSchema() if private else SellerPublicSchema()).dump(seller))


@sellers_blp.route("/<id:seller_id>/qualifications")
@sellers_policy.allow(seller_member())
class SellerQualifications(MethodView):
    @sellers_blp.response(200, QualificationSchema(many=True))
    def get(self, seller_id):
        """The seller's licences on file"""
        return services.get_seller(seller_id).qualifications

    @sellers_blp.arguments(QualificationCreateSchema)
    @sellers_blp.response(201, QualificationSchema)
    def post(self, data, seller_id):
        """Add a business licence, food business (JY…) or food production (SC…) licence"""
        return services.add_qualification(seller_id, data)


@sellers_blp.route("/<id:seller_id>/staff")
@sellers_policy.allow(seller_member())
@sellers_policy.allow(seller_member(MemberRole.OWNER), "POST")
class SellerStaff(MethodView):
    @sellers_blp.response(200, MemberListSchema)
    def get(self, seller_id):
        """Accounts that act for the seller"""
        return {"items": services.get_seller(seller_id).members}

    @sellers_blp.arguments(StaffAddSchema)
    @sellers_blp.response(201, MemberSchema)
    def post(self, data, seller_id):
        """Add a registered account as staff (owner only)"""
        return services.add_staff(seller_id, data["email"])


@sellers_blp.route("/<id:seller_id>/staff/<id:user_id>")
@sellers_policy.allow(seller_member(MemberRole.OWNER))
class SellerStaffMember(MethodView):
    @sellers_blp.response(204)
    def delete(self, seller_id, user_id):
        """Remove a staff account (owner only)"""
        services.remove_staff(seller_id, user_id)


# --- admin review -------------------------------------------------------------

admin_blp = Blueprint(
    "admin_sellers", __name__, url_prefix="/api/v1/admin/sellers",
    description="Seller review by platform admins",
)
admin_policy = Policy(admin_blp, default=role(Role.PLATFORM_ADMIN))


@admin_blp.route("")
class AdminSellers(MethodView):
    @admin_blp.arguments(AdminSellerQueryArgsSchema, location="query")
    @admin_blp.response(200, SellerPageSchema)
    def get(self, args):
        """Sellers in any status, e.g. ?status=pending for the review queue"""
        query = services.list_sellers(
            status=args.get("status"), county=args.get("county"), kind=args.get("kind")
        )
        return paginate(query, args["page"], args["page_size"])


@admin_blp.route("/<id:seller_id>")
class AdminSellerDetail(MethodView):
    @admin_blp.response(200, SellerReviewSchema)
    def get(self, seller_id):
        """A seller with its qualifications and every review decision"""
        return services.get_seller(seller_id)


def _review_view(action: ReviewAction, args_schema, summary: str) -> type[MethodView]:
    class Review(MethodView):
        @admin_blp.arguments(args_schema)
        @admin_blp.response(200, SellerReviewSchema)
        @admin_blp.doc(summary=summary)
        def post(self, data, seller_id):
            return services.review_seller(seller_id, require_user(), action, data.get("reason"))

    Review.__name__ = f"Seller{action.value.title()}"
    return Review


for _action, _schema, _summary in (
    (ReviewAction.APPROVE, OptionalReasonSchema, "Approve a seller (needs a valid business licence)"),
    (ReviewAction.REJECT, ReasonSchema, "Reject a pending application, with a reason"),
    (ReviewAction.SUSPEND, ReasonSchema, "Suspend an approved seller, with a reason"),
):
    admin_blp.route(f"/<id:seller_id>/{_action.value}")(_review_view(_action, _schema, _summary))


# --- county commerce offices ----------------------------------------------------------

county_blp = Blueprint(
    "county_sellers", __name__, url_prefix="/api/v1/counties/<string:county_code>",
    description="A county commerce office's sellers and its recommendations (推荐)",
)
county_policy = Policy(county_blp, default=any_of(
    county_officer(), role(Role.BUREAU), role(Role.PLATFORM_ADMIN)))


@county_blp.route("/sellers")
class CountySellers(MethodView):
    @county_blp.arguments(CountySellerQueryArgsSchema, location="query")
    @county_blp.response(200, CountySellerPageSchema)
    def get(self, args, county_code):
        """The county's sellers in any status, e.g. ?status=pending to recommend"""
        county = require_current_county(county_code)
        query = services.county_sellers(county.code, args.get("status"), args.get("kind"))
        return paginate(query, args["page"], args["page_size"])


@county_blp.route("/sellers/<id:seller_id>")
class CountySellerDetail(MethodView):
    @county_blp.response(200, SellerReviewSchema)
    def get(self, county_code, seller_id):
        """A seller of the county with its licences, review decisions and recommendations"""
        return services.county_seller(county_code, seller_id)


@county_blp.route("/sellers/<id:seller_id>/recommend")
@county_policy.allow(county_officer())
class CountyRecommend(MethodView):
    @county_blp.arguments(OptionalReasonSchema)
    @county_blp.response(200, SellerReviewSchema)
    def post(self, data, county_code, seller_id):
        """The county's commerce office recommends a pending application (推荐); the
        platform admin approves only then (COUNTY_RECOMMENDATION_REQUIRED)"""
        return services.recommend_seller(county_code, seller_id, require_user(),
                                         data.get("reason"))


BLUEPRINTS = (auth_blp, counties_blp, sellers_blp, admin_blp, county_blp)
