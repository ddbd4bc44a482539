"""Private instances of the real services, for tests that stop them on purpose.

The services the rest of the suite uses are shared (other people's tests run on them),
so the fault tests never stop those: they start their own Redis and stripe-mock on free
ports, put a TCP proxy they control in front of the real Elasticsearch ("stopping" it is
closing the proxy), and run Celery workers and gunicorn servers as subprocesses.

Each binary is found on PATH (or, for stripe-mock, ``STRIPE_MOCK_BIN`` or where
``.ci/services.sh`` keeps it); when one is missing the test is skipped with the reason,
and fails under ``REQUIRE_SERVICES=1``, through :func:`tests.services.need`.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.services import need

ROOT = Path(__file__).resolve().parents[1]
CACHE = os.environ.get("GANNAN_SERVICES_CACHE", "/var/cache/gannan-ci")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], object], timeout: float, interval: float = 0.1,
               what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except AssertionError:
            raise
        except Exception:  # noqa: BLE001 - not yet
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout}s")
        time.sleep(interval)


def _executable(path: str) -> None:
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(f"{path} is not executable")


def need_binary(name: str, env_var: str, found: str | None) -> str:
    return need(name, env_var, found, _executable)


def need_redis_server() -> str:
    return need_binary("redis-server (binary)", "PATH", shutil.which("redis-server"))


def need_stripe_mock_binary() -> str:
    found = os.environ.get("STRIPE_MOCK_BIN") or shutil.which("stripe-mock") or next(
        iter(sorted(glob.glob(f"{CACHE}/stripe-mock-*/stripe-mock"), reverse=True)), None)
    return need_binary("stripe-mock (binary)", "STRIPE_MOCK_BIN", found)


class Process:
    """A subprocess with its output in a log file; stopped with TERM, or KILLed."""

    def __init__(self, name: str, argv: list[str], log_dir: Path,
                 env: dict[str, str] | None = None) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen | None = None

    def start(self) -> Process:
        log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, env=self.env, cwd=ROOT,
                                      start_new_session=True)
        log.close()
        return self

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 15) -> None:
        if not self.alive():
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the process (and whatever it forked: its own session)."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)


class PrivateRedis:
    """A redis-server of our own, with an append-only file so a restart keeps its data."""

    def __init__(self, workdir: Path) -> None:
        self.binary = need_redis_server()
        self.port = free_port()
        self.dir = workdir / f"redis-{self.port}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.url = f"redis://127.0.0.1:{self.port}"
        self.process = Process(f"redis-{self.port}", [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
            "--appendonly", "yes", "--save", "", "--daemonize", "no"], workdir)

    def start(self) -> PrivateRedis:
        import redis

        self.process.start()
        wait_until(lambda: redis.Redis.from_url(self.url, socket_timeout=1).ping(), 20,
                   what="private redis")
        return self

    def stop(self) -> None:
        self.process.stop()


class PrivateStripeMock:
    def __init__(self, workdir: Path) -> None:
        self.binary = need_stripe_mock_binary()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = Process(f"stripe-mock-{self.port}", [
            self.binary, "-http-addr", f"127.0.0.1:{self.port}",
            "-https-addr", f"127.0.0.1:{free_port()}"], workdir)

    def start(self) -> PrivateStripeMock:
        import urllib.request

        self.process.start()

        def answers() -> bool:
            request = urllib.request.Request(self.url + "/v1/customers",
                                             headers={"Authorization": "Bearer sk_test_x"})
            return urllib.request.urlopen(request, timeout=2).status == 200

        wait_until(answers, 30, what="private stripe-mock")
        return self

    def stop(self) -> None:
        self.process.stop()


class TcpProxy:
    """Forwards 127.0.0.1:port to ``target``; ``stop()`` refuses new connections and cuts
    the open ones, as a stopped service would; ``start()`` opens it again on the port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> TcpProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked on it
            except OSError:
                pass
            listener.close()
        with self._lock:
            for sock in list(self._sockets):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        listener.settimeout(0.2)
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return  # closed
            client.settimeout(None)
            if self._listener is not listener:
                client.close()
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            with self._lock:
                self._sockets.discard(source)


def celery_worker(name: str, env: dict[str, str], log_dir: Path,
                  app_module: str = "gannan.worker") -> Process:
    """A real Celery worker process (solo pool: the process that runs the task is the one
    a SIGKILL hits) on the broker in ``env``."""
    return Process(name, [sys.executable, "-m", "celery", "-A", app_module, "worker",
                          "--pool=solo", "--loglevel=INFO", f"--hostname={name}@%h",
                          "--without-gossip", "--without-mingle", "--without-heartbeat"],
                   log_dir, env=env)


def wait_worker_ready(worker: Process, timeout: float = 60) -> None:
    def ready() -> bool:
        assert worker.alive(), f"{worker.name} exited:\n{worker.log()[-3000:]}"
        return " ready." in worker.log()

    wait_until(ready, timeout, interval=0.2, what=f"celery worker {worker.name}")


def gunicorn_server(name: str, env: dict[str, str], log_dir: Path) -> tuple[Process, str]:
    """The API under gunicorn with the project's gunicorn.conf.py; (process, base URL)."""
    port = free_port()
    metrics_dir = log_dir / f"metrics-{name}"
    metrics_dir.mkdir(exist_ok=True)
    process = Process(name, [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
                      log_dir, env={**env, "GANNAN_BIND": f"127.0.0.1:{port}",
                                    "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})
    return process, f"http://127.0.0.1:{port}"


def wait_http_ready(process: Process, base_url: str, timeout: float = 90) -> None:
    import urllib.request

    def up() -> bool:
        assert process.alive(), f"{process.name} exited:\n{process.log()[-3000:]}"
        return urllib.request.urlopen(base_url + "/api/v1/health", timeout=2).status == 200

    wait_until(up, timeout, interval=0.3, what=f"{process.name} on {base_url}")
