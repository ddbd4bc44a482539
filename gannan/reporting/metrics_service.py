"""``GET /api/v1/metrics/sales``: the measures over a range of months, optionally grouped."""

from __future__ import annotations

from typing import Any

from gannan.catalog.models import Category
from gannan.platform.errors import ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import County, Seller
from gannan.reporting import metrics
from gannan.reporting.errors import ReportingErrorCode
from gannan.reporting.metrics import Month

MAX_MONTHS = 120
GROUP_KEYS = {"county": "origin_county_code", "category": "category_id", "seller": "seller_id"}


def _month(text: str, field: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise ValidationFailed(f"{text!r} is not a month (YYYY-MM).",
                               code=ReportingErrorCode.INVALID_PERIOD,
                               field=field) from exc


def _names(dimension: str) -> dict[Any, str]:
    model, attribute = {"county": (County, "name"), "category": (Category, "name"),
                        "seller": (Seller, "name")}[dimension]
    key = County.code if model is County else model.id
    return {k: v for k, v in db.session.execute(db.select(key, getattr(model, attribute)))}


def sales_metrics(first_text: str, last_text: str, group_by: str | None) -> dict[str, Any]:
    first, last = _month(first_text, "from"), _month(last_text, "to")
    if last < first:
        raise ValidationFailed("'to' is before 'from'.",
                               code=ReportingErrorCode.INVALID_PERIOD, field="to")
    if len(metrics.months(first, last)) > MAX_MONTHS:
        raise ValidationFailed(f"At most {MAX_MONTHS} months at once.",
                               code=ReportingErrorCode.RANGE_TOO_LONG,
                               field="to")
    start, end = metrics.month_range(first, last)
    result: dict[str, Any] = {
        "period": {"from": str(first), "to": str(last), "timezone": "Asia/Shanghai"},
        "totals": metrics.totals(start, end),
        "upstream_destination": metrics.totals(start, end, metrics.DESTINATIONS),
        "groups": None,
    }
    if group_by == "month":
        result["groups"] = metrics.per_month(first, last)
    elif group_by == "channel":
        result["groups"] = metrics.grouped(start, end, "channel")
    elif group_by:
        names = _names(group_by)
        key = GROUP_KEYS[group_by]
        result["groups"] = sorted(
            ({group_by: row[key], "name": names.get(row[key]),
              **{k: row[k] for k in metrics.MEASURES}}
             for row in metrics.grouped(start, end, group_by)),
            key=lambda g: (-g["online_retail_fen"], str(g[group_by])))
    return result
