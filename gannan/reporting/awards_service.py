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
from gannan.reporting.errors import ReportingErrorCode
from gannan.reporting.inputs import current_settings
from gannan.reporting.metrics import Month, percent
from gannan.reporting.models import LivestreamBase
from gannan.reporting.register.models import ApplicantKind
from gannan.reporting.register.services import (
    ENTERPRISE_KINDS,
    figures_by_uscc,
    is_this_platform,
    sellers_by_uscc,
)

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


def _sellers(ids) -> dict[int, Seller]:
    ids = list(set(ids))
    return {s.id: s for s in db.session.scalars(db.select(Seller).where(Seller.id.in_(ids)))} \
        if ids else {}


def upstream_enterprises(year: int, month: Month) -> set[str]:
    """USCCs of the enterprises whose certified agricultural upstream sales in ``year``
    (up to ``month`` for the current year) exceed 10 M 元: their sales here plus what
    the bureau certified (a figure not reported adds nothing)."""
    start, end = metrics.month_range(Month(year, 1), _through(year, month))
    platform = {r["seller_id"]: r["upstream_fen"] for r in metrics.grouped(
        start, end, "seller", {"upstream_fen": metrics.MEASURES["upstream_fen"]})}
    sellers = _sellers(platform)
    upstream: dict[str, int] = {}
    for seller_id, fen in platform.items():
        upstream[sellers[seller_id].uscc] = fen
    for uscc, (applicant, figures) in figures_by_uscc([year])[year].items():
        if applicant.kind in ENTERPRISE_KINDS and figures.upstream_fen:
            upstream[uscc] = upstream.get(uscc, 0) + figures.upstream_fen
    return {uscc for uscc, fen in upstream.items() if fen > UPSTREAM_ENTERPRISE_FEN}


def plan_targets(month: Month) -> dict[str, Any]:
    ytd_start, ytd_end = metrics.month_range(Month(month.year, 1), month)
    ytd = metrics.totals(ytd_start, ytd_end)
    earlier: set[str] = set()
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


def _external(figures: dict, uscc: str, name: str, kinds) -> int | None:
    """An applicant's certified figure ``name``: 0 when nothing is recorded for it (or
    it is not an applicant of ``kinds``), None when recorded as not reported."""
    applicant, row = figures.get(uscc, (None, None))
    if row is None or applicant.kind not in kinds:
        return 0
    return getattr(row, name)


def _enterprises(year: int, through: Month, settings: AwardSettings,
                 figures: dict) -> list[EnterpriseYear]:
    """Every enterprise with sales here or certified figures this year, by USCC: a
    seller and a registered applicant with the same USCC are one enterprise."""
    years = range(settings.base_year, year + 1)
    platform = {y: metrics.annual_by_seller_between(*_year_range(y, through)) for y in years}
    sellers = _sellers(seller_id for sales in platform.values() for seller_id in sales)
    registered = {applicant.uscc: applicant for applicant, _ in figures[year].values()
                  if applicant.kind in ENTERPRISE_KINDS}
    usccs = {sellers[i].uscc for i in platform[year]} | set(registered)
    by_uscc = {s.uscc: s for s in sellers.values()}
    by_uscc.update(sellers_by_uscc(u for u in usccs if u not in by_uscc))
    enterprises = []
    for uscc in sorted(usccs):
        seller, applicant = by_uscc.get(uscc), registered.get(uscc)

        def mine(y: int, measure: str) -> int:
            return max(platform[y].get(seller.id, {}).get(measure, 0), 0) if seller else 0

        history = {y: SalesParts(mine(y, "online_retail_fen"),
                                 _external(figures[y], uscc, "online_retail_fen",
                                           ENTERPRISE_KINDS))
                   for y in years if y < year
                   and (uscc in figures[y] or (seller and seller.id in platform[y]))}
        enterprises.append(EnterpriseYear(
            seller_id=seller.id if seller else None,
            applicant_id=applicant.id if applicant else None,
            uscc=uscc, name=applicant.name if applicant else seller.name,
            platform_online_fen=mine(year, "online_retail_fen"),
            external_online_fen=_external(figures[year], uscc, "online_retail_fen",
                                          ENTERPRISE_KINDS),
            platform_agricultural_fen=mine(year, "agricultural_fen"),
            external_agricultural_fen=_external(figures[year], uscc, "agricultural_fen",
                                                ENTERPRISE_KINDS),
            platform_upstream_fen=mine(year, "upstream_fen"),
            external_upstream_fen=_external(figures[year], uscc, "upstream_fen",
                                            ENTERPRISE_KINDS),
            online_history=history,
        ))
    return enterprises


def _bases(year: int, through: Month, settings: AwardSettings,
           figures: dict) -> list[AwardBase]:
    """Each base's live-stream sales: its live rooms here plus what its operator's
    certified figures say it sold live elsewhere (an operator of one base only)."""
    rows = list(db.session.scalars(db.select(LivestreamBase).order_by(LivestreamBase.id)))
    if not rows:
        return []
    by_room = {y: metrics.livestream_sales_by_room(*_year_range(y, through))
               for y in range(settings.base_year, year + 1)}
    operated: dict[str, int] = {}
    for base in rows:
        operated[base.operator_uscc] = operated.get(base.operator_uscc, 0) + 1
    operator = (ApplicantKind.LIVESTREAM_BASE_OPERATOR,)
    bases = []
    for base in rows:
        own = {y: max(sum(rooms.get(ref, 0) for ref in base.live_rooms), 0)
               for y, rooms in by_room.items()}
        alone = operated[base.operator_uscc] == 1
        external = {y: _external(figures[y], base.operator_uscc, "livestream_fen", operator)
                    if alone else 0 for y in own}
        notes = () if alone or not any(_external(figures[y], base.operator_uscc,
                                                 "livestream_fen", operator) for y in own) \
            else (f"the operator runs {operated[base.operator_uscc]} bases: its certified "
                  f"live-stream sales elsewhere are not assigned to any of them",)
        bases.append(AwardBase(
            id=base.id, uscc=base.operator_uscc, name=base.name, area_m2=base.area_m2,
            rooms=base.rooms, resident_enterprises=base.resident_enterprises, hosts=base.hosts,
            livestream_sales_fen=own[year], external_livestream_sales_fen=external[year],
            livestream_history={y: v + (external[y] or 0) for y, v in own.items() if y < year},
            received_tiers=frozenset(base.awarded_tiers), notes=notes))
    return bases


def _other_platforms(figures: dict) -> list[PlatformYear]:
    """(1) for the platforms the bureau registered, on their certified figures."""
    return [PlatformYear(uscc=uscc, name=applicant.name, ref=f"applicant:{applicant.id}",
                         online_retail_fen=row.online_retail_fen,
                         specialty_fen=row.specialty_fen)
            for uscc, (applicant, row) in sorted(figures.items())
            if applicant.kind is ApplicantKind.PLATFORM and not is_this_platform(uscc)]


def award_inputs(year: int, through: Month, settings: AwardSettings) -> AwardInputs:
    """The year's figures up to ``through`` (the whole year once it is over)."""
    totals = metrics.totals(*_year_range(year, through))
    platform = PlatformYear(uscc=current_app.config["PLATFORM_OPERATOR_USCC"],
                            name=current_app.config["PLATFORM_OPERATOR_NAME"],
                            online_retail_fen=max(totals["online_retail_fen"], 0),
                            specialty_fen=max(totals["specialty_fen"], 0))
    figures = figures_by_uscc(range(settings.base_year, year + 1))
    return AwardInputs(year=year, platform=platform,
                       enterprises=_enterprises(year, through, settings, figures),
                       bases=_bases(year, through, settings, figures),
                       other_platforms=_other_platforms(figures[year]))


def award_report(year: int) -> dict[str, Any]:
    """``GET /api/v1/awards``: the year's awards, as of today for the current year."""
    settings = current_settings()
    if not settings.base_year <= year <= settings.last_year:
        raise ValidationFailed(f"{year} is outside the plan's years ({settings.base_year}–"
                               f"{settings.last_year}).", code=ReportingErrorCode.YEAR_OUTSIDE_PLAN, field="year")
    today = shanghai_today()
    through = Month(today.year, today.month) if year == today.year else Month(year, 12)
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
