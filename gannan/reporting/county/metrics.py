"""A county's sales metrics: the ledger rows whose product comes from the county."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_

from gannan.platform.errors import ValidationFailed
from gannan.platform.extensions import db
from gannan.reporting.errors import ReportingErrorCode
from gannan.reporting import metrics
from gannan.reporting.metrics import DESTINATIONS, MEASURES, L
from gannan.reporting.metrics_service import MAX_MONTHS, _month, _names

GROUPS = {"township": (L.origin_township,), "category": (L.category_id,),
          "seller": (L.seller_id,), "channel": (L.channel,)}


def _where(county_code: str, start, end):
    return and_(L.origin_county_code == county_code, L.business_time >= start,
                L.business_time < end)


def _totals(where, measures=MEASURES) -> dict[str, int]:
    row = db.session.execute(db.select(*(m.label(k) for k, m in measures.items()))
                             .where(where)).one()
    return {k: int(v) for k, v in row._mapping.items()}


def county_sales_metrics(county_code: str, first_text: str, last_text: str,
                         group_by: str | None) -> dict[str, Any]:
    """``/metrics/sales`` for one county of origin; ?group_by=township|category|seller|
    channel|month."""
    first, last = _month(first_text, "from"), _month(last_text, "to")
    if last < first:
        raise ValidationFailed("'to' is before 'from'.", code=ReportingErrorCode.INVALID_PERIOD, field="to")
    if len(metrics.months(first, last)) > MAX_MONTHS:
        raise ValidationFailed(f"At most {MAX_MONTHS} months at once.", code=ReportingErrorCode.RANGE_TOO_LONG,
                               field="to")
    start, end = metrics.month_range(first, last)
    where = _where(county_code, start, end)
    result: dict[str, Any] = {
        "county_code": county_code,
        "period": {"from": str(first), "to": str(last), "timezone": "Asia/Shanghai"},
        "totals": _totals(where), "upstream_destination": _totals(where, DESTINATIONS),
        "groups": None,
    }
    if group_by == "month":
        result["groups"] = [
            {"period": str(m), **_totals(_where(county_code, *metrics.month_range(m, m)))}
            for m in metrics.months(first, last)]
    elif group_by:
        keys = GROUPS[group_by]
        query = (db.select(*keys, *(m.label(k) for k, m in MEASURES.items())).where(where)
                 .group_by(*keys))
        names = _names(group_by) if group_by in ("category", "seller") else {}
        groups = []
        for row in db.session.execute(query):
            values = row._mapping
            key = values[keys[0].key]
            groups.append({group_by: key, "name": names.get(key, key),
                           **{k: int(values[k]) for k in MEASURES}})
        result["groups"] = sorted(groups, key=lambda g: (-g["online_retail_fen"],
                                                         str(g[group_by])))
    return result
