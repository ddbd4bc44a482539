"""A readable difference between two versions of a month's report: every figure that
changed, by section, with the old value, the new one and the change.

Pure: two report contents (the canonical JSON, parsed) in, rows out.  Amounts stay
integer fen; the template shows them in 元.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MEASURES = {
    "online_retail_fen": "网络零售额", "specialty_fen": "赣州特色产品销售额",
    "agricultural_fen": "农产品网络零售额", "upstream_fen": "农产品上行销售额",
    "refunds_fen": "退款", "orders": "订单数", "buyers": "买家数",
    "active_sellers": "有销售的商家数", "sellers": "有销售的商家数",
}
DESTINATIONS = {"same_county_fen": "销往本县", "elsewhere_in_ganzhou_fen": "销往赣州市内其他区县",
                "outside_ganzhou_fen": "销往赣州市外"}
CHANNELS = {"storefront": "商城", "livestream": "直播", "short_video": "短视频",
            "campaign": "活动"}


@dataclass
class Row:
    item: str | None
    measure: str
    old: int | None
    new: int | None
    money: bool

    @property
    def delta(self) -> int:
        return (self.new or 0) - (self.old or 0)


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class Diff:
    first: bool  # nothing certified yet: the draft would be the first version
    sections: list[Section]

    @property
    def changed(self) -> int:
        return sum(len(s.rows) for s in self.sections)


def _measures(row: dict[str, Any] | None, item: str | None) -> dict[tuple, tuple[int, bool]]:
    """The row's figures in the order of MEASURES (the report's JSON sorts its keys)."""
    row = row or {}
    return {(item, label): (row[key], key.endswith("_fen")) for key, label in MEASURES.items()
            if isinstance(row.get(key), int)}


def _keyed(rows: list[dict] | None, name) -> dict[tuple, tuple[int, bool]]:
    out: dict[tuple, tuple[int, bool]] = {}
    for row in rows or []:
        out.update(_measures(row, name(row)))
    return out


SECTIONS = [
    ("总计", lambda c: _measures(c.get("totals"), None)),
    ("农产品上行去向", lambda c: {(None, label): (c.get("upstream_destination", {}).get(k, 0), True)
                             for k, label in DESTINATIONS.items()}),
    ("按区县（产地）", lambda c: _keyed(c.get("by_county"), lambda r: r.get("county"))),
    ("按品类", lambda c: _keyed(c.get("by_category"), lambda r: r.get("category_name"))),
    ("按渠道", lambda c: _keyed(c.get("by_channel"),
                              lambda r: CHANNELS.get(r.get("channel"), r.get("channel")))),
    ("按商家", lambda c: _keyed(c.get("by_seller"), lambda r: r.get("seller"))),
    ("本年累计", lambda c: _measures(c.get("year_to_date"), None)),
    ("奖补测算", lambda c: {(None, "测算奖补合计"): (
        c.get("award_estimate", {}).get("total_fen", 0), True)}),
]


def compare(old: dict[str, Any] | None, new: dict[str, Any]) -> Diff:
    """Each section's changed figures (every figure of ``new`` when ``old`` is None)."""
    sections = []
    for title, extract in SECTIONS:
        before = extract(old) if old is not None else {}
        after = extract(new)
        section = Section(title)
        for key in list(after) + [k for k in before if k not in after]:
            was, now = before.get(key), after.get(key)
            money = (now or was)[1]
            old_value, new_value = (was[0] if was else None), (now[0] if now else None)
            if old is not None and old_value == new_value:
                section.unchanged += 1
                continue
            if old is None and not new_value:
                continue  # a first version: list what it reports, not its zeros
            section.rows.append(Row(key[0], key[1], old_value, new_value, money))
        sections.append(section)
    return Diff(first=old is None, sections=sections)
