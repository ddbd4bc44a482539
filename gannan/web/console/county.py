"""County commerce office console (县级商务部门): its county's sales and parcels, the
applications waiting for its recommendation (推荐), and its applicants in the bureau's
register.

Guarded by the rules of the API's county blueprints: the county's own office, the
bureau or a platform admin may look; only the county's office recommends.  Every figure
and action is the API's service (``county_sales_metrics``, ``logistics_metrics``,
``county_sellers``, ``recommend_seller``, ``list_applicants``).
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from sqlalchemy.orm import selectinload

from gannan.platform import services
from gannan.platform.auth import any_of, authenticated, county_officer, require_user, role
from gannan.platform.counties import require_current_county
from gannan.platform.errors import Forbidden, PlatformErrorCode, ProblemError
from gannan.platform.extensions import db
from gannan.platform.models import Role, Seller, SellerStatus
from gannan.platform.pagination import paginate
from gannan.platform.schemas import OptionalReasonSchema
from gannan.platform.types import shanghai_today
from gannan.reporting.county.metrics import county_sales_metrics
from gannan.reporting.logistics import logistics_metrics
from gannan.reporting.register import services as register
from gannan.web.console.common import console_blueprint, load_form, page_arg, refused, render
from gannan.web.forms import FormInvalid, payload

blp, policy = console_blueprint("console_county", __name__, default=any_of(
    county_officer(), role(Role.BUREAU), role(Role.PLATFORM_ADMIN)))
PAGE_SIZE = 20
UNDER_REVIEW = (SellerStatus.PENDING, SellerStatus.REJECTED)


@blp.get("/county")
@policy.allow(authenticated)
def home():
    """The office's own county."""
    county = require_user().county_office
    if county is None:
        raise Forbidden("This is for a county's commerce office.",
                        code=PlatformErrorCode.NOT_COUNTY_OFFICER)
    return redirect(url_for("console_county.dashboard", county_code=county))


@blp.get("/county/<string:county_code>")
def dashboard(county_code: str, status: int = 200, **context):
    county = require_current_county(county_code)
    today = shanghai_today()
    first, last = f"{today.year:04d}-01", f"{today.year:04d}-{today.month:02d}"
    sellers = list(_sellers(county.code))
    recommended = {s.id: services.current_recommendation(s) for s in sellers}
    waiting = [s for s in sellers if s.status in UNDER_REVIEW and recommended[s.id] is None]
    q = request.args.get("q", "").strip()[:100]
    applicants = paginate(register.list_applicants(q=q or None, county=county.code),
                          page_arg(), PAGE_SIZE)
    return render("console/county/dashboard.html", status, county=county, first=first,
                  last=last, sales=county_sales_metrics(county.code, first, last, "township"),
                  logistics=logistics_metrics(first, last, county.code), sellers=sellers,
                  waiting=waiting, recommended=recommended,
                  officer=require_user().county_office == county.code,
                  applicants=applicants, q=q, **context)


def _sellers(county_code: str):
    """The county's latest sellers with their recommendations and decisions."""
    return db.session.scalars(
        services.county_sellers(county_code).order_by(None)
        .order_by(Seller.created_at.desc(), Seller.id.desc()).limit(100)
        .options(selectinload(Seller.decisions)))


@blp.post("/county/<string:county_code>/sellers/<id:seller_id>/recommend")
@policy.allow(county_officer())
def recommend(county_code: str, seller_id: int):
    try:
        data = load_form(OptionalReasonSchema(), payload(request.form, ("reason",)))
        seller = services.recommend_seller(county_code, seller_id, require_user(),
                                           data.get("reason"))
    except FormInvalid:
        return dashboard(county_code, 422, message="推荐意见最多 2000 字。")
    except ProblemError as error:
        message, status = refused(error)
        return dashboard(county_code, status, message=message)
    flash(f"已推荐 {seller.name}，等待平台审核。")
    return redirect(url_for("console_county.dashboard", county_code=county_code))
