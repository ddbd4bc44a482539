"""Consoles: the seller's, the platform reviewer's and the commerce bureau's pages.

Server-rendered like the storefront (:mod:`gannan.web`), on the same services and the
same ``Policy`` rules as the API: a page never holds a copy of a rule, and every form
is loaded by the API's marshmallow schema.  ``/console`` sends each account to the
consoles its roles open.
"""

from __future__ import annotations

from flask import redirect, url_for

from gannan.platform.auth import authenticated, require_user
from gannan.platform.models import Role
from gannan.web.console import admin, bureau, county, seller
from gannan.web.console import admin_reports, seller_catalog, seller_orders  # noqa: F401 - routes
from gannan.web.console import admin_recalls, seller_recalls  # noqa: F401 - routes
from gannan.web.console.common import console_blueprint, render

home, home_policy = console_blueprint("console", __name__, default=authenticated)


def consoles_of(user) -> list[tuple[str, str, str]]:
    """(endpoint, name, what it is for) of each console the account may open."""
    out = []
    if user.memberships:
        out.append(("console_seller.home", "商家中心", "商品、库存、证书、批次标签、订单发货"))
    if user.has_role(Role.PLATFORM_ADMIN):
        out.append(("console_admin.overview", "平台管理", "商家审核、抽检、品牌授权、月度报告"))
    if user.has_role(Role.BUREAU) or user.has_role(Role.PLATFORM_ADMIN):
        out.append(("console_bureau.dashboard", "商务局数据看板", "销售统计、目标进度、奖补、报告下载与核验"))
    if user.county_office:
        out.append(("console_county.home", "县级商务部门", "本县销售与包裹时效、开店申请推荐、奖补申报主体"))
    return out


@home.get("/console")
def choose():
    available = consoles_of(require_user())
    if len(available) == 1:
        return redirect(url_for(available[0][0]))
    return render("console/choose.html", consoles=available)


BLUEPRINTS = [home, seller.blp, admin.blp, bureau.blp, county.blp]
