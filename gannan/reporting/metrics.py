"""Sales metrics over the ledger, as docs/awards.md defines them.

* online retail sales: net paid goods (sales minus refunds) in the period;
* Ganzhou specialty sales: the part whose origin is one of Ganzhou's 18 counties;
* agricultural online sales: the part flagged agricultural;
* agricultural upstream sales: agricultural and of Ganzhou origin, split by where the
  buyer is (same county, elsewhere in Ganzhou, outside Ganzhou);
* orders, buyers, active sellers: distinct ones with a sale in the period.

Periods are months in Asia/Shanghai; the ledger keeps UTC, so a month is the UTC
range between two Shanghai midnights.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy import and_, case, distinct, func

from gannan.platform.counties import CURRENT
from gannan.platform.extensions import db
from gannan.platform.types import SHANGHAI
from gannan.reporting.models import EntryKind, LedgerEntry

GANZHOU_CODES = tuple(code for code, _, _ in CURRENT)
L = LedgerEntry


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        year, month = (int(part) for part in text.split("-"))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise ValueError(text)
        return cls(year, month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def start_utc(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=SHANGHAI).astimezone(timezone.utc)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)


def percent(numerator: int, denominator: int, places: int = 2) -> str | None:
    """An exact ratio as a percentage string, rounded half up: 1/3 → '33.33'."""
    if denominator == 0:
        return None
    value = Fraction(numerator * 100, denominator)
    quantum = Decimal(1).scaleb(-places)
    return str((Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        quantum, rounding=ROUND_HALF_UP))


def months(first: Month, last: Month) -> list[Month]:
    out, current = [], first
    while current <= last:
        out.append(current)
        current = current.next()
    return out


def _sum(condition=None):
    value = L.amount_fen if condition is None else case((condition, L.amount_fen), else_=0)
    return func.coalesce(func.sum(value), 0)


def _distinct(column):
    return func.count(distinct(case((L.kind == EntryKind.SALE, column))))


SPECIALTY = L.origin_county_code.in_(GANZHOU_CODES)
UPSTREAM = and_(L.agricultural.is_(True), SPECIALTY)
MEASURES = {
    "online_retail_fen": _sum(),
    "specialty_fen": _sum(SPECIALTY),
    "agricultural_fen": _sum(L.agricultural.is_(True)),
    "upstream_fen": _sum(UPSTREAM),
    "refunds_fen": _sum(L.kind == EntryKind.REFUND),
    "orders": _distinct(L.order_id),
    "buyers": _distinct(L.buyer_id),
    "active_sellers": _distinct(L.seller_id),
}
DESTINATIONS = {
    "same_county_fen": _sum(and_(UPSTREAM, L.buyer_county_code == L.origin_county_code)),
    "elsewhere_in_ganzhou_fen": _sum(and_(UPSTREAM, L.buyer_county_code.is_not(None),
                                          L.buyer_county_code != L.origin_county_code)),
    "outside_ganzhou_fen": _sum(and_(UPSTREAM, L.buyer_county_code.is_(None))),
}
DIMENSIONS = {
    "county": (L.origin_county_code,),
    "category": (L.category_id,),
    "seller": (L.seller_id,),
    "channel": (L.channel,),
    "township": (L.origin_county_code, L.origin_township),
}


def _between(start: datetime, end: datetime):
    return and_(L.business_time >= start, L.business_time < end)


def totals(start: datetime, end: datetime, measures: dict | None = None) -> dict[str, int]:
    measures = measures or MEASURES
    row = db.session.execute(
        db.select(*(m.label(k) for k, m in measures.items())).where(_between(start, end))
    ).one()
    return {k: int(v) for k, v in row._mapping.items()}


def grouped(start: datetime, end: datetime, dimension: str,
            measures: dict | None = None) -> list[dict]:
    """One row per value of ``dimension`` with every measure, keyed like the dimension."""
    measures = measures or MEASURES
    keys = DIMENSIONS[dimension]
    query = (db.select(*keys, *(m.label(k) for k, m in measures.items()))
             .where(_between(start, end)).group_by(*keys))
    rows = []
    for row in db.session.execute(query):
        values = row._mapping
        rows.append({**{c.key: values[c.key] for c in keys},
                     **{k: int(values[k]) for k in measures}})
    return rows


def month_range(first: Month, last: Month) -> tuple[datetime, datetime]:
    return first.start_utc(), last.next().start_utc()


def per_month(first: Month, last: Month, measures: dict | None = None) -> list[dict]:
    """The measures of each month from ``first`` to ``last``."""
    return [{"period": str(m), **totals(*month_range(m, m), measures)}
            for m in months(first, last)]


def any_sales(first: Month, last: Month) -> bool:
    start, end = month_range(first, last)
    return db.session.scalar(db.select(L.id).where(_between(start, end)).limit(1)) is not None


def annual_by_seller_between(start: datetime, end: datetime) -> dict[int, dict[str, int]]:
    """Each seller's online retail, agricultural and upstream sales in a range."""
    measures = {k: MEASURES[k] for k in ("online_retail_fen", "agricultural_fen",
                                         "upstream_fen")}
    return {row["seller_id"]: row for row in grouped(start, end, "seller", measures)}


def livestream_sales_by_room(start: datetime, end: datetime) -> dict[str, int]:
    """Live-stream sales per live room (channel reference) in a range, in one query."""
    query = (db.select(L.channel_ref, _sum()).where(_between(start, end),
                                                    L.channel == "livestream")
             .group_by(L.channel_ref))
    return {ref: int(total) for ref, total in db.session.execute(query) if ref}
