"""A readable difference between two versions of a month's report: section by section,
the lines whose figures changed, each figure as old → new with the change.

Pure: two report contents (the canonical JSON, parsed) in, tables out.  Amounts stay
integer fen; the template shows them in 元.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LABELS = {
    "online_retail_fen": "网络零售额", "specialty_fen": "赣州特色产品销售额",
    "agricultural_fen": "农产品网络零售额", "upstream_fen": "农产品上行销售额",
    "refunds_fen": "退款", "orders": "订单数", "buyers": "买家数",
    "active_sellers": "有销售的商家数",
}
TOTALS = list(LABELS)
BY_ITEM = ["online_retail_fen", "agricultural_fen", "upstream_fen", "orders"]
DESTINATIONS = {"same_county_fen": "销往本县", "elsewhere_in_ganzhou_fen": "销往赣州市内其他区县",
                "outside_ganzhou_fen": "销往赣州市外"}
CHANNELS = {"storefront": "商城", "livestream": "直播", "short_video": "短视频",
            "campaign": "活动"}


@dataclass
class Cell:
    old: int | None
    new: int | None
    money: bool

    @property
    def changed(self) -> bool:
        return self.old != self.new

    @property
    def delta(self) -> int:
        return (self.new or 0) - (self.old or 0)


@dataclass
class Line:
    name: str
    cells: list[Cell]


@dataclass
class Table:
    title: str
    columns: list[str]
    lines: list[Line] = field(default_factory=list)
    unchanged: int = 0  # lines left out because nothing in them changed


@dataclass
class Diff:
    first: bool  # nothing certified yet: the draft would be the first version
    tables: list[Table]

    @property
    def changed(self) -> int:
        """How many figures differ."""
        return sum(cell.changed for t in self.tables for line in t.lines for cell in line.cells)


Figures = dict[str, dict[str, tuple[int | None, bool]]]  # line → column → (value, money)


def _vertical(figures: dict[str, str], source: dict | None) -> Figures:
    """A section whose lines are figures (the totals): one column of values."""
    return {label: {"value": ((source or {}).get(key), key.endswith("_fen"))}
            for key, label in figures.items()}


def _by_item(rows: list[dict] | None, name) -> Figures:
    """A section of items (counties, categories ...): a column per measure."""
    return {name(row): {key: (row.get(key), key.endswith("_fen")) for key in BY_ITEM}
            for row in rows or []}


def _sections(content: dict[str, Any]) -> list[tuple[str, list[str], Figures]]:
    totals = {key: LABELS[key] for key in TOTALS}
    return [
        ("总计", ["value"], _vertical(totals, content.get("totals"))),
        ("农产品上行去向", ["value"], _vertical(DESTINATIONS, content.get("upstream_destination"))),
        ("按区县（产地）", BY_ITEM, _by_item(content.get("by_county"), lambda r: r.get("county"))),
        ("按品类", BY_ITEM, _by_item(content.get("by_category"),
                                    lambda r: r.get("category_name"))),
        ("按渠道", BY_ITEM, _by_item(content.get("by_channel"),
                                    lambda r: CHANNELS.get(r.get("channel"), r.get("channel")))),
        ("按商家", BY_ITEM, _by_item(content.get("by_seller"), lambda r: r.get("seller"))),
        ("本年累计", ["value"], _vertical(totals, content.get("year_to_date"))),
        ("奖补测算", ["value"], _vertical({"total_fen": "测算奖补合计"},
                                         content.get("award_estimate"))),
    ]


def compare(old: dict[str, Any] | None, new: dict[str, Any]) -> Diff:
    """Each section's changed lines (for a first version: every line with a figure)."""
    tables = []
    earlier = _sections(old) if old is not None else None
    for index, (title, keys, after) in enumerate(_sections(new)):
        before = earlier[index][2] if earlier else {}
        table = Table(title, ["数值"] if keys == ["value"] else [LABELS[k] for k in keys])
        for name in list(after) + [n for n in before if n not in after]:
            was, now = before.get(name, {}), after.get(name, {})
            cells = []
            for key in keys:
                money = (now.get(key) or was.get(key) or (None, key.endswith("_fen")))[1]
                cells.append(Cell(was.get(key, (None, money))[0] if old is not None else None,
                                  now.get(key, (None, money))[0], money))
            if old is None and not any(cell.new for cell in cells):
                continue  # a first version: what it reports, not its zeros
            if old is not None and not any(cell.changed for cell in cells):
                table.unchanged += 1
                continue
            table.lines.append(Line(name, cells))
        tables.append(table)
    return Diff(first=old is None, tables=tables)
