"""What the bureau records: external certified sales, live-streaming bases, award settings."""

from __future__ import annotations

from typing import Any

from gannan.platform.counties import require_current_county
from gannan.platform.errors import NotFound, PlatformErrorCode, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import Seller, User
from gannan.platform.services import validate_uscc
from gannan.reporting.awards import AwardSettings
from gannan.reporting.errors import ReportingErrorCode
from gannan.reporting.models import AwardSettingsRecord, ExternalSales, LivestreamBase


def external_sales_of(year: int) -> list[ExternalSales]:
    return list(db.session.scalars(db.select(ExternalSales).where(ExternalSales.year == year)
                                   .order_by(ExternalSales.seller_id)))


def record_external_sales(actor: User, data: dict[str, Any]) -> ExternalSales:
    if db.session.get(Seller, data["seller_id"]) is None:
        raise NotFound("No such seller.", code=PlatformErrorCode.SELLER_NOT_FOUND)
    row = db.session.scalar(db.select(ExternalSales).where(
        ExternalSales.seller_id == data["seller_id"], ExternalSales.year == data["year"]))
    row = row or ExternalSales(seller_id=data["seller_id"], year=data["year"])
    for key in ("online_fen", "agricultural_fen", "upstream_fen", "note"):
        setattr(row, key, data[key])
    if row.agricultural_fen > row.online_fen or row.upstream_fen > row.agricultural_fen:
        raise ValidationFailed("Upstream ≤ agricultural ≤ online sales.",
                               code=ReportingErrorCode.INCONSISTENT_SALES,
                               field="agricultural_fen")
    row.recorded_by_id = actor.id
    db.session.add(row)
    db.session.commit()
    return row


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
