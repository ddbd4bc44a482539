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

from sqlalchemy import and_, case, distinct, func, literal_column, or_

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
    """The measures of each month from ``first`` to ``last``, in one statement."""
    measures = measures or MEASURES
    figures = by_month(months(first, last), measures)
    return [{"period": str(m), **{k: figures[m][k] for k in measures}}
            for m in months(first, last)]


def by_month(wanted: list[Month], measures: dict) -> dict[Month, dict[str, int]]:
    """The measures of each month of ``wanted`` (any months, in any order) and its number
    of ledger rows (``entries``), in one statement: each row is labelled with the month it
    falls in (a CASE over the months' UTC bounds) and grouped by it."""
    wanted = sorted(set(wanted))
    bounds = [month_range(m, m) for m in wanted]
    label = case(*((_between(start, end), i) for i, (start, end) in enumerate(bounds)))
    query = (db.select(label.label("ledger_month"), func.count().label("entries"),
                       *(m.label(k) for k, m in measures.items()))
             .where(or_(*(_between(start, end) for start, end in _runs(bounds))))
             .group_by(_BY_LABEL["ledger_month"]))
    found = {row.ledger_month: row._mapping for row in db.session.execute(query)}
    zero = {"entries": 0, **{k: 0 for k in measures}}
    return {m: {k: int(found[i][k]) for k in zero} if i in found else dict(zero)
            for i, m in enumerate(wanted)}


def _runs(bounds: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Adjacent ranges merged, so the WHERE has one range per run of consecutive months."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in bounds:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _year_label(first_year: int, last: Month):
    """The Asia/Shanghai year of a row between ``first_year``'s January and ``last``'s end."""
    ends = [Month(year + 1, 1).start_utc() for year in range(first_year, last.year)]
    ends.append(last.next().start_utc())
    return case(*((L.business_time < end, year) for year, end in zip(
        range(first_year, last.year + 1), ends)))


# GROUP BY a labelled CASE by its label: the CASE's bound parameters would otherwise have
# to match between the select list and the GROUP BY (PostgreSQL compares expressions).
_BY_LABEL = {name: literal_column(name) for name in ("ledger_month", "ledger_year")}


SELLER_YEAR_MEASURES = ("online_retail_fen", "agricultural_fen", "upstream_fen")


def by_seller_and_year(first_year: int, last: Month) -> dict[int, dict[int, dict[str, int]]]:
    """{year: {seller: online retail, agricultural and upstream sales}} for every year
    from ``first_year`` to ``last.year``: whole years, the last one up to ``last``.  One
    statement for all the years (plan targets and awards both read them)."""
    year = _year_label(first_year, last)
    start, end = month_range(Month(first_year, 1), last)
    query = (db.select(year.label("ledger_year"), L.seller_id,
                       *(MEASURES[k].label(k) for k in SELLER_YEAR_MEASURES))
             .where(_between(start, end)).group_by(_BY_LABEL["ledger_year"], L.seller_id))
    out: dict[int, dict[int, dict[str, int]]] = {y: {} for y in range(first_year, last.year + 1)}
    for ledger_year, seller_id, *figures in db.session.execute(query):
        out[ledger_year][seller_id] = dict(zip(SELLER_YEAR_MEASURES, map(int, figures)))
    return out


def livestream_by_year_and_room(first_year: int, last: Month,
                                rooms: list[str]) -> dict[int, dict[str, int]]:
    """{year: {live room: live-stream sales}} of ``rooms`` (channel references), years as
    in :func:`by_seller_and_year`, in one statement."""
    out: dict[int, dict[str, int]] = {y: {} for y in range(first_year, last.year + 1)}
    if not rooms:
        return out
    year = _year_label(first_year, last)
    start, end = month_range(Month(first_year, 1), last)
    query = (db.select(year.label("ledger_year"), L.channel_ref, _sum().label("fen"))
             .where(_between(start, end), L.channel == "livestream", L.channel_ref.in_(rooms))
             .group_by(_BY_LABEL["ledger_year"], L.channel_ref))
    for row in db.session.execute(query):
        out[row.ledger_year][row.channel_ref] = int(row.fen)
    return out
