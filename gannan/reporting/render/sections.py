"""The report as tables: the one list of :class:`Section` that CSV, XLSX and PDF present.

Each section is a title, its typed columns and its rows, in reading order, so that the
three formats cannot disagree.  Money stays integer fen here; the numbers helpers show
it as 元 exactly.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, TypedDict

Content = Mapping[str, Any]
Cell = str | int | None

REPORT_TITLE = "赣南特色产品网络销售月报"
REPORT_TITLE_EN = "Ganzhou Specialty Products Online Sales — Monthly Report"
UNSIGNED = "未签名草稿 Unsigned draft"

CHANNEL_NAMES = {
    "storefront": "店铺 Storefront",
    "livestream": "直播 Livestream",
    "short_video": "短视频 Short video",
    "campaign": "活动 Campaign",
}


class Signature(TypedDict):
    """What certifies a report version (the fields of the stored version)."""

    sha256: str
    key_id: str
    signature: str
    certified_at: str | None
    version: int


class Kind(enum.Enum):
    """How a column's values are written."""

    TEXT = "text"  # free text, possibly typed by a seller: CSV-escaped against formulas
    CODE = "code"  # identifiers, periods, digests: written exactly as they are
    INTEGER = "integer"
    MONEY = "money"  # integer fen: CSV/XLSX write a fen and a 元 column, the PDF 元 only
    PERCENT = "percent"  # a decimal string such as "12.34", meaning 12.34 %


@dataclass(frozen=True)
class Column:
    zh: str
    en: str
    kind: Kind = Kind.TEXT

    def labels(self) -> list[str]:
        """CSV/XLSX header labels: two for a money column (fen, 元), one otherwise."""
        if self.kind is Kind.MONEY:
            return [f"{self.zh} 分 {self.en} (fen)", f"{self.zh} 元 {self.en} (CNY)"]
        unit = " (%)" if self.kind is Kind.PERCENT else ""
        return [f"{self.zh} {self.en}{unit}"]


@dataclass(frozen=True)
class Section:
    """One table of the report: a CSV section, an XLSX sheet, a PDF table."""

    key: str
    zh: str
    en: str
    sheet: str  # XLSX sheet name: unique, at most 31 characters
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]

    @property
    def title(self) -> str:
        return f"{self.zh} {self.en}"


# --- numbers --------------------------------------------------------------------------------


def yuan(fen: int) -> str:
    """Fen as 元 with thousands separators and two decimals, exactly: -1234567 → -12,345.67."""
    whole, cents = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}{whole:,}.{cents:02d}"


def yuan_decimal(fen: int) -> Decimal:
    """Fen as an exact Decimal of 元: 1234567 → Decimal('12345.67')."""
    return Decimal(fen).scaleb(-2)


def share_percent(part: int, whole: int) -> str | None:
    """``part`` as a percentage of ``whole`` with two decimals, None when whole is 0."""
    if whole == 0:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_EVEN))


# --- sections -------------------------------------------------------------------------------

METRIC = Column("指标", "Metric")
AMOUNT = Column("金额", "Amount", Kind.MONEY)
NUMBER = Column("数量", "Number", Kind.INTEGER)
PERCENT = Column("比例", "Share", Kind.PERCENT)
ONLINE = Column("网络零售额", "Online retail", Kind.MONEY)
AGRICULTURAL = Column("农产品", "Agricultural", Kind.MONEY)
UPSTREAM = Column("农产品上行", "Upstream", Kind.MONEY)
ORDERS = Column("订单", "Orders", Kind.INTEGER)


def sections(content: Content, signature: Signature | None = None) -> list[Section]:
    """The report as tables, in reading order; the seller list, the longest, last."""
    return [
        _report_section(content, signature),
        _totals_section(content),
        _destination_section(content),
        _comparison_section(content),
        _year_to_date_section(content),
        _county_section(content),
        _trend_section(content),
        _category_section(content),
        _channel_section(content),
        _plan_section(content),
        _township_section(content),
        _award_lines_section(content),
        _award_summary_section(content),
        _seller_section(content),
    ]


def _report_section(content: Content, signature: Signature | None) -> Section:
    rows: list[tuple[Cell, ...]] = [
        ("格式 Format", content["format"]),
        ("报告期 Period", content["period"]),
        ("时区 Time zone", content["timezone"]),
        ("币种 Currency", content["currency"]),
        ("金额单位 Amounts", "分 fen (1 元 = 100 分)"),
        ("平台 Platform", content["platform"]),
        ("状态 Status", "已认证 Certified" if signature else UNSIGNED),
    ]
    if signature:
        rows += [
            ("内容摘要 SHA-256", signature["sha256"]),
            ("签名密钥 Key id", signature["key_id"]),
            ("版本 Version", str(signature["version"])),
            ("认证时间 Certified at", signature.get("certified_at") or ""),
            ("签名 Signature", signature["signature"]),
        ]
    return Section("report", "报告信息与签名", "Report and signature", "签名 Signature",
                   (Column("项目", "Field"), Column("内容", "Value", Kind.CODE)), tuple(rows))


def _totals_section(content: Content) -> Section:
    totals = content["totals"]
    rows = (
        ("网络零售额 Online retail sales", totals["online_retail_fen"], None),
        ("赣州特色产品销售额 Ganzhou specialty sales", totals["specialty_fen"], None),
        ("农产品网络零售额 Agricultural online sales", totals["agricultural_fen"], None),
        ("农产品上行 Agricultural upstream sales", totals["upstream_fen"], None),
        ("退款 Refunds", totals["refunds_fen"], None),
        ("订单数 Orders", None, totals["orders"]),
        ("买家数 Buyers", None, totals["buyers"]),
        ("活跃店铺 Active sellers", None, totals["active_sellers"]),
    )
    return Section("totals", "本月合计", "Totals of the month", "合计 Totals",
                   (METRIC, AMOUNT, NUMBER), rows)


def _destination_section(content: Content) -> Section:
    split = content["upstream_destination"]
    parts = (
        ("本县区 Same county", split["same_county_fen"]),
        ("赣州市内其他县区 Elsewhere in Ganzhou", split["elsewhere_in_ganzhou_fen"]),
        ("赣州市外 Outside Ganzhou", split["outside_ganzhou_fen"]),
    )
    whole = sum(fen for _, fen in parts)
    return Section("upstream_destination", "农产品上行 买家去向", "Upstream sales by buyer destination",
                   "上行去向 Upstream",
                   (Column("去向", "Destination"), AMOUNT, PERCENT),
                   tuple((label, fen, share_percent(fen, whole)) for label, fen in parts))


def _comparison_section(content: Content) -> Section:
    current = content["totals"]["online_retail_fen"]

    def row(label: str, change: Mapping[str, Any] | None) -> tuple[Cell, ...]:
        if change is None:
            return (label, None, current, None, None, None)
        return (label, change["previous_period"], current, change["online_retail_fen"],
                change["change_fen"], change["change_percent"])

    return Section("comparison", "环比与同比", "Month-on-month and year-on-year", "环比同比 MoM YoY",
                   (Column("比较", "Comparison"), Column("对比期", "Previous period", Kind.CODE),
                    Column("本期网络零售额", "Online retail", Kind.MONEY),
                    Column("对比期网络零售额", "Previous", Kind.MONEY),
                    Column("变化", "Change", Kind.MONEY),
                    Column("变化率", "Change", Kind.PERCENT)),
                   (row("环比 Month-on-month", content.get("month_on_month")),
                    row("同比 Year-on-year", content.get("year_on_year"))))


def _year_to_date_section(content: Content) -> Section:
    ytd = content["year_to_date"]
    rows = (
        ("网络零售额 Online retail sales", ytd["online_retail_fen"], None),
        ("赣州特色产品销售额 Ganzhou specialty sales", ytd["specialty_fen"], None),
        ("农产品网络零售额 Agricultural online sales", ytd["agricultural_fen"], None),
        ("农产品上行 Agricultural upstream sales", ytd["upstream_fen"], None),
        ("订单数 Orders", None, ytd["orders"]),
    )
    span = f"{ytd['from']} – {ytd['to']}"
    return Section("year_to_date", f"年初至今 {span}", "Year to date", "年初至今 YTD",
                   (METRIC, AMOUNT, NUMBER), rows)


def _county_section(content: Content) -> Section:
    rows = tuple(
        (c["county_code"], c["county"], c["online_retail_fen"], c["agricultural_fen"],
         c["upstream_fen"], c["orders"], c["sellers"])
        for c in content["by_county"])
    return Section("by_county", "按县区（产品产地）", "By county of origin", "县区 Counties",
                   (Column("代码", "Code", Kind.CODE), Column("县区", "County"), ONLINE, AGRICULTURAL,
                    UPSTREAM, ORDERS, Column("店铺", "Sellers", Kind.INTEGER)), rows)


def _trend_section(content: Content) -> Section:
    rows = tuple((m["period"], m["online_retail_fen"], m["agricultural_fen"])
                 for m in content["monthly_trend"])
    return Section("monthly_trend", "月度趋势", "Monthly trend", "月度趋势 Trend",
                   (Column("月份", "Month", Kind.CODE), ONLINE, AGRICULTURAL), rows)


def _category_section(content: Content) -> Section:
    rows = tuple((c["category"], c["category_name"], c["online_retail_fen"], c["agricultural_fen"],
                  c["orders"]) for c in content["by_category"])
    return Section("by_category", "按品类", "By category", "品类 Categories",
                   (Column("品类代码", "Category", Kind.CODE), Column("品类", "Name"), ONLINE,
                    AGRICULTURAL, ORDERS), rows)


def _channel_section(content: Content) -> Section:
    rows = tuple((c["channel"], CHANNEL_NAMES.get(c["channel"], c["channel"]),
                  c["online_retail_fen"], c["orders"]) for c in content["by_channel"])
    return Section("by_channel", "按销售渠道", "By sales channel", "渠道 Channels",
                   (Column("渠道代码", "Channel", Kind.CODE), Column("渠道", "Name"), ONLINE, ORDERS),
                   rows)


def _plan_section(content: Content) -> Section:
    plan = content["plan_targets"]
    firms = plan["enterprises_over_10m_upstream"]
    rows = (
        ("全市网络零售额目标 City online retail target", plan["city_online_retail_target_fen"],
         None, None),
        ("全市农产品网络零售额目标 City agricultural target", plan["city_agricultural_target_fen"],
         None, None),
        ("平台年初至今网络零售额 Platform YTD online retail",
         plan["platform_ytd_online_retail_fen"], None, None),
        ("平台年初至今农产品网络零售额 Platform YTD agricultural",
         plan["platform_ytd_agricultural_fen"], None, None),
        ("占全市网络零售额目标 Share of city online target", None, None,
         plan["share_of_city_online_target_percent"]),
        ("占全市农产品目标 Share of city agricultural target", None, None,
         plan["share_of_city_agricultural_target_percent"]),
        ("上行超千万元企业 本年新增 Upstream > 10M 元 firms, new this year", None,
         firms["new_this_year"], None),
        ("上行超千万元企业 2024年以来累计 Same, cumulative since 2024", None,
         firms["cumulative_since_2024"], None),
        ("2024年目标 Target 2024", None, firms["target_2024"], None),
        ("2026年累计目标 Cumulative target 2026", None, firms["target_cumulative_2026"], None),
    )
    return Section("plan_targets", "行动计划目标", "Action plan targets", "规划目标 Plan",
                   (METRIC, AMOUNT, NUMBER, PERCENT), rows)


def _township_section(content: Content) -> Section:
    rows = tuple((t["county"], t["township"], t["online_retail_fen"])
                 for t in content["plan_targets"]["townships_over_100m"])
    return Section("townships", "电商强镇（年网络销售额超1亿元）", "Townships with online sales > 100M 元",
                   "电商强镇 Townships",
                   (Column("县区", "County"), Column("乡镇", "Township"), ONLINE), rows)


def _award_lines_section(content: Content) -> Section:
    award = content["award_estimate"]
    rows = tuple((line["recipient"], line["kind"], line["amount_fen"], line["rule"])
                 for line in award["lines"])
    return Section("award_lines", f"{award['year']}年奖励测算（截至 {award['as_of']}）",
                   f"Award estimate {award['year']}, as of {award['as_of']}", "奖励明细 Awards",
                   (Column("获奖对象", "Recipient"), Column("类型", "Kind", Kind.CODE), AMOUNT,
                    Column("依据", "Rule")), rows)


def _award_summary_section(content: Content) -> Section:
    award = content["award_estimate"]
    rows = (("测算合计 Estimated total", award["total_fen"]),
            ("年度预算 Annual budget", award["budget_fen"]))
    return Section("award_summary", "奖励合计与预算", "Award total and budget", "奖励合计 Award totals",
                   (METRIC, AMOUNT), rows)


def _seller_section(content: Content) -> Section:
    names = {c["county_code"]: c["county"] for c in content["by_county"]}
    ranked = sorted(content["by_seller"], key=lambda s: (-s["online_retail_fen"], s["seller_id"]))
    rows = tuple(
        (rank, s["seller_id"], s["seller"], s["county_code"], names.get(s["county_code"], ""),
         s["online_retail_fen"], s["agricultural_fen"], s["upstream_fen"], s["orders"])
        for rank, s in enumerate(ranked, start=1))
    return Section("by_seller", "按店铺（按网络零售额排名）", "By seller, ranked by online retail",
                   "店铺 Sellers",
                   (Column("排名", "Rank", Kind.INTEGER), Column("店铺编号", "Seller id", Kind.INTEGER),
                    Column("店铺", "Seller"), Column("县区代码", "County code", Kind.CODE),
                    Column("县区", "County"), ONLINE, AGRICULTURAL, UPSTREAM, ORDERS), rows)


def cells(columns: Sequence[Column], row: Sequence[Cell],
           money: Callable[[int], list[object]]) -> Iterable[tuple[Column, object]]:
    """A row's cells paired with their columns, a money value expanded by ``money``."""
    for column, value in zip(columns, row):
        if column.kind is Kind.MONEY:
            for part in (money(int(value)) if value is not None else [None, None]):
                yield column, part
        else:
            yield column, value

