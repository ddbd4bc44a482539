"""Import benchmark: a year's certified figures for 10,000 applicants, CSV and XLSX.

    .venv/bin/python -m bench.imports [--rows 10000] [--database-url URL] [--repeat 3]

The issue asks for "a 10,000-row import (bench: time and peak memory)".  What a run
does, on a database of its own (a temporary SQLite file unless ``--database-url``
names a local PostgreSQL database it may drop and recreate):

1. Migrates it, and generates the file deterministically (seeded ``random.Random``):
   ``--rows`` applicants over the 18 counties, the four kinds (live-stream figures for
   the base operators, whose bases it records first), amounts in 元 with two decimals,
   a tenth of the upstream cells empty (not reported).  Writes it as CSV and as XLSX.
2. Measures through the API, as the bureau calls it (the Flask test client: multipart
   upload, parsing, planning, the SQL, the JSON answer), ``--repeat`` times each:
   * the dry run of the clean file (``/bureau/imports/check``), CSV and XLSX;
   * the dry run of a file with 1% bad rows (every problem listed);
   * the first apply (10,000 applicants, figures and audit rows in one transaction);
   * the same file again (changes nothing);
   * a corrected file (5% of the rows changed, with a reason).
   The first apply is measured on a fresh register each time (the tables are emptied
   between repeats).
3. Peak memory: each phase once more under ``tracemalloc`` (peak Python allocation of
   that phase), and the process's peak RSS at the end.
4. Checks what was written: row counts, one audit row per change, nothing written by
   the re-import.  A mismatch fails the run (exit 1).

Writes ``bench/results/imports-<UTC timestamp>.json`` and prints a summary.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
KINDS = [("enterprise", 70), ("cooperative", 20), ("platform", 5),
         ("livestream_base_operator", 5)]
FORBIDDEN_DATABASES = {"gannan", "gannan_test", "gannan_bench", "postgres", "template0",
                       "template1"}


def build_app(url: str, tmp: Path):
    from gannan import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
        "SECRET_KEY": "bench-imports-not-a-secret-0123456789abcdef",
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
        "SEARCH_BACKEND": "sqlite", "SEARCH_INDEX_PATH": str(tmp / "search.sqlite3"),
        "CELERY": {"broker_url": "memory://", "result_backend": None,
                   "task_always_eager": True, "task_eager_propagates": True},
        "STRIPE_API_KEY": "", "ELASTICSEARCH_URL": "",
        "BUREAU_IMPORT_MAX_BYTES": 64 * 1024 * 1024,
    })


def fresh_database(url: str | None, tmp: Path) -> str:
    import sqlalchemy as sa

    from gannan.platform.config import normalise_database_url

    if not url:
        return f"sqlite:///{tmp}/imports.sqlite3"
    target = sa.engine.make_url(normalise_database_url(url))
    if target.host not in ("127.0.0.1", "localhost") or target.database in FORBIDDEN_DATABASES:
        sys.exit(f"refusing {target.render_as_string()}: a local database of its own only")
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    return target.render_as_string(hide_password=False)


# --- the file --------------------------------------------------------------------------------


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def generate(rows: int, seed: int) -> tuple[list[list[str]], list[str]]:
    """The rows of a clean file, and the operators of live-streaming bases among them."""
    from gannan.platform.counties import CURRENT
    from gannan.platform.demo import demo_uscc

    rng = random.Random(seed)
    codes = [code for code, _, _ in CURRENT]
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    out, operators = [], []
    for n in range(1, rows + 1):
        county = codes[n % len(codes)]
        kind = rng.choices(kinds, weights)[0]
        uscc = demo_uscc("91" + county, f"MC{n:07d}")
        online = rng.randint(100_00, 500_000_000_00)
        specialty = rng.randint(0, online)
        agricultural = rng.randint(0, specialty)
        upstream = rng.randint(0, agricultural)
        live = ""
        if kind == "livestream_base_operator":
            operators.append(uscc)
            live = yuan(rng.randint(0, 60_000_000_00))
        out.append([uscc, f"赣州测试申报主体{n}号有限公司", kind, county, yuan(online),
                    yuan(specialty), yuan(agricultural),
                    "" if rng.random() < 0.1 else yuan(upstream), live, "基准"])
    return out, operators


def to_csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(header: list[str], rows: list[list[str]]) -> bytes:
    """As Excel writes it: text in the shared-strings table (openpyxl's write-only mode
    writes inline strings instead, which nothing the bureau receives has and which
    openpyxl reads several times slower)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([float(v) if 4 <= i <= 8 and v else (v or None)
                      for i, v in enumerate(row)])  # amounts as number cells, as Excel has them
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_bad_rows(rows: list[list[str]], rng: random.Random) -> list[list[str]]:
    bad = [list(r) for r in rows]
    for index in rng.sample(range(len(bad)), len(bad) // 100):
        problem = index % 4
        if problem == 0:
            bad[index][0] = bad[index][0][:-1] + ("0" if bad[index][0][-1] != "0" else "1")
        elif problem == 1:
            bad[index][3] = "360799"
        elif problem == 2:
            bad[index][4] = bad[index][4] + "5"  # three decimals
        else:
            bad[index][7] = yuan(int(bad[index][6].replace(".", "")) + 1)  # upstream > agri
    return bad


def corrected(rows: list[list[str]], rng: random.Random) -> tuple[list[list[str]], int]:
    changed = [list(r) for r in rows]
    picks = rng.sample(range(len(changed)), len(changed) // 20)
    for index in picks:
        changed[index][9] = "更正"
        changed[index][7] = ""  # upstream withdrawn: not reported
    return changed, len(picks)


# --- measuring -------------------------------------------------------------------------------


def summary(runs: list[float]) -> dict[str, Any]:
    return {"runs_s": [round(r, 3) for r in runs], "median_s": round(statistics.median(runs), 3),
            "min_s": round(min(runs), 3)}


def peak_mib(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    finally:
        tracemalloc.stop()


def rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=None,
                        help="a local PostgreSQL database it may drop and recreate "
                             "(default: a temporary SQLite file)")
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-imports-") as tmp_name:
        tmp = Path(tmp_name)
        url = fresh_database(args.database_url, tmp)
        app = build_app(url, tmp)
        with app.app_context():
            return run(app, url, args, tmp)


def run(app, url: str, args: argparse.Namespace, tmp: Path) -> int:
    from flask_migrate import upgrade

    from gannan.platform.auth import issue_token
    from gannan.platform.extensions import db
    from gannan.platform.models import Role
    from gannan.platform.services import register_user
    from gannan.reporting.models import LivestreamBase
    from gannan.reporting.register.imports import COLUMNS
    from gannan.reporting.register.models import (
        Applicant,
        CertifiedFigures,
        FigureImport,
        RegisterChange,
    )

    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    upgrade()
    clerk = register_user("bureau@bench.gannan.test", "bench-password", "市商务局 基准",
                          [Role.BUREAU])
    headers = {"Authorization": f"Bearer {issue_token(clerk)[0]}"}
    header = [c.header for c in COLUMNS]
    rows, operators = generate(args.rows, args.seed)
    for number, uscc in enumerate(operators, start=1):  # their bases, for live-stream figures
        db.session.add(LivestreamBase(name=f"直播基地{number}", operator_name=f"运营方{number}",
                                      operator_uscc=uscc, county_code="360702", area_m2=600,
                                      rooms=12, resident_enterprises=22, hosts=25,
                                      live_rooms=[f"room-{number}"], awarded_tiers=[]))
    db.session.commit()
    rng = random.Random(args.seed + 1)
    files = {"csv": to_csv(header, rows), "xlsx": to_xlsx(header, rows),
             "bad_csv": to_csv(header, with_bad_rows(rows, rng))}
    fixed_rows, n_fixed = corrected(rows, rng)
    files["corrected_csv"] = to_csv(header, fixed_rows)
    log(f"file: {args.rows:,} rows; CSV {len(files['csv']):,} B, XLSX {len(files['xlsx']):,} B")
    client = app.test_client()

    def post(path: str, data: bytes, name: str, reason: str | None = None) -> dict[str, Any]:
        form = {"year": "2026", "file": (io.BytesIO(data), name)}
        if reason:
            form["reason"] = reason
        response = client.post(path, data=form, headers=headers,
                               content_type="multipart/form-data")
        if response.status_code != 200:
            raise RuntimeError(f"{path} {name}: {response.status_code} "
                               f"{response.get_data(as_text=True)[:300]}")
        return response.get_json()

    def empty_register() -> None:
        db.session.remove()
        for model in (RegisterChange, FigureImport, CertifiedFigures, Applicant):
            db.session.execute(db.delete(model))
        db.session.commit()

    check = "/api/v1/bureau/imports/check"
    apply = "/api/v1/bureau/imports"
    phases: dict[str, Callable[[], dict[str, Any]]] = {
        "dry_run_csv": lambda: post(check, files["csv"], "f.csv"),
        "dry_run_xlsx": lambda: post(check, files["xlsx"], "f.xlsx"),
        "dry_run_1pct_bad_rows": lambda: post(check, files["bad_csv"], "bad.csv"),
    }
    results: dict[str, Any] = {}
    failures: list[str] = []
    for name, phase in phases.items():
        runs, answer = [], None
        for _ in range(args.repeat):
            started = time.perf_counter()
            answer = phase()
            runs.append(time.perf_counter() - started)
        results[name] = {**summary(runs), "peak_python_mib": peak_mib(phase),
                         "problems": len(answer["problems"]), "valid": answer["valid"]}
        log(f"{name}: {results[name]['median_s']} s, {results[name]['peak_python_mib']} MiB")
    if results["dry_run_1pct_bad_rows"]["problems"] != args.rows // 100:
        failures.append(f"expected {args.rows // 100} problems, got "
                        f"{results['dry_run_1pct_bad_rows']['problems']}")

    first_runs = []
    for _ in range(args.repeat):
        empty_register()
        started = time.perf_counter()
        answer = post(apply, files["csv"], "f.csv")
        first_runs.append(time.perf_counter() - started)
    empty_register()
    memory = peak_mib(lambda: post(apply, files["csv"], "f.csv"))
    results["apply_first"] = {**summary(first_runs), "peak_python_mib": memory,
                              "applicants_created": answer["applicants_created"],
                              "figures_created": answer["figures_created"]}
    log(f"apply_first: {results['apply_first']['median_s']} s, {memory} MiB")

    def counts() -> dict[str, int]:
        return {m.__tablename__: db.session.scalar(db.select(db.func.count()).select_from(m))
                for m in (Applicant, CertifiedFigures, RegisterChange, FigureImport)}

    after_first = counts()
    if after_first != {"applicants": args.rows, "certified_figures": args.rows,
                       "register_changes": 2 * args.rows, "figure_imports": 1}:
        failures.append(f"after the first apply: {after_first}")
    again_runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        answer = post(apply, files["csv"], "f.csv")
        again_runs.append(time.perf_counter() - started)
    results["apply_same_file_again"] = {
        **summary(again_runs),
        "peak_python_mib": peak_mib(lambda: post(apply, files["csv"], "f.csv")),
        "import_id": answer["import_id"], "rows_unchanged": answer["rows_unchanged"]}
    if counts() != after_first or answer["import_id"] is not None:
        failures.append("re-importing the same file wrote something")
    log(f"apply_same_file_again: {results['apply_same_file_again']['median_s']} s")

    started = time.perf_counter()
    answer = post(apply, files["corrected_csv"], "fixed.csv", reason="基准更正")
    corrected_s = time.perf_counter() - started
    results["apply_corrected_5pct"] = {"median_s": round(corrected_s, 3),
                                       "figures_changed": answer["figures_changed"]}
    if answer["figures_changed"] != n_fixed or counts()["register_changes"] != \
            2 * args.rows + n_fixed:
        failures.append(f"corrected file: {answer['figures_changed']} changed, {n_fixed} "
                        "expected, one audit row each")
    log(f"apply_corrected_5pct: {corrected_s:.3f} s")

    report = {"benchmark": "imports", "rows": args.rows, "repeat": args.repeat,
              "database": db.engine.dialect.name, "seed": args.seed,
              "file_bytes": {k: len(v) for k, v in files.items()},
              "results": results, "peak_rss_mib": rss_mib(), "ok": not failures,
              "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
              "failures": failures,
              "when": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    output = Path(args.output) if args.output else RESULTS / f"imports-{stamp}.json"
    output.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps(report, ensure_ascii=False, indent=1))
    db.session.remove()
    db.engine.dispose()
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
