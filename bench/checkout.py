"""Checkout on PostgreSQL through the real app: the last units under contention, and latency.

    .venv/bin/python -m bench.checkout [--rounds 5] [--shoppers 200] [--units 50]
                                       [--database-url postgresql+psycopg://...]

1. Recreates the database named by ``--database-url`` (``gannan_bench``; never
   ``gannan_test``, which the test suite drops), migrates it and seeds it through the
   app's models and services: three approved sellers with one published product each,
   ``--shoppers`` shopper accounts with a cart, and a bearer token for each.
2. Serves ``gannan:create_app()`` with gunicorn (gthread) on 127.0.0.1: Celery eager,
   SQLite search index in a temp dir, Stripe through stripe-mock when it answers.
   By default as ``gunicorn.conf.py`` serves the app in production: two workers per
   core plus one (at most 8; 5 here) of 4 threads each.  The baseline gets as many
   connections as the server has threads.  (Until 1 December 2026 the benchmark ran
   4 workers x 8 threads, its own choice: a request cost ~40% more worker CPU that
   way than with 5 x 4, the GIL handed over among eight threads per process; see
   bench/README.md.)
3. Contention, ``--rounds`` times after ``--warmup-rounds`` (more while the app's pools
   still open connections, see :func:`contention`): one SKU has ``--units`` in
   stock and every shopper has one of it in the cart; all shoppers POST /checkout at
   once.  Exactly ``--units`` must get 201, the rest 409 ``out_of_stock``; the stock
   must end at 0 with exactly ``--units`` new orders.  In the same round a plain SQL
   loop makes the same conditional updates (``--shoppers`` threads, one transaction
   each) as the baseline; the ratio API/SQL is the number to watch.
4. Latency: one shopper checks out a three-seller cart ``--iterations`` times, the cart
   refilled through the API between checkouts (not timed): p50/p95/p99 of the checkout
   request, for cash on delivery and (with stripe-mock) Stripe.

5. In process, with the servers stopped: the same three-seller COD checkout through
   Flask's test client ``--inprocess-iterations`` times (wall and CPU time, SQL
   statements), alternating with its floor, one conditional UPDATE per SKU of the cart
   in one transaction; then ``GET /api/v1/products/{id}`` (statements, p50).

Prints a table, writes ``bench/results/checkout-<UTC timestamp>.json`` and exits 1 when
any verification failed.  Everything goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import psycopg
from sqlalchemy.engine import make_url

from bench.harness import (
    HOST,
    PROJECT_ROOT,
    BenchError,
    GunicornServer,
    Target,
    check_database_url,
    conninfo,
    fetch,
    gannan_env,
    prepare_gannan_db,
    recreate_database,
)

DEFAULT_DATABASE_URL = "postgresql+psycopg://gannan:gannan@127.0.0.1:5432/gannan_bench"
DEFAULT_STRIPE_BASE = "http://127.0.0.1:12111"  # stripe-mock as .ci/services.sh starts it
STRIPE_KEY = "sk_test_gannan"
ADDRESS = {"recipient": "王小明", "phone": "13912345678", "province": "上海", "city": "上海",
           "county": "浦东新区", "detail": "x"}
PLENTY = 1_000_000  # stock of the latency cart's SKUs
# gunicorn.conf.py's defaults (WEB_CONCURRENCY and GUNICORN_THREADS unset): the server
# as it runs in production.
DEFAULT_WORKERS = min(2 * (os.cpu_count() or 1) + 1, 8)
DEFAULT_THREADS = 4
LATENCY_WARMUP = 10  # untimed checkouts before each latency run
REQUEST_TIMEOUT = 60.0
RESULTS_DIR = Path(__file__).resolve().parent / "results"
CONDITIONAL_UPDATE = "UPDATE skus SET stock = stock - 1 WHERE id = %s AND stock >= 1 RETURNING stock"

# (USCC type digits, county code, seller name, category, product title)
SELLERS = [
    ("93", "360722", "信丰县基准脐橙专业合作社", "navel_orange", "基准脐橙 5kg"),
    ("91", "360732", "兴国县基准茶油有限公司", "camellia_oil", "基准山茶油 1L"),
    ("92", "360733", "会昌县基准米粉厂", "rice_noodles", "基准米粉 2.5kg"),
]


@dataclass
class Fixture:
    """What the seed made and the rounds use."""

    contended_sku: int  # the SKU whose last units everyone wants
    cart_skus: list[int]  # one SKU of each seller, plenty in stock: the three-seller cart
    shopper_carts: list[int]  # cart id of each contention shopper
    shopper_tokens: list[str]
    latency_token: str


@dataclass
class Reply:
    """One HTTP answer, reduced to what the checks need."""

    status: int
    code: str | None  # a problem's ``code``
    order_id: int | None
    seconds: float


# --- the database ------------------------------------------------------------------


def build_app(env: dict[str, str]):
    """The app on the benchmark's database and settings, for seeding in-process."""
    from gannan import create_app
    from gannan.platform.config import normalise_database_url

    return create_app({
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(env["DATABASE_URL"]),
        "SECRET_KEY": env["SECRET_KEY"],
        "SEARCH_BACKEND": "sqlite",
        "SEARCH_INDEX_PATH": env["SEARCH_INDEX_PATH"],
        "CELERY": {"broker_url": "memory://", "result_backend": None, "task_always_eager": True},
        "STRIPE_API_KEY": "",
    })


def seed(env: dict[str, str], shoppers: int) -> Fixture:
    """Sellers, products and shoppers through the app's models and services."""
    from gannan.platform.extensions import db

    app = build_app(env)
    with app.app_context():
        owners = _insert_users("owner", len(SELLERS))
        contended, cart_skus = _sellers_and_products(owners)
        users = _insert_users("shopper", shoppers + 1)
        carts = _carts_for(users)
        tokens = _tokens_for(users)
        db.session.commit()
        db.engine.dispose()
    return Fixture(contended_sku=contended, cart_skus=cart_skus,
                   shopper_carts=carts[1:], shopper_tokens=tokens[1:], latency_token=tokens[0])


def _insert_users(prefix: str, count: int) -> list[int]:
    """``count`` accounts in one INSERT, all with one precomputed password hash."""
    from sqlalchemy import insert

    from gannan.platform.auth import hash_password
    from gannan.platform.extensions import db
    from gannan.platform.models import User
    from gannan.platform.types import utcnow

    password_hash = hash_password(f"bench-{prefix}")
    rows = [{"email": f"{prefix}{i}@bench.gannan.test", "password_hash": password_hash,
             "display_name": f"{prefix} {i}", "is_active": True, "created_at": utcnow()}
            for i in range(count)]
    return list(db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True),
                                   rows))


def _sellers_and_products(owner_ids: list[int]) -> tuple[int, list[int]]:
    """Approved sellers, one published product each with two SKUs.

    Returns the contended SKU (first seller's ``LAST``) and each seller's ``BULK`` SKU.
    """
    from datetime import date

    from gannan.catalog.services import products
    from gannan.platform.demo import demo_uscc
    from gannan.platform.extensions import db
    from gannan.platform.models import (
        MemberRole,
        Qualification,
        QualificationKind,
        Seller,
        SellerKind,
        SellerMember,
        SellerStatus,
    )

    kinds = {"91": SellerKind.ENTERPRISE, "92": SellerKind.INDIVIDUAL_BUSINESS,
             "93": SellerKind.COOPERATIVE}
    last, bulk = [], []
    for n, (owner_id, (type_digits, county, name, category, title)) in enumerate(
            zip(owner_ids, SELLERS), start=1):
        uscc = demo_uscc(type_digits + county, f"MA{n:07d}")
        seller = Seller(name=name, uscc=uscc, kind=kinds[type_digits], county_code=county,
                        contact_name="基准", contact_phone=f"1390797{n:04d}",
                        address=f"江西省赣州市 基准路{n}号", status=SellerStatus.APPROVED)
        seller.members.append(SellerMember(user_id=owner_id, role=MemberRole.OWNER))
        seller.qualifications.append(Qualification(
            kind=QualificationKind.BUSINESS_LICENCE, number=uscc,
            valid_from=date(2020, 1, 1), valid_until=None))
        db.session.add(seller)
        db.session.commit()
        product = products.create_product({
            "seller_id": seller.id, "title": title, "category": category,
            "origin_county_code": county, "description": "基准测试商品",
            "skus": [{"code": "LAST", "spec": "最后几件", "price_fen": 5000, "stock": 0},
                     {"code": "BULK", "spec": "大量现货", "price_fen": 3000, "stock": PLENTY}],
        })
        products.publish_product(product.id)
        skus = {sku.code: sku.id for sku in product.skus}
        last.append(skus["LAST"])
        bulk.append(skus["BULK"])
    return last[0], bulk


def _carts_for(user_ids: list[int]) -> list[int]:
    from sqlalchemy import insert

    from gannan.orders.models import Cart
    from gannan.platform.extensions import db

    return list(db.session.scalars(insert(Cart).returning(Cart.id, sort_by_parameter_order=True),
                                   [{"user_id": uid} for uid in user_ids]))


def _tokens_for(user_ids: list[int]) -> list[str]:
    from gannan.platform.auth import issue_token
    from gannan.platform.extensions import db
    from gannan.platform.models import User

    users = {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(user_ids)))}
    return [issue_token(users[uid])[0] for uid in user_ids]


# --- HTTP --------------------------------------------------------------------------


def call(base_url: str, method: str, path: str, token: str, body: dict[str, Any],
         key: str | None = None) -> Reply:
    """One JSON request on a fresh connection, timed from connect to the last byte.

    The request says ``Connection: close``, as HTTP asks of a client that will not send
    another request on the connection (RFC 9112, 9.6), and as nginx talks to the app
    by default: without it gunicorn keeps the socket for a next request, then hands
    the client's close to a thread of its own.
    """
    if not base_url.startswith(f"http://{HOST}:"):
        raise BenchError(f"refusing to send a request outside {HOST}: {base_url}")
    port = int(base_url.rsplit(":", 1)[1])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "Connection": "close"}
    if key:
        headers["Idempotency-Key"] = key
    payload = json.dumps(body).encode()
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    message = (f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{head}"
               f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload
    started = time.perf_counter()
    with socket.create_connection((HOST, port), timeout=REQUEST_TIMEOUT) as sock:
        sock.sendall(message)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    seconds = time.perf_counter() - started
    status, raw = _parse_response(b"".join(chunks))
    try:
        data = json.loads(raw)
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    return Reply(status, data.get("code"), data.get("id") if status < 300 else None, seconds)


def _parse_response(raw: bytes) -> tuple[int, bytes]:
    """The status and body of a whole HTTP/1.1 response read to the server's close."""
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.split(b"\r\n")
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise BenchError(f"not an HTTP response: {raw[:80]!r}")
    for line in header_lines:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            raise BenchError("a chunked response: this client reads Content-Length bodies only")
    return int(parts[1]), body


def checkout(base_url: str, token: str, payment_method: str) -> Reply:
    body = {"payment_method": payment_method, "address": ADDRESS}
    return call(base_url, "POST", "/api/v1/checkout", token, body, key=str(uuid.uuid4()))


def concurrently(count: int, task: Callable[[int], Any]) -> tuple[list[Any], float]:
    """Run ``task(i)`` for i < count on ``count`` threads released together by a barrier.

    Returns the results (an exception counts as a result) and the wall time from the
    first task's start to the last one's end.
    """
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    spans: list[tuple[float, float]] = [(0.0, 0.0)] * count

    def run(i: int) -> None:
        barrier.wait()
        start = time.perf_counter()
        try:
            results[i] = task(i)
        except Exception as exc:  # noqa: BLE001 - reported by the round's checks
            results[i] = exc
        spans[i] = (start, time.perf_counter())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, max(end for _, end in spans) - min(start for start, _ in spans)


# --- contention --------------------------------------------------------------------


def reset_contended(conn: psycopg.Connection, fixture: Fixture, units: int) -> int:
    """Stock back to ``units``, every shopper's cart holding one of it; returns the
    highest order id so far (orders above it are this round's)."""
    with conn.transaction():
        conn.execute("UPDATE skus SET stock = %s WHERE id = %s", (units, fixture.contended_sku))
        conn.execute("DELETE FROM cart_items WHERE cart_id = ANY(%s)", (fixture.shopper_carts,))
        conn.execute("INSERT INTO cart_items (cart_id, sku_id, quantity, added_at) "
                     "SELECT unnest(%s::int[]), %s, 1, now()",
                     (fixture.shopper_carts, fixture.contended_sku))
        return conn.execute("SELECT coalesce(max(id), 0) FROM orders").fetchone()[0]


def api_round(base_url: str, conn: psycopg.Connection, fixture: Fixture,
              units: int) -> dict[str, Any]:
    """Every shopper checks out at once; returns the round's numbers and problems."""
    watermark = reset_contended(conn, fixture, units)
    tokens = fixture.shopper_tokens
    replies, wall = concurrently(len(tokens), lambda i: checkout(base_url, tokens[i], "cod"))
    problems = check_api_round(conn, fixture, units, watermark, replies)
    ok = [r for r in replies if isinstance(r, Reply)]
    created = sum(1 for r in ok if r.status == 201)
    return {
        "seconds": round(wall, 4), "requests": len(tokens), "created": created,
        "out_of_stock": sum(1 for r in ok if r.status == 409 and r.code == "out_of_stock"),
        "checkouts_per_s": round(created / wall, 1), "requests_per_s": round(len(tokens) / wall, 1),
        "slowest_ms": round(max((r.seconds for r in ok), default=0) * 1000, 1),
        "final_stock": stock_of(conn, fixture.contended_sku),
        "outbox_left": conn.execute("SELECT count(*) FROM search_outbox").fetchone()[0],
        "problems": problems,
    }


def stock_of(conn: psycopg.Connection, sku_id: int) -> int:
    return conn.execute("SELECT stock FROM skus WHERE id = %s", (sku_id,)).fetchone()[0]


def check_api_round(conn: psycopg.Connection, fixture: Fixture, units: int, watermark: int,
                    replies: list[Any]) -> list[str]:
    """Everything that must hold after a contention round; empty when it all does."""
    problems = [f"request failed: {r!r}" for r in replies if not isinstance(r, Reply)]
    ok = [r for r in replies if isinstance(r, Reply)]
    statuses = Counter((r.status, r.code) for r in ok)
    losers = len(replies) - units
    if statuses[(201, None)] != units:
        problems.append(f"{statuses[(201, None)]} checkouts succeeded, expected {units}")
    if statuses[(409, "out_of_stock")] != losers:
        problems.append(f"{statuses[(409, 'out_of_stock')]} out_of_stock refusals, "
                        f"expected {losers}")
    others = {f"{s} {c}": n for (s, c), n in statuses.items()
              if (s, c) not in {(201, None), (409, "out_of_stock")}}
    if others:
        problems.append(f"unexpected answers: {others}")
    stock = stock_of(conn, fixture.contended_sku)
    if stock != 0:
        problems.append(f"stock ended at {stock}, expected 0")
    lowest = conn.execute("SELECT min(stock) FROM skus").fetchone()[0]
    if lowest < 0:
        problems.append(f"negative stock: {lowest}")
    problems += _check_orders(conn, fixture, units, watermark,
                              {r.order_id for r in ok if r.status == 201})
    return problems


def _check_orders(conn: psycopg.Connection, fixture: Fixture, units: int, watermark: int,
                  answered: set[int | None]) -> list[str]:
    """The round's orders: as many as units, each one unit of the SKU, as answered."""
    problems = []
    new_orders = {row[0] for row in conn.execute(
        "SELECT id FROM orders WHERE id > %s", (watermark,))}
    orders_with_sku, units_sold = conn.execute(
        "SELECT count(DISTINCT so.order_id), coalesce(sum(ol.quantity), 0) FROM order_lines ol "
        "JOIN seller_orders so ON so.id = ol.seller_order_id "
        "WHERE so.order_id > %s AND ol.sku_id = %s", (watermark, fixture.contended_sku)).fetchone()
    if len(new_orders) != units or orders_with_sku != units or units_sold != units:
        problems.append(f"{len(new_orders)} new orders, {orders_with_sku} with the SKU, "
                        f"{units_sold} units sold; expected {units} each")
    if new_orders != answered:
        problems.append(f"orders in the database {sorted(new_orders - answered)} not answered, "
                        f"answered {sorted(answered - new_orders, key=str)} not in the database")
    left = conn.execute("SELECT count(*) FROM cart_items WHERE sku_id = %s",
                        (fixture.contended_sku,)).fetchone()[0]
    if left != len(fixture.shopper_carts) - units:
        problems.append(f"{left} carts still hold the SKU, expected "
                        f"{len(fixture.shopper_carts) - units} (the refused shoppers')")
    return problems


def sql_round(url: str, conn: psycopg.Connection, sku_id: int, attempts: int, units: int,
              connections: int) -> dict[str, Any]:
    """The baseline: ``attempts`` threads each run the conditional UPDATE in its own
    transaction, on ``connections`` pre-opened connections (the app's concurrency)."""
    conn.execute("UPDATE skus SET stock = %s WHERE id = %s", (units, sku_id))
    pool: queue.Queue[psycopg.Connection] = queue.Queue()
    for _ in range(connections):
        pool.put(psycopg.connect(conninfo(url)))

    def update(_: int) -> bool:
        db = pool.get()
        try:
            row = db.execute(CONDITIONAL_UPDATE, (sku_id,)).fetchone()
            db.commit()
            return row is not None
        finally:
            pool.put(db)

    try:
        results, wall = concurrently(attempts, update)
    finally:
        while not pool.empty():
            pool.get().close()
    done = sum(1 for r in results if r is True)
    problems = [f"update failed: {r!r}" for r in results if isinstance(r, Exception)]
    if done != units:
        problems.append(f"{done} conditional updates succeeded, expected {units}")
    stock = stock_of(conn, sku_id)
    if stock != 0:
        problems.append(f"stock ended at {stock}, expected 0")
    return {"seconds": round(wall, 4), "attempts": attempts, "succeeded": done,
            "updates_per_s": round(attempts / wall, 1), "final_stock": stock,
            "problems": problems}


# --- latency -----------------------------------------------------------------------


def latency_run(base_url: str, fixture: Fixture, payment_method: str,
                iterations: int) -> dict[str, Any]:
    """Sequential checkouts of a three-seller cart; only the checkout request is timed."""
    timings, problems = [], []
    for i in range(LATENCY_WARMUP + iterations):
        for sku_id in fixture.cart_skus:
            added = call(base_url, "POST", "/api/v1/cart/items", fixture.latency_token,
                         {"sku_id": sku_id, "quantity": 1})
            if added.status != 201:
                raise BenchError(f"refilling the cart failed: {added.status} {added.code}")
        reply = checkout(base_url, fixture.latency_token, payment_method)
        if reply.status != 201:
            problems.append(f"checkout {i}: {reply.status} {reply.code}")
        elif i >= LATENCY_WARMUP:
            timings.append(reply.seconds * 1000)
    return {"payment_method": payment_method, "iterations": iterations, **percentiles(timings),
            "problems": problems}


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    if len(samples_ms) < 2:
        return {}
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49], 2), "p95_ms": round(cuts[94], 2),
            "p99_ms": round(cuts[98], 2), "max_ms": round(max(samples_ms), 2)}


# --- in process --------------------------------------------------------------------


def _quantile(samples: list[float], q: int) -> float:
    return round(statistics.quantiles(samples, n=100, method="inclusive")[q - 1], 2)


def in_process(env: dict[str, str], fixture: Fixture, iterations: int) -> dict[str, Any]:
    """The three-seller COD checkout through Flask's test client (no HTTP, no gunicorn),
    the cart refilled between checkouts (not timed), alternating with its floor: one
    conditional UPDATE per SKU of the same cart, in one transaction on the app's engine.
    Wall and CPU time of each (CPU time is what a loaded machine distorts least), and
    the SQL statements of each checkout.  Then ``GET /api/v1/products/{id}`` of the first
    seller's product: its statements and p50."""
    from sqlalchemy import event, text

    from gannan.catalog.models import Sku
    from gannan.platform.extensions import db

    app = build_app(env)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {fixture.latency_token}"}
    body = {"payment_method": "cod", "address": ADDRESS}
    statements: list[str] = []
    samples: dict[str, list[float]] = {"wall": [], "cpu": [], "floor_wall": [], "floor_cpu": []}
    counts: Counter = Counter()
    problems: list[str] = []
    floor_sql = text("UPDATE skus SET stock = stock - 1 WHERE id = :id AND stock >= 1 "
                     "RETURNING stock")
    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *a: statements.append(statement))
        product_id = db.session.get(Sku, fixture.cart_skus[0]).product_id
        db.session.remove()
        for i in range(LATENCY_WARMUP + iterations):
            for sku_id in fixture.cart_skus:
                added = client.post("/api/v1/cart/items", headers=auth,
                                    json={"sku_id": sku_id, "quantity": 1})
                if added.status_code != 201:
                    raise BenchError(f"refilling the cart failed: {added.status_code}")
            before = len(statements)
            wall, cpu = time.perf_counter(), time.process_time()
            reply = client.post("/api/v1/checkout", json=body,
                                headers={**auth, "Idempotency-Key": str(uuid.uuid4())})
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if reply.status_code != 201:
                problems.append(f"checkout {i}: {reply.status_code}")
                continue
            floor_wall, floor_cpu = time.perf_counter(), time.process_time()
            with engine.begin() as conn:
                for sku_id in fixture.cart_skus:
                    conn.execute(floor_sql, {"id": sku_id}).one()
            floor_wall = time.perf_counter() - floor_wall
            floor_cpu = time.process_time() - floor_cpu
            if i < LATENCY_WARMUP:
                continue
            counts[len(statements) - before - len(fixture.cart_skus)] += 1
            for key, value in (("wall", wall), ("cpu", cpu), ("floor_wall", floor_wall),
                               ("floor_cpu", floor_cpu)):
                samples[key].append(value * 1000)
        page_wall, page_counts = [], Counter()
        for _ in range(iterations):
            db.session.remove()
            before = len(statements)
            started = time.perf_counter()
            page = client.get(f"/api/v1/products/{product_id}")
            page_wall.append((time.perf_counter() - started) * 1000)
            page_counts[len(statements) - before] += 1
            if page.status_code != 200:
                problems.append(f"product page: {page.status_code}")
                break
        engine.dispose()
    result = {"iterations": iterations, "problems": problems,
              "statements": dict(counts), "product_page_statements": dict(page_counts),
              "product_page_p50_ms": _quantile(page_wall, 50)}
    for key, values in samples.items():
        result[f"{key}_p50_ms"] = _quantile(values, 50)
        result[f"{key}_p95_ms"] = _quantile(values, 95)
    result["ratio_wall"] = round(result["wall_p50_ms"] / result["floor_wall_p50_ms"], 1)
    result["ratio_cpu"] = round(result["cpu_p50_ms"] / result["floor_cpu_p50_ms"], 1)
    return result


def summary_rows(summary: dict[str, Any], inproc: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows ``bench.all`` prints: each against its floor in this run."""
    rows = [
        {"row": "checkout contention: API requests/s / plain SQL conditional updates/s "
                f"({summary['api_requests_per_s']} / {summary['sql_updates_per_s']}), 0 oversold",
         "value": summary["ratio_api_to_sql"], "goal": 0.25, "better": "higher"},
        {"row": "checkout 3 sellers COD in process: p50 wall ms (CPU "
                f"{inproc['cpu_p50_ms']} ms; floor: one conditional UPDATE per SKU "
                f"{inproc['floor_wall_p50_ms']} ms wall, ratio {inproc['ratio_wall']})",
         "value": inproc["wall_p50_ms"], "goal": 25, "better": "lower"},
        {"row": "checkout 3 sellers COD: SQL statements (every checkout)",
         "value": max(inproc["statements"], default=0), "goal": 15, "better": "lower"},
        {"row": f"GET /api/v1/products/{{id}}: SQL statements (p50 "
                f"{inproc['product_page_p50_ms']} ms in process)",
         "value": max(inproc["product_page_statements"], default=0), "goal": 6,
         "better": "lower"},
    ]
    for row in rows:
        row["meets_goal"] = row["value"] >= row["goal"] if row["better"] == "higher" \
            else row["value"] <= row["goal"]
    return rows


# --- running -----------------------------------------------------------------------


def stripe_base(requested: str) -> str | None:
    """The stripe-mock base URL when it answers on 127.0.0.1, else None."""
    if not requested:
        return None
    try:
        fetch(requested, Target("/v1/payment_intents"), timeout=2.0)
    except (BenchError, OSError):
        return None
    return requested


def server_env(workdir: Path, url: str, stripe: str | None) -> dict[str, str]:
    """The real app's environment: this database, Celery eager, the SQLite index."""
    settings = {"DATABASE_URL": url, "SEARCH_BACKEND": "sqlite"}
    if stripe:
        settings.update(STRIPE_API_KEY=STRIPE_KEY, STRIPE_API_BASE=stripe)
    return gannan_env(workdir, **settings)


def server_connections(conn: psycopg.Connection) -> int:
    """The PostgreSQL sessions open on the database besides ``conn``: the app's pooled
    connections between the rounds (the SQL loop's are closed by then)."""
    return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                        "current_database() AND pid <> pg_backend_pid()").fetchone()[0]


def contention(server: GunicornServer, args: argparse.Namespace,
               fixture: Fixture) -> list[dict[str, Any]]:
    """Warm-up and measured rounds; each an API round then a plain SQL round.

    The SQL loop opens its connections before it is timed; the app's pools open theirs
    on demand, a few more each round until every thread has one (each a new PostgreSQL
    backend, with its catalogue caches and prepared statements still to fill).  So the
    warm-up goes on past ``--warmup-rounds`` while a round left more server connections
    open than the one before, up to ``--max-warmup-rounds``: both sides are measured
    with their connections open.  Once a round is measured, every later one is."""
    rounds = []
    with psycopg.connect(conninfo(args.database_url), autocommit=True) as conn:
        opened, warmups = server_connections(conn), 0
        while len(rounds) - warmups < args.rounds:
            api = api_round(server.base_url, conn, fixture, args.units)
            before, opened = opened, server_connections(conn)
            api["server_connections"] = opened
            warmup = len(rounds) == warmups and (warmups < args.warmup_rounds or (
                opened > before and warmups < args.max_warmup_rounds))
            warmups += warmup
            sql = sql_round(args.database_url, conn, fixture.contended_sku, args.shoppers,
                            args.units, args.workers * args.threads)
            rounds.append({"round": 0 if warmup else len(rounds) + 1 - warmups,
                           "warmup": warmup, "api": api, "sql": sql})
            print_round(rounds[-1])
    return rounds


def summarise(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals over the measured rounds: rates are total count / total time."""
    measured = [r for r in rounds if not r["warmup"]]
    api_s = sum(r["api"]["seconds"] for r in measured)
    sql_s = sum(r["sql"]["seconds"] for r in measured)
    api_rps = sum(r["api"]["requests"] for r in measured) / api_s
    sql_ops = sum(r["sql"]["attempts"] for r in measured) / sql_s
    return {
        "api_checkouts_per_s": round(sum(r["api"]["created"] for r in measured) / api_s, 1),
        "api_requests_per_s": round(api_rps, 1),
        "sql_successes_per_s": round(sum(r["sql"]["succeeded"] for r in measured) / sql_s, 1),
        "sql_updates_per_s": round(sql_ops, 1),
        "ratio_api_to_sql": round(api_rps / sql_ops, 4),
    }


def print_round(r: dict[str, Any]) -> None:
    api, sql = r["api"], r["sql"]
    label = "warmup" if r["warmup"] else f"round {r['round']}"
    ok = "ok" if not api["problems"] and not sql["problems"] else "FAILED"
    print(f"{label:<9}{api['created']:>5}{api['out_of_stock']:>6}{api['final_stock']:>6}"
          f"{api['seconds'] * 1000:>9.0f}{api['checkouts_per_s']:>9.1f}{api['requests_per_s']:>8.1f}"
          f"{api['slowest_ms']:>9.0f}{api['server_connections']:>6} |{sql['succeeded']:>4}"
          f"{sql['seconds'] * 1000:>8.1f}{sql['updates_per_s']:>9.0f}  {ok}", flush=True)
    for problem in api["problems"] + sql["problems"]:
        print(f"    {problem}", flush=True)


def print_summary(summary: dict[str, Any], latency: list[dict[str, Any]]) -> None:
    print(f"\nmeasured rounds: API {summary['api_checkouts_per_s']} checkouts/s "
          f"({summary['api_requests_per_s']} requests/s); plain SQL "
          f"{summary['sql_updates_per_s']} updates/s ({summary['sql_successes_per_s']} successful/s)")
    print(f"ratio API/SQL (requests per second): {summary['ratio_api_to_sql']:.4f}"
          f"  (1 : {1 / summary['ratio_api_to_sql']:.0f})")
    print("\nthree-seller checkout latency     p50 ms   p95 ms   p99 ms   max ms")
    for run in latency:
        print(f"  {run['payment_method']:<8} x{run['iterations']:<21}{run['p50_ms']:>8.1f}"
              f"{run['p95_ms']:>9.1f}{run['p99_ms']:>9.1f}{run['max_ms']:>9.1f}"
              + ("  FAILED: " + "; ".join(run["problems"][:3]) if run["problems"] else ""))


def print_in_process(inproc: dict[str, Any]) -> None:
    print(f"\nin process x{inproc['iterations']} (test client)   p50 ms   p95 ms")
    for label, key in (("checkout wall", "wall"), ("checkout CPU", "cpu"),
                       ("floor wall (UPDATE per SKU)", "floor_wall"),
                       ("floor CPU", "floor_cpu")):
        print(f"  {label:<30}{inproc[key + '_p50_ms']:>8.2f}{inproc[key + '_p95_ms']:>9.2f}")
    print(f"  ratio to the floor: wall {inproc['ratio_wall']}, CPU {inproc['ratio_cpu']}")
    print(f"  statements per checkout: {inproc['statements']}; product page: "
          f"{inproc['product_page_statements']} (p50 {inproc['product_page_p50_ms']} ms)")


def write_results(results: dict[str, Any], folder: Path | None = None) -> Path:
    folder = folder or RESULTS_DIR
    folder.mkdir(exist_ok=True)
    path = folder / f"checkout-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return path


def git_revision() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True)
    return done.stdout.strip() or "?"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.checkout", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="measured contention rounds")
    parser.add_argument("--warmup-rounds", type=int, default=1,
                        help="unmeasured rounds first (still verified)")
    parser.add_argument("--max-warmup-rounds", type=int, default=8,
                        help="more warm-up rounds while the app's pools still open "
                             "connections, at most this many in all")
    parser.add_argument("--shoppers", type=int, default=200, help="concurrent shoppers")
    parser.add_argument("--units", type=int, default=50, help="units left of the SKU")
    parser.add_argument("--iterations", type=int, default=200,
                        help="sequential checkouts per latency run")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL,
                        help="local PostgreSQL database to recreate (default gannan_bench)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help="gunicorn worker processes (default as gunicorn.conf.py: "
                             f"{DEFAULT_WORKERS} here)")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                        help="gthread threads per worker (default as gunicorn.conf.py)")
    parser.add_argument("--inprocess-iterations", type=int, default=100,
                        help="checkouts through the test client (and product page GETs)")
    parser.add_argument("--results-dir", type=Path, default=None,
                        help="where the JSON goes (default bench/results)")
    parser.add_argument("--stripe-api-base", default=DEFAULT_STRIPE_BASE,
                        help="stripe-mock on 127.0.0.1; '' skips the Stripe latency run")
    args = parser.parse_args(argv)
    if not 0 < args.units < args.shoppers:
        parser.error("need 0 < --units < --shoppers")
    check_database_url(args.database_url, "checkout")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = [round(x, 2) for x in os.getloadavg()]
    stripe = stripe_base(args.stripe_api_base)
    workdir = Path(tempfile.mkdtemp(prefix="bench-checkout-"))
    env = server_env(workdir, args.database_url, stripe)
    print(f"recreating {make_url(args.database_url).database}, migrating, seeding "
          f"{args.shoppers} shoppers ...", flush=True)
    recreate_database(args.database_url)
    prepare_gannan_db(env, demo=False)
    fixture = seed(env, args.shoppers)
    with GunicornServer("gannan:create_app()", env=env, workers=args.workers,
                        worker_class="gthread", threads=args.threads,
                        ready_path="/api/v1/health", log_dir=workdir, label="gannan",
                        ready_timeout=120.0) as server:  # 4 workers importing on a busy machine
        print(f"gunicorn gthread {args.workers}x{args.threads} at {server.base_url}; "
              f"stripe-mock: {stripe or 'not available'}\n")
        print("round    201   409 stock  wall ms  chk/s   req/s  slow ms  conn |  sql   ms"
              "    upd/s")
        rounds = contention(server, args, fixture)
        latency = [latency_run(server.base_url, fixture, method, args.iterations)
                   for method in ["cod"] + (["stripe"] if stripe else [])]
    inproc = in_process(env, fixture, args.inprocess_iterations)
    summary = summarise(rounds)
    print_summary(summary, latency)
    print_in_process(inproc)
    rows = summary_rows(summary, inproc)
    load = {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]}
    failed = any(r["api"]["problems"] or r["sql"]["problems"] for r in rounds) or any(
        run["problems"] for run in latency) or bool(inproc["problems"])
    path = write_results({
        "benchmark": "checkout", "ok": not failed, "git_revision": git_revision(),
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": {k: v for k, v in vars(args).items()
                   if k not in ("database_url", "results_dir")}
        | {"database": make_url(args.database_url).database, "stripe_mock": stripe},
        "cpus": os.cpu_count(), "load_average": load,
        "summary": summary, "rounds": rounds, "latency": latency, "in_process": inproc,
        "rows": rows,
    }, args.results_dir)
    print(f"load average before/after: {load['before'][0]} / {load['after'][0]} "
          f"on {os.cpu_count()} CPUs")
    print(f"\n{'FAILED' if failed else 'ok'}; results in {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench.checkout: {exc}", file=sys.stderr)
        sys.exit(2)
