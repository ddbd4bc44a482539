"""Prometheus metrics at ``/metrics``: requests, latency, tasks, and what domains count.

Requests are counted by route *template* (``/api/v1/products/<id:product_id>``), never
by raw path, so the number of series stays bounded whatever clients send.  Domains
count their own events (checkouts, payments, refunds) with :func:`count_after_commit`,
which increments only once the transaction that made the event commits: a rolled-back
checkout is not a checkout.

Under gunicorn every worker is a process of its own; with ``PROMETHEUS_MULTIPROC_DIR``
set (``gunicorn.conf.py`` does) the workers write their samples there and ``/metrics``
adds them up, whichever worker answers.  Celery workers on the same host can share the
directory; on a host of their own, ``WORKER_METRICS_PORT`` serves theirs (on
``WORKER_METRICS_ADDR``, 127.0.0.1 unless set).
"""

from __future__ import annotations

import os
import time
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.orm import Session

from gannan.platform.extensions import db

HTTP_REQUESTS = Counter("gannan_http_requests_total", "HTTP requests answered, by route "
                        "template and status", ["method", "route", "status"])
HTTP_LATENCY = Histogram("gannan_http_request_duration_seconds", "Time to answer a request",
                         ["method", "route"],
                         buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
TASK_RUNS = Counter("gannan_task_runs_total", "Celery task runs, by task and outcome "
                    "(succeeded, failed, retried)", ["task", "outcome"])
TASK_LATENCY = Histogram("gannan_task_duration_seconds", "Time a task ran", ["task"],
                         buckets=(.01, .05, .1, .5, 1, 5, 10, 30, 60, 300))

PENDING = "metrics_pending"
UNMATCHED = "<unmatched>"  # 404s and 405s before routing: one series, not one per path


def count_after_commit(counter: Counter, amount: float = 1, **labels: str) -> None:
    """Add to ``counter`` when the current transaction commits; nothing if it rolls back."""
    db.session.info.setdefault(PENDING, []).append((counter, labels, amount))


def _apply_after_commit(session: Session) -> None:
    for counter, labels, amount in session.info.pop(PENDING, ()):
        (counter.labels(**labels) if labels else counter).inc(amount)


def _drop_after_rollback(session: Session, previous_transaction) -> None:
    session.info.pop(PENDING, None)


def registry() -> CollectorRegistry:
    """This process's registry, or all processes' samples in multiprocess mode."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    collected = CollectorRegistry()
    multiprocess.MultiProcessCollector(collected)
    return collected


# (method, route template, status) -> its request counter and latency histogram; as
# bounded as the series themselves (routes are templates), without labels() each time.
_request_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _series(method: str, route: str, status: int) -> tuple[Any, Any]:
    series = _request_series.get((method, route, status))
    if series is None:
        series = _request_series[(method, route, status)] = (
            HTTP_REQUESTS.labels(method, route, str(status)), HTTP_LATENCY.labels(method, route))
    return series


def init_monitoring(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _apply_after_commit):
        event.listen(Session, "after_commit", _apply_after_commit)
        event.listen(Session, "after_soft_rollback", _drop_after_rollback)
    _count_tasks()

    # The request's start is the one the request-id hook takes (gannan.platform.logs,
    # the app's first before_request hook): one clock reading and one hook fewer.
    @app.after_request
    def _count_request(response: Response) -> Response:
        started = g.get("request_started")
        req = request._get_current_object()  # one proxy lookup, not four
        method, rule = req.method, req.url_rule
        requests, latency = _series(method, rule.rule if rule else UNMATCHED,
                                    response.status_code)
        requests.inc()
        if started is not None:
            latency.observe(time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry()), mimetype=CONTENT_TYPE_LATEST)


_task_started: dict[str, float] = {}


def _on_prerun(task_id=None, task=None, **kwargs) -> None:
    _task_started[task_id] = time.perf_counter()


def _on_postrun(task_id=None, task=None, state=None, **kwargs) -> None:
    started = _task_started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    if started is not None:
        TASK_LATENCY.labels(name).observe(time.perf_counter() - started)
    outcome = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}.get(state)
    if outcome:
        TASK_RUNS.labels(name, outcome).inc()


def _count_tasks() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_on_prerun, weak=False, dispatch_uid="gannan-metrics-prerun")
    task_postrun.connect(_on_postrun, weak=False, dispatch_uid="gannan-metrics-postrun")
    port = os.environ.get("WORKER_METRICS_PORT")
    if port:
        from celery.signals import worker_ready

        def serve(**kwargs) -> None:
            from prometheus_client import start_http_server

            # The worker's main process serves what its pool processes wrote to
            # PROMETHEUS_MULTIPROC_DIR (set it too with a prefork pool).
            start_http_server(int(port), addr=os.environ.get("WORKER_METRICS_ADDR", "127.0.0.1"),
                              registry=registry())

        worker_ready.connect(serve, weak=False, dispatch_uid="gannan-metrics-port")
