"""Monthly reports: built from the ledger, stored as versions, certified by signature.

The content holds no timestamp or other accident of the run, so building the same
month from the same data gives byte-identical canonical content.  A report is
built entirely in memory and written in one transaction: a worker killed half-way
leaves nothing, and the retry produces the same content.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.exc import IntegrityError

from gannan.catalog.models import Category
from gannan.platform.errors import Conflict, NotFound, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.counties import current_counties
from gannan.platform.models import Seller, User
from gannan.platform.types import utcnow
from gannan.reporting import metrics
from gannan.reporting.awards_service import BASE_YEAR, LedgerYears, award_estimate, plan_targets
from gannan.reporting.errors import ReportingErrorCode
from gannan.reporting.inputs import current_settings
from gannan.reporting.logistics import logistics_report
from gannan.reporting.metrics import Month, percent
from gannan.reporting.models import MonthlyReport, ReportStatus
from gannan.reporting.recalls import recalls_report
from gannan.reporting.signing import ALGORITHM, canonical, sha256_hex, sign

FORMAT = "gannan-monthly-report/1"
PLATFORM_NAME = "赣南特色产品网络销售平台"


def parse_period(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise ValidationFailed(f"{text!r} is not a month (YYYY-MM).",
                               code=ReportingErrorCode.INVALID_PERIOD,
                               field="period") from exc


def _comparison(other: Month, figures: dict[Month, dict[str, int]],
                current_fen: int) -> dict[str, Any] | None:
    if not figures[other]["entries"]:
        return None
    previous = figures[other]["online_retail_fen"]
    return {"previous_period": str(other), "online_retail_fen": previous,
            "change_fen": current_fen - previous,
            "change_percent": percent(current_fen - previous, previous)}


def _by_county(start, end) -> list[dict[str, Any]]:
    rows = {r["origin_county_code"]: r for r in metrics.grouped(start, end, "county")}
    out = []
    for county in current_counties():
        row = {k: rows.get(county.code, {}).get(k, 0) for k in metrics.MEASURES}
        row["sellers"] = row.pop("active_sellers")
        out.append({"county_code": county.code, "county": county.name, **row})
    return out


def _by_category(start, end) -> list[dict[str, Any]]:
    categories = {c.id: c for c in db.session.execute(
        db.select(Category.id, Category.slug, Category.name, Category.position))}
    rows = sorted(metrics.grouped(start, end, "category"),
                  key=lambda r: (categories[r["category_id"]].position, r["category_id"]))
    return [{"category": categories[r["category_id"]].slug,
             "category_name": categories[r["category_id"]].name,
             **{k: r[k] for k in metrics.MEASURES}} for r in rows]


def _by_seller(start, end) -> list[dict[str, Any]]:
    rows = metrics.grouped(start, end, "seller")
    sellers = {s.id: s for s in db.session.execute(
        db.select(Seller.id, Seller.name, Seller.county_code)
        .where(Seller.id.in_([r["seller_id"] for r in rows])))} if rows else {}
    rows.sort(key=lambda r: (-r["online_retail_fen"], r["seller_id"]))
    return [{"seller_id": r["seller_id"], "seller": sellers[r["seller_id"]].name,
             "county_code": sellers[r["seller_id"]].county_code,
             **{k: r[k] for k in metrics.MEASURES}} for r in rows]


def build_content(month: Month) -> dict[str, Any]:
    """The report of one month, as plain JSON-able data (integer fen, strings).

    Each aggregate is read once: the month's totals with the upstream destinations, the
    four breakdowns, the year to date, one grouped statement for the monthly trend and
    the two comparison months, and one per kind for what plan targets and the award
    estimate read over whole years (sales per seller and year, certified external
    sales, live-stream sales per room and year).
    """
    start, end = metrics.month_range(month, month)
    month_figures = metrics.totals(start, end, {**metrics.MEASURES, **metrics.DESTINATIONS})
    current = {k: month_figures[k] for k in metrics.MEASURES}
    january = Month(month.year, 1)
    year_to_date = metrics.totals(*metrics.month_range(january, month))
    previous, last_year = month.previous(), Month(month.year - 1, month.month)
    trend_measures = {k: metrics.MEASURES[k] for k in ("online_retail_fen", "agricultural_fen")}
    by_month = metrics.by_month([*metrics.months(january, month), previous, last_year],
                                trend_measures)
    settings = current_settings()
    years = LedgerYears.read(min(BASE_YEAR, settings.base_year), month)
    return {
        "format": FORMAT,
        "period": str(month),
        "timezone": "Asia/Shanghai",
        "currency": "CNY",
        "amounts": "fen",
        "platform": PLATFORM_NAME,
        "totals": current,
        "upstream_destination": {k: month_figures[k] for k in metrics.DESTINATIONS},
        "by_county": _by_county(start, end),
        "by_category": _by_category(start, end),
        "by_seller": _by_seller(start, end),
        "by_channel": sorted(metrics.grouped(start, end, "channel"), key=lambda r: r["channel"]),
        "year_to_date": {"from": str(january), "to": str(month), **year_to_date},
        "month_on_month": _comparison(previous, by_month, current["online_retail_fen"]),
        "year_on_year": _comparison(last_year, by_month, current["online_retail_fen"]),
        "monthly_trend": [{"period": str(m), **{k: by_month[m][k] for k in trend_measures}}
                          for m in metrics.months(january, month)],
        "plan_targets": plan_targets(month, year_to_date, years),
        "award_estimate": award_estimate(month.year, month, settings, year_to_date, years),
        "logistics": logistics_report(month),
        "recalls": recalls_report(month),
    }


# --- versions ------------------------------------------------------------------------------


def versions(period: str) -> list[MonthlyReport]:
    return list(db.session.scalars(db.select(MonthlyReport).where(MonthlyReport.period == period)
                                   .order_by(MonthlyReport.version)))


def listing(year: int | None, drafts: bool) -> list[MonthlyReport]:
    query = db.select(MonthlyReport).order_by(MonthlyReport.period, MonthlyReport.version)
    if year is not None:
        query = query.where(MonthlyReport.period.like(f"{year:04d}-%"))
    if not drafts:
        query = query.where(MonthlyReport.status == ReportStatus.CERTIFIED)
    return list(db.session.scalars(query))


def generate(period: str) -> MonthlyReport:
    """Build the month and keep it as its draft.  A certified version is never touched:
    identical content leaves it as the answer, different content becomes a new draft
    version (a correction candidate)."""
    month = parse_period(period)
    text = canonical(build_content(month))
    digest = sha256_hex(text)
    existing = versions(str(month))
    latest = existing[-1] if existing else None
    if latest is not None and latest.sha256 == digest:
        return latest
    if latest is not None and latest.status is ReportStatus.DRAFT:
        latest.content, latest.sha256, latest.generated_at = text.decode(), digest, utcnow()
        db.session.commit()
        return latest
    report = MonthlyReport(period=str(month), version=(latest.version + 1) if latest else 1,
                           status=ReportStatus.DRAFT, content=text.decode(), sha256=digest)
    db.session.add(report)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent build of the same month stored it first
        db.session.rollback()
        return versions(str(month))[-1]
    return report


def require_ended(month: Month) -> None:
    """A month can be certified only once it is over in Ganzhou: until its last
    Shanghai midnight, sales (and refunds) may still land in it."""
    ends = month.next().start_utc()
    if utcnow() < ends:
        raise Conflict(f"{month} has not ended in Asia/Shanghai; it can be certified from "
                       f"{month.next()}-01 00:00 (UTC {ends.isoformat()}).",
                       code=ReportingErrorCode.PERIOD_NOT_ENDED, ends_at=ends.isoformat())


def certify(period: str, version: int | None, actor: User, reason: str | None) -> MonthlyReport:
    month = parse_period(period)
    require_ended(month)
    existing = versions(str(month))
    drafts = [r for r in existing if r.status is ReportStatus.DRAFT]
    report = next((r for r in existing if r.version == version), None) if version \
        else (drafts[-1] if drafts else None)
    if report is None:
        raise NotFound("No such report version; generate the month first.",
                       code=ReportingErrorCode.REPORT_NOT_FOUND)
    if report.status is ReportStatus.CERTIFIED:
        raise Conflict("This version is already certified.",
                       code=ReportingErrorCode.ALREADY_CERTIFIED)
    previous = [r for r in existing if r.status is ReportStatus.CERTIFIED]
    if previous and not (reason and reason.strip()):
        raise ValidationFailed("A correction must say why it supersedes the certified "
                               f"version {previous[-1].version}.",
                               code=ReportingErrorCode.CORRECTION_REASON_REQUIRED, field="reason")
    signature = sign(report.content.encode())
    report.signature, report.key_id = signature.signature, signature.key_id
    report.status, report.certified_at, report.certified_by_id = (
        ReportStatus.CERTIFIED, utcnow(), actor.id)
    if previous:
        report.supersedes_id, report.correction_reason = previous[-1].id, reason.strip()
    db.session.commit()
    return report


def current(period: str, version: int | None = None, drafts: bool = False) -> MonthlyReport:
    """A version, or the newest certified one (or newest draft, for admins)."""
    existing = versions(str(parse_period(period)))
    if version is not None:
        found = next((r for r in existing if r.version == version), None)
    else:
        certified = [r for r in existing if r.status is ReportStatus.CERTIFIED]
        found = certified[-1] if certified else (existing[-1] if existing and drafts else None)
    if found is None or (found.status is ReportStatus.DRAFT and not drafts):
        raise NotFound(f"No certified report for {period}.",
                       code=ReportingErrorCode.REPORT_NOT_FOUND)
    return found


def envelope(report: MonthlyReport) -> dict[str, Any]:
    """What a download holds: the content and, once certified, what proves it."""
    superseded = db.session.get(MonthlyReport, report.supersedes_id) \
        if report.supersedes_id else None
    return {
        "report": json.loads(report.content),
        "certification": {
            "period": report.period, "version": report.version, "status": report.status.value,
            "algorithm": ALGORITHM, "sha256": report.sha256, "signature": report.signature,
            "key_id": report.key_id,
            "certified_at": report.certified_at.isoformat() if report.certified_at else None,
            "supersedes_version": superseded.version if superseded else None,
            "correction_reason": report.correction_reason,
        },
    }
