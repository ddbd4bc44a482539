"""Benchmark an endpoint of the real app against a bare Flask baseline, same run.

    python -m bench.run                       # the counties benchmark
    python -m bench.run counties --duration 10 --concurrency 8 --workers 2
    python -m bench.run search-sqlite --products 100000   # the search mix on 100k products
    python -m bench.run --list

Both apps run under gunicorn on 127.0.0.1 with the same settings; the baseline
answers the same path with the exact bytes the real endpoint returned, so the ratio
isolates what the app itself costs per request.  See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, ContextManager

from bench.harness import (
    PROJECT_ROOT,
    BenchError,
    GunicornServer,
    LoadSpec,
    RunResult,
    Target,
    combine,
    ensure_wrk,
    fetch,
    gannan_env,
    prepare_gannan_db,
    run_wrk,
    wrk_version,
)
from bench.search import LISTING, catalogue_fixture, inprocess_latency, path_of, search_paths

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REAL_APP = "gannan:create_app()"
BASELINE_APP = "bench.baseline:create_app()"

# (workdir, args) -> context yielding (the real app's environment, facts for the JSON)
Fixture = Callable[[Path, argparse.Namespace],
                   ContextManager[tuple[dict[str, str], dict[str, Any]]]]


@contextlib.contextmanager
def demo_database(workdir: Path, args: argparse.Namespace):
    """A throwaway SQLite database with the migrations and the demo data."""
    env = gannan_env(workdir)
    prepare_gannan_db(env)
    yield env, {}


@dataclass
class Benchmark:
    name: str
    description: str
    target: Target
    # Optional: build the target against the running real app (e.g. log in and add
    # an Authorization header, create a cart).  Gets the real app's base URL.
    prepare: Callable[[str], Target] | None = None
    # Check every response's body length against the sampled one.  Turn off for
    # responses whose size legitimately varies (timestamps, generated ids).  A target
    # with several paths is never length-checked: their responses differ.
    check_length: bool = True
    # The database (and search index) the real app runs on.
    fixture: Fixture = demo_database
    # Optional: more measurements once the load runs are done: (env, args) -> JSON-able.
    after: Callable[[dict[str, str], argparse.Namespace], Any] | None = None


BENCHMARKS: dict[str, Benchmark] = {
    "counties": Benchmark(
        name="counties",
        description="GET /api/v1/counties: the 18 current counties as JSON (public, no auth)",
        target=Target("/api/v1/counties"),
    ),
}
def trace_page_target(base_url: str) -> Target:
    """The trace page of the demo's first product's latest batch (``/t/<code>``)."""
    product = json.loads(fetch(base_url, Target("/api/v1/products/1")).body)
    return Target(f"/t/{product['latest_batches'][0]['trace_code']}")


BENCHMARKS["trace-page"] = Benchmark(
    name="trace-page",
    description="GET /t/<code>: the HTML trace page a QR code opens (demo batch: "
                "inspection, brand licence, seller's licences; public, no session)",
    target=Target("/t/"), prepare=trace_page_target,
)

for _backend, _short in (("sqlite", "sqlite"), ("elasticsearch", "es")):
    BENCHMARKS[f"search-{_short}"] = Benchmark(
        name=f"search-{_short}",
        description=f"GET /api/v1/products, a mix of {len(search_paths())} searches on the "
                    f"generated catalogue, {_backend} backend",
        target=Target(search_paths()[0], paths=search_paths()),
        fixture=partial(catalogue_fixture, backend=_backend), after=inprocess_latency,
    )
    BENCHMARKS[f"listing-{_short}"] = Benchmark(
        name=f"listing-{_short}",
        description=f"GET /api/v1/products?page_size=20 (no query) on the generated "
                    f"catalogue, {_backend} backend",
        target=Target(path_of(LISTING)), fixture=partial(catalogue_fixture, backend=_backend),
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", nargs="?", default="counties", choices=sorted(BENCHMARKS))
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds of measured load per run (default 10)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="open connections (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (sync)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker with --worker-class gthread")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="seconds of unmeasured load per app first (default 3)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="measured runs per app, interleaved real/base/base/real (default 2)")
    parser.add_argument("--timeout", type=float, default=5.0, help="per-request timeout, s")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--keep-tmp", action="store_true",
                        help="keep the temporary database, payload and gunicorn logs")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    catalogue = parser.add_argument_group("search-* and listing-* benchmarks")
    catalogue.add_argument("--products", type=int, default=100_000,
                           help="products to generate (default 100000)")
    catalogue.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    catalogue.add_argument("--no-cache", action="store_true",
                           help="generate the catalogue again instead of using the cached one")
    catalogue.add_argument("--iterations", type=int, default=200,
                           help="in-process calls per query after the load runs (default "
                                "200; 0 skips the in-process measurement)")
    catalogue.add_argument("--max-query-seconds", type=float, default=30.0,
                           help="in-process: stop a query's loop after this long (default 30)")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.concurrency < 1 or args.workers < 1 or args.rounds < 1:
        parser.error("duration, concurrency, workers and rounds must be positive")
    return args


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def _git_rev() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT,
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "gannan"],
                               cwd=PROJECT_ROOT, capture_output=True, text=True,
                               timeout=10).stdout.strip()
        return rev + ("+dirty" if dirty else "") if rev else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def _sample_path(base_url: str, target: Target) -> dict[str, Any]:
    """Fetch one path of a rotating target once: it must answer as expected."""
    got = fetch(base_url, target)
    if got.status != target.expect_status:
        raise BenchError(f"real app answered {target.method} {target.path} with {got.status}, "
                         f"expected {target.expect_status}:\n{got.body[:1000]!r}")
    try:
        total = json.loads(got.body).get("total")
    except (ValueError, AttributeError):
        total = None
    print(f"  {target.path}: {len(got.body)} bytes" + (f", total {total}" if total is not None
                                                         else ""), flush=True)
    return {"path": target.path, "status": got.status, "bytes": len(got.body), "total": total}


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def print_table(real: RunResult, base: RunResult, ratios: dict[str, float | None]) -> None:
    head = f"{'app':<10}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'requests':>10}{'errors':>8}"
    print(head)
    print("-" * len(head))
    for r in (real, base):
        lat = r.latency_ms
        print(f"{r.label:<10}{r.rps:>10.1f}{lat['p50']:>10.2f}{lat['p95']:>10.2f}"
              f"{lat['p99']:>10.2f}{r.requests:>10}{r.error_total:>8}")
    print("-" * len(head))

    def fmt(v: float | None) -> str:
        return f"{v:.3f}" if v is not None else "n/a"

    print(f"{'real/base':<10}{fmt(ratios['rps']):>10}{fmt(ratios['p50']):>10}"
          f"{fmt(ratios['p95']):>10}{fmt(ratios['p99']):>10}")
    if ratios["rps"]:
        print(f"\nThe real app serves {ratios['rps'] * 100:.3g}% of the baseline's throughput; "
              f"its median request takes {fmt(ratios['p50'])}x the baseline's.")


# Goals of issue 10 for each measured ratio: (goal, "max" or "min").
INDEX_DOCS_PER_S_GOAL = 3000


def summarise(name: str, ratios: dict[str, float | None], real: RunResult,
              setup: dict[str, Any], extra: Any) -> list[dict[str, Any]]:
    """Each row of this run as a ratio against its floor measured in the same run."""
    rows = [{"row": f"{name}: req/s vs bare Flask, same bytes", "value": ratios["rps"],
             "goal": 0.6 if name == "counties" else None, "better": "higher"}]
    index = (setup.get("catalogue") or {}).get("index")
    if index:
        rate = round(index["listed"] / index["seconds"], 1) if index["seconds"] else None
        rows.append({"row": f"{name}: index build, docs/s ({index['listed']} docs, "
                            f"{index['seconds']} s)", "value": rate,
                     "goal": INDEX_DOCS_PER_S_GOAL, "better": "higher"})
    if extra and extra.get("mix"):
        mix = extra["mix"]
        rows.append({"row": f"{name}: whole view / backend.search alone, p50 (in-process, mix)",
                     "value": mix["app_over_index"]["p50"],
                     "goal": 1.5 if name.endswith("-es") else None, "better": "lower"})
        rows.append({"row": f"{name}: HTTP p95 / in-process view p95 (mix, "
                            f"{real.latency_ms['p95']:.1f} / {mix['app_ms']['p95']:.1f} ms)",
                     "value": round(real.latency_ms["p95"] / mix["app_ms"]["p95"], 2),
                     "goal": 2.0 if name.endswith("-es") else None, "better": "lower"})
        if name.endswith("-sqlite"):
            worst = max(extra["queries"], key=lambda q: q["index_ms"]["p95"])
            rows.append({"row": f"{name}: slowest query's backend.search p95, ms "
                                f"({worst['query']})", "value": worst["index_ms"]["p95"],
                         "goal": 30.0, "better": "lower"})
            floors = [q for q in extra["queries"] if q.get("fts_match_ms")]
            if floors:
                rows.append({"row": f"{name}: backend.search / FTS5 MATCH of the same terms, "
                                    "p50, worst query",
                             "value": max(q["index_over_fts_match_p50"] for q in floors),
                             "goal": None, "better": "lower"})
    for row in rows:
        goal, value = row["goal"], row["value"]
        row["meets_goal"] = None if goal is None or value is None else (
            value >= goal if row["better"] == "higher" else value <= goal)
    return rows


def print_summary(rows: list[dict[str, Any]]) -> None:
    print("\nsummary (each against its floor in this run):")
    for row in rows:
        goal = "" if row["goal"] is None else \
            f"goal {'>=' if row['better'] == 'higher' else '<='} {row['goal']}"
        verdict = {True: "ok", False: "MISSED", None: ""}[row["meets_goal"]]
        print(f"  {row['value']!s:>10}  {goal:<14} {verdict:<7} {row['row']}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for bench in BENCHMARKS.values():
            print(f"{bench.name:<16}{bench.description}")
        return 0
    bench = BENCHMARKS[args.name]
    spec = LoadSpec(duration=args.duration, concurrency=args.concurrency,
                    threads=args.wrk_threads, timeout=args.timeout)
    server_opts = dict(workers=args.workers, worker_class=args.worker_class, threads=args.threads)

    try:
        ensure_wrk()
    except BenchError as err:
        print(f"bench: {err}", file=sys.stderr)
        return 2

    load_before = os.getloadavg()
    if load_before[0] > 0.5 * (os.cpu_count() or 1):
        print(f"bench: warning: the machine is busy before the run (load average "
              f"{load_before[0]:.2f}); other processes share the cores, so the numbers "
              f"will be noisy. The interleaved rounds keep the ratio fairer than the "
              f"absolute req/s.", file=sys.stderr)

    workdir = Path(tempfile.mkdtemp(prefix=f"gannan-bench-{bench.name}-"))
    servers: list[GunicornServer] = []
    fixture = contextlib.ExitStack()
    try:
        print(f"[{bench.name}] preparing a throwaway database in {workdir} ...", flush=True)
        setup_started = time.monotonic()
        env, setup = fixture.enter_context(bench.fixture(workdir, args))
        setup["seconds"] = round(time.monotonic() - setup_started, 1)

        real_srv = GunicornServer(REAL_APP, env=env, ready_path="/api/v1/health",
                                  log_dir=workdir, label="real", **server_opts)
        servers.append(real_srv.start())
        target = bench.prepare(real_srv.base_url) if bench.prepare else bench.target
        sample = fetch(real_srv.base_url, target)
        if sample.status != target.expect_status:
            raise BenchError(f"real app answered {target.method} {target.path} with "
                             f"{sample.status}, expected {target.expect_status}:\n"
                             f"{sample.body[:1000]!r}")
        content_type = sample.headers.get("Content-Type", "application/octet-stream")
        payload_file = workdir / "payload.bin"
        payload_file.write_bytes(sample.body)
        print(f"[{bench.name}] {target.method} {target.path} -> {sample.status}, "
              f"{len(sample.body)} bytes, {content_type}", flush=True)
        path_samples = [_sample_path(real_srv.base_url, replace(target, path=p))
                        for p in target.paths]

        base_env = {**env, "BENCH_PAYLOAD_FILE": str(payload_file),
                    "BENCH_CONTENT_TYPE": content_type, "BENCH_PATH": target.route,
                    "BENCH_METHOD": target.method, "BENCH_STATUS": str(sample.status)}
        base_srv = GunicornServer(BASELINE_APP, env=base_env, ready_path=target.route,
                                  log_dir=workdir, label="baseline", **server_opts)
        servers.append(base_srv.start())
        check = fetch(base_srv.base_url, target)
        if (check.status, check.body) != (sample.status, sample.body):
            raise BenchError("baseline does not return the real endpoint's status and bytes")

        expected_len = len(sample.body) if bench.check_length and not target.paths else None
        sides = {"real": real_srv, "baseline": base_srv}

        if args.warmup > 0:
            warm = LoadSpec(args.warmup, spec.concurrency, spec.threads, spec.timeout)
            for label, srv in sides.items():
                print(f"[{bench.name}] warm-up {label} {args.warmup:g}s ...", flush=True)
                w = run_wrk(srv.base_url, target, warm, expected_length=expected_len, label=label)
                if w.problems():
                    raise BenchError(f"warm-up of {label} failed: {'; '.join(w.problems())}")

        runs: dict[str, list[RunResult]] = {"real": [], "baseline": []}
        for rnd in range(args.rounds):
            order = ("real", "baseline") if rnd % 2 == 0 else ("baseline", "real")
            for label in order:
                print(f"[{bench.name}] round {rnd + 1}/{args.rounds}: {label} "
                      f"{spec.duration:g}s x {spec.concurrency} connections ...", flush=True)
                runs[label].append(run_wrk(sides[label].base_url, target, spec,
                                           expected_length=expected_len, label=label))

        real = combine("real", runs["real"])
        base = combine("baseline", runs["baseline"])
        ratios = {
            "rps": _ratio(real.rps, base.rps),
            "p50": _ratio(real.latency_ms["p50"], base.latency_ms["p50"]),
            "p95": _ratio(real.latency_ms["p95"], base.latency_ms["p95"]),
            "p99": _ratio(real.latency_ms["p99"], base.latency_ms["p99"]),
        }
        problems = [f"{r.label} round {i + 1}: {p}"
                    for side in runs.values() for i, r in enumerate(side) for p in r.problems()]

        print()
        print_table(real, base, ratios)
        extra = None
        if bench.after:
            for srv in reversed(servers):
                srv.stop()  # leave the cores to the in-process measurement
            extra = bench.after(env, args)

        summary = summarise(bench.name, ratios, real, setup, extra)
        print_summary(summary)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        result = {
            "summary": summary,
            "benchmark": bench.name,
            "description": bench.description,
            "timestamp": stamp,
            "ok": not problems,
            "problems": problems,
            "target": {"method": target.method, "path": target.path,
                       "paths": path_samples, "headers": target.headers,
                       "body_bytes": len(target.body) if target.body is not None else 0},
            "setup": setup,
            "payload": {"status": sample.status, "bytes": len(sample.body),
                        "content_type": content_type},
            "settings": {"duration_s": spec.duration, "concurrency": spec.concurrency,
                         "wrk_threads": spec.threads, "warmup_s": args.warmup,
                         "rounds": args.rounds, "timeout_s": spec.timeout,
                         "order": "interleaved real,baseline,baseline,real,...",
                         "gunicorn": server_opts},
            "environment": {"git": _git_rev(), "cpus": os.cpu_count(),
                            "loadavg_before": [round(x, 2) for x in load_before],
                            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
                            "python": platform.python_version(), "wrk": wrk_version(),
                            "gunicorn": _version("gunicorn"), "flask": _version("flask")},
            "real": real.to_dict(),
            "baseline": base.to_dict(),
            "ratio_real_over_baseline": ratios,
            "rounds": {k: [r.to_dict() for r in v] for k, v in runs.items()},
            "after": extra,
        }
        args.results_dir.mkdir(parents=True, exist_ok=True)
        out = args.results_dir / f"{bench.name}-{stamp}.json"
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        print(f"\nresults: {out}")

        if problems:
            print("\nFAILED RUN: these numbers cannot be trusted:", file=sys.stderr)
            for p in problems:
                print(f"  - {p}", file=sys.stderr)
            return 1
        return 0
    except BenchError as err:
        print(f"\nbench: FAILED: {err}", file=sys.stderr)
        return 1
    finally:
        for srv in reversed(servers):
            srv.stop()
        fixture.close()
        if args.keep_tmp:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
