"""Logistics targets of the plan: do parcels leave within 24 hours?

The action plan wants "village parcels to leave the county within 24 hours".  On this
platform a **parcel** is a shipped seller order.  Its clock starts when it is paid
(Stripe) or, for cash on delivery, when the order is placed, and stops when the seller
hands it to the carrier (``shipped_at``): it **left within 24 hours** when that took
at most 24 hours.  Its **origin** is the origin county and township of its first order
line's product (the products of one parcel come from one place as a rule); the origin
is **village-level** when the township text names a village: it ends in 村, 村委会 or
村民委员会, optionally followed by a group such as 三组 (安西镇长安村, 梅水乡园村).

Parcels are counted in the month they ship (Asia/Shanghai).  Every figure is exact:
shares are percentages rounded half up to two places, median hours likewise.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import DateTime, case, func, or_, type_coerce

from gannan.orders.models import Order, OrderLine, PaymentMethod, SellerOrder
from gannan.platform.errors import ValidationFailed
from gannan.platform.extensions import db
from gannan.reporting.errors import ReportingErrorCode
from gannan.platform.counties import county_name
from gannan.reporting import metrics
from gannan.reporting.metrics import Month, percent
from gannan.reporting.metrics_service import MAX_MONTHS, _month

WITHIN_SECONDS = 24 * 3600
VILLAGE = re.compile(r"村(委会|民委员会)?([0-9一二三四五六七八九十百]+组)?$")
TARGET = "village parcels leave the county within 24 hours (乡村快递包裹24小时内出县)"


def village_level(township: str | None) -> bool:
    return bool(township) and VILLAGE.search(township.strip()) is not None


# A parcel, as the breakdown reads it: its origin county, its origin township (stripped;
# "" when none) and the whole seconds from payment (COD: the order) to shipping.
Parcel = tuple[str, str, int]


def parcels(start: datetime, end: datetime, county_code: str | None = None) -> list[Parcel]:
    """Parcels shipped in [start, end), in one query.  The statement picks each parcel's
    start (payment, or the order for cash on delivery) and returns the timestamps as the
    driver gives them (both aware on PostgreSQL, both naive UTC on SQLite): their
    difference is all a parcel needs, so no row goes through the UTC type's conversion."""
    # The first line of only the parcels shipped in the range, not of every order ever.
    shipped = db.select(SellerOrder.id).where(SellerOrder.shipped_at >= start,
                                              SellerOrder.shipped_at < end)
    first_line = (db.select(OrderLine.seller_order_id, func.min(OrderLine.id).label("line_id"))
                  .where(OrderLine.seller_order_id.in_(shipped))
                  .group_by(OrderLine.seller_order_id).subquery())
    started = case((or_(Order.payment_method == PaymentMethod.COD, SellerOrder.paid_at.is_(None)),
                    Order.created_at), else_=SellerOrder.paid_at)
    query = (db.select(type_coerce(SellerOrder.shipped_at, DateTime(timezone=True)),
                       type_coerce(started, DateTime(timezone=True)),
                       OrderLine.origin_county_code, OrderLine.origin_township)
             .join(Order, Order.id == SellerOrder.order_id)
             .join(first_line, first_line.c.seller_order_id == SellerOrder.id)
             .join(OrderLine, OrderLine.id == first_line.c.line_id)
             .where(SellerOrder.shipped_at >= start, SellerOrder.shipped_at < end))
    if county_code:
        query = query.where(OrderLine.origin_county_code == county_code)
    towns: dict[str | None, str] = {}
    out = []
    for shipped_at, started_at, county, township in db.session.execute(query):
        town = towns.get(township)
        if town is None:
            town = towns[township] = township.strip() if township else ""
        out.append((county, town, int((shipped_at - started_at).total_seconds())))
    return out


def _hours(seconds: Decimal) -> str:
    return str((seconds / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def summary(seconds: list[int]) -> dict[str, Any]:
    """Parcels (their seconds to ship), how many left within 24 hours and their share,
    median hours to ship."""
    seconds = sorted(seconds)
    middle = len(seconds) // 2
    median = None if not seconds else _hours(
        Decimal(seconds[middle]) if len(seconds) % 2 else
        Decimal(seconds[middle - 1] + seconds[middle]) / 2)
    # within 24 hours: 0 <= seconds <= WITHIN_SECONDS, a slice of the sorted list
    within = bisect_right(seconds, WITHIN_SECONDS) - bisect_left(seconds, 0)
    return {"parcels": len(seconds), "within_24h": within,
            "share_within_24h_percent": percent(within, len(seconds)),
            "median_hours_to_ship": median}


def breakdown(group: list[Parcel]) -> dict[str, Any]:
    """Totals, village-level parcels, and the same by county and by township (the parcels
    are split into their groups in one pass, and each township is classified once)."""
    village_town: dict[str, bool] = {}
    everything: list[int] = []
    village: list[int] = []
    by_county: dict[str, list[int]] = {}
    village_by_county: dict[str, list[int]] = {}
    by_town: dict[tuple[str, str], list[int]] = {}
    for county, town, seconds in group:
        is_village = village_town.get(town)
        if is_village is None:
            is_village = village_town[town] = village_level(town)
        everything.append(seconds)
        county_seconds = by_county.get(county)
        if county_seconds is None:
            county_seconds = by_county[county] = []
        county_seconds.append(seconds)
        town_seconds = by_town.get((county, town))
        if town_seconds is None:
            town_seconds = by_town[county, town] = []
        town_seconds.append(seconds)
        if is_village:
            village.append(seconds)
            village_by_county.setdefault(county, []).append(seconds)
    return {
        "totals": summary(everything),
        "village_parcels": {**summary(village), "target": TARGET,
                            "target_share_percent": "100.00"},
        "by_county": [
            {"county_code": code, "county": county_name(code),
             **summary(by_county[code]),
             "village": summary(village_by_county.get(code, []))}
            for code in sorted(by_county)],
        "by_township": [
            {"county_code": code, "county": county_name(code), "township": town or None,
             "village_level": village_town[town],
             **summary(by_town[code, town])}
            for code, town in sorted(by_town)],
    }


def logistics_metrics(first_text: str, last_text: str,
                      county_code: str | None = None) -> dict[str, Any]:
    """``GET /metrics/logistics`` (and a county's): months in Asia/Shanghai."""
    first, last = _month(first_text, "from"), _month(last_text, "to")
    if last < first:
        raise ValidationFailed("'to' is before 'from'.", code=ReportingErrorCode.INVALID_PERIOD, field="to")
    if len(metrics.months(first, last)) > MAX_MONTHS:
        raise ValidationFailed(f"At most {MAX_MONTHS} months at once.", code=ReportingErrorCode.RANGE_TOO_LONG,
                               field="to")
    group = parcels(*metrics.month_range(first, last), county_code)
    return {"period": {"from": str(first), "to": str(last), "timezone": "Asia/Shanghai"},
            **({"county_code": county_code} if county_code else {}), **breakdown(group)}


def logistics_report(month: Month) -> dict[str, Any]:
    """The monthly report's logistics section: the parcels shipped in ``month``."""
    return breakdown(parcels(*metrics.month_range(month, month)))
