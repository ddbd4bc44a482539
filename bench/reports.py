"""Monthly-report benchmark: build one month's report over a large ledger, compared with
the raw SQL aggregation the report needs, in the same run.

    .venv/bin/python -m bench.reports [--rows 1000000] [--database-url URL] [--month 2026-06]
                                      [--repeat 3] [--regenerate] [--profile]

The issue's requirement: "With 1,000,000 ledger rows spread over 24 months, 18 counties
and 2,000 sellers: time to build one month's report as a ratio to the raw SQL aggregation
it needs in the same run, peak memory, and the award computation for a year."

What a run does (see bench/reports_README.md):

1. Setup, cached: a PostgreSQL database of its own (default ``gannan_bench_reports``),
   migrated with ``flask_migrate.upgrade()``, filled deterministically (one seeded
   ``random.Random``) by COPY: 2,000 approved sellers over the 18 current counties,
   buyers, 10,000 products with one SKU each, and the orders, seller orders, order lines
   and refunds the ledger rows reference; ``--rows`` ledger rows over 2025-01..2026-12
   (Asia/Shanghai), about 5% refunds; a few live-streaming bases and certified figures for
   the awards.  Then VACUUM ANALYZE.  The database comment records what was generated
   (seed, sizes, generator version, load timings): a later run with the same parameters
   reuses it unless ``--regenerate``.
2. Measures, ``--repeat`` times each after one warm-up, interleaved: ``build_content``
   for ``--month``; the raw SQL baselines (psycopg, hand-written text queries): *core*
   (the month's totals and upstream destinations, by county / category / seller /
   channel, year to date, monthly trend) and *full* (core + everything else the content
   holds: month-on-month and year-on-year, plan targets, award-estimate inputs);
   ``generate(period)``; the year's ``award_report`` and ``compute_awards`` alone;
   CSV/XLSX/PDF rendering.  Peak memory in a fresh subprocess.
3. Checks the report against the raw SQL (totals to the fen and every section); a
   mismatch fails the run (exit 1, ``"ok": false``).
4. Counts the statements ``build_content`` issues and their database time; profiles it
   with cProfile and EXPLAIN ANALYZE of the slowest statements when it is more than
   ``--profile-threshold`` times the raw SQL (or with ``--profile``).
5. Writes ``bench/results/reports-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import gc
import io
import json
import os
import pstats
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from bench.harness import BenchError, check_database_url, conninfo, recreate_database
from gannan.platform.config import normalise_database_url

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgresql+psycopg://gannan:gannan@127.0.0.1:5432/gannan_bench_reports"
GENERATOR_VERSION = 2  # 2: external figures in the register (applicants, certified_figures)
FIRST_YEAR, MONTHS = 2025, 24  # 2025-01 .. 2026-12, Asia/Shanghai
REFUND_SHARE = 0.05

# slug -> weight among products, base price in fen, typical spec
CATEGORY_MIX = {
    "navel_orange": (24, 5980, "5kg"), "tangerine": (8, 3980, "5kg"),
    "pomelo": (6, 4580, "10斤"), "other_fruit": (4, 3580, "2.5kg"), "fruit": (1, 8800, "礼盒"),
    "camellia_oil": (15, 19800, "2.5L"), "rice_noodles": (10, 3590, "2.5kg"),
    "rice": (10, 4990, "10kg"), "tea": (1, 12800, "250g"), "green_tea": (8, 15800, "250g"),
    "black_tea": (5, 13800, "250g"), "white_tea": (2, 16800, "250g"),
    "other_specialty": (6, 6800, "1袋"),
}
# Bigger counties sell more (orange and oil counties first).
COUNTY_WEIGHTS = {"360722": 9, "360726": 8, "360734": 8, "360732": 7, "360731": 7,
                  "360733": 6, "360730": 6, "360703": 6, "360702": 5, "360704": 5,
                  "360781": 5, "360724": 4, "360725": 4, "360783": 4, "360728": 3,
                  "360723": 3, "360729": 3, "360735": 3}
TOWN_NAMES = ["城关镇", "东山镇", "西江镇", "南桥镇", "北山乡", "长岗乡", "新田镇", "大塘镇",
              "古陂镇", "小河镇", "安西镇", "嘉定镇", "龙岗乡", "梅林镇", "桥头乡", "石门镇",
              "高兴镇", "车头镇", "黄坳乡", "铁石口镇"]
OUTSIDE = [("广东省", "广州市", "天河区"), ("广东省", "深圳市", "南山区"), ("上海市", "上海市", "浦东新区"),
           ("北京市", "北京市", "朝阳区"), ("浙江省", "杭州市", "西湖区"), ("江苏省", "南京市", "鼓楼区"),
           ("福建省", "厦门市", "思明区"), ("湖南省", "长沙市", "岳麓区"), ("江西省", "南昌市", "红谷滩区"),
           ("四川省", "成都市", "武侯区"), ("湖北省", "武汉市", "洪山区"), ("广东省", "东莞市", "南城街道")]
CHANNELS = [("storefront", 55), ("livestream", 25), ("short_video", 12), ("campaign", 8)]
LIVE_ROOMS = [f"douyin:gn-live-{i:03d}" for i in range(1, 61)]
CAMPAIGNS = ["campaign:年货节", "campaign:618", "campaign:双11", "campaign:脐橙季",
             "campaign:茶油节", "campaign:消费帮扶"]
SELLER_WORDS = ["绿源", "赣南", "客家", "山泉", "富硒", "红土", "脐橙谷", "茶乡", "稻香", "果园"]
KIND_OF_SELLER = [("enterprise", "91", "农业有限公司"), ("cooperative", "93", "专业合作社"),
                  ("family_farm", "92", "家庭农场"), ("individual_business", "92", "特产商行")]


def database_comment(url: str) -> dict[str, Any] | None:
    """The generator record of an existing benchmark database, or None."""
    name = make_url(url).database
    with psycopg.connect(conninfo(url, database="postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                           "WHERE datname = %s", (name,)).fetchone()
    if row is None or not row[0]:
        return None
    try:
        return json.loads(row[0])
    except ValueError:
        return None


def build_app(url: str, tmp: Path):
    from gannan import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "TESTING": True,
        "SECRET_KEY": "bench-reports-not-a-secret",
        "SEARCH_BACKEND": "sqlite",
        "SEARCH_INDEX_PATH": str(tmp / "search.sqlite3"),
        "CELERY": {"broker_url": "memory://", "result_backend": None,
                   "task_always_eager": True, "task_eager_propagates": True},
        "STRIPE_API_KEY": "",
        "ELASTICSEARCH_URL": "",
    })


# --- deterministic data --------------------------------------------------------------


def _t(value: Any) -> str:
    """One COPY text-format field (the generator never makes tabs, newlines or '\\')."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _line(*values: Any) -> str:
    return "\t".join(_t(v) for v in values) + "\n"


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


def _month_bounds() -> list[tuple[int, int]]:
    from gannan.reporting.metrics import Month

    out, month = [], Month(FIRST_YEAR, 1)
    for _ in range(MONTHS):
        out.append((int(month.start_utc().timestamp()), int(month.next().start_utc().timestamp())))
        month = month.next()
    return out


def _split(total: int, weights: list[float]) -> list[int]:
    """``total`` split by ``weights`` into integers that add up exactly (largest remainder)."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    out = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: out[i] - raw[i])[: total - sum(out)]:
        out[i] += 1
    return out


class Generator:
    """Every row of the benchmark data set, from one seeded ``random.Random``."""

    def __init__(self, seed: int, rows: int, sellers: int, products: int, buyers: int):
        self.rng = random.Random(seed)
        self.rows, self.n_sellers, self.n_products, self.n_buyers = rows, sellers, products, buyers
        self.counts: dict[str, int] = {}

    # -- helpers
    def _copy(self, cur: psycopg.Cursor, table: str, columns: str, lines: list[str]) -> None:
        if not lines:
            return
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for start in range(0, len(lines), 20_000):
                copy.write("".join(lines[start:start + 20_000]))
        self.counts[table] = self.counts.get(table, 0) + len(lines)

    def load(self, conn: psycopg.Connection, log: Callable[[str], None]) -> None:
        from gannan.platform.counties import CURRENT
        from gannan.platform.demo import demo_uscc

        rng = self.rng
        cur = conn.cursor()
        created = datetime(2024, 6, 1, tzinfo=timezone.utc)
        county_names = {code: name for code, name, _ in CURRENT}
        codes = [code for code, _, _ in CURRENT]
        county_cw = _cumulative([COUNTY_WEIGHTS.get(c, 3) for c in codes])
        categories = {slug: (cid, agri) for cid, slug, agri in
                      cur.execute("SELECT id, slug, agricultural FROM categories")}
        missing = set(CATEGORY_MIX) - set(categories)
        if missing:
            raise BenchError(f"categories missing after migration: {sorted(missing)}")
        cat_slugs = list(CATEGORY_MIX)
        cat_cw = _cumulative([CATEGORY_MIX[s][0] for s in cat_slugs])

        # users: 1 = the bureau clerk who recorded external sales, then the buyers
        users = [_line(1, "bureau@bench.gannan.test", "!bench-no-login", "市商务局 基准", True,
                       created)]
        homes: list[tuple[str, str, str, str | None]] = [("", "", "", None)] * (self.n_buyers + 2)
        for uid in range(2, self.n_buyers + 2):
            users.append(_line(uid, f"buyer{uid}@bench.gannan.test", "!bench-no-login",
                               f"买家{uid}", True, created))
            if rng.random() < 0.4:  # lives in Ganzhou
                code = codes[bisect.bisect(county_cw, rng.random() * county_cw[-1])]
                homes[uid] = ("江西省", "赣州市", county_names[code], code)
            else:
                homes[uid] = (*rng.choice(OUTSIDE), None)
        self._copy(cur, "users", "id, email, password_hash, display_name, is_active, created_at",
                   users)
        cur.execute("INSERT INTO user_roles (user_id, role, granted_at) VALUES (1, 'bureau', %s)",
                    (created,))

        # sellers: approved, valid USCCs, a Zipf-like share of the sales
        seller_rows, seller_county = [], {}
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        for sid in range(1, self.n_sellers + 1):
            code = codes[bisect.bisect(county_cw, rng.random() * county_cw[-1])]
            kind, kind_prefix, suffix = rng.choice(KIND_OF_SELLER)
            n, org = sid, ""
            for _ in range(6):
                n, digit = divmod(n, len(alphabet))
                org = alphabet[digit] + org
            org = "MA" + org + rng.choice(alphabet)
            uscc = demo_uscc(kind_prefix + code, org)
            name = f"{county_names[code]}{rng.choice(SELLER_WORDS)}{suffix}{sid:04d}"
            seller_county[sid] = code
            seller_rows.append(_line(sid, name, uscc, kind, code, f"联系人{sid}",
                                     f"0797{sid:07d}", f"江西省赣州市{county_names[code]}", "approved",
                                     None, created, created))
        self._copy(cur, "sellers", "id, name, uscc, kind, county_code, contact_name, "
                   "contact_phone, address, status, status_reason, created_at, reviewed_at",
                   seller_rows)
        towns = {code: rng.sample(TOWN_NAMES, 6) for code in codes}

        # products (one SKU each): 80% in the seller's main category, mostly from its county
        main_category = {sid: cat_slugs[bisect.bisect(cat_cw, rng.random() * cat_cw[-1])]
                         for sid in seller_county}
        products, skus = [], []
        self.products_of: dict[int, list[tuple]] = {sid: [] for sid in seller_county}
        for pid in range(1, self.n_products + 1):
            sid = pid if pid <= self.n_sellers else rng.randint(1, self.n_sellers)
            slug = main_category[sid] if rng.random() < 0.8 else \
                cat_slugs[bisect.bisect(cat_cw, rng.random() * cat_cw[-1])]
            cid, agricultural = categories[slug]
            _, base_price, spec = CATEGORY_MIX[slug]
            origin = seller_county[sid] if rng.random() < 0.9 else rng.choice(codes)
            town = rng.choice(towns[origin]) if rng.random() < 0.9 else None
            price = int(base_price * rng.uniform(0.6, 2.2))
            title = f"{county_names[origin]}{slug}-{pid}"
            products.append(_line(pid, sid, cid, title, "", origin, town, None, agricultural,
                                  False, "[]", "published", None, created, created, created))
            skus.append(_line(pid, pid, "S1", spec, price, 1000, 1000))
            self.products_of[sid].append((pid, cid, title, spec, origin, town, agricultural,
                                          price))
        self._copy(cur, "products", "id, seller_id, category_id, title, description, "
                   "origin_county_code, origin_township, regional_brand, agricultural, "
                   "cold_chain, images, status, blocked_reason, created_at, updated_at, "
                   "published_at", products)
        self._copy(cur, "skus", "id, product_id, code, spec, price_fen, stock, weight_g", skus)
        conn.commit()
        log(f"  reference data: {self.n_buyers} buyers, {self.n_sellers} sellers, "
            f"{self.n_products} products")

        # live-streaming bases (rooms 1-40 of 60) and external sales for the awards
        for bid in range(1, 5):
            rooms = LIVE_ROOMS[(bid - 1) * 10: bid * 10]
            code = codes[bid * 3]
            cur.execute(
                "INSERT INTO livestream_bases (id, name, operator_name, operator_uscc, "
                "county_code, area_m2, rooms, resident_enterprises, hosts, live_rooms, "
                "awarded_tiers, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "%s, %s)",
                (bid, f"{county_names[code]}直播基地{bid}", f"{county_names[code]}直播运营公司{bid}",
                 demo_uscc("91" + code, f"MB{bid:06d}X"), code, 600 + 300 * bid, 8 + 4 * bid,
                 18 + 5 * bid, 18 + 5 * bid, json.dumps(rooms), "[1]" if bid == 4 else "[]",
                 created))
        # the register: 40 sellers are applicants with certified figures elsewhere too
        applicants, external = [], []
        sampled = rng.sample(range(1, self.n_sellers + 1), 40)
        registered = {row[0]: row[1:] for row in cur.execute(
            "SELECT id, uscc, name, kind, county_code FROM sellers WHERE id = ANY(%s)",
            (sampled,))}
        for n, sid in enumerate(sampled, start=1):
            uscc, name, kind, county = registered[sid]
            applicants.append(_line(n, uscc, name, "cooperative" if kind == "cooperative"
                                    else "enterprise", county, created, created))
            for year in (2024, 2025, 2026):
                online = rng.randint(1_000_000, 2_000_000_000)
                agri = rng.randint(0, online)
                upstream = rng.randint(0, agri)
                external.append(_line(len(external) + 1, n, year, online, agri, upstream,
                                      "基准数据", 1, created))
        self._copy(cur, "applicants", "id, uscc, name, kind, county_code, created_at, "
                   "updated_at", applicants)
        self._copy(cur, "certified_figures", "id, applicant_id, year, online_retail_fen, "
                   "agricultural_fen, upstream_fen, note, recorded_by_id, recorded_at", external)
        conn.commit()

        # the ledger and what it references, month by month
        ranked = list(range(1, self.n_sellers + 1))
        rng.shuffle(ranked)
        seller_cw = _cumulative([1 / (rank ** 0.8) for rank in range(1, len(ranked) + 1)])
        channel_cw = _cumulative([w for _, w in CHANNELS])
        refunds_total = round(self.rows * REFUND_SHARE)
        sales_total = self.rows - refunds_total
        # seasonality (oranges: Nov-Jan) and 20% growth from 2025 to 2026
        weights = []
        for i in range(MONTHS):
            month = i % 12 + 1
            season = 1.6 if month in (11, 12, 1) else 1.25 if month in (2, 10) else 1.0
            weights.append(season * (1.2 if i >= 12 else 1.0))
        sales_per_month = _split(sales_total, weights)
        refunded = set(rng.sample(range(sales_total), refunds_total))
        bounds = _month_bounds()
        end_of_data = bounds[-1][1]
        order_id = line_id = ledger_id = refund_id = sale_index = 0
        for month_index, (start, end) in enumerate(bounds):
            orders, seller_orders, lines, refunds, ledger = [], [], [], [], []
            remaining = sales_per_month[month_index]
            while remaining:
                k = min(remaining, rng.choices((1, 2, 3), cum_weights=(60, 90, 100))[0])
                remaining -= k
                order_id += 1
                sid = ranked[bisect.bisect(seller_cw, rng.random() * seller_cw[-1])]
                buyer = rng.randint(2, self.n_buyers + 1)
                province, city, county, buyer_code = homes[buyer]
                channel = CHANNELS[bisect.bisect(channel_cw, rng.random() * channel_cw[-1])][0]
                ref = (rng.choice(LIVE_ROOMS) if channel == "livestream" else
                       f"kuaishou:video-{rng.randrange(5000):05d}" if channel == "short_video" else
                       rng.choice(CAMPAIGNS) if channel == "campaign" else None)
                when = rng.randrange(start, end)
                stripe = rng.random() < 0.7
                source = f"stripe:pi_bench_{order_id}" if stripe else f"cod:{order_id}"
                sale_time = _iso(when)
                items = refunded_fen = 0
                for _ in range(k):
                    line_id += 1
                    pid, cid, title, spec, origin, town, agri, price = rng.choice(
                        self.products_of[sid])
                    qty = rng.randint(50, 400) if rng.random() < 0.03 else \
                        rng.choices((1, 2, 3, 5, 10), cum_weights=(50, 75, 87, 95, 100))[0]
                    total = price * qty
                    items += total
                    ledger_id += 1
                    ledger.append(
                        f"{ledger_id}\tsale\t{source}\t{sale_time}\t{total}\t{qty}\t{order_id}\t"
                        f"{order_id}\t{line_id}\t{buyer}\t{sid}\t{pid}\t{cid}\t{origin}\t"
                        f"{_t(town)}\t{_t(agri)}\t{channel}\t{_t(ref)}\t{_t(buyer_code)}\t"
                        f"{province}\t{city}\t{sale_time}\n")
                    line_refund = 0
                    if sale_index in refunded:
                        line_refund = total if rng.random() < 0.6 else rng.randint(1, total)
                        refund_id += 1
                        back = min(when + rng.randint(3600, 25 * 86400), end_of_data - 1)
                        back_time = _iso(back)
                        refunds.append(_line(refund_id, order_id, line_refund, "买家申请退款",
                                             json.dumps({str(line_id): line_refund}), None, None,
                                             back_time))
                        ledger_id += 1
                        ledger.append(
                            f"{ledger_id}\trefund\trefund:{refund_id}\t{back_time}\t{-line_refund}"
                            f"\t0\t{order_id}\t{order_id}\t{line_id}\t{buyer}\t{sid}\t{pid}\t{cid}"
                            f"\t{origin}\t{_t(town)}\t{_t(agri)}\t{channel}\t{_t(ref)}\t"
                            f"{_t(buyer_code)}\t{province}\t{city}\t{back_time}\n")
                    sale_index += 1
                    refunded_fen += line_refund
                    lines.append(f"{line_id}\t{order_id}\t{pid}\t{pid}\t{cid}\t{title}\t{spec}\t"
                                 f"{origin}\t{_t(town)}\t{_t(agri)}\tf\t{price}\t{qty}\t{total}\t"
                                 f"{line_refund}\n")
                shipping = 0 if items >= 9900 else 1000
                placed = _iso(when - rng.randint(60, 3 * 86400))
                orders.append(_line(
                    order_id, f"GNB{order_id:012d}", buyer, f"bench-{order_id}",
                    f"{order_id:064x}", "paid" if stripe else "placed",
                    "stripe" if stripe else "cod", channel, ref, f"买家{buyer}",
                    f"139{buyer:08d}", province, city, county, buyer_code, None, None,
                    "基准路1号", items, shipping, items + shipping, None, None, None, placed,
                    None, sale_time if stripe else None))
                seller_orders.append(_line(
                    order_id, order_id, sid, "refunded" if refunded_fen == items else "completed",
                    items, shipping, items + shipping, items + shipping, refunded_fen,
                    "顺丰", f"SF{order_id:010d}", sale_time, sale_time, sale_time, sale_time))
            self._copy(cur, "orders", "id, number, buyer_id, idempotency_key, request_hash, "
                       "status, payment_method, channel, channel_ref, recipient, phone, province, "
                       "city, county, county_code, township, village, detail, items_total_fen, "
                       "shipping_total_fen, total_fen, stripe_payment_intent_id, "
                       "stripe_client_secret, last_payment_error, created_at, expires_at, "
                       "paid_at", orders)
            self._copy(cur, "seller_orders", "id, order_id, seller_id, status, items_total_fen, "
                       "shipping_fen, total_fen, paid_fen, refunded_fen, carrier, tracking_number, "
                       "paid_at, shipped_at, delivered_at, completed_at", seller_orders)
            self._copy(cur, "order_lines", "id, seller_order_id, sku_id, product_id, category_id, "
                       "title, spec, origin_county_code, origin_township, agricultural, "
                       "cold_chain, unit_price_fen, quantity, line_total_fen, refunded_fen", lines)
            self._copy(cur, "refunds", "id, seller_order_id, amount_fen, reason, allocation, "
                       "stripe_refund_id, actor_id, created_at", refunds)
            self._copy(cur, "ledger_entries", "id, kind, source, business_time, amount_fen, "
                       "quantity, order_id, seller_order_id, order_line_id, buyer_id, seller_id, "
                       "product_id, category_id, origin_county_code, origin_township, "
                       "agricultural, channel, channel_ref, buyer_county_code, buyer_province, "
                       "buyer_city, recorded_at", ledger)
            conn.commit()
            if month_index % 6 == 5:
                log(f"  ledger: {ledger_id:,} rows through month {month_index + 1}/{MONTHS}")
        if ledger_id != self.rows:
            raise BenchError(f"generated {ledger_id} ledger rows, expected {self.rows}")
        for table in ("users", "sellers", "products", "skus", "orders", "seller_orders",
                      "order_lines", "refunds", "ledger_entries", "livestream_bases",
                      "applicants", "certified_figures"):
            cur.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({t}, 'id'), "
                                "(SELECT max(id) FROM {i}))").format(
                t=sql.Literal(table), i=sql.Identifier(table)))
        conn.commit()


def _cumulative(weights: list[float]) -> list[float]:
    out, running = [], 0.0
    for w in weights:
        running += w
        out.append(running)
    return out


def generator_key(args: argparse.Namespace) -> dict[str, Any]:
    return {"benchmark": "reports", "generator": GENERATOR_VERSION, "seed": args.seed,
            "rows": args.rows, "sellers": args.sellers, "products": args.products,
            "buyers": args.buyers}


def setup(args: argparse.Namespace, tmp: Path, log: Callable[[str], None]) -> dict[str, Any]:
    """The benchmark database, made or reused; what it holds and how long it took."""
    url, key = args.database_url, generator_key(args)
    record = None if args.regenerate else database_comment(url)
    if record and record.get("key") == key:
        with psycopg.connect(conninfo(url)) as conn:
            count = conn.execute("SELECT count(*) FROM ledger_entries").fetchone()[0]
        if count == args.rows:
            log(f"setup: reusing {make_url(url).database} ({count:,} ledger rows, seed "
                f"{args.seed}); --regenerate to rebuild")
            return {**record["setup"], "cached": True}
        log(f"setup: {make_url(url).database} holds {count:,} ledger rows, not {args.rows:,}; "
            "regenerating")
    log(f"setup: (re)creating {make_url(url).database}")
    started = time.perf_counter()
    recreate_database(url)

    import flask_migrate

    app = build_app(url, tmp)
    with app.app_context():
        flask_migrate.upgrade()
        from gannan.platform.extensions import db
        db.engine.dispose()
    migrated = time.perf_counter()
    log(f"  migrated in {migrated - started:.1f} s")

    generator = Generator(args.seed, args.rows, args.sellers, args.products, args.buyers)
    with psycopg.connect(conninfo(url)) as conn:
        generator.load(conn, log)
    loaded = time.perf_counter()
    log(f"  loaded in {loaded - migrated:.1f} s")
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        ledger_size = conn.execute(
            "SELECT pg_total_relation_size('ledger_entries')").fetchone()[0]
    analyzed = time.perf_counter()
    log(f"  VACUUM ANALYZE in {analyzed - loaded:.1f} s")
    info = {
        "migrate_s": round(migrated - started, 2),
        "load_s": round(loaded - migrated, 2),
        "vacuum_analyze_s": round(analyzed - loaded, 2),
        "total_s": round(analyzed - started, 2),
        "rows": generator.counts,
        "database_bytes": size,
        "ledger_total_bytes": ledger_size,
    }
    name = make_url(url).database
    with psycopg.connect(conninfo(url, database="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(name), sql.Literal(json.dumps({"key": key, "setup": info}))))
    return {**info, "cached": False}


# --- the raw SQL baseline ---------------------------------------------------------------

MEASURES_SQL = """
  coalesce(sum(amount_fen), 0) AS online_retail_fen,
  coalesce(sum(amount_fen) FILTER (WHERE origin_county_code = ANY(%(codes)s)), 0) AS specialty_fen,
  coalesce(sum(amount_fen) FILTER (WHERE agricultural), 0) AS agricultural_fen,
  coalesce(sum(amount_fen) FILTER (WHERE agricultural AND origin_county_code = ANY(%(codes)s)), 0)
      AS upstream_fen,
  coalesce(sum(amount_fen) FILTER (WHERE kind = 'refund'), 0) AS refunds_fen,
  count(DISTINCT order_id) FILTER (WHERE kind = 'sale') AS orders,
  count(DISTINCT buyer_id) FILTER (WHERE kind = 'sale') AS buyers,
  count(DISTINCT seller_id) FILTER (WHERE kind = 'sale') AS active_sellers"""
MEASURE_KEYS = ("online_retail_fen", "specialty_fen", "agricultural_fen", "upstream_fen",
                "refunds_fen", "orders", "buyers", "active_sellers")
DESTINATIONS_SQL = """
  coalesce(sum(amount_fen) FILTER (WHERE agricultural AND origin_county_code = ANY(%(codes)s)
      AND buyer_county_code = origin_county_code), 0) AS same_county_fen,
  coalesce(sum(amount_fen) FILTER (WHERE agricultural AND origin_county_code = ANY(%(codes)s)
      AND buyer_county_code IS NOT NULL AND buyer_county_code <> origin_county_code), 0)
      AS elsewhere_in_ganzhou_fen,
  coalesce(sum(amount_fen) FILTER (WHERE agricultural AND origin_county_code = ANY(%(codes)s)
      AND buyer_county_code IS NULL), 0) AS outside_ganzhou_fen"""
DESTINATION_KEYS = ("same_county_fen", "elsewhere_in_ganzhou_fen", "outside_ganzhou_fen")
RANGE = "business_time >= %(start)s AND business_time < %(end)s"
SH_YEAR = "extract(year FROM business_time AT TIME ZONE 'Asia/Shanghai')::int"

Q_MONTH = f"SELECT {MEASURES_SQL}, {DESTINATIONS_SQL} FROM ledger_entries WHERE {RANGE}"
Q_BY_COUNTY = f"""
SELECT c.code, c.name, g.* FROM counties c LEFT JOIN (
  SELECT origin_county_code, {MEASURES_SQL} FROM ledger_entries WHERE {RANGE}
  GROUP BY origin_county_code) g ON g.origin_county_code = c.code
WHERE NOT c.retired ORDER BY c.code"""
Q_BY_CATEGORY = f"""
SELECT cat.slug, cat.name, g.* FROM (
  SELECT category_id, {MEASURES_SQL} FROM ledger_entries WHERE {RANGE} GROUP BY category_id) g
JOIN categories cat ON cat.id = g.category_id ORDER BY cat.position, cat.id"""
Q_BY_SELLER = f"""
SELECT g.*, s.name, s.county_code FROM (
  SELECT seller_id, {MEASURES_SQL} FROM ledger_entries WHERE {RANGE} GROUP BY seller_id) g
JOIN sellers s ON s.id = g.seller_id ORDER BY g.online_retail_fen DESC, g.seller_id"""
Q_BY_CHANNEL = f"""
SELECT channel, {MEASURES_SQL} FROM ledger_entries WHERE {RANGE}
GROUP BY channel ORDER BY channel"""
Q_TOTALS = f"SELECT {MEASURES_SQL} FROM ledger_entries WHERE {RANGE}"
Q_TREND = f"""
SELECT to_char(business_time AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS period,
       coalesce(sum(amount_fen), 0), coalesce(sum(amount_fen) FILTER (WHERE agricultural), 0)
FROM ledger_entries WHERE {RANGE} GROUP BY 1 ORDER BY 1"""
# full: what else the content needs
Q_COMPARE = f"""
SELECT 'mom', count(*), coalesce(sum(amount_fen), 0) FROM ledger_entries
 WHERE business_time >= %(mom_start)s AND business_time < %(mom_end)s
UNION ALL
SELECT 'yoy', count(*), coalesce(sum(amount_fen), 0) FROM ledger_entries
 WHERE business_time >= %(yoy_start)s AND business_time < %(yoy_end)s"""
Q_SELLER_YEARS = f"""
SELECT g.*, s.uscc, s.name FROM (
  SELECT seller_id, {SH_YEAR} AS year, coalesce(sum(amount_fen), 0) AS online_retail_fen,
         coalesce(sum(amount_fen) FILTER (WHERE agricultural), 0) AS agricultural_fen,
         coalesce(sum(amount_fen) FILTER (WHERE agricultural
                  AND origin_county_code = ANY(%(codes)s)), 0) AS upstream_fen
  FROM ledger_entries WHERE {RANGE} GROUP BY 1, 2) g
JOIN sellers s ON s.id = g.seller_id"""
Q_TOWNS = f"""
SELECT origin_county_code, origin_township, sum(amount_fen) FROM ledger_entries WHERE {RANGE}
GROUP BY 1, 2 HAVING sum(amount_fen) > %(town)s AND origin_township IS NOT NULL"""
Q_LIVESTREAM = f"""
SELECT {SH_YEAR} AS year, channel_ref, coalesce(sum(amount_fen), 0) FROM ledger_entries
WHERE {RANGE} AND channel = 'livestream' AND channel_ref = ANY(%(rooms)s) GROUP BY 1, 2"""

# the logistics section: each parcel (shipped seller order) with its first line's origin and
# whole seconds from payment (COD: the order) to shipping, summed up by grouping sets for
# the totals, each county and each township; village-level parcels by FILTER
Q_LOGISTICS = """
WITH first_line AS (
  SELECT DISTINCT ON (ol.seller_order_id) ol.seller_order_id, ol.origin_county_code,
         coalesce(btrim(ol.origin_township), '') AS town
  FROM order_lines ol JOIN seller_orders so ON so.id = ol.seller_order_id
  WHERE so.shipped_at >= %(start)s AND so.shipped_at < %(end)s
  ORDER BY ol.seller_order_id, ol.id),
parcel AS (
  SELECT f.origin_county_code AS county, f.town,
         f.town ~ '村(委会|民委员会)?([0-9一二三四五六七八九十百]+组)?$' AS village,
         trunc(extract(epoch FROM so.shipped_at - CASE WHEN o.payment_method = 'cod'
               OR so.paid_at IS NULL THEN o.created_at ELSE so.paid_at END))::bigint AS s
  FROM first_line f JOIN seller_orders so ON so.id = f.seller_order_id
  JOIN orders o ON o.id = so.order_id)
SELECT grouping(county) AS g_county, grouping(town) AS g_town, county, town, bool_or(village),
       count(*), count(*) FILTER (WHERE s BETWEEN 0 AND 86400),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s),
       count(*) FILTER (WHERE village),
       count(*) FILTER (WHERE village AND s BETWEEN 0 AND 86400),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FILTER (WHERE village)
FROM parcel GROUP BY GROUPING SETS ((), (county), (county, town))"""
Q_RECALLS = """
SELECT b.trace_code, p.title, s.id, s.name, c.code, c.name, b.recalled_at, b.recall_reason,
       coalesce(x.parcels, 0), coalesce(x.units, 0)
FROM trace_batches b JOIN products p ON p.id = b.product_id JOIN sellers s ON s.id = p.seller_id
JOIN counties c ON c.code = p.origin_county_code
LEFT JOIN LATERAL (SELECT count(DISTINCT seller_order_id) AS parcels, sum(quantity) AS units
                   FROM order_lines WHERE batch_id = b.id) x ON true
WHERE b.recalled_at >= %(start)s AND b.recalled_at < %(end)s ORDER BY b.recalled_at, b.id"""



def _measures(row, offset: int = 0) -> dict[str, int]:
    return {k: int(row[offset + i] or 0) for i, k in enumerate(MEASURE_KEYS)}


def raw_core(conn: psycopg.Connection, month) -> dict[str, Any]:
    """The month's aggregates the brief lists, by hand-written SQL."""
    from gannan.reporting.metrics import GANZHOU_CODES, Month, month_range

    codes = list(GANZHOU_CODES)
    start, end = month_range(month, month)
    ytd_start, ytd_end = month_range(Month(month.year, 1), month)
    p = {"codes": codes, "start": start, "end": end}
    out: dict[str, Any] = {}
    row = conn.execute(Q_MONTH, p).fetchone()
    out["totals"] = _measures(row)
    out["upstream_destination"] = {k: int(row[8 + i]) for i, k in enumerate(DESTINATION_KEYS)}
    out["by_county"] = [{"county_code": r[0], "county": r[1], **_measures(r, 3)}
                        for r in conn.execute(Q_BY_COUNTY, p)]
    out["by_category"] = [{"category": r[0], "category_name": r[1], **_measures(r, 3)}
                          for r in conn.execute(Q_BY_CATEGORY, p)]
    out["by_seller"] = [{"seller_id": r[0], "seller": r[9], "county_code": r[10], **_measures(r, 1)}
                        for r in conn.execute(Q_BY_SELLER, p)]
    out["by_channel"] = [{"channel": r[0], **_measures(r, 1)}
                         for r in conn.execute(Q_BY_CHANNEL, p)]
    ytd = {"codes": codes, "start": ytd_start, "end": ytd_end}
    out["year_to_date"] = _measures(conn.execute(Q_TOTALS, ytd).fetchone())
    out["monthly_trend"] = [(r[0], int(r[1]), int(r[2])) for r in conn.execute(Q_TREND, ytd)]
    return out


def raw_full(conn: psycopg.Connection, month) -> dict[str, Any]:
    """Core plus every other aggregate the report content holds."""
    from gannan.reporting.awards_service import BASE_YEAR, STRONG_TOWN_FEN
    from gannan.reporting.metrics import GANZHOU_CODES, Month, month_range

    out = raw_core(conn, month)
    codes = list(GANZHOU_CODES)
    previous, last_year = month.previous(), Month(month.year - 1, month.month)
    (mom_start, mom_end), (yoy_start, yoy_end) = (month_range(previous, previous),
                                                  month_range(last_year, last_year))
    out["comparisons"] = {r[0]: (int(r[1]), int(r[2])) for r in conn.execute(Q_COMPARE, {
        "mom_start": mom_start, "mom_end": mom_end, "yoy_start": yoy_start, "yoy_end": yoy_end})}
    settings_row = conn.execute("SELECT settings FROM award_settings ORDER BY id DESC LIMIT 1"
                                ).fetchone()
    out["settings"] = settings_row[0] if settings_row else None
    base_year = min(BASE_YEAR, (out["settings"] or {}).get("base_year", BASE_YEAR))
    first = min(base_year, month.year)
    start, end = month_range(Month(first, 1), month)
    out["seller_years"] = [
        {"seller_id": r[0], "year": r[1], "online_retail_fen": int(r[2]),
         "agricultural_fen": int(r[3]), "upstream_fen": int(r[4]), "uscc": r[5], "name": r[6]}
        for r in conn.execute(Q_SELLER_YEARS, {"codes": codes, "start": start, "end": end})]
    out["external"] = [
        {"seller_id": r[0], "year": r[1], "online_fen": r[2], "agricultural_fen": r[3],
         "upstream_fen": r[4], "uscc": r[5], "name": r[6]}
        for r in conn.execute("SELECT s.id, f.year, f.online_retail_fen, f.agricultural_fen, "
                              "f.upstream_fen, s.uscc, a.name FROM certified_figures f "
                              "JOIN applicants a ON a.id = f.applicant_id "
                              "JOIN sellers s ON s.uscc = a.uscc "
                              "WHERE f.year >= %s AND f.year <= %s", (first, month.year))]
    ytd_start, ytd_end = month_range(Month(month.year, 1), month)
    out["towns"] = [(r[0], r[1], int(r[2])) for r in conn.execute(
        Q_TOWNS, {"start": ytd_start, "end": ytd_end, "town": STRONG_TOWN_FEN})]
    out["county_names"] = dict(conn.execute("SELECT code, name FROM counties").fetchall())
    out["bases"] = conn.execute(
        "SELECT id, operator_uscc, name, area_m2, rooms, resident_enterprises, hosts, "
        "live_rooms, awarded_tiers FROM livestream_bases ORDER BY id").fetchall()
    rooms = sorted({room for base in out["bases"] for room in (base[7] or [])})
    out["livestream"] = [(r[0], r[1], int(r[2])) for r in conn.execute(
        Q_LIVESTREAM, {"start": start, "end": end, "rooms": rooms})] if rooms else []
    month_start, month_end = month_range(month, month)
    out["logistics"] = conn.execute(Q_LOGISTICS, {"start": month_start, "end": month_end}
                                    ).fetchall()
    out["recalls"] = conn.execute(Q_RECALLS, {"start": month_start, "end": month_end}).fetchall()
    return out


def _raw_summary(parcels: int, within: int, median) -> dict[str, Any]:
    from decimal import ROUND_HALF_UP, Decimal

    from gannan.reporting.metrics import percent

    return {"parcels": parcels, "within_24h": within,
            "share_within_24h_percent": percent(within, parcels),
            "median_hours_to_ship": None if median is None else str(
                (Decimal(repr(median)) / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))}


def raw_logistics(rows, county_names: dict[str, str]) -> dict[str, Any]:
    """The logistics section, laid out from the grouping-sets rows of ``Q_LOGISTICS``."""
    from gannan.reporting.logistics import TARGET

    empty = {"parcels": 0, "within_24h": 0, "share_within_24h_percent": None,
             "median_hours_to_ship": None}
    out: dict[str, Any] = {"totals": empty, "village_parcels": {**empty, "target": TARGET,
                                                                "target_share_percent": "100.00"},
                           "by_county": [], "by_township": []}
    for g_county, g_town, county, town, village, n, within, median, vn, vwithin, vmedian in \
            sorted(rows, key=lambda r: (r[0] + r[1], r[2] or "", r[3] or "")):
        if g_county:
            out["totals"] = _raw_summary(n, within, median)
            out["village_parcels"] = {**_raw_summary(vn, vwithin, vmedian), "target": TARGET,
                                      "target_share_percent": "100.00"}
        elif g_town:
            out["by_county"].append({"county_code": county, "county": county_names[county],
                                     **_raw_summary(n, within, median),
                                     "village": _raw_summary(vn, vwithin, vmedian)})
        else:
            out["by_township"].append({"county_code": county, "county": county_names[county],
                                       "township": town or None, "village_level": village,
                                       **_raw_summary(n, within, median)})
    return out


def raw_award_inputs(raw: dict[str, Any], year: int, settings, platform_uscc: str,
                     platform_name: str):
    """``AwardInputs`` for ``year`` (up to the reported month) from the raw SQL results only."""
    from gannan.reporting.awards import (
        AwardInputs,
        EnterpriseYear,
        LivestreamBase,
        PlatformYear,
        SalesParts,
    )

    ytd = raw["year_to_date"]
    platform = PlatformYear(uscc=platform_uscc, name=platform_name,
                            online_retail_fen=max(ytd["online_retail_fen"], 0),
                            specialty_fen=max(ytd["specialty_fen"], 0))
    per_year: dict[int, dict[int, dict]] = {}
    names: dict[int, tuple[str, str]] = {}
    for r in raw["seller_years"]:
        per_year.setdefault(r["year"], {})[r["seller_id"]] = r
        names[r["seller_id"]] = (r["uscc"], r["name"])
    external: dict[int, dict[int, dict]] = {}
    for e in raw["external"]:
        external.setdefault(e["year"], {})[e["seller_id"]] = e
        names[e["seller_id"]] = (e["uscc"], e["name"])
    current, outside_now = per_year.get(year, {}), external.get(year, {})
    history: dict[int, dict[int, SalesParts]] = {}
    for earlier in range(settings.base_year, year):
        platform_year, outside = per_year.get(earlier, {}), external.get(earlier, {})
        for sid in set(platform_year) | set(outside):
            history.setdefault(sid, {})[earlier] = SalesParts(
                platform_year.get(sid, {}).get("online_retail_fen", 0),
                outside[sid]["online_fen"] if sid in outside else 0)
    enterprises = []
    for sid in sorted(set(current) | set(outside_now)):
        mine, theirs = current.get(sid, {}), outside_now.get(sid)
        uscc, name = names[sid]
        enterprises.append(EnterpriseYear(
            seller_id=sid, uscc=uscc, name=name,
            platform_online_fen=max(mine.get("online_retail_fen", 0), 0),
            external_online_fen=theirs["online_fen"] if theirs else 0,
            platform_agricultural_fen=max(mine.get("agricultural_fen", 0), 0),
            external_agricultural_fen=theirs["agricultural_fen"] if theirs else 0,
            platform_upstream_fen=max(mine.get("upstream_fen", 0), 0),
            external_upstream_fen=theirs["upstream_fen"] if theirs else 0,
            online_history=history.get(sid, {})))
    room_year = {(y, room): fen for y, room, fen in raw["livestream"]}
    bases = []
    for bid, uscc, name, area, rooms, residents, hosts, live_rooms, tiers in raw["bases"]:
        sales = {y: max(sum(room_year.get((y, room), 0) for room in set(live_rooms)), 0)
                 for y in range(settings.base_year, year + 1)}
        bases.append(LivestreamBase(
            id=bid, uscc=uscc, name=name, area_m2=area, rooms=rooms,
            resident_enterprises=residents, hosts=hosts, livestream_sales_fen=sales[year],
            livestream_history={y: v for y, v in sales.items() if y < year},
            received_tiers=frozenset(tiers)))
    return AwardInputs(year=year, platform=platform, enterprises=enterprises, bases=bases)


# --- checks ------------------------------------------------------------------------------


def compare(content: dict[str, Any], raw: dict[str, Any], month, app) -> list[str]:
    """Every difference between the report and the raw SQL (empty: they agree)."""
    from gannan.reporting.awards import compute_awards
    from gannan.reporting.awards_service import UPSTREAM_ENTERPRISE_FEN
    from gannan.reporting.inputs import current_settings
    from gannan.reporting.metrics import Month, months

    problems: list[str] = []

    def same(label: str, got: Any, want: Any) -> None:
        if got != want:
            problems.append(f"{label}: report {got!r} != raw SQL {want!r}")

    same("month totals", content["totals"], raw["totals"])
    same("upstream destination", content["upstream_destination"], raw["upstream_destination"])
    county_rows = []
    for r in raw["by_county"]:
        row = dict(r)
        row["sellers"] = row.pop("active_sellers")
        county_rows.append(row)
    same("by county", content["by_county"], county_rows)
    same("by category", content["by_category"], raw["by_category"])
    same("by seller", content["by_seller"], raw["by_seller"])
    same("by channel", content["by_channel"], raw["by_channel"])
    ytd = content["year_to_date"]
    same("year to date", {k: ytd[k] for k in MEASURE_KEYS}, raw["year_to_date"])
    trend = {p: (o, a) for p, o, a in raw["monthly_trend"]}
    same("monthly trend", content["monthly_trend"],
         [{"period": str(m), "online_retail_fen": trend.get(str(m), (0, 0))[0],
           "agricultural_fen": trend.get(str(m), (0, 0))[1]}
          for m in months(Month(month.year, 1), month)])
    if "comparisons" not in raw:
        return problems
    for key, label in (("month_on_month", "mom"), ("year_on_year", "yoy")):
        count, fen = raw["comparisons"][label]
        got = content[key]
        same(key, None if got is None else got["online_retail_fen"], fen if count else None)
    plan = content["plan_targets"]
    same("plan: YTD online", plan["platform_ytd_online_retail_fen"],
         raw["year_to_date"]["online_retail_fen"])
    upstream_by_year: dict[int, set[int]] = {}
    platform_upstream: dict[tuple[int, int], int] = {
        (r["year"], r["seller_id"]): r["upstream_fen"] for r in raw["seller_years"]}
    external_upstream = {(e["year"], e["seller_id"]): e["upstream_fen"] for e in raw["external"]}
    for (year, sid) in set(platform_upstream) | set(external_upstream):
        if platform_upstream.get((year, sid), 0) + external_upstream.get((year, sid), 0) \
                > UPSTREAM_ENTERPRISE_FEN:
            upstream_by_year.setdefault(year, set()).add(sid)
    from gannan.reporting.awards_service import BASE_YEAR
    earlier = set().union(*(upstream_by_year.get(y, set()) for y in range(BASE_YEAR, month.year)))
    this_year = upstream_by_year.get(month.year, set())
    same("plan: upstream enterprises", plan["enterprises_over_10m_upstream"]["new_this_year"],
         len(this_year - earlier))
    same("plan: cumulative upstream enterprises",
         plan["enterprises_over_10m_upstream"]["cumulative_since_2024"], len(this_year | earlier))
    towns = sorted(({"county_code": c, "county": raw["county_names"][c], "township": t,
                     "online_retail_fen": fen} for c, t, fen in raw["towns"]),
                   key=lambda t: (-t["online_retail_fen"], t["county_code"], t["township"]))
    same("plan: strong townships", plan["townships_over_100m"], towns)
    with app.app_context():
        settings = current_settings()
        inputs = raw_award_inputs(raw, month.year, settings,
                                  app.config["PLATFORM_OPERATOR_USCC"],
                                  app.config["PLATFORM_OPERATOR_NAME"])
        report = compute_awards(inputs, settings)
    same("logistics", content["logistics"], raw_logistics(raw["logistics"], raw["county_names"]))
    from gannan.platform.types import SHANGHAI
    same("recalls", content["recalls"], [
        {"trace_code": code, "product": title, "seller_id": sid, "seller": seller,
         "county_code": county_code, "county": county,
         "recalled_at": at.astimezone(SHANGHAI).isoformat(timespec="minutes"),
         "reason": reason, "parcels_shipped": int(parcels), "units_shipped": int(units)}
        for code, title, sid, seller, county_code, county, at, reason, parcels, units
        in raw["recalls"]])
    estimate = content["award_estimate"]
    same("award estimate total", estimate["total_fen"], report.allocated_total_fen)
    same("award estimate lines", [(x["uscc"], x["kind"], x["amount_fen"], x["computed_fen"])
                                  for x in estimate["lines"]],
         [(x.uscc, x.kind.value, x.allocated_fen, x.computed_fen)
          for x in report.lines if x.computed_fen])
    return problems


# --- measuring ---------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def summary(runs: list[float], first: float | None = None) -> dict[str, Any]:
    out = {"min_s": round(min(runs), 4), "median_s": round(statistics.median(runs), 4),
           "max_s": round(max(runs), 4), "runs_s": [round(r, 4) for r in runs]}
    if first is not None:
        out["first_s"] = round(first, 4)
    return out


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def rss_kib() -> int:
    return _status_kib("VmRSS")


def _call_site() -> str:
    """Which gannan.reporting functions issued a statement, outermost first below
    build_content / award_report: ``plan_targets > upstream_enterprises > grouped``."""
    names, frame = [], sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        if code.co_name in ("build_content", "award_report"):
            break
        if f"gannan{os.sep}reporting" in code.co_filename:
            names.append(code.co_name)
        frame = frame.f_back
    return " > ".join(reversed(names)) or "?"


class StatementLog:
    """Every statement the app's engine runs between ``start`` and ``stop``, with its time."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.engine, self.event = engine, event
        self.statements: list[tuple[float, str, Any, str]] = []
        self._started: list[float] = []
        self._sites: list[str] = []

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._sites.append(_call_site())
        self._started.append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((time.perf_counter() - self._started.pop(), statement, parameters,
                                self._sites.pop()))

    def __enter__(self):
        self.event.listen(self.engine, "before_cursor_execute", self._before)
        self.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        self.event.remove(self.engine, "before_cursor_execute", self._before)
        self.event.remove(self.engine, "after_cursor_execute", self._after)


def _short(statement: str, limit: int = 240) -> str:
    text = " ".join(statement.split())
    return text if len(text) <= limit else text[:limit] + " …"


def _params(params: Any) -> Any:
    if not isinstance(params, dict):
        return _short(str(params), 120)
    shown = {k: str(v) for k, v in list(params.items())[:6]}
    if len(params) > 6:
        shown["…"] = f"{len(params) - 6} more"
    return shown


def statement_breakdown(app, name: str, call: Callable[[], Any],
                        log: Callable[[str], None]) -> dict[str, Any]:
    """One instrumented run of ``call``: statements issued, database time, where from."""
    from gannan.platform.extensions import db

    with app.app_context():
        with StatementLog(db.engine) as statements:
            total, _ = timed(call)
        db.session.remove()
    sql_time = sum(s[0] for s in statements.statements)
    by_text: dict[str, list[float]] = {}
    by_site: dict[str, list[float]] = {}
    for seconds, statement, _, site in statements.statements:
        by_text.setdefault(statement, []).append(seconds)
        by_site.setdefault(site, []).append(seconds)
    slowest = sorted(statements.statements, key=lambda s: -s[0])[:8]
    out = {
        "wall_s": round(total, 4), "statements": len(statements.statements),
        "distinct_statements": len(by_text), "sql_s": round(sql_time, 4),
        "python_s": round(total - sql_time, 4),
        "by_call_site": [{"site": site, "statements": len(runs), "s": round(sum(runs), 4)}
                         for site, runs in sorted(by_site.items(), key=lambda kv: -sum(kv[1]))],
        "slowest": [{"s": round(s, 4), "site": site, "sql": _short(st), "params": _params(p)}
                    for s, st, p, site in slowest],
        "_raw_slowest": [s[:3] for s in slowest[:3]],
    }
    log(f"{name} issues {out['statements']} statements ({out['distinct_statements']} "
        f"distinct): {out['sql_s']:.3f} s in the database, {out['python_s']:.3f} s in Python")
    for row in out["by_call_site"][:10]:
        log(f"  {row['s']:7.3f} s  {row['statements']:3d} x  {row['site']}")
    return out


def explain(app, slowest: list[tuple[float, str, Any]]) -> list[dict[str, Any]]:
    from gannan.platform.extensions import db

    plans = []
    with app.app_context():
        with db.engine.connect() as conn:
            for seconds, statement, params in slowest:
                rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                            params).fetchall()
                plans.append({"s": round(seconds, 4), "sql": _short(statement, 400),
                              "plan": [r[0] for r in rows]})
    return plans


def profile_build(app, month) -> dict[str, Any]:
    from gannan.platform.extensions import db
    from gannan.reporting.monthly import build_content

    profiler = cProfile.Profile()
    with app.app_context():
        profiler.runcall(build_content, month)
        db.session.remove()
    out = {}
    for key in ("cumulative", "tottime"):
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats(key).print_stats(25)
        out[key] = stream.getvalue()
    # build_content's own sections, by cumulative time
    stats = pstats.Stats(profiler)
    sections = {}
    entries = stats.stats.items()  # type: ignore[attr-defined]
    for (filename, _, name), (_, _, _, cumulative, _) in entries:
        if filename.endswith(("monthly.py", "awards_service.py", "metrics.py")) and \
                not name.startswith("<"):
            sections[f"{Path(filename).name}:{name}"] = round(cumulative, 4)
    out["gannan_functions_cumulative_s"] = dict(sorted(sections.items(), key=lambda kv: -kv[1]))
    return out


def _reset_peak_rss() -> None:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux >= 4.0)."""
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _rss_growth(fn: Callable[[], Any]) -> dict[str, int]:
    """Peak RSS during ``fn`` above the RSS before it, in KiB.

    The peak is VmHWM after resetting it: the same high-water mark getrusage's ru_maxrss
    reports, but resettable; ru_maxrss itself is also recorded, though in a child process
    it starts at the parent's peak (the kernel carries it over the fork + exec), so its
    delta reads 0 unless the child outgrows the parent."""
    _reset_peak_rss()
    before_rss, before_maxrss = rss_kib(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fn()
    peak, maxrss = _status_kib("VmHWM"), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rss_before_kib": before_rss, "peak_rss_kib": peak,
            "peak_growth_kib": peak - before_rss, "rss_after_kib": rss_kib(),
            "ru_maxrss_before_kib": before_maxrss, "ru_maxrss_after_kib": maxrss,
            "ru_maxrss_delta_kib": maxrss - before_maxrss}


def _tracemalloc_peak(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def memory_probe(args: argparse.Namespace) -> None:
    """Run in a fresh process: peak RSS growth and tracemalloc peak of build_content, the raw
    SQL and award_report.  The first build_content here is the process's first (cold
    SQLAlchemy caches), as in a fresh worker; the tracemalloc runs are warm."""
    from sqlalchemy import text

    from gannan.platform.extensions import db
    from gannan.reporting.awards_service import award_report
    from gannan.reporting.metrics import Month
    from gannan.reporting.monthly import build_content

    month = Month.parse(args.month)
    with tempfile.TemporaryDirectory(prefix="gannan-bench-reports-") as tmp:
        app = build_app(args.database_url, Path(tmp))
        with app.app_context():
            db.session.execute(text("SELECT 1"))
            db.session.remove()

        def in_app(fn: Callable[[], Any]) -> Callable[[], Any]:
            def run():
                with app.app_context():
                    fn()
                    db.session.remove()
            return run

        out: dict[str, Any] = {"rss_growth": {}, "tracemalloc_peak_bytes": {}}
        kept: list[Any] = []  # the first content stays alive while its peak is read
        out["rss_growth"]["build_content_first"] = _rss_growth(
            in_app(lambda: kept.append(build_content(month))))
        out["content_json_bytes"] = len(json.dumps(kept.pop(), ensure_ascii=False).encode())
        out["rss_growth"]["build_content_warm"] = _rss_growth(in_app(lambda: build_content(month)))
        with psycopg.connect(conninfo(args.database_url)) as conn:
            raw_full(conn, month)  # warm the connection
            out["rss_growth"]["raw_sql_full"] = _rss_growth(lambda: raw_full(conn, month))
            out["tracemalloc_peak_bytes"]["raw_sql_core"] = _tracemalloc_peak(
                lambda: raw_core(conn, month))
            out["tracemalloc_peak_bytes"]["raw_sql_full"] = _tracemalloc_peak(
                lambda: raw_full(conn, month))
        out["rss_growth"]["award_report"] = _rss_growth(
            in_app(lambda: award_report(args.award_year)))
        out["tracemalloc_peak_bytes"]["build_content"] = _tracemalloc_peak(
            in_app(lambda: build_content(month)))
        out["tracemalloc_peak_bytes"]["award_report"] = _tracemalloc_peak(
            in_app(lambda: award_report(args.award_year)))
    print("MEMORY_JSON " + json.dumps(out), flush=True)


def run_memory_probe(args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.reports", "--memory-probe", "--database-url",
               args.database_url, "--month", args.month, "--award-year", str(args.award_year)]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("MEMORY_JSON "):
            return json.loads(line[len("MEMORY_JSON "):])
    raise BenchError(f"memory probe failed (exit {done.returncode}):\n{done.stderr[-3000:]}")


def git_revision() -> dict[str, Any]:
    def git(*argv: str) -> str:
        return subprocess.run(["git", *argv], cwd=PROJECT_ROOT, capture_output=True, text=True,
                              check=False).stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}


def server_settings(url: str) -> dict[str, str]:
    with psycopg.connect(conninfo(url)) as conn:
        out = {"version": conn.execute("SHOW server_version").fetchone()[0]}
        for name in ("shared_buffers", "work_mem", "jit", "max_parallel_workers_per_gather",
                     "random_page_cost", "effective_cache_size"):
            out[name] = conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()[0]
    return out


def measure(args: argparse.Namespace, tmp: Path, log: Callable[[str], None]) -> dict[str, Any]:
    from gannan.platform.extensions import db
    from gannan.platform.types import shanghai_today
    from gannan.reporting import render
    from gannan.reporting.awards import compute_awards
    from gannan.reporting.awards_service import award_inputs, award_report
    from gannan.reporting.inputs import current_settings
    from gannan.reporting.metrics import Month
    from gannan.reporting.monthly import build_content, generate

    month = Month.parse(args.month)
    app = build_app(args.database_url, tmp)
    results: dict[str, Any] = {}
    conn = psycopg.connect(conninfo(args.database_url), autocommit=True)

    def build():
        with app.app_context():
            content = build_content(month)
            db.session.remove()
        return content

    # warm-up (and the content the checks use)
    first_build, content = timed(build)
    first_core, _ = timed(lambda: raw_core(conn, month))
    first_full, raw = timed(lambda: raw_full(conn, month))
    log(f"warm-up: build_content {first_build:.3f} s, raw SQL core {first_core:.3f} s, "
        f"full {first_full:.3f} s")

    # 3. correctness
    if content["totals"] != raw["totals"]:
        raise MismatchError([f"month totals: report {content['totals']} != raw SQL "
                             f"{raw['totals']}"], results)
    problems = compare(content, raw, month, app)
    results["checks"] = {"month_totals_equal_to_the_fen": True,
                         "sections_compared": ["totals", "upstream_destination", "by_county",
                                               "by_category", "by_seller", "by_channel",
                                               "year_to_date", "monthly_trend", "month_on_month",
                                               "year_on_year", "plan_targets",
                                               "award_estimate"],
                         "mismatches": problems}
    if problems:
        raise MismatchError(problems, results)
    log(f"check: the report equals the raw SQL (month online retail "
        f"{content['totals']['online_retail_fen']:,} fen, {len(content['by_seller'])} sellers)")

    # 2a/2b. interleaved timings
    builds, cores, fulls = [], [], []
    for i in range(args.repeat):
        steps = [("build", builds, build), ("core", cores, lambda: raw_core(conn, month)),
                 ("full", fulls, lambda: raw_full(conn, month))]
        for _, bucket, fn in (steps if i % 2 == 0 else steps[::-1]):
            bucket.append(timed(fn)[0])
    results["build_content"] = summary(builds, first_build)
    results["raw_sql_core"] = summary(cores, first_core)
    results["raw_sql_full"] = summary(fulls, first_full)
    for name, runs in (("core", cores), ("full", fulls)):
        results[f"ratio_vs_{name}"] = {
            "min": round(min(builds) / min(runs), 2),
            "median": round(statistics.median(builds) / statistics.median(runs), 2)}
    log(f"build_content: min {min(builds):.3f} s, median {statistics.median(builds):.3f} s; "
        f"raw SQL core: min {min(cores):.3f} s, median {statistics.median(cores):.3f} s "
        f"(ratio {results['ratio_vs_core']['median']}x); full: min {min(fulls):.3f} s, "
        f"median {statistics.median(fulls):.3f} s (ratio {results['ratio_vs_full']['median']}x)")

    # generate(period): build + canonical JSON + store (its draft deleted before each run)
    gens = []
    for _ in range(args.repeat):
        conn.execute("DELETE FROM monthly_reports WHERE period = %s AND status = 'draft'",
                     (str(month),))

        def gen():
            with app.app_context():
                report = generate(str(month))
                size = len(report.content.encode())
                db.session.remove()
            return size

        seconds, size = timed(gen)
        gens.append(seconds)
    results["generate"] = {**summary(gens), "content_bytes": size}
    log(f"generate: min {min(gens):.3f} s, median {statistics.median(gens):.3f} s "
        f"({size:,} bytes of canonical JSON)")

    # statements issued and where the time goes
    breakdown = statement_breakdown(app, "build_content", lambda: build_content(month), log)
    slowest = breakdown.pop("_raw_slowest")
    results["statements"] = breakdown
    ratio = results["ratio_vs_core"]["median"]
    if args.profile or ratio > args.profile_threshold:
        log(f"profiling build_content (ratio {ratio}x vs threshold {args.profile_threshold}x)")
        results["profile"] = profile_build(app, month)
        results["profile"]["explain"] = explain(app, slowest)
        print(results["profile"]["cumulative"][:4000])
    else:
        results["profile"] = None

    # 2d. awards for a year
    year = args.award_year
    today = shanghai_today()
    through = Month(today.year, today.month) if year == today.year else Month(year, 12)
    award_runs, input_runs, compute_runs, to_dict_runs = [], [], [], []

    def awards():
        with app.app_context():
            report = award_report(year)
            db.session.remove()
        return report

    first_award, award = timed(awards)
    for _ in range(args.repeat):
        award_runs.append(timed(awards)[0])
    with app.app_context():
        settings = current_settings()
        for _ in range(args.repeat):
            seconds, inputs = timed(lambda: award_inputs(year, through, settings))
            input_runs.append(seconds)
        compute_repeat = max(args.repeat, 20)
        for _ in range(compute_repeat):
            seconds, computed = timed(lambda: compute_awards(inputs, settings))
            compute_runs.append(seconds)
            to_dict_runs.append(timed(computed.to_dict)[0])
        db.session.remove()
    award_statements = statement_breakdown(app, f"award_report({year})",
                                           lambda: award_report(year), log)
    award_statements.pop("_raw_slowest")
    results["awards"] = {
        "statements": award_statements,
        "year": year, "as_of": award["as_of"], "enterprises": len(inputs.enterprises),
        "bases": len(inputs.bases), "lines": len(award["lines"]),
        "awarded_lines": sum(1 for x in award["lines"] if x["allocated_fen"] > 0),
        "allocated_total_fen": award["allocated_total_fen"],
        "award_report": summary(award_runs, first_award),
        "award_inputs": summary(input_runs),
        "compute_awards": summary(compute_runs),
        "report_to_dict": summary(to_dict_runs),
    }
    log(f"award_report({year}) as of {award['as_of']}: min {min(award_runs):.3f} s, median "
        f"{statistics.median(award_runs):.3f} s; award_inputs median "
        f"{statistics.median(input_runs):.3f} s; compute_awards alone median "
        f"{statistics.median(compute_runs) * 1000:.2f} ms over {len(inputs.enterprises)} "
        f"enterprises, {len(award['lines'])} lines")

    # 2e. rendering
    if not args.no_render:
        results["render"] = {}
        for name, fn in (("csv", render.to_csv), ("xlsx", render.to_xlsx), ("pdf", render.to_pdf)):
            first, data = timed(lambda: fn(content))
            runs = [timed(lambda: fn(content))[0] for _ in range(args.repeat)]
            results["render"][name] = {**summary(runs, first), "bytes": len(data)}
        log("render: " + ", ".join(f"{k} median {v['median_s']:.3f} s ({v['bytes']:,} bytes)"
                                   for k, v in results["render"].items()))
    conn.close()

    # 2c. memory, in a fresh process
    results["memory"] = run_memory_probe(args)
    mem = results["memory"]
    peaks, growth = mem["tracemalloc_peak_bytes"], mem["rss_growth"]
    log(f"memory: build_content tracemalloc peak {peaks['build_content'] / 2**20:.1f} MiB, "
        f"peak RSS growth {growth['build_content_first']['peak_growth_kib'] / 1024:.1f} MiB "
        f"(first build in a fresh process; warm "
        f"{growth['build_content_warm']['peak_growth_kib'] / 1024:.1f} MiB); raw SQL full "
        f"{peaks['raw_sql_full'] / 2**20:.1f} MiB / "
        f"{growth['raw_sql_full']['peak_growth_kib'] / 1024:.1f} MiB; award_report "
        f"{peaks['award_report'] / 2**20:.1f} MiB / "
        f"{growth['award_report']['peak_growth_kib'] / 1024:.1f} MiB")
    return results


class MismatchError(BenchError):
    def __init__(self, problems: list[str], results: dict[str, Any]):
        super().__init__("the report disagrees with the raw SQL:\n  " + "\n  ".join(problems))
        self.problems, self.results = problems, results


# --- entry point ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="ledger rows (1,000,000)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_REPORTS_DATABASE_URL",
                                                                 DEFAULT_DATABASE_URL))
    parser.add_argument("--month", default="2026-06", help="the month to report (2026-06)")
    parser.add_argument("--repeat", type=int, default=3, help="measured runs of each (3)")
    parser.add_argument("--award-year", type=int, default=2026)
    parser.add_argument("--regenerate", action="store_true",
                        help="rebuild the database even if it holds the same data set")
    parser.add_argument("--setup-only", action="store_true", help="make the database and stop")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--sellers", type=int, default=2000)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--buyers", type=int, default=100_000)
    parser.add_argument("--no-render", action="store_true", help="skip CSV/XLSX/PDF rendering")
    parser.add_argument("--profile", action="store_true", help="always profile build_content")
    parser.add_argument("--profile-threshold", type=float, default=20.0,
                        help="profile when build_content / raw SQL core exceeds this (20)")
    parser.add_argument("--output", type=Path, help="JSON path (bench/results/reports-<ts>.json)")
    parser.add_argument("--memory-probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rows < 1000 or args.sellers < 1 or args.products < args.sellers or args.buyers < 1:
        parser.error("need --rows >= 1000, --products >= --sellers >= 1, --buyers >= 1")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    try:
        from gannan.reporting.metrics import Month
        Month.parse(args.month)
    except ValueError:
        parser.error(f"--month {args.month!r} is not YYYY-MM")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def log(message: str) -> None:
        print(message, flush=True)

    try:
        args.database_url = normalise_database_url(
            check_database_url(args.database_url, "reports", {"gannan_bench"}))
        if args.memory_probe:
            memory_probe(args)
            return 0
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        results: dict[str, Any] = {
            "benchmark": "reports", "ok": False, "timestamp": stamp, "git": git_revision(),
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
            "params": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
                       if k not in ("memory_probe",)},
        }
        results["params"]["database_url"] = make_url(args.database_url).render_as_string(
            hide_password=True)
        with tempfile.TemporaryDirectory(prefix="gannan-bench-reports-") as tmp:
            results["setup"] = setup(args, Path(tmp), log)
            if args.setup_only:
                return 0
            results["machine"]["postgresql"] = server_settings(args.database_url)
            results["machine"]["loadavg_before"] = [round(x, 2) for x in os.getloadavg()]
            try:
                results.update(measure(args, Path(tmp), log))
                results["ok"] = True
            except MismatchError as exc:
                results.update(exc.results)
                results["checks"] = {"month_totals_equal_to_the_fen": not any(
                    p.startswith("month totals") for p in exc.problems), "mismatches": exc.problems}
                raise
            finally:
                results["machine"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
                path = args.output or RESULTS_DIR / f"reports-{stamp}.json"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
                shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) \
                    else path
                log(f"results: {shown}")
    except BenchError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
