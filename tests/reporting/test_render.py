"""The report renderers: CSV, XLSX and PDF from one content dict, no database."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import os
import random
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from gannan.platform.counties import CURRENT
from gannan.platform.fonts import FontMissing, find_font
from gannan.reporting.render import (
    Signature,
    sections,
    share_percent,
    to_csv,
    to_pdf,
    to_xlsx,
    yuan,
    yuan_decimal,
)
from tests.pdfcheck import embedded_fonts, ink, rasterise

PERIOD = "2026-10"
TRICKY_SELLER = '=HYPERLINK("http://evil.example","点我")'
SIGNATURE: Signature = {
    "sha256": "9f2c4e1a" * 8,
    "key_id": "3b1f0c9d2e7a6b54",
    "signature": "+" + "A" * 86 + "=",  # base64 may start with "+": must stay verbatim
    "certified_at": "2026-11-03T10:15:00+08:00",
    "version": 2,
}
CATEGORIES = [("navel_orange", "脐橙", 40), ("tangerine", "蜜桔", 8), ("camellia_oil", "茶油", 20),
              ("rice_noodles", "米粉", 10), ("rice", "大米", 7), ("green_tea", "绿茶", 8),
              ("other_specialty", "其他特产", 7)]
CHANNELS = [("storefront", 50), ("livestream", 30), ("short_video", 15), ("campaign", 5)]
SELLER_WORDS = ["绿源脐橙专业合作社", "茶油有限公司", "米粉厂", "生态农业发展有限公司", "红茶专业合作社",
                "电子商务有限公司", "家庭农场"]
OUTSIDE_ORIGIN_FEN = 1_234_567  # goods from outside Ganzhou: online retail, not specialty


def split(total: int, weights: list[int]) -> list[int]:
    """``total`` in parts by weight, exactly: the last part takes the remainder."""
    parts = [total * w // sum(weights) for w in weights[:-1]]
    return [*parts, total - sum(parts)]


def make_sellers(count: int, rng: random.Random) -> list[dict]:
    sellers = []
    for seller_id in range(1, count + 1):
        code, county, _ = CURRENT[(seller_id - 1) % len(CURRENT)]
        online = rng.randint(0, 50_000_000)
        agricultural = online * rng.randint(50, 100) // 100
        sellers.append({
            "seller_id": seller_id,
            "seller": f"{county[:-1]}{SELLER_WORDS[seller_id % len(SELLER_WORDS)]}{seller_id}",
            "county_code": code, "online_retail_fen": online, "agricultural_fen": agricultural,
            "upstream_fen": agricultural, "orders": online // 8_000,
        })
    if sellers:
        sellers[2]["seller"] = TRICKY_SELLER
        sellers[3].update(online_retail_fen=-45_600, agricultural_fen=-45_600, upstream_fen=-45_600,
                          orders=0)  # refunds of last month's orders exceed this month's sales
        sellers[0]["online_retail_fen"] += OUTSIDE_ORIGIN_FEN
    return sellers


def by_county(sellers: list[dict]) -> list[dict]:
    rows = []
    for code, county, _ in CURRENT:
        own = [s for s in sellers if s["county_code"] == code]
        rows.append({
            "county_code": code, "county": county,
            "online_retail_fen": sum(s["online_retail_fen"] for s in own)
            - (OUTSIDE_ORIGIN_FEN if any(s["seller_id"] == 1 for s in own) else 0),
            "agricultural_fen": sum(s["agricultural_fen"] for s in own),
            "upstream_fen": sum(s["upstream_fen"] for s in own),
            "orders": sum(s["orders"] for s in own), "sellers": len(own),
        })
    return rows


def make_content(seller_count: int = 50) -> dict:
    """A month as the report builder makes it, internally consistent to the fen."""
    rng = random.Random(seller_count)
    sellers = make_sellers(seller_count, rng)
    counties = by_county(sellers)
    online = sum(s["online_retail_fen"] for s in sellers)
    agricultural = sum(s["agricultural_fen"] for s in sellers)
    upstream = sum(s["upstream_fen"] for s in sellers)
    orders = sum(s["orders"] for s in sellers)
    earlier = [rng.randint(online // 2, online * 3 // 2) for _ in range(9)]
    trend = [{"period": f"2026-{m:02d}", "online_retail_fen": fen,
              "agricultural_fen": fen * 4 // 5} for m, fen in enumerate(earlier, start=1)]
    trend.append({"period": PERIOD, "online_retail_fen": online, "agricultural_fen": agricultural})
    ytd_online = sum(m["online_retail_fen"] for m in trend)
    ytd_agricultural = sum(m["agricultural_fen"] for m in trend)
    award_lines = [
        {"recipient": "赣南特色产品网络销售平台", "kind": "platform", "amount_fen": 29_876_543,
         "rule": "(1) 1% of Ganzhou specialty sales, at most 300,000 元"},
        {"recipient": "信丰县绿源脐橙专业合作社", "kind": "agricultural_sales", "amount_fen": 12_345_678,
         "rule": "(5) 1% of agricultural upstream sales, at most 200,000 元"},
    ]
    return {
        "format": "gannan-monthly-report/1",
        "period": PERIOD, "timezone": "Asia/Shanghai", "currency": "CNY", "amounts": "fen",
        "platform": "赣南特色产品网络销售平台",
        "totals": {"online_retail_fen": online, "specialty_fen": online - OUTSIDE_ORIGIN_FEN,
                   "agricultural_fen": agricultural, "upstream_fen": upstream, "orders": orders,
                   "buyers": orders * 7 // 8, "active_sellers": seller_count,
                   "refunds_fen": -2_345_600},
        "upstream_destination": dict(zip(
            ("same_county_fen", "elsewhere_in_ganzhou_fen", "outside_ganzhou_fen"),
            split(upstream, [1, 8, 91]))),
        "by_county": counties,
        "by_category": [
            {"category": slug, "category_name": name, "online_retail_fen": fen,
             "agricultural_fen": 0 if slug == "other_specialty" else fen, "orders": fen // 8_000}
            for (slug, name, _), fen in zip(CATEGORIES, split(online, [w for *_, w in CATEGORIES]))],
        "by_seller": sellers,
        "by_channel": [{"channel": name, "online_retail_fen": fen, "orders": fen // 8_000}
                       for (name, _), fen in zip(CHANNELS, split(online, [w for _, w in CHANNELS]))],
        "year_to_date": {"from": "2026-01", "to": PERIOD, "online_retail_fen": ytd_online,
                         "specialty_fen": ytd_online - OUTSIDE_ORIGIN_FEN,
                         "agricultural_fen": ytd_agricultural, "upstream_fen": ytd_agricultural,
                         "orders": ytd_online // 8_000},
        "month_on_month": {"previous_period": "2026-09", "online_retail_fen": earlier[-1],
                           "change_fen": online - earlier[-1],
                           "change_percent": share_percent(online - earlier[-1], earlier[-1])},
        "year_on_year": {"previous_period": "2025-10", "online_retail_fen": online + 10_000_000,
                         "change_fen": -10_000_000, "change_percent": "-3.10"},
        "monthly_trend": trend,
        "plan_targets": {
            "city_online_retail_target_fen": 8_000_000_000_000,
            "city_agricultural_target_fen": 1_000_000_000_000,
            "platform_ytd_online_retail_fen": ytd_online,
            "platform_ytd_agricultural_fen": ytd_agricultural,
            "share_of_city_online_target_percent": "0.0015",
            "share_of_city_agricultural_target_percent": "0.0103",
            "enterprises_over_10m_upstream": {"new_this_year": 2, "cumulative_since_2024": 5,
                                              "target_2024": 9, "target_cumulative_2026": 20},
            "townships_over_100m": [{"county": "信丰县", "township": "安西镇",
                                     "online_retail_fen": 10_234_567_890}],
        },
        "award_estimate": {"year": 2026, "as_of": PERIOD, "lines": award_lines,
                           "total_fen": sum(line["amount_fen"] for line in award_lines),
                           "budget_fen": 1_000_000_000},
    }


def empty_content() -> dict:
    """A month with no sales and nothing to compare with."""
    content = make_content(0)
    content.update(by_seller=[], by_category=[], by_channel=[], monthly_trend=[],
                   month_on_month=None, year_on_year=None)
    content["plan_targets"]["townships_over_100m"] = []
    content["award_estimate"]["lines"] = []
    return content


@pytest.fixture(scope="module")
def content() -> dict:
    return make_content()


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(("fen", "shown"), [
    (0, "0.00"), (5, "0.05"), (-5, "-0.05"), (100, "1.00"), (1_234_567, "12,345.67"),
    (-2_345_600, "-23,456.00"), (8_000_000_000_000, "80,000,000,000.00"),
])
def test_yuan_is_exact_from_fen(fen: int, shown: str) -> None:
    assert yuan(fen) == shown
    assert yuan_decimal(fen) == Decimal(shown.replace(",", ""))


def test_share_percent_rounds_half_even_and_knows_no_whole() -> None:
    assert share_percent(1, 3) == "33.33"
    assert share_percent(1, 8) == "12.50"
    assert share_percent(5, 0) is None


# --- CSV ------------------------------------------------------------------------------------


def csv_sections(data: bytes) -> dict[str, list[dict[str, str]]]:
    """Section title → its rows as dicts keyed by header label."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    found: dict[str, list[dict[str, str]]] = {}
    blocks: list[list[list[str]]] = [[]]
    for row in rows:
        if row:
            blocks[-1].append(row)
        else:
            blocks.append([])
    for title, header, *body in blocks:
        found[title[0]] = [dict(zip(header, row)) for row in body]
    return found


def fen_sum(rows: list[dict[str, str]], label: str) -> int:
    return sum(int(row[f"{label} (fen)"]) for row in rows)


def test_csv_is_utf8_with_bom_and_has_every_section(content: dict) -> None:
    data = to_csv(content)
    assert data.startswith(b"\xef\xbb\xbf")
    found = csv_sections(data)
    assert list(found) == [s.title for s in sections(content)]
    for title in ("本月合计 Totals of the month", "按县区（产品产地） By county of origin",
                  "按品类 By category", "按店铺（按网络零售额排名） By seller, ranked by online retail",
                  "按销售渠道 By sales channel", "农产品上行 买家去向 Upstream sales by buyer destination",
                  "年初至今 2026-01 – 2026-10 Year to date",
                  "环比与同比 Month-on-month and year-on-year", "行动计划目标 Action plan targets",
                  "2026年奖励测算（截至 2026-10） Award estimate 2026, as of 2026-10"):
        assert title in found
    assert len(found["按县区（产品产地） By county of origin"]) == 18
    assert found["报告信息与签名 Report and signature"][6]["内容 Value"] == "未签名草稿 Unsigned draft"


def test_csv_fen_columns_re_add_to_the_totals(content: dict) -> None:
    found = csv_sections(to_csv(content))
    totals = content["totals"]
    online = "网络零售额 分 Online retail"
    assert fen_sum(found["按店铺（按网络零售额排名） By seller, ranked by online retail"], online) \
        == totals["online_retail_fen"]
    assert fen_sum(found["按品类 By category"], online) == totals["online_retail_fen"]
    assert fen_sum(found["按销售渠道 By sales channel"], online) == totals["online_retail_fen"]
    counties = found["按县区（产品产地） By county of origin"]
    assert fen_sum(counties, online) == totals["specialty_fen"]
    assert fen_sum(counties, "农产品上行 分 Upstream") == totals["upstream_fen"]
    assert fen_sum(found["农产品上行 买家去向 Upstream sales by buyer destination"], "金额 分 Amount") \
        == totals["upstream_fen"]
    award = found["2026年奖励测算（截至 2026-10） Award estimate 2026, as of 2026-10"]
    assert fen_sum(award, "金额 分 Amount") == content["award_estimate"]["total_fen"]
    trend = found["月度趋势 Monthly trend"]
    assert fen_sum(trend, online) == content["year_to_date"]["online_retail_fen"]


def test_csv_shows_yuan_exactly_beside_each_fen(content: dict) -> None:
    found = csv_sections(to_csv(content))
    checked = 0
    for rows in found.values():
        for row in rows:
            for label, fen in row.items():
                if label.endswith("(fen)") and fen:
                    twin = label.replace(" 分 ", " 元 ").replace("(fen)", "(CNY)")
                    assert row[twin] == yuan(int(fen))
                    checked += 1
    assert checked > 250
    totals = found["本月合计 Totals of the month"]
    assert totals[4]["金额 元 Amount (CNY)"] == "-23,456.00"


def test_csv_ranks_sellers_and_defuses_formulas(content: dict) -> None:
    sellers = csv_sections(to_csv(content))[
        "按店铺（按网络零售额排名） By seller, ranked by online retail"]
    amounts = [int(s["网络零售额 分 Online retail (fen)"]) for s in sellers]
    assert amounts == sorted(amounts, reverse=True)
    assert [s["排名 Rank"] for s in sellers[:3]] == ["1", "2", "3"]
    names = {s["店铺 Seller"] for s in sellers}
    assert "'" + TRICKY_SELLER in names and TRICKY_SELLER not in names


def test_csv_signed_keeps_the_signature_verbatim(content: dict) -> None:
    report = dict((row["项目 Field"], row["内容 Value"]) for row in
                  csv_sections(to_csv(content, SIGNATURE))["报告信息与签名 Report and signature"])
    assert report["状态 Status"] == "已认证 Certified"
    assert report["内容摘要 SHA-256"] == SIGNATURE["sha256"]
    assert report["签名密钥 Key id"] == SIGNATURE["key_id"]
    assert report["版本 Version"] == "2"
    assert report["签名 Signature"] == SIGNATURE["signature"]


def test_csv_is_deterministic(content: dict) -> None:
    assert to_csv(content) == to_csv(copy.deepcopy(content))
    assert to_csv(content, SIGNATURE) == to_csv(content, dict(SIGNATURE))


# --- XLSX -----------------------------------------------------------------------------------


def sheet_rows(workbook, name: str) -> list[dict]:
    header, *body = workbook[name].iter_rows(values_only=True)
    return [dict(zip(header, row)) for row in body]


def test_xlsx_has_a_sheet_per_section_with_frozen_bold_headers(content: dict) -> None:
    workbook = load_workbook(io.BytesIO(to_xlsx(content)))
    assert workbook.sheetnames == [s.sheet for s in sections(content)]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        assert all(dimension.width >= 6 for dimension in sheet.column_dimensions.values())
    assert workbook["县区 Counties"].max_row == 19


def test_xlsx_numbers_are_integers_in_fen_and_formatted_yuan(content: dict) -> None:
    workbook = load_workbook(io.BytesIO(to_xlsx(content)))
    sellers = workbook["店铺 Sellers"]
    header = [cell.value for cell in sellers[1]]
    fen_column = header.index("网络零售额 分 Online retail (fen)") + 1
    yuan_column = header.index("网络零售额 元 Online retail (CNY)") + 1
    for row in range(2, sellers.max_row + 1):
        fen = sellers.cell(row, fen_column).value
        shown = sellers.cell(row, yuan_column)
        assert type(fen) is int
        assert shown.number_format == "#,##0.00"
        assert Decimal(repr(shown.value)) == yuan_decimal(fen)


def test_xlsx_totals_match(content: dict) -> None:
    workbook = load_workbook(io.BytesIO(to_xlsx(content)))
    online = "网络零售额 分 Online retail (fen)"
    total = content["totals"]["online_retail_fen"]
    for name in ("店铺 Sellers", "品类 Categories", "渠道 Channels"):
        assert sum(row[online] for row in sheet_rows(workbook, name)) == total
    assert sum(row[online] for row in sheet_rows(workbook, "县区 Counties")) \
        == content["totals"]["specialty_fen"]
    totals = {row["指标 Metric"]: row for row in sheet_rows(workbook, "合计 Totals")}
    assert totals["网络零售额 Online retail sales"]["金额 分 Amount (fen)"] == total
    assert totals["订单数 Orders"]["数量 Number"] == content["totals"]["orders"]


def test_xlsx_text_is_never_a_formula(content: dict) -> None:
    workbook = load_workbook(io.BytesIO(to_xlsx(content)))
    cells = [cell for row in workbook["店铺 Sellers"].iter_rows() for cell in row
             if cell.value == TRICKY_SELLER]
    assert len(cells) == 1 and cells[0].data_type == "s"


def test_xlsx_signature_sheet(content: dict) -> None:
    unsigned = load_workbook(io.BytesIO(to_xlsx(content)))
    values = {r["项目 Field"]: r["内容 Value"] for r in sheet_rows(unsigned, "签名 Signature")}
    assert values["状态 Status"] == "未签名草稿 Unsigned draft"
    signed = load_workbook(io.BytesIO(to_xlsx(content, SIGNATURE)))
    values = {r["项目 Field"]: r["内容 Value"] for r in sheet_rows(signed, "签名 Signature")}
    assert values["内容摘要 SHA-256"] == SIGNATURE["sha256"]
    assert values["签名密钥 Key id"] == SIGNATURE["key_id"]
    assert values["版本 Version"] == "2"


def test_xlsx_is_deterministic(content: dict) -> None:
    data = to_xlsx(content, SIGNATURE)
    time.sleep(2.1)  # zip timestamps have a two-second grain: a clock stamp would now differ
    assert to_xlsx(copy.deepcopy(content), SIGNATURE) == data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 11, 1, 0, 0, 0)}
    properties = load_workbook(io.BytesIO(data)).properties
    assert properties.created.isoformat() == properties.modified.isoformat() == "2026-11-01T00:00:00"


# --- PDF ------------------------------------------------------------------------------------


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_pdf_reads_in_chinese_with_an_unsigned_footer(content: dict) -> None:
    data = to_pdf(content)
    assert data.startswith(b"%PDF")
    pages = pdf_pages(data)
    assert len(pages) > 1
    assert "赣南特色产品网络销售月报" in pages[0] and PERIOD in pages[0]
    assert "赣南特色产品网络销售平台" in pages[0]
    assert "未签名草稿 Unsigned draft" in pages[0]
    text = "\n".join(pages)
    for heading in ("本月合计 Totals of the month", "按县区（产品产地） By county of origin",
                    "月度趋势 Monthly trend", "按品类 By category", "按销售渠道 By sales channel",
                    "行动计划目标 Action plan targets", "环比与同比 Month-on-month and year-on-year"):
        assert heading in text
    assert yuan(content["totals"]["online_retail_fen"]) in pages[0]
    assert "安西镇" in text and "章贡区" in text and "龙南市" in text
    for number, page in enumerate(pages, start=1):
        assert "Unsigned draft" in page and f"Page {number}" in page
        assert "SHA-256 " not in page


def test_pdf_signed_footer_on_every_page(content: dict) -> None:
    pages = pdf_pages(to_pdf(content, SIGNATURE))
    for page in pages:
        assert f"SHA-256 {SIGNATURE['sha256']}" in page
        assert f"Key {SIGNATURE['key_id']}" in page and "Version 2" in page
        assert "Unsigned draft" not in page


def test_pdf_lists_every_seller(content: dict) -> None:
    text = "\n".join(pdf_pages(to_pdf(content)))
    for seller in content["by_seller"]:
        if seller["seller"] != TRICKY_SELLER:  # long enough to wrap in its column
            assert seller["seller"] in text


def test_pdf_embeds_its_chinese_font(content: dict) -> None:
    fonts = embedded_fonts(to_pdf(content, SIGNATURE))
    chinese = {name: program for name, program in fonts.items() if name != "/Helvetica"}
    assert chinese, fonts
    # TrueType subsets (ReportLab: 256 glyphs each), none left for the reader to supply
    assert set(chinese.values()) == {"/FontFile2"}
    assert all("+" in name for name in chinese)  # "AAAAAA+WenQuanYiMicroHei-0": a subset
    assert fonts.get("/Helvetica", None) is None  # Latin in a standard font every reader has


def test_pdf_shows_chinese_where_no_font_is_installed(content: dict, tmp_path: Path) -> None:
    """The title, all Chinese, drawn with no system font: only embedded glyphs can show
    (with the old, unembedded STSong-Light this box stayed white)."""
    page = rasterise(to_pdf(content), tmp_path, page=1, dpi=72)
    title = (42, 40, 285, 72)  # 赣南特色产品网络销售月报 at 20 pt below the 15 mm margin
    assert ink(page, title) > 0.05
    assert ink(page, (300, 40, 550, 72)) == 0  # and nothing right of it: the box is the title


def test_pdf_without_a_font_is_an_error_not_blank_gaps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDF_FONT_PATH", "/nowhere/font.ttf")
    with pytest.raises(FontMissing, match="PDF_FONT_PATH=/nowhere/font.ttf is not a file"):
        to_pdf(empty_content())


def test_pdf_bytes_do_not_depend_on_where_the_font_is(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    """The same font file under another PDF_FONT_PATH gives the same bytes (the path is
    not written into the file), and so does going back to the discovered one."""
    monkeypatch.delenv("PDF_FONT_PATH", raising=False)
    first = to_pdf(empty_content())
    alias = tmp_path / "same-font.ttc"
    alias.symlink_to(find_font().path)
    monkeypatch.setenv("PDF_FONT_PATH", str(alias))
    assert to_pdf(empty_content()) == first
    monkeypatch.delenv("PDF_FONT_PATH")
    assert to_pdf(empty_content()) == first


def test_pdf_is_deterministic(content: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)  # ReportLab would date the file by it
    data = to_pdf(content, SIGNATURE)
    assert to_pdf(copy.deepcopy(content), SIGNATURE) == data
    assert b"/CreationDate (D:20000101000000+00'00')" in data  # ReportLab's invariant date


def test_same_bytes_in_another_process(content: dict) -> None:
    """No hash seed, clock or process state leaks into the files."""
    script = ("import hashlib, sys; from tests.reporting.test_render import make_content, SIGNATURE;"
              "from gannan.reporting.render import to_csv, to_pdf, to_xlsx; c = make_content();"
              "print(*(hashlib.sha256(f(c, SIGNATURE)).hexdigest() for f in (to_csv, to_xlsx, to_pdf)))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    env.pop("SOURCE_DATE_EPOCH", None)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, env=env, cwd=Path(__file__).parents[2])
    expected = [hashlib.sha256(f(content, SIGNATURE)).hexdigest() for f in (to_csv, to_xlsx, to_pdf)]
    assert result.stdout.split() == expected


# --- edge cases and size --------------------------------------------------------------------


def test_an_empty_month_renders_everywhere() -> None:
    content = empty_content()
    found = csv_sections(to_csv(content))
    assert found["按店铺（按网络零售额排名） By seller, ranked by online retail"] == []
    comparison = found["环比与同比 Month-on-month and year-on-year"]
    assert [row["对比期 Previous period"] for row in comparison] == ["", ""]
    workbook = load_workbook(io.BytesIO(to_xlsx(content)))
    assert workbook["店铺 Sellers"].max_row == 1
    text = "\n".join(pdf_pages(to_pdf(content)))
    assert "无数据 No data" in text


def test_two_thousand_sellers_build_quickly() -> None:
    content = make_content(2000)
    started = time.perf_counter()
    data = to_pdf(content, SIGNATURE)
    elapsed = time.perf_counter() - started
    assert elapsed < 30, f"PDF of 2,000 sellers took {elapsed:.1f} s"
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) > 20
    last_page = pages[-1].extract_text()
    last = min(content["by_seller"], key=lambda s: (s["online_retail_fen"], -s["seller_id"]))
    assert last["seller"] in last_page and "2,000" in last_page
    assert f"SHA-256 {SIGNATURE['sha256']}" in last_page
    found = csv_sections(to_csv(content))
    assert fen_sum(found["按店铺（按网络零售额排名） By seller, ranked by online retail"],
                   "网络零售额 分 Online retail") == content["totals"]["online_retail_fen"]
