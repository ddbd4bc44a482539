"""The search benchmarks' pieces: the query mix, the catalogue fixture, in-process latency.

    python -m bench.search --iterations 200     # in-process latency, app from the environment
    python -m bench.search --bodies after.json  # the responses only, to compare byte for byte

The in-process measurement runs each query of :data:`SEARCH_MIX` (and the listing)
``--iterations`` times, once straight on the backend (``search_backend().search``: the
index alone) and once through Flask's test client (the whole view: validation, index,
loading the page of products from the database, serialisation; no HTTP, no gunicorn),
and prints one ``SEARCH_JSON {...}`` line with p50/p95 per query.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from bench.catalogue import CACHE_DIR, prepare_catalogue
from bench.harness import HOST, PROJECT_ROOT, BenchError, gannan_env

PRODUCTS = "/api/v1/products"
# What shoppers type and click: Chinese, full pinyin, initials, filters, facets, paging.
SEARCH_MIX: list[dict[str, str]] = [
    {"q": "脐橙"},  # first: the path sampled for the baseline's payload
    {"q": "qicheng"},
    {"q": "gnqc"},
    {"q": "茶油", "county": "360732"},
    {"q": "赣南脐橙 特级"},
    {"category": "tea", "sort": "price_asc"},
    {"min_price_fen": "1000", "max_price_fen": "5000"},
    {"in_stock": "true", "q": "米粉"},
    {"certification": "green_food"},
    {"q": "脐橙", "page": "5"},
    {"q": "茶"},
    {"q": "蜜桔", "sort": "newest"},
    {"q": "脐橙", "sort": "rating", "min_rating": "4.5"},
]
LISTING: dict[str, str] = {"page_size": "20"}


def path_of(params: dict[str, str]) -> str:
    return f"{PRODUCTS}?{urlencode(params, quote_via=quote)}"


def search_paths() -> tuple[str, ...]:
    return tuple(path_of(params) for params in SEARCH_MIX)


@contextmanager
def catalogue_fixture(workdir: Path, args: argparse.Namespace,
                      backend: str) -> Iterator[tuple[dict[str, str], dict[str, Any]]]:
    """The generated catalogue in a throwaway database, indexed into ``backend``.

    Elasticsearch gets an index of its own (``gannan-bench-…`` or ``$BENCH_ES_INDEX_PREFIX…``),
    deleted on exit.
    """
    settings = {"SEARCH_BACKEND": backend}
    if backend == "elasticsearch":
        url = os.environ.get("ELASTICSEARCH_URL", "")
        # An index of its own (BENCH_ES_INDEX_PREFIX keeps engineers sharing a node apart).
        prefix = os.environ.get("BENCH_ES_INDEX_PREFIX", "gannan-bench-")
        if urlsplit(url).hostname not in (HOST, "localhost"):
            raise BenchError("the Elasticsearch benchmarks need ELASTICSEARCH_URL on "
                             f"{HOST} (got {url!r}); start it with "
                             "`eval \"$(bash .ci/services.sh start)\"`")
        settings |= {"ELASTICSEARCH_URL": url,
                     "ELASTICSEARCH_INDEX": f"{prefix}{uuid.uuid4().hex[:8]}"}
    env = gannan_env(workdir, **settings)
    try:
        info = prepare_catalogue(env, args.products, args.seed,
                                 cache_dir=None if args.no_cache else CACHE_DIR)
        yield env, {"catalogue": info, "search_backend": backend}
    finally:
        if backend == "elasticsearch":
            from elasticsearch import Elasticsearch

            with Elasticsearch(settings["ELASTICSEARCH_URL"]) as client:
                client.indices.delete(index=settings["ELASTICSEARCH_INDEX"],
                                      ignore_unavailable=True)


def inprocess_latency(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any] | None:
    """Run ``python -m bench.search`` with ``env``, print its table, return its numbers."""
    import subprocess

    if args.iterations <= 0:
        return None
    print(f"\nin-process latency, {args.iterations} iterations per query "
          f"(at most {args.max_query_seconds:g}s each) ...", flush=True)
    done = subprocess.run(
        [sys.executable, "-m", "bench.search", "--iterations", str(args.iterations),
         "--max-query-seconds", str(args.max_query_seconds)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, text=True, timeout=3600)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("SEARCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"in-process latency failed (exit {done.returncode}):\n{done.stdout}")
    result = json.loads(line.split(" ", 1)[1])
    head = (f"{'index p50':>10}{'p95':>8}{'app p50':>10}{'p95':>8}{'app/idx':>8}"
            f"{'match p50':>10}{'idx/match':>10}{'hits':>8}{'n':>5}  query")
    print(head + "\n" + "-" * (len(head) + 30))
    for row in result["queries"] + [{"query": "(whole mix, pooled)", "total": "",
                                     "n": "", **result["mix"]}]:
        match = row.get("fts_match_ms")
        print(f"{row['index_ms']['p50']:>10.1f}{row['index_ms']['p95']:>8.1f}"
              f"{row['app_ms']['p50']:>10.1f}{row['app_ms']['p95']:>8.1f}"
              f"{row['app_over_index']['p50']:>8.2f}"
              f"{match['p50'] if match else '':>10}{row.get('index_over_fts_match_p50', ''):>10}"
              f"{row['total']:>8}{row['n']:>5}  {row['query']}")
    print("(ms; index: backend.search alone; app: the whole view through Flask's test client; "
          "match: FTS5 MATCH of the same terms, counted; calls interleaved)")
    return result


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def rank(p: float) -> float:  # nearest rank
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    return {"p50": round(rank(50), 2), "p95": round(rank(95), 2), "max": round(ordered[-1], 2)}


def _query(params: dict[str, str]):
    from gannan.catalog.search.base import SearchQuery
    from gannan.platform.types import shanghai_today

    ints = {k: int(params[k]) for k in ("min_price_fen", "max_price_fen", "page", "page_size")
            if k in params}
    return SearchQuery(today=shanghai_today(), q=params.get("q"), category=params.get("category"),
                       county=params.get("county"), certification=params.get("certification"),
                       in_stock=True if params.get("in_stock") == "true" else None,
                       min_rating=float(params["min_rating"]) if "min_rating" in params else None,
                       sort=params.get("sort", "relevance"), **ints)  # type: ignore[arg-type]


def _time_pair(calls, iterations: int, max_seconds: float) -> tuple[list[list[float]], list]:
    """Time several calls of the same query in turn, ``iterations`` times (at most
    ``max_seconds`` in all), alternating which goes first: drift and other load on the
    machine then hit each of them alike, so their ratio is fair."""
    results = [call() for call in calls for _ in range(3)][-len(calls):]  # warm caches
    samples: list[list[float]] = [[] for _ in calls]
    deadline = time.perf_counter() + max_seconds
    for i in range(iterations):
        if i and time.perf_counter() > deadline:
            break
        order = range(len(calls)) if i % 2 == 0 else reversed(range(len(calls)))
        for k in order:
            started = time.perf_counter()
            results[k] = calls[k]()
            samples[k].append((time.perf_counter() - started) * 1000)
    return samples, results


def _fts_floor(backend, params: dict[str, str]):
    """The embedded index's floor: FTS5 MATCH of the same terms, counted (None without terms:
    nothing to match)."""
    import sqlite3

    from gannan.catalog.search.analysis import query_tokens

    terms = query_tokens(params.get("q", ""))
    if backend.name != "sqlite" or not terms:
        return None
    expression = " AND ".join('"' + t + '"' for t in terms)

    def call():
        with sqlite3.connect(backend.path) as conn:
            return conn.execute("SELECT count(*) FROM document_text WHERE document_text MATCH ?",
                                (expression,)).fetchone()[0]

    return call


# Beyond the mix: deeper pages, every sort, big pages, each certification, no match.
BODY_EXTRAS: list[dict[str, str]] = [
    *({"q": "茶", "page": str(page)} for page in range(2, 6)),
    *({"page_size": "100", "page": str(page)} for page in range(1, 6)),
    *({"sort": sort, "page_size": "50"}
      for sort in ("price_asc", "price_desc", "newest", "rating")),
    *({"certification": kind} for kind in ("organic", "geographical_indication")),
    {"q": "zzzznomatch"},
]


def write_bodies(out: Path) -> int:
    """The response bodies of the mix, the listing and :data:`BODY_EXTRAS`, as returned."""
    from gannan import create_app

    client = create_app().test_client()
    bodies = {}
    for params in [*SEARCH_MIX, LISTING, *BODY_EXTRAS]:
        response = client.get(path_of(params))
        if response.status_code != 200:
            raise BenchError(f"{path_of(params)} answered {response.status_code}")
        bodies[path_of(params)] = response.get_data(as_text=True)
    out.write_text(json.dumps(bodies, ensure_ascii=False, indent=0) + "\n")
    print(f"{len(bodies)} bodies written to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--max-query-seconds", type=float, default=30.0,
                        help="stop a query's loop after this long, whatever the iterations")
    parser.add_argument("--bodies", type=Path, metavar="FILE",
                        help="time nothing: write the response body of every query of the mix, "
                             "the listing and further pages and sorts to FILE ({path: body}), "
                             "to compare two commits or two backends byte for byte")
    args = parser.parse_args(argv)
    if args.bodies:
        return write_bodies(args.bodies)

    from gannan import create_app
    from gannan.catalog.indexing import search_backend

    app = create_app()
    client = app.test_client()
    rows = []
    pooled: dict[str, list[float]] = {"index_ms": [], "app_ms": []}
    with app.app_context():
        backend = search_backend(app)
        for params in [*SEARCH_MIX, LISTING]:
            calls = [lambda: backend.search(_query(params)), lambda: client.get(path_of(params))]
            floor = _fts_floor(backend, params)
            if floor:
                calls.append(floor)
            samples, results = _time_pair(calls, args.iterations, args.max_query_seconds)
            result, response = results[0], results[1]
            if response.status_code != 200:
                raise BenchError(f"{path_of(params)} answered {response.status_code}")
            index_ms, app_ms = samples[0], samples[1]
            pooled["index_ms"] += index_ms
            pooled["app_ms"] += app_ms
            row = {"query": "&".join(f"{k}={v}" for k, v in params.items()),
                   "total": result.total, "n": len(index_ms),
                   "index_ms": _percentiles(index_ms), "app_ms": _percentiles(app_ms)}
            row["app_over_index"] = {p: round(row["app_ms"][p] / row["index_ms"][p], 2)
                                     for p in ("p50", "p95")}
            if floor:
                row["fts_match_ms"] = _percentiles(samples[2])
                row["index_over_fts_match_p50"] = round(
                    row["index_ms"]["p50"] / max(row["fts_match_ms"]["p50"], 0.001), 1)
            rows.append(row)
    mix = {k: _percentiles(v) for k, v in pooled.items()}
    mix["app_over_index"] = {p: round(mix["app_ms"][p] / mix["index_ms"][p], 2)
                             for p in ("p50", "p95")}
    print("SEARCH_JSON " + json.dumps({"backend": backend.name, "queries": rows, "mix": mix},
                                      ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
