"""What the bureau records: external certified sales (by seller; the register in
:mod:`gannan.reporting.register` is the successor), live-streaming bases, award settings."""

from __future__ import annotations

from typing import Any

from gannan.platform.counties import require_current_county
from gannan.platform.errors import NotFound, PlatformErrorCode, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import Seller, User
from gannan.platform.services import validate_uscc
from gannan.reporting.awards import AwardSettings
from gannan.reporting.errors import ReportingErrorCode
from gannan.reporting.models import AwardSettingsRecord, LivestreamBase
from gannan.reporting.register.models import Applicant, CertifiedFigures
from gannan.reporting.register.services import record_figures, register_applicant

ORDER_CODES = {"agricultural_exceeds_online_retail", "upstream_exceeds_agricultural",
               "specialty_exceeds_online_retail", "upstream_exceeds_specialty"}


def _seller(seller_id: int) -> Seller:
    seller = db.session.get(Seller, seller_id)
    if seller is None:
        raise NotFound("No such seller.", code=PlatformErrorCode.SELLER_NOT_FOUND)
    return seller


def _as_external_sales(applicant: Applicant, seller: Seller,
                       row: CertifiedFigures) -> dict[str, Any]:
    return {"seller_id": seller.id, "applicant_id": applicant.id, "year": row.year,
            "online_fen": row.online_retail_fen, "agricultural_fen": row.agricultural_fen,
            "upstream_fen": row.upstream_fen, "note": row.note}


def external_sales_of(year: int) -> list[dict[str, Any]]:
    """The register's figures of ``year`` for applicants that are sellers here, in the
    shape of the original ``/bureau/external-sales`` (successor: ``/bureau/figures``)."""
    query = (db.select(Applicant, Seller, CertifiedFigures)
             .join(CertifiedFigures, CertifiedFigures.applicant_id == Applicant.id)
             .join(Seller, Seller.uscc == Applicant.uscc)
             .where(CertifiedFigures.year == year).order_by(Seller.id))
    return [_as_external_sales(*row) for row in db.session.execute(query)]


def record_external_sales(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    """The original API: figures by ``seller_id``, kept on the seller's applicant (the
    seller is registered as one when it is not yet).  A figure left out is not
    reported."""
    seller = _seller(data["seller_id"])
    applicant = db.session.scalar(db.select(Applicant).where(Applicant.uscc == seller.uscc))
    if applicant is None:
        applicant = register_applicant(actor, {"uscc": seller.uscc,
                                               "reason": "recorded through external-sales"})
    values = {"online_retail_fen": data["online_fen"],
              "agricultural_fen": data.get("agricultural_fen"),
              "upstream_fen": data.get("upstream_fen")}
    reason = data.get("reason") or data.get("note") or "recorded through external-sales"
    try:
        row = record_figures(actor, applicant, data["year"], values, data.get("note"), reason)
    except ValidationFailed as error:
        problems = error.extra.get("problems", [])
        if problems and all(p["code"] in ORDER_CODES for p in problems):
            raise ValidationFailed(  # this API's code for upstream ≤ agricultural ≤ online
                error.detail, code=ReportingErrorCode.INCONSISTENT_SALES,
                field="agricultural_fen", problems=problems) from error
        raise
    return _as_external_sales(applicant, seller, row)


def livestream_bases() -> list[LivestreamBase]:
    return list(db.session.scalars(db.select(LivestreamBase).order_by(LivestreamBase.id)))


def _fill(base: LivestreamBase, data: dict[str, Any]) -> LivestreamBase:
    require_current_county(data["county_code"])
    data = {**data, "operator_uscc": validate_uscc(data["operator_uscc"], "operator_uscc")}
    for key, value in data.items():
        setattr(base, key, sorted(set(value)) if key == "awarded_tiers" else value)
    return base


def add_livestream_base(data: dict[str, Any]) -> LivestreamBase:
    base = _fill(LivestreamBase(), data)
    db.session.add(base)
    db.session.commit()
    return base


def update_livestream_base(base_id: int, data: dict[str, Any]) -> LivestreamBase:
    base = db.session.get(LivestreamBase, base_id)
    if base is None:
        raise NotFound("No such live-streaming base.",
                       code=ReportingErrorCode.LIVESTREAM_BASE_NOT_FOUND)
    _fill(base, data)
    db.session.commit()
    return base


def current_settings() -> AwardSettings:
    latest = db.session.scalar(db.select(AwardSettingsRecord)
                               .order_by(AwardSettingsRecord.id.desc()).limit(1))
    return AwardSettings.from_dict(latest.settings) if latest else AwardSettings()


def change_settings(actor: User, changes: Any) -> AwardSettings:
    """Apply a partial change; unknown names or bad values are 422 and change nothing."""
    if not isinstance(changes, dict) or not changes:
        raise ValidationFailed("Send a JSON object of settings to change.",
                               code=PlatformErrorCode.VALIDATION_ERROR)
    merged = {**current_settings().to_dict(), **changes}
    try:
        settings = AwardSettings.from_dict(merged)
    except (TypeError, ValueError, KeyError) as exc:
        raise ValidationFailed(f"Invalid award settings: {exc}",
                               code=ReportingErrorCode.INVALID_SETTINGS) from exc
    db.session.add(AwardSettingsRecord(settings=settings.to_dict(), changed_by_id=actor.id))
    db.session.commit()
    return settings
