"""gunicorn settings for the API: ``gunicorn -c gunicorn.conf.py`` (``make serve``).

Every value can be set from the environment, as on a container platform:

    GANNAN_BIND        where to listen (default 127.0.0.1:8000; 0.0.0.0:8000 behind a proxy)
    WEB_CONCURRENCY    worker processes (default 2 per core, plus one, at most 8)
    GUNICORN_THREADS   threads per worker (default 4: requests wait on PostgreSQL,
                       Elasticsearch and Stripe more than they compute)
    GUNICORN_TIMEOUT   seconds a worker may spend on one request before it is replaced
    PROMETHEUS_MULTIPROC_DIR   where workers leave their metrics for /metrics to add up
                       (default: a fresh directory under the system's temporary folder)

The app itself reads its settings (DATABASE_URL, CELERY_BROKER_URL, ...) from the same
environment; README.md, "Deployment", lists them.
"""

import gc
import os
import tempfile

from gunicorn import glogging

wsgi_app = "gannan:create_app()"
bind = os.environ.get("GANNAN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * (os.cpu_count() or 1) + 1, 8))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Replace a worker now and then, so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Build the app once in the master and fork the workers from it: a replaced worker is
# then a fork (milliseconds), not a second or more of create_app while the connections
# it held wait (with max_requests that happened every ~2,000 requests per worker and was
# the whole p95/p99 tail of GET /api/v1/counties).  post_fork drops any database
# connection the master may have opened, so no worker shares a socket with another.
preload_app = True
# The proxy in front (TRUSTED_PROXIES) sets X-Forwarded-*; ProxyFix in the app reads
# them, so gunicorn itself trusts none.
forwarded_allow_ips = ""
proc_name = "gannan-api"
# gunicorn's control socket is one fixed path per user: two servers on one host would
# fight over it, and nothing here uses it.
control_socket_disable = True

# Metrics: each worker writes its own files, /metrics adds them up.  The directory must
# be empty when the server starts (old files would be counted again).
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                      os.path.join(tempfile.gettempdir(), f"gannan-metrics-{os.getpid()}"))
os.environ.setdefault("LOG_FORMAT", "json")


class AppLogsRequests(glogging.Logger):
    """gunicorn's logger without its access line.  The app logs every request itself,
    with its request id; with ``logconfig_dict`` set, gunicorn would still build each
    access line's atoms and hand a record to a logger nobody reads (~3% of a worker's
    CPU under load)."""

    def access(self, resp, req, environ, request_time) -> None:
        return None


# gunicorn's own lines (start, worker boots, timeouts) in the app's JSON format.
accesslog = None  # the app logs every request itself, with its request id
logger_class = AppLogsRequests
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "gannan.platform.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                            "stream": "ext://sys.stderr"}},
    "loggers": {"gunicorn.error": {"handlers": ["stderr"], "level": "INFO",
                                   "propagate": False}},
    # The app puts its own handler on the root logger in each worker (gannan.platform.logs).
    "root": {"level": "INFO", "handlers": []},
}


def on_starting(server):
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):  # only prometheus_client's own files
        if name.endswith(".db"):
            os.unlink(os.path.join(path, name))


def when_ready(server):
    """In the master, before the workers fork: load pypinyin's phrase dictionary once
    (~0.5 s of CPU), so no worker, and no worker replaced after max_requests, loads it
    inside the first request that writes to the search index."""
    from gannan.platform.pinyin import warm_up

    warm_up()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_fork(server, worker):
    app = getattr(worker, "wsgi", None)
    extensions = getattr(app, "extensions", {}) if app is not None else {}
    if "sqlalchemy" in extensions:
        with app.app_context():
            for engine in extensions["sqlalchemy"].engines.values():
                engine.dispose(close=False)  # the master's connections stay the master's
    # The app's objects live as long as the worker: keep the collector from walking them
    # on every full collection (a pause of tens of ms under load), and their pages shared.
    gc.freeze()
