"""Reusable pieces of a benchmark: a gunicorn server, a wrk run, the real app's setup.

Everything here talks to 127.0.0.1 only, and every load run is bounded by its
duration.  A benchmark is a :class:`Target` (path + method + optional body/headers)
measured with :func:`run_wrk` against one or more :class:`GunicornServer` s.

    with GunicornServer("gannan:create_app()", env=env) as real:
        result = run_wrk(real.base_url, Target("/api/v1/counties"), LoadSpec(10, 8))
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"  # the only address a benchmark ever targets
PROJECT_ROOT = Path(__file__).resolve().parents[1]
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_report.lua"

# The only variables the real app inherits from the shell: everything else (any
# DATABASE_URL, broker or search setting a developer exported) is left out, so the app
# runs on its embedded default whatever settings config.py learns later.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")


class BenchError(RuntimeError):
    """A benchmark could not run, or ran but its numbers cannot be trusted."""


# --- what to request -------------------------------------------------------------


@dataclass
class Target:
    """One request shape: ``path`` may carry a query string.

    With ``paths``, wrk cycles through those paths instead (same method, body and
    headers); ``path`` is then the one sampled, e.g. for the baseline's payload.
    """

    path: str
    method: str = "GET"
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect_status: int = 200
    paths: tuple[str, ...] = ()

    def url(self, base_url: str) -> str:
        return base_url.rstrip("/") + self.path

    @property
    def route(self) -> str:
        """The path without its query string (what a baseline app routes on)."""
        return self.path.split("?", 1)[0]


@dataclass
class LoadSpec:
    duration: float = 10.0  # seconds of measured load
    concurrency: int = 8  # open connections
    threads: int = 1  # wrk threads; 1 leaves the other core to the server
    timeout: float = 5.0  # a request slower than this counts as a timeout error


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy


def fetch(base_url: str, target: Target, timeout: float = 10.0) -> Response:
    """Make one request (outside the load run) and return what came back."""
    if not base_url.startswith(f"http://{HOST}:"):
        raise BenchError(f"refusing to send a request outside {HOST}: {base_url}")
    request = urllib.request.Request(
        target.url(base_url), data=target.body, method=target.method, headers=target.headers
    )
    try:
        with _opener.open(request, timeout=timeout) as resp:
            return Response(resp.status, dict(resp.headers.items()), resp.read())
    except urllib.error.HTTPError as err:
        return Response(err.code, dict(err.headers.items()), err.read())


# --- the server --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class GunicornServer:
    """gunicorn serving ``app_target`` on 127.0.0.1 and a free port.

    Use as a context manager: it starts, waits until ``ready_path`` answers with any
    HTTP status, and stops with SIGTERM (graceful) on exit, SIGKILL if that hangs.
    """

    def __init__(
        self,
        app_target: str,
        *,
        env: dict[str, str] | None = None,
        workers: int = 2,
        worker_class: str = "sync",
        threads: int = 1,
        ready_path: str = "/",
        ready_timeout: float = 30.0,
        cwd: Path = PROJECT_ROOT,
        log_dir: Path | None = None,
        label: str | None = None,
    ) -> None:
        self.app_target = app_target
        self.env = dict(os.environ if env is None else env)
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads
        self.ready_path = ready_path
        self.ready_timeout = ready_timeout
        self.cwd = Path(cwd)
        self.label = label or app_target
        self.log_dir = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="bench-log-"))
        self.port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise BenchError("server not started")
        return f"http://{HOST}:{self.port}"

    @property
    def log_file(self) -> Path:
        safe = "".join(c if c.isalnum() else "-" for c in self.label)
        return self.log_dir / f"gunicorn-{safe}.log"

    def command(self) -> list[str]:
        cmd = [
            sys.executable, "-m", "gunicorn",
            "--bind", f"{HOST}:{self.port}",
            "--workers", str(self.workers),
            "--worker-class", self.worker_class,
            "--chdir", str(self.cwd),
            "--log-level", "warning",
            "--error-logfile", str(self.log_file),
            "--graceful-timeout", "5",
        ]
        if self.worker_class == "gthread":
            cmd += ["--threads", str(self.threads)]
        return cmd + [self.app_target]

    def start(self) -> GunicornServer:
        self.port = free_port()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            self.command(), cwd=self.cwd, env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a hung stop can be forced
        )
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        probe = Target(self.ready_path)
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise BenchError(
                    f"gunicorn for {self.label} exited with {self.proc.returncode} before "
                    f"it was ready:\n{self.log_tail()}"
                )
            try:
                fetch(self.base_url, probe, timeout=2.0)
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.1)
        raise BenchError(
            f"gunicorn for {self.label} not ready after {self.ready_timeout}s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group this server started
            self.proc.wait(timeout=5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no gunicorn log)"

    def __enter__(self) -> GunicornServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- the load generator ------------------------------------------------------------


def ensure_wrk() -> str:
    """Path to wrk; installs Debian's package when missing and running as root."""
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() != 0:
        raise BenchError(
            "wrk is not installed and this is not root; install it with "
            "`sudo apt-get install -y wrk` and run the benchmark again"
        )
    print("wrk not found; installing Debian's wrk package ...", file=sys.stderr)
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=apt_env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=apt_env, capture_output=True)
        done = subprocess.run(install, env=apt_env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"apt-get install wrk failed:\n{done.stderr[-2000:]}")
    path = shutil.which("wrk")
    if not path:
        raise BenchError("wrk still not on PATH after apt-get install wrk")
    return path


def wrk_version() -> str:
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return (out.stdout or out.stderr).splitlines()[0].strip() if (out.stdout or out.stderr) else "?"


@dataclass
class RunResult:
    label: str
    requests: int
    duration_s: float
    bytes: int
    errors: dict[str, int]
    latency_ms: dict[str, float]

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def error_total(self) -> int:
        # status_ge_400 is a subset of non_2xx; count the wider one only.
        return sum(v for k, v in self.errors.items() if k != "status_ge_400")

    def problems(self) -> list[str]:
        """Why these numbers cannot be trusted (empty when they can)."""
        found = []
        if self.requests <= 0 or self.rps <= 0:
            found.append("no request completed")
        if self.errors.get("non_2xx"):
            found.append(f"{self.errors['non_2xx']} non-2xx responses")
        if self.errors.get("bad_length"):
            found.append(f"{self.errors['bad_length']} responses with an unexpected body length")
        for kind in ("connect", "read", "write", "timeout"):
            if self.errors.get(kind):
                found.append(f"{self.errors[kind]} socket {kind} errors")
        if self.requests > 0 and not self.latency_ms.get("p50"):
            found.append("zero latency reported")
        return found

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rps": round(self.rps, 1)}


def run_wrk(
    base_url: str,
    target: Target,
    spec: LoadSpec,
    *,
    expected_length: int | None = None,
    label: str = "",
) -> RunResult:
    """One bounded wrk run against ``target`` on ``base_url`` (127.0.0.1 only)."""
    if not base_url.startswith(f"http://{HOST}:"):
        raise BenchError(f"refusing to load anything but {HOST}: {base_url}")
    if spec.concurrency < spec.threads:
        raise BenchError("concurrency must be at least the number of wrk threads")
    env = {**os.environ, "BENCH_WRK_METHOD": target.method.upper()}
    temp_files = {
        "BENCH_WRK_BODY_FILE": target.body,
        "BENCH_WRK_PATHS_FILE": "".join(p + "\n" for p in target.paths).encode() or None,
    }
    for name, content in temp_files.items():
        env[name] = ""
        if content is not None:
            fd, env[name] = tempfile.mkstemp(prefix="bench-wrk-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
    cmd = [
        "wrk", "-t", str(spec.threads), "-c", str(spec.concurrency),
        "-d", f"{max(1, round(spec.duration))}s", "--timeout", f"{max(1, round(spec.timeout))}s",
        "-s", str(WRK_SCRIPT),
    ]
    for name, value in target.headers.items():
        cmd += ["-H", f"{name}: {value}"]
    cmd += [target.url(base_url), "--", str(-1 if expected_length is None else expected_length)]
    try:
        out = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=spec.duration + spec.timeout + 30
        )
    finally:
        for name in temp_files:
            if env[name]:
                os.unlink(env[name])
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if out.returncode != 0 or line is None:
        raise BenchError(f"wrk failed (exit {out.returncode}):\n{out.stdout}\n{out.stderr}")
    data = json.loads(line[len("BENCH_JSON "):])
    return RunResult(
        label=label,
        requests=int(data["requests"]),
        duration_s=data["duration_us"] / 1e6,
        bytes=int(data["bytes"]),
        errors={k: int(v) for k, v in data["errors"].items()},
        latency_ms={k: round(v / 1000.0, 3) for k, v in data["latency_us"].items()},
    )


def combine(label: str, runs: list[RunResult]) -> RunResult:
    """Several rounds of one side as one result.

    Counts and durations add up (so req/s is total requests / total time); a latency
    percentile cannot be merged exactly from percentiles, so it is the mean of the
    rounds' values (min/max are the extremes).
    """
    if not runs:
        raise BenchError("no runs to combine")
    keys = runs[0].latency_ms.keys()
    latency = {k: round(sum(r.latency_ms[k] for r in runs) / len(runs), 3) for k in keys}
    latency["min"] = min(r.latency_ms["min"] for r in runs)
    latency["max"] = max(r.latency_ms["max"] for r in runs)
    return RunResult(
        label=label,
        requests=sum(r.requests for r in runs),
        duration_s=sum(r.duration_s for r in runs),
        bytes=sum(r.bytes for r in runs),
        errors={k: sum(r.errors.get(k, 0) for r in runs) for k in runs[0].errors},
        latency_ms=latency,
    )


# --- the real app ------------------------------------------------------------------


def gannan_env(workdir: Path, **settings: str) -> dict[str, str]:
    """Environment for the real app on its embedded default, but a throwaway database.

    ``settings`` are added on top (e.g. ``SEARCH_BACKEND="elasticsearch"``).
    """
    env = {k: os.environ[k] for k in INHERITED if k in os.environ}
    env["DATABASE_URL"] = "sqlite:///" + str(Path(workdir).resolve() / "bench.sqlite3")
    env["SECRET_KEY"] = "bench-" + os.urandom(16).hex()
    # The local search index too, so `demo load` never touches instance/.
    env["SEARCH_INDEX_PATH"] = str(Path(workdir).resolve() / "search.sqlite3")
    return {**env, **settings}


def flask_command() -> list[str]:
    flask_bin = Path(sys.executable).parent / "flask"
    base = [str(flask_bin)] if flask_bin.exists() else [sys.executable, "-m", "flask"]
    return base + ["--app", "gannan"]


def prepare_gannan_db(env: dict[str, str], *, demo: bool = True) -> None:
    """Run the migrations (and load the demo data) into ``env``'s DATABASE_URL."""
    steps = [["db", "upgrade"]] + ([["demo", "load"]] if demo else [])
    for step in steps:
        done = subprocess.run(
            flask_command() + step, cwd=PROJECT_ROOT, env=env,
            capture_output=True, text=True, timeout=300,
        )
        if done.returncode != 0:
            raise BenchError(
                f"`flask --app gannan {' '.join(step)}` failed (exit {done.returncode}):\n"
                f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
            )


# --- a PostgreSQL database of the benchmark's own ----------------------------------

# Databases no benchmark may drop: the app's, the test suite's, each other's defaults.
PROTECTED_DATABASES = {"gannan", "gannan_test", "postgres", "template0", "template1"}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def conninfo(url: str, database: str | None = None) -> str:
    """libpq connection string for a SQLAlchemy URL (any driver suffix dropped)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def check_database_url(url: str, benchmark: str, protected: set[str] = frozenset()) -> str:
    """The URL if it names a local PostgreSQL database this benchmark may drop."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise BenchError(f"the {benchmark} benchmark needs PostgreSQL, not {parsed.drivername}")
    if parsed.host not in LOCAL_HOSTS:
        raise BenchError(f"refusing a database outside {HOST}: {parsed.host}")
    if not parsed.database or parsed.database in PROTECTED_DATABASES | set(protected):
        raise BenchError(f"refusing to drop {parsed.database!r}; name a database of its own")
    return url


def recreate_database(url: str) -> None:
    """Drop and create the benchmark database (connected to ``postgres``)."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    with psycopg.connect(conninfo(url, database="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
