"""Plan-target progress and award figures, from the ledger and the bureau's inputs."""

from __future__ import annotations

from typing import Any

from flask import current_app

from gannan.platform.errors import ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import County, Seller
from gannan.platform.types import shanghai_today
from gannan.reporting import metrics
from gannan.reporting.awards import (
    AwardInputs,
    AwardSettings,
    EnterpriseYear,
    PlatformYear,
    SalesParts,
    compute_awards,
)
from gannan.reporting.awards import LivestreamBase as AwardBase
from gannan.reporting.inputs import current_settings
from gannan.reporting.metrics import Month, percent
from gannan.reporting.models import ExternalSales, LivestreamBase

YUAN = 100  # fen
BASE_YEAR = 2024
# Seed section 一: by 2026 the city's online retail sales exceed 80 billion 元 and its
# agricultural online retail reaches 10 billion 元.
CITY_ONLINE_TARGET_FEN = 80_000_000_000 * YUAN
CITY_AGRICULTURAL_TARGET_FEN = 10_000_000_000 * YUAN
# Seed section 二(三): enterprises with annual agricultural upstream sales over 10 M 元;
# 9 new in 2024, 20 cumulative by 2026.  二(六): towns with online sales over 100 M 元.
UPSTREAM_ENTERPRISE_FEN = 10_000_000 * YUAN
STRONG_TOWN_FEN = 100_000_000 * YUAN
TARGET_NEW_2024, TARGET_CUMULATIVE_2026 = 9, 20


def _through(year: int, month: Month) -> Month:
    """The last month of ``year`` counted when reporting ``month``."""
    return month if year == month.year else Month(year, 12)


def external_sales(year: int) -> dict[int, ExternalSales]:
    return {e.seller_id: e for e in db.session.scalars(
        db.select(ExternalSales).where(ExternalSales.year == year))}


def upstream_enterprises(year: int, month: Month) -> set[int]:
    """Sellers whose certified agricultural upstream sales in ``year`` (up to ``month``
    for the current year) exceed 10 M 元."""
    start, end = metrics.month_range(Month(year, 1), _through(year, month))
    platform = {r["seller_id"]: r["upstream_fen"] for r in metrics.grouped(
        start, end, "seller", {"upstream_fen": metrics.MEASURES["upstream_fen"]})}
    external = external_sales(year)
    sellers = set(platform) | set(external)
    return {s for s in sellers
            if platform.get(s, 0) + (external[s].upstream_fen if s in external else 0)
            > UPSTREAM_ENTERPRISE_FEN}


def plan_targets(month: Month) -> dict[str, Any]:
    ytd_start, ytd_end = metrics.month_range(Month(month.year, 1), month)
    ytd = metrics.totals(ytd_start, ytd_end)
    earlier: set[int] = set()
    for year in range(BASE_YEAR, month.year):
        earlier |= upstream_enterprises(year, month)
    this_year = upstream_enterprises(month.year, month) if month.year >= BASE_YEAR else set()
    names = {c.code: c.name for c in db.session.scalars(db.select(County))}
    towns = [
        {"county_code": r["origin_county_code"], "county": names[r["origin_county_code"]],
         "township": r["origin_township"], "online_retail_fen": r["online_retail_fen"]}
        for r in metrics.grouped(ytd_start, ytd_end, "township",
                                 {"online_retail_fen": metrics.MEASURES["online_retail_fen"]})
        if r["origin_township"] and r["online_retail_fen"] > STRONG_TOWN_FEN
    ]
    towns.sort(key=lambda t: (-t["online_retail_fen"], t["county_code"], t["township"]))
    return {
        "city_online_retail_target_fen": CITY_ONLINE_TARGET_FEN,
        "city_agricultural_target_fen": CITY_AGRICULTURAL_TARGET_FEN,
        "platform_ytd_online_retail_fen": ytd["online_retail_fen"],
        "platform_ytd_agricultural_fen": ytd["agricultural_fen"],
        "share_of_city_online_target_percent": percent(ytd["online_retail_fen"],
                                                       CITY_ONLINE_TARGET_FEN, 4),
        "share_of_city_agricultural_target_percent": percent(ytd["agricultural_fen"],
                                                             CITY_AGRICULTURAL_TARGET_FEN, 4),
        "enterprises_over_10m_upstream": {
            "new_this_year": len(this_year - earlier),
            "cumulative_since_2024": len(this_year | earlier),
            "target_2024": TARGET_NEW_2024,
            "target_cumulative_2026": TARGET_CUMULATIVE_2026,
        },
        "townships_over_100m": towns,
    }


# --- awards ------------------------------------------------------------------------------


def _year_range(year: int, through: Month) -> tuple:
    return metrics.month_range(Month(year, 1), _through(year, through))


def _enterprises(year: int, through: Month, settings: AwardSettings) -> list[EnterpriseYear]:
    current = metrics.annual_by_seller_between(*_year_range(year, through))
    external = external_sales(year)
    history: dict[int, dict[int, SalesParts]] = {}
    for earlier in range(settings.base_year, year):
        platform = metrics.annual_by_seller_between(*_year_range(earlier, through))
        outside = external_sales(earlier)
        for seller_id in set(platform) | set(outside):
            history.setdefault(seller_id, {})[earlier] = SalesParts(
                platform.get(seller_id, {}).get("online_retail_fen", 0),
                outside[seller_id].online_fen if seller_id in outside else 0)
    ids = sorted(set(current) | set(external))
    sellers = {s.id: s for s in db.session.scalars(db.select(Seller).where(Seller.id.in_(ids)))}
    enterprises = []
    for seller_id in ids:
        mine, theirs = current.get(seller_id, {}), external.get(seller_id)
        enterprises.append(EnterpriseYear(
            seller_id=seller_id, uscc=sellers[seller_id].uscc, name=sellers[seller_id].name,
            platform_online_fen=max(mine.get("online_retail_fen", 0), 0),
            external_online_fen=theirs.online_fen if theirs else 0,
            platform_agricultural_fen=max(mine.get("agricultural_fen", 0), 0),
            external_agricultural_fen=theirs.agricultural_fen if theirs else 0,
            platform_upstream_fen=max(mine.get("upstream_fen", 0), 0),
            external_upstream_fen=theirs.upstream_fen if theirs else 0,
            online_history=history.get(seller_id, {}),
        ))
    return enterprises


def _bases(year: int, through: Month, settings: AwardSettings) -> list[AwardBase]:
    rows = list(db.session.scalars(db.select(LivestreamBase).order_by(LivestreamBase.id)))
    if not rows:
        return []
    by_room = {y: metrics.livestream_sales_by_room(*_year_range(y, through))
               for y in range(settings.base_year, year + 1)}
    bases = []
    for base in rows:
        sales = {y: max(sum(rooms.get(ref, 0) for ref in base.live_rooms), 0)
                 for y, rooms in by_room.items()}
        bases.append(AwardBase(
            id=base.id, uscc=base.operator_uscc, name=base.name, area_m2=base.area_m2,
            rooms=base.rooms, resident_enterprises=base.resident_enterprises, hosts=base.hosts,
            livestream_sales_fen=sales[year],
            livestream_history={y: v for y, v in sales.items() if y < year},
            received_tiers=frozenset(base.awarded_tiers)))
    return bases


def award_inputs(year: int, through: Month, settings: AwardSettings) -> AwardInputs:
    """The year's figures up to ``through`` (the whole year once it is over)."""
    totals = metrics.totals(*_year_range(year, through))
    platform = PlatformYear(uscc=current_app.config["PLATFORM_OPERATOR_USCC"],
                            name=current_app.config["PLATFORM_OPERATOR_NAME"],
                            online_retail_fen=max(totals["online_retail_fen"], 0),
                            specialty_fen=max(totals["specialty_fen"], 0))
    return AwardInputs(year=year, platform=platform,
                       enterprises=_enterprises(year, through, settings),
                       bases=_bases(year, through, settings))


def award_report(year: int) -> dict[str, Any]:
    """``GET /api/v1/awards``: the year's awards, as of today for the current year."""
    today = shanghai_today()
    through = Month(today.year, today.month) if year == today.year else Month(year, 12)
    settings = current_settings()
    if not settings.base_year <= year <= settings.last_year:
        raise ValidationFailed(f"{year} is outside the plan ({settings.base_year}–"
                               f"{settings.last_year}).", code="year_outside_plan", field="year")
    report = compute_awards(award_inputs(year, through, settings), settings).to_dict()
    return {"as_of": str(through), **report}


def award_estimate(year: int, month: Month) -> dict[str, Any]:
    """The award estimate to date, as a monthly report shows it."""
    settings = current_settings()
    if not settings.base_year <= year <= settings.last_year:
        return {"year": year, "as_of": str(month), "lines": [], "total_fen": 0,
                "budget_fen": settings.budget_fen, "note": "outside the plan's years"}
    report = compute_awards(award_inputs(year, month, settings), settings)
    return {
        "year": year, "as_of": str(month),
        "lines": [{"recipient": line.name, "uscc": line.uscc, "kind": line.kind.value,
                   "amount_fen": line.allocated_fen, "computed_fen": line.computed_fen,
                   "rule": line.rule} for line in report.lines if line.computed_fen],
        "total_fen": report.allocated_total_fen,
        "budget_fen": settings.budget_fen,
    }
