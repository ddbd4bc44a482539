"""Every benchmark of issue 10 in one go, each row as a ratio against its floor.

    python -m bench.all                 # make bench-all; about 15 minutes on 2 cores
    python -m bench.all --quick         # smaller catalogues and ledger, a few minutes

Runs, one after the other (each measures its own floor in the same run):

* ``counties``: the real endpoint against bare Flask serving the same bytes;
* ``search-es`` on ``--es-products`` generated products (needs ``ELASTICSEARCH_URL`` on
  127.0.0.1; skipped, and said so, without it): index build rate, the whole view against
  ``backend.search`` alone, HTTP p95 at 2 connections against the in-process p95;
* ``search-sqlite`` on ``--sqlite-products``: index build rate, each query's
  ``backend.search`` p95 and its ratio to the FTS5 MATCH of the same terms;
* (``listing-es``, ``listing-sqlite`` with ``--listing``: the listing is already one
  query of the search mix; these add its HTTP run and two more index builds);
* ``checkout`` (``bench/checkout.py``, with ``BENCH_CHECKOUT_DATABASE_URL``, a local
  PostgreSQL database it recreates): the contention run against the plain SQL loop, the
  three-seller COD checkout in process against one conditional UPDATE per SKU, and the
  statements of the checkout and of ``GET /api/v1/products/{id}``;
* ``reports`` (``bench/reports.py``) on ``--report-rows`` ledger rows in the PostgreSQL
  database ``BENCH_REPORTS_DATABASE_URL`` (the first run generates it, later runs reuse
  it): build_content against the raw SQL of everything the report holds, peak memory.

Prints one table and writes ``bench/results/all-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import PROJECT_ROOT

RESULTS_DIR = PROJECT_ROOT / "bench" / "results"


def _run(command: list[str], log: Path) -> int:
    print(f"\n$ {' '.join(command)}", flush=True)
    with log.open("w") as out:
        done = subprocess.run(command, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
                              timeout=3600)
    print(log.read_text()[-2500:], flush=True)
    return done.returncode


def _results(folder: Path) -> dict[str, Any] | None:
    files = sorted(folder.glob("*.json"))
    return json.loads(files[-1].read_text()) if files else None


def _report_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    ratio = result["ratio_vs_full"]["median"]
    peak = result["memory"]["tracemalloc_peak_bytes"]["build_content"] / 2**20
    rss = result["memory"]["rss_growth"]["build_content_first"]["peak_growth_kib"] / 1024
    rows = [
        {"row": f"reports ({result['params']['rows']:,} rows): build_content / raw SQL of "
                f"everything it holds, median ({result['build_content']['median_s']} s / "
                f"{result['raw_sql_full']['median_s']} s)",
         "value": ratio, "goal": 1.2, "better": "lower"},
        {"row": "reports: build_content / raw SQL core, median",
         "value": result["ratio_vs_core"]["median"], "goal": None, "better": "lower"},
        {"row": "reports: build_content peak memory, MiB (tracemalloc; RSS growth "
                f"{rss:.1f} MiB)", "value": round(peak, 1), "goal": 50, "better": "lower"},
        {"row": "reports: build_content SQL statements",
         "value": result["statements"]["statements"], "goal": None, "better": "lower"},
    ]
    for row in rows:
        goal, value = row["goal"], row["value"]
        row["meets_goal"] = None if goal is None else value <= goal
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.all", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--es-products", type=int, default=20_000)
    parser.add_argument("--sqlite-products", type=int, default=100_000)
    parser.add_argument("--report-rows", type=int, default=1_000_000,
                        help="ledger rows of the report database (default 1,000,000: the issue's size)")
    parser.add_argument("--duration", type=float, default=8.0,
                        help="seconds per load round (default 8)")
    parser.add_argument("--iterations", type=int, default=40,
                        help="in-process calls per query (default 40)")
    parser.add_argument("--quick", action="store_true",
                        help="5,000 products, 50,000 ledger rows, shorter runs")
    parser.add_argument("--listing", action="store_true",
                        help="also the listing-es and listing-sqlite HTTP runs")
    parser.add_argument("--only", nargs="*", help="run only these (counties, search-es, ...)")
    args = parser.parse_args(argv)
    if args.quick:
        args.es_products = args.sqlite_products = 5000
        args.report_rows, args.duration, args.iterations = 50_000, 4.0, 15

    python = sys.executable
    load = ["--duration", str(args.duration), "--warmup", "2"]
    plan: list[tuple[str, list[str]]] = [("counties", ["counties", *load])]
    es = os.environ.get("ELASTICSEARCH_URL")
    skipped = []
    runs = [("search-es", args.es_products), ("search-sqlite", args.sqlite_products)]
    if args.listing:
        runs += [("listing-es", args.es_products), ("listing-sqlite", args.sqlite_products)]
    for name, products in runs:
        if name.endswith("-es") and not es:
            skipped.append(f"{name}: ELASTICSEARCH_URL is not set")
            continue
        plan.append((name, [name, "--products", str(products), "--concurrency", "2", *load,
                            "--iterations", str(args.iterations), "--max-query-seconds", "6"]))
    plan.append(("reports", []))
    checkout_url = os.environ.get("BENCH_CHECKOUT_DATABASE_URL")
    if checkout_url:
        plan.append(("checkout", ["--rounds", "3", "--iterations", str(args.iterations),
                                  "--inprocess-iterations", str(args.iterations * 2),
                                  "--database-url", checkout_url]))
    else:
        skipped.append("checkout: BENCH_CHECKOUT_DATABASE_URL is not set")
    if args.only:
        plan = [step for step in plan if step[0] in args.only]

    started = time.monotonic()
    summary: list[dict[str, Any]] = []
    failures = []
    with tempfile.TemporaryDirectory(prefix="gannan-bench-all-") as tmp:
        for name, options in plan:
            folder = Path(tmp) / name
            folder.mkdir()
            if name == "reports":
                command = [python, "-m", "bench.reports", "--rows", str(args.report_rows),
                           "--repeat", "3", "--no-render", "--output", str(folder / "r.json")]
            elif name == "checkout":
                command = [python, "-m", "bench.checkout", *options, "--results-dir",
                           str(folder)]
            else:
                command = [python, "-m", "bench.run", *options, "--results-dir", str(folder)]
            code = _run(command, Path(tmp) / f"{name}.log")
            result = _results(folder)
            if code != 0 or result is None:
                failures.append(f"{name}: exit {code}")
                continue
            summary += _report_rows(result) if name == "reports" else \
                result["rows"] if name == "checkout" else result["summary"]

    elapsed = round(time.monotonic() - started)
    print(f"\n=== bench-all: {elapsed} s; each row against its floor in the same run ===")
    for row in summary:
        goal = "" if row["goal"] is None else \
            f"goal {'>=' if row['better'] == 'higher' else '<='} {row['goal']}"
        verdict = {True: "ok", False: "MISSED", None: ""}[row["meets_goal"]]
        print(f"  {row['value']!s:>10}  {goal:<14} {verdict:<7} {row['row']}")
    for line in skipped + failures:
        print(f"  not measured: {line}")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"all-{stamp}.json"
    out.write_text(json.dumps({"seconds": elapsed, "settings": vars(args), "rows": summary,
                               "skipped": skipped, "failures": failures,
                               "loadavg_after": os.getloadavg()}, indent=2,
                              ensure_ascii=False) + "\n")
    print(f"results: {out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
