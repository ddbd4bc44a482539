"""A large, deterministic catalogue for the search benchmarks, bulk-inserted into the real schema.

    python -m bench.catalogue generate --products 100000 --seed 1   # into $DATABASE_URL
    python -m bench.catalogue index                                 # the app's reindex_all

Both run inside the app (``create_app()`` from the environment ``gannan_env`` builds)
and print one ``CATALOGUE_JSON {...}`` line: what was made and how long it took.
``generate`` expects a freshly migrated, empty database; :func:`prepare_catalogue`
does migrate + generate (cached by products, seed and source) + index for a benchmark.

What is generated (all from one seeded ``random.Random``, so a seed gives the same rows):
sellers (default one per 50 products) spread over the 18 current counties, each
approved, with a valid USCC, an owner account, a business licence and the approval
decision; products in every seeded category, 80% in the seller's main category and
made in its county, with Chinese titles and descriptions built from the produce,
grade, weight and place vocabularies; 1-3 SKUs each (price in fen, about one in eight
out of stock); the regional brands 赣南脐橙 and 赣南茶油 on a third of the oranges and
camellia oils, each covered by the seller's brand licence (or GI); green-food
certificates on a quarter of the sellers (some expired), organic ones on some tea.
About 1% of products stay drafts; the rest are published.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.harness import PROJECT_ROOT, BenchError, prepare_gannan_db

CACHE_DIR = Path(tempfile.gettempdir()) / "gannan-bench-cache"
CHUNK = 5000

# slug -> (share of products, produce words, details, weights, base price in fen, regional brand)
CATEGORIES: dict[str, tuple[int, list[str], list[str], list[str], int, str | None]] = {
    "navel_orange": (24, ["脐橙", "赣南脐橙", "纽荷尔脐橙", "伦晚脐橙", "橙子"],
                     ["果径75-80mm", "果径80-85mm", "树上熟", "现摘现发", "礼盒"],
                     ["5kg", "10斤", "2.5kg", "9斤"], 5980, "赣南脐橙"),
    "tangerine": (8, ["蜜桔", "南丰蜜桔", "砂糖桔", "贡桔"], ["薄皮", "无籽", "现摘"],
                  ["5kg", "10斤", "2.5kg"], 3980, None),
    "pomelo": (6, ["柚", "沙田柚", "蜜柚", "红心柚"], ["单果1.5斤以上", "皮薄多汁"],
               ["5kg", "10斤", "2个装"], 4580, None),
    "other_fruit": (4, ["百香果", "猕猴桃", "板栗", "杨梅"], ["山地种植", "现摘"],
                    ["2.5kg", "5斤", "500g"], 3580, None),
    "fruit": (1, ["水果礼盒", "脐橙蜜桔组合装"], ["年货礼盒", "混合装"], ["5kg", "10斤"], 8800, None),
    "camellia_oil": (15, ["茶油", "山茶油", "油茶籽油", "冷榨茶油"], ["物理压榨", "一级压榨", "铁罐", "玻璃瓶"],
                     ["5L", "2.5kg", "1L", "500ml"], 19800, "赣南茶油"),
    "rice_noodles": (10, ["米粉", "客家米粉", "手工米粉", "炒米粉"], ["日晒", "石磨水浸", "早籼米"],
                     ["2.5kg", "5斤", "500g"], 3590, None),
    "rice": (10, ["大米", "富硒大米", "丝苗米", "高山香米"], ["当季新米", "山泉灌溉"],
             ["5kg", "10斤", "25kg"], 4990, None),
    "tea": (1, ["茶叶", "茶叶礼盒", "绿茶红茶组合装"], ["送礼", "双罐装"], ["250g", "500g"], 19800, None),
    "green_tea": (8, ["绿茶", "明前绿茶", "高山云雾茶", "毛尖"], ["一芽一叶", "明前", "手工炒制"],
                  ["250g", "125g", "50g"], 12800, None),
    "black_tea": (6, ["红茶", "工夫红茶", "小种红茶"], ["传统工艺", "高山"], ["250g", "125g"], 9800, None),
    "white_tea": (3, ["白茶", "白牡丹", "寿眉"], ["老白茶", "饼茶"], ["250g", "357g"], 15800, None),
    "other_specialty": (4, ["客家酱菜", "脐橙果干", "竹编果篮", "擂茶", "南酸枣糕"], ["客家风味", "手工"],
                        ["500g", "1kg", "1个"], 2980, None),
}
GRADES = ["特级", "一级", "精品", "家庭装", "礼盒装", "优选"]
GRAMS = {"5kg": 5000, "10斤": 5000, "2.5kg": 2500, "9斤": 4500, "2个装": 3000, "5斤": 2500,
         "500g": 500, "5L": 4600, "1L": 920, "500ml": 460, "25kg": 25000, "250g": 250,
         "125g": 125, "50g": 50, "357g": 357, "1kg": 1000, "1个": 800}
TOWNSHIPS = ["安西镇", "嘉定镇", "潋江镇", "文武坝镇", "梅水乡", "南桥镇", "大塘镇", "新田镇",
             "龙口镇", "长冈乡", "城关镇", "古龙岗镇", "高兴镇", "麻州镇", "黄埠镇", "杨村镇",
             "里仁镇", "上堡乡", "三百山镇", "珠兰乡", "桥头乡", "丰田乡", "横市镇", "九龙山乡"]
SHOP_WORDS = ["绿源", "山里人", "客家", "梅岭", "金果", "丰收", "青山", "红土地", "禾丰", "聚鑫",
              "田园", "云雾", "果香", "福寿", "兴农"]
SENTENCES = ["产地直发，坏果包赔。", "农户自种，自产自销。", "海拔600米山地种植，昼夜温差大。",
             "顺丰冷链配送，48小时内发货。", "支持七天无理由退换。", "合作社统一采收分拣。",
             "有机肥种植，农残检测合格。", "老树结果，口感清甜。"]
# kind, USCC type digits (registration authority 9 = market regulation), name suffix
SELLER_KINDS = [("enterprise", "91", "有限公司"), ("cooperative", "93", "专业合作社"),
                ("family_farm", "92", "家庭农场"), ("individual_business", "92", "经营部")]
SURNAMES, GIVEN_NAMES = "刘陈李黄钟王张赖谢曾", ["建国", "秀英", "志强", "丽华", "伟", "芳", "小红"]
# brand licences by brand, other certificates by kind
ISSUERS = {"赣南脐橙": "赣州市赣南脐橙协会", "赣南茶油": "赣州市油茶产业协会",
           "geographical_indication": "农业农村部", "green_food": "中国绿色食品发展中心",
           "organic": "中绿华夏有机产品认证中心"}
EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _stem(county_name: str) -> str:
    return county_name[:-1] if county_name[-1] in "区县市" else county_name


def generate(products: int, seed: int, sellers: int | None = None) -> dict[str, int]:
    """Insert the catalogue into the app's database (inside an app context)."""
    from sqlalchemy import insert

    from gannan.catalog.models import (
        Category,
        Certificate,
        CertificateKind,
        Product,
        ProductStatus,
        Sku,
        certificate_products,
    )
    from gannan.platform.auth import hash_password
    from gannan.platform.counties import CURRENT
    from gannan.platform.demo import demo_uscc
    from gannan.platform.extensions import db
    from gannan.platform.models import (
        MemberRole,
        Qualification,
        QualificationKind,
        ReviewAction,
        Role,
        Seller,
        SellerDecision,
        SellerKind,
        SellerMember,
        SellerStatus,
        User,
        UserRole,
    )

    rng = random.Random(seed)
    n_sellers = sellers or max(len(CURRENT), products // 50)
    category_rows = {c.slug: c for c in db.session.scalars(db.select(Category))}
    if set(category_rows) != set(CATEGORIES):
        raise BenchError(f"seeded categories {sorted(category_rows)} differ from the generator's")
    slugs = list(CATEGORIES)
    shares = [CATEGORIES[s][0] for s in slugs]
    rows: dict[Any, list[dict[str, Any]]] = {}

    def add(table: Any, **values: Any) -> None:
        rows.setdefault(getattr(table, "__table__", table), []).append(values)

    admin_id, owner_hash = 1, hash_password("bench-" + str(seed))
    add(User, id=admin_id, email="admin@bench.gannan.test", password_hash=owner_hash,
        display_name="基准管理员", is_active=True, created_at=EPOCH)
    add(UserRole, user_id=admin_id, role=Role.PLATFORM_ADMIN, granted_at=EPOCH)
    seller_info = []  # (county code, county name, main category)
    for sid in range(1, n_sellers + 1):
        code, county, _ = CURRENT[(sid - 1) % len(CURRENT)]
        kind, type_digits, suffix = rng.choice(SELLER_KINDS)
        main = rng.choices(slugs, shares)[0]
        uscc = demo_uscc(type_digits + code, f"MA{sid:07d}")
        when = EPOCH - timedelta(days=rng.randrange(30, 700))
        contact = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        shop = rng.choice(SHOP_WORDS) + CATEGORIES[main][1][0]
        add(Seller, id=sid, name=f"{county}{shop}{suffix}",
            uscc=uscc, kind=SellerKind(kind), county_code=code, contact_name=contact,
            contact_phone=f"139{rng.randrange(10**8):08d}",
            address=f"江西省赣州市{county}{rng.choice(TOWNSHIPS)}{rng.randrange(1, 200)}号",
            status=SellerStatus.APPROVED, status_reason="资料齐全", created_at=when,
            reviewed_at=when + timedelta(days=2))
        add(User, id=sid + 1, email=f"seller{sid}@bench.gannan.test", password_hash=owner_hash,
            display_name=contact, is_active=True, created_at=when)
        add(SellerMember, id=sid, seller_id=sid, user_id=sid + 1, role=MemberRole.OWNER,
            created_at=when)
        add(Qualification, id=sid, seller_id=sid, kind=QualificationKind.BUSINESS_LICENCE,
            number=uscc, valid_from=date(2019, 3, 1), valid_until=None, created_at=when)
        add(SellerDecision, id=sid, seller_id=sid, actor_id=admin_id, action=ReviewAction.APPROVE,
            from_status=SellerStatus.PENDING, to_status=SellerStatus.APPROVED, reason="资料齐全",
            created_at=when + timedelta(days=2))
        seller_info.append((code, county, main))

    # Certificates a seller holds, made on first use: (seller, kind, brand) -> id.
    certificates: dict[tuple[int, str, str | None], int] = {}
    green = {sid for sid in range(1, n_sellers + 1) if rng.random() < 0.25}
    expired = {sid for sid in green if rng.random() < 0.1}

    def certify(pid: int, sid: int, kind: CertificateKind, brand: str | None = None) -> None:
        key = (sid, kind.value, brand)
        if key not in certificates:
            certificates[key] = cid = len(certificates) + 1
            until = date(2025, 6, 30) if kind is CertificateKind.GREEN_FOOD and sid in expired \
                else date(2028, 12, 31)
            issuer = ISSUERS[brand if kind is CertificateKind.BRAND_LICENCE else kind.value]
            add(Certificate, id=cid, seller_id=sid, kind=kind, brand=brand, issuer=issuer,
                number=f"{kind.value[:2].upper()}{seller_info[sid - 1][0]}{sid:05d}{cid:06d}",
                valid_from=date(2024, 1, 1) + timedelta(days=rng.randrange(365)),
                valid_until=until, created_at=EPOCH)
        add(certificate_products, certificate_id=certificates[key], product_id=pid)

    sku_id = 0
    for pid in range(1, products + 1):
        sid = rng.randrange(1, n_sellers + 1)
        code, county, main = seller_info[sid - 1]
        slug = main if rng.random() < 0.8 else rng.choices(slugs, shares)[0]
        _, words, details, weights, base_price, brand = CATEGORIES[slug]
        word, grade, weight = rng.choice(words), rng.choice(GRADES), rng.choice(weights)
        brand = brand if brand and rng.random() < 0.35 else None
        place = rng.choice([_stem(county), county, ""])
        township = rng.choice(TOWNSHIPS) if rng.random() < 0.6 else None
        title = " ".join(p for p in (brand, place + word, grade, weight,
                                     rng.choice(details) if rng.random() < 0.5 else "") if p)
        traits = "，".join(rng.sample(details, min(2, len(details))))
        description = f"{county}{township or ''}{word}基地，{traits}。" + "".join(
            rng.sample(SENTENCES, 2))
        published = rng.random() >= 0.01
        created = EPOCH + timedelta(seconds=rng.randrange(365 * 86400))
        # Ratings from a generator of their own, so the rest of the catalogue stays as it was.
        rated = random.Random(pid).choice((0, 0, 0, 0, 1, 2, 3, 5, 8, 13, 40))
        rating_sum = random.Random(-pid).randint(rated * 3, rated * 5) if rated else 0
        add(Product, id=pid, seller_id=sid, category_id=category_rows[slug].id, title=title[:120],
            description=description, origin_county_code=code, origin_township=township,
            regional_brand=brand, agricultural=category_rows[slug].agricultural,
            cold_chain=slug in ("navel_orange", "tangerine") and rng.random() < 0.2,
            images=[f"/media/p/{pid}/{k}.jpg" for k in range(1, rng.randint(1, 3) + 1)],
            status=ProductStatus.PUBLISHED if published else ProductStatus.DRAFT,
            blocked_reason=None, created_at=created, updated_at=created,
            published_at=created + timedelta(hours=1) if published else None,
            rating_count=rated, rating_sum=rating_sum)
        for k, sku_weight in enumerate(rng.sample(weights, rng.randint(1, min(3, len(weights))))):
            sku_id += 1
            price = int(base_price * GRAMS[sku_weight] / GRAMS[weights[0]] * rng.uniform(0.7, 1.6))
            add(Sku, id=sku_id, product_id=pid, code=f"P{pid}-{k + 1}",
                spec=f"{sku_weight} {grade}", price_fen=max(100, price // 10 * 10),
                stock=0 if rng.random() < 0.12 else rng.randrange(1, 800),
                weight_g=GRAMS[sku_weight])
        if brand:
            kind = CertificateKind.GEOGRAPHICAL_INDICATION if brand == "赣南茶油" and sid % 3 == 0 \
                else CertificateKind.BRAND_LICENCE
            certify(pid, sid, kind, brand)
        if sid in green and rng.random() < 0.6:
            certify(pid, sid, CertificateKind.GREEN_FOOD)
        if slug.endswith("tea") and sid % 7 == 0:
            certify(pid, sid, CertificateKind.ORGANIC)

    with db.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous = OFF")
        for table, table_rows in rows.items():  # insertion order: parents before children
            for start in range(0, len(table_rows), CHUNK):
                conn.execute(insert(table), table_rows[start:start + CHUNK])
    return {table.name: len(table_rows) for table, table_rows in rows.items()}


def build_index() -> dict[str, Any]:
    """Rebuild the configured backend's index with the app's own ``reindex_all``."""
    from flask import current_app

    from gannan.catalog.indexing import reindex_all, search_backend

    backend = search_backend(current_app)
    done = [0, time.monotonic()]

    def progress(n: int) -> None:
        done[0] += n
        if done[0] % 10_000 < n:
            print(f"  indexed {done[0]} in {time.monotonic() - done[1]:.0f}s", file=sys.stderr,
                  flush=True)

    started = time.monotonic()
    listed = reindex_all(backend, progress=progress)
    return {"backend": backend.name, "listed": listed,
            "seconds": round(time.monotonic() - started, 1)}


# --- used by bench/run.py ------------------------------------------------------------


def _cache_key(products: int, seed: int) -> str:
    """Products, seed, and a digest of this generator and the migrations (the schema)."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for path in sorted((PROJECT_ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return f"catalogue-n{products}-s{seed}-{digest.hexdigest()[:10]}"


def _run(step: list[str], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench.catalogue", *step], cwd=PROJECT_ROOT,
                          env=env, stdout=subprocess.PIPE, text=True, timeout=7200)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("CATALOGUE_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"`python -m bench.catalogue {' '.join(step)}` failed "
                         f"(exit {done.returncode}):\n{done.stdout[-2000:]}")
    return json.loads(line.split(" ", 1)[1])


def prepare_catalogue(env: dict[str, str], products: int, seed: int,
                      cache_dir: Path | None = CACHE_DIR) -> dict[str, Any]:
    """Fill ``env``'s SQLite database with the catalogue and index it into ``env``'s backend.

    The generated database is cached under ``cache_dir`` (None: no cache) by products,
    seed and source digest, and copied; the index is always rebuilt and timed.
    Returns what was made and the timings (from the cache's record on a hit).
    """
    db_path = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    cached = cache_dir / _cache_key(products, seed) if cache_dir else None
    if cached and (cached / "meta.json").exists():
        print(f"  catalogue from cache {cached}", flush=True)
        shutil.copyfile(cached / "catalogue.sqlite3", db_path)
        meta = json.loads((cached / "meta.json").read_text())
        meta["cached"] = True
    else:
        started = time.monotonic()
        prepare_gannan_db(env, demo=False)
        migrated = time.monotonic()
        print(f"  generating {products} products (seed {seed}) ...", flush=True)
        made = _run(["generate", "--products", str(products), "--seed", str(seed)], env)
        meta = {"products": products, "seed": seed, "rows": made["rows"],
                "migrate_s": round(migrated - started, 1), "generate_s": made["seconds"],
                "cached": False}
        if cached:
            cached.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(db_path, cached / "catalogue.sqlite3")
            (cached / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"  catalogue: migrate {meta['migrate_s']}s, generate {meta['generate_s']}s"
          + (" (when cached)" if meta["cached"] else ""), flush=True)
    print(f"  indexing into {env.get('SEARCH_BACKEND') or 'the default backend'} ...", flush=True)
    meta["index"] = _run(["index"], env)
    print(f"  indexed {meta['index']['listed']} listed products into {meta['index']['backend']} "
          f"in {meta['index']['seconds']}s", flush=True)
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.catalogue", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="bulk-insert the catalogue into $DATABASE_URL")
    gen.add_argument("--products", type=int, default=100_000)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--sellers", type=int, default=None, help="default: products / 50")
    sub.add_parser("index", help="rebuild the search index from the database (reindex_all)")
    args = parser.parse_args(argv)

    from gannan import create_app

    with create_app().app_context():
        if args.command == "generate":
            started = time.monotonic()
            rows = generate(args.products, args.seed, args.sellers)
            result = {"rows": rows, "seconds": round(time.monotonic() - started, 1)}
        else:
            result = build_index()
    print("CATALOGUE_JSON " + json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
