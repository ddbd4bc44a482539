"""Plan-target progress and award figures, from the ledger and the bureau's inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import or_

from gannan.reporting.errors import ReportingErrorCode
from gannan.platform.counties import county_name
from gannan.platform.errors import ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import Seller
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
from gannan.reporting.models import LivestreamBase
from gannan.reporting.register.models import Applicant, ApplicantKind, CertifiedFigures
from gannan.reporting.register.services import (
    ENTERPRISE_KINDS,
    figures_by_uscc,
    is_this_platform,
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


Certified = tuple[Applicant, CertifiedFigures]


@dataclass(frozen=True)
class LedgerYears:
    """What plan targets and awards read of the ledger and the bureau's register, from
    ``first_year`` to ``last`` (whole years, the last one up to ``last``): each read
    once, in one statement per kind, however many years and sections use it."""

    first_year: int
    last: Month
    sellers: dict[int, dict[int, dict[str, int]]]  # year -> seller -> sales
    figures: dict[int, dict[str, Certified]]  # year -> USCC -> the register's figures
    sellers_by_uscc: dict[str, Any]  # (id, uscc, name) of the sellers with sales or figures
    usccs: dict[int, str]  # seller id -> USCC, of the same sellers
    bases: list[LivestreamBase]
    livestream: dict[int, dict[str, int]]  # year -> live room -> sales (the bases' rooms)

    @classmethod
    def read(cls, first_year: int, last: Month) -> LedgerYears:
        first_year = min(first_year, last.year)
        sales = metrics.by_seller_and_year(first_year, last)
        figures = figures_by_uscc(range(first_year, last.year + 1))
        ids = {seller for by_seller in sales.values() for seller in by_seller}
        usccs = {uscc for by_uscc in figures.values() for uscc in by_uscc}
        sellers = {row.uscc: row for row in db.session.execute(
            db.select(Seller.id, Seller.uscc, Seller.name).where(
                or_(Seller.id.in_(ids), Seller.uscc.in_(usccs))))} if ids or usccs else {}
        bases = list(db.session.scalars(db.select(LivestreamBase).order_by(LivestreamBase.id)))
        rooms = sorted({room for base in bases for room in base.live_rooms})
        return cls(first_year, last, sales, figures, sellers,
                   {seller.id: uscc for uscc, seller in sellers.items()}, bases,
                   metrics.livestream_by_year_and_room(first_year, last, rooms))


def _upstream_enterprises(years: LedgerYears, year: int) -> set[str]:
    """USCCs of the enterprises whose certified agricultural upstream sales in ``year``
    (up to the reported month for the current year) exceed 10 M 元: their sales here
    plus what the bureau certified (a figure not reported adds nothing)."""
    usccs = years.usccs
    upstream: dict[str, int] = {}
    for seller_id, sales in years.sellers[year].items():
        upstream[usccs[seller_id]] = sales.get("upstream_fen", 0)
    for uscc, (applicant, figures) in years.figures[year].items():
        if applicant.kind in ENTERPRISE_KINDS and figures.upstream_fen:
            upstream[uscc] = upstream.get(uscc, 0) + figures.upstream_fen
    return {uscc for uscc, fen in upstream.items() if fen > UPSTREAM_ENTERPRISE_FEN}


def plan_targets(month: Month, ytd: dict[str, int] | None = None,
                 years: LedgerYears | None = None) -> dict[str, Any]:
    """Progress towards the plan's targets; ``ytd`` (the year-to-date totals) and
    ``years`` are read here unless the caller already holds them."""
    ytd_start, ytd_end = metrics.month_range(Month(month.year, 1), month)
    ytd = ytd if ytd is not None else metrics.totals(ytd_start, ytd_end)
    if years is None or years.first_year > min(BASE_YEAR, month.year) or years.last != month:
        years = LedgerYears.read(min(BASE_YEAR, month.year), month)
    earlier: set[str] = set()
    for year in range(BASE_YEAR, month.year):
        earlier |= _upstream_enterprises(years, year)
    this_year = _upstream_enterprises(years, month.year) if month.year >= BASE_YEAR else set()
    towns = [
        {"county_code": r["origin_county_code"], "county": county_name(r["origin_county_code"]),
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


def _external(figures: dict[str, Certified], uscc: str, name: str, kinds) -> int | None:
    """An applicant's certified figure ``name``: 0 when nothing is recorded for it (or
    it is not an applicant of ``kinds``), None when recorded as not reported."""
    applicant, row = figures.get(uscc, (None, None))
    if row is None or applicant.kind not in kinds:
        return 0
    return getattr(row, name)


def _enterprises(year: int, settings: AwardSettings, years: LedgerYears) -> list[EnterpriseYear]:
    """Every enterprise with sales here or certified figures this year, by USCC: a
    seller and a registered applicant with the same USCC are one enterprise."""
    usccs_of = years.usccs
    registered = {applicant.uscc: applicant for applicant, _ in years.figures[year].values()
                  if applicant.kind in ENTERPRISE_KINDS}
    enterprises = []
    for uscc in sorted({usccs_of[s] for s in years.sellers[year]} | set(registered)):
        seller, applicant = years.sellers_by_uscc.get(uscc), registered.get(uscc)

        def mine(y: int, measure: str) -> int:
            return max(years.sellers[y].get(seller.id, {}).get(measure, 0), 0) if seller else 0

        def theirs(y: int, name: str) -> int | None:
            return _external(years.figures[y], uscc, name, ENTERPRISE_KINDS)

        history = {y: SalesParts(mine(y, "online_retail_fen"), theirs(y, "online_retail_fen"))
                   for y in range(settings.base_year, year)
                   if uscc in years.figures[y] or (seller and seller.id in years.sellers[y])}
        enterprises.append(EnterpriseYear(
            seller_id=seller.id if seller else None,
            applicant_id=applicant.id if applicant else None,
            uscc=uscc, name=applicant.name if applicant else seller.name,
            platform_online_fen=mine(year, "online_retail_fen"),
            external_online_fen=theirs(year, "online_retail_fen"),
            platform_agricultural_fen=mine(year, "agricultural_fen"),
            external_agricultural_fen=theirs(year, "agricultural_fen"),
            platform_upstream_fen=mine(year, "upstream_fen"),
            external_upstream_fen=theirs(year, "upstream_fen"),
            online_history=history,
        ))
    return enterprises


def _bases(year: int, settings: AwardSettings, years: LedgerYears) -> list[AwardBase]:
    """Each base's live-stream sales: its live rooms here plus what its operator's
    certified figures say it sold live elsewhere (an operator of one base only)."""
    operated: dict[str, int] = {}
    for base in years.bases:
        operated[base.operator_uscc] = operated.get(base.operator_uscc, 0) + 1
    operator = (ApplicantKind.LIVESTREAM_BASE_OPERATOR,)
    bases = []
    for base in years.bases:
        own = {y: max(sum(years.livestream[y].get(ref, 0) for ref in base.live_rooms), 0)
               for y in range(settings.base_year, year + 1)}
        alone = operated[base.operator_uscc] == 1
        reported = {y: _external(years.figures[y], base.operator_uscc, "livestream_fen",
                                 operator) for y in own}
        external = reported if alone else dict.fromkeys(own, 0)
        notes = () if alone or not any(reported.values()) else (
            f"the operator runs {operated[base.operator_uscc]} bases: its certified "
            f"live-stream sales elsewhere are not assigned to any of them",)
        bases.append(AwardBase(
            id=base.id, uscc=base.operator_uscc, name=base.name, area_m2=base.area_m2,
            rooms=base.rooms, resident_enterprises=base.resident_enterprises, hosts=base.hosts,
            livestream_sales_fen=own[year], external_livestream_sales_fen=external[year],
            livestream_history={y: v + (external[y] or 0) for y, v in own.items() if y < year},
            received_tiers=frozenset(base.awarded_tiers), notes=notes))
    return bases


def _other_platforms(figures: dict[str, Certified]) -> list[PlatformYear]:
    """(1) for the platforms the bureau registered, on their certified figures."""
    return [PlatformYear(uscc=uscc, name=applicant.name, ref=f"applicant:{applicant.id}",
                         online_retail_fen=row.online_retail_fen,
                         specialty_fen=row.specialty_fen)
            for uscc, (applicant, row) in sorted(figures.items())
            if applicant.kind is ApplicantKind.PLATFORM and not is_this_platform(uscc)]


def award_inputs(year: int, through: Month, settings: AwardSettings,
                 totals: dict[str, int] | None = None,
                 years: LedgerYears | None = None) -> AwardInputs:
    """The year's figures up to ``through`` (the whole year once it is over); ``totals``
    (the year's platform totals) and ``years`` are read here unless the caller holds them."""
    last = _through(year, through)
    totals = totals if totals is not None else metrics.totals(
        *metrics.month_range(Month(year, 1), last))
    if years is None or years.first_year > min(settings.base_year, year) or years.last != last:
        years = LedgerYears.read(min(settings.base_year, year), last)
    platform = PlatformYear(uscc=current_app.config["PLATFORM_OPERATOR_USCC"],
                            name=current_app.config["PLATFORM_OPERATOR_NAME"],
                            online_retail_fen=max(totals["online_retail_fen"], 0),
                            specialty_fen=max(totals["specialty_fen"], 0))
    return AwardInputs(year=year, platform=platform,
                       enterprises=_enterprises(year, settings, years),
                       bases=_bases(year, settings, years),
                       other_platforms=_other_platforms(years.figures[year]))


def award_report(year: int) -> dict[str, Any]:
    """``GET /api/v1/awards``: the year's awards, as of today for the current year."""
    today = shanghai_today()
    through = Month(today.year, today.month) if year == today.year else Month(year, 12)
    settings = current_settings()
    if not settings.base_year <= year <= settings.last_year:
        raise ValidationFailed(f"{year} is outside the plan ({settings.base_year}–"
                               f"{settings.last_year}).", code=ReportingErrorCode.YEAR_OUTSIDE_PLAN, field="year")
    report = compute_awards(award_inputs(year, through, settings), settings).to_dict()
    return {"as_of": str(through), **report}


def award_estimate(year: int, month: Month, settings: AwardSettings | None = None,
                   totals: dict[str, int] | None = None,
                   years: LedgerYears | None = None) -> dict[str, Any]:
    """The award estimate to date, as a monthly report shows it."""
    settings = settings or current_settings()
    if not settings.base_year <= year <= settings.last_year:
        return {"year": year, "as_of": str(month), "lines": [], "total_fen": 0,
                "budget_fen": settings.budget_fen, "note": "outside the plan's years"}
    report = compute_awards(award_inputs(year, month, settings, totals, years), settings)
    return {
        "year": year, "as_of": str(month),
        "lines": [{"recipient": line.name, "uscc": line.uscc, "kind": line.kind.value,
                   "amount_fen": line.allocated_fen, "computed_fen": line.computed_fen,
                   "rule": line.rule} for line in report.lines if line.computed_fen],
        "total_fen": report.allocated_total_fen,
        "budget_fen": settings.budget_fen,
    }
