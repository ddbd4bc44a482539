"""Liveness and readiness, for the load balancer and the orchestrator.

``/api/v1/health`` says the process is up and answers HTTP; it touches nothing else, so
a database outage does not get every app server restarted.  ``/api/v1/ready`` checks
each service the app needs (the database, the task broker, and what the domains add,
e.g. search) and answers 503 naming the ones that are down, so the proxy sends
traffic elsewhere until they are back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from flask import Flask, current_app
from sqlalchemy import text

#: A check returns details (e.g. ``{"backend": "elasticsearch"}``) or raises when down.
Check = Callable[[], dict[str, Any] | None]
#: Seconds the readiness probe waits for all checks together.
READY_TIMEOUT = 3.0


def add_readiness_check(app: Flask, name: str, check: Check) -> None:
    """A domain's service for ``/api/v1/ready`` (called from its ``init_app``)."""
    app.extensions.setdefault("readiness_checks", {})[name] = check


def check_database() -> dict[str, Any]:
    from gannan.platform.extensions import db

    db.session.execute(text("SELECT 1"))
    return {"backend": db.engine.dialect.name}


def check_broker() -> dict[str, Any]:
    celery = current_app.extensions["celery"]
    if celery.conf.task_always_eager:
        return {"backend": "inline"}  # no broker: tasks run in the request
    with celery.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return {"backend": connection.transport_cls}


def _run(app: Flask, check: Check) -> dict[str, Any]:
    started = time.perf_counter()
    with app.app_context():
        try:
            details = check() or {}
            state = {"state": "up", **details}
        except Exception as exc:  # noqa: BLE001 - any failure means "down"
            state = {"state": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
        finally:
            from gannan.platform.extensions import db

            db.session.remove()
    state["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return state


def readiness(app: Flask) -> dict[str, dict[str, Any]]:
    checks: dict[str, Check] = {"database": check_database, "broker": check_broker,
                                **app.extensions.get("readiness_checks", {})}
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="ready")
    futures = {name: pool.submit(_run, app, check) for name, check in checks.items()}
    deadline = time.monotonic() + READY_TIMEOUT
    states = {}
    for name, future in futures.items():
        try:
            states[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            states[name] = {"state": "down", "error": f"no answer within {READY_TIMEOUT}s"}
    pool.shutdown(wait=False, cancel_futures=True)
    return states


def register_probes(app: Flask) -> None:
    from gannan.platform.errors import PlatformErrorCode, problem_response

    @app.get("/api/v1/health")
    def health():
        """Liveness: the process is up. Depends on nothing."""
        return {"status": "ok"}

    @app.get("/api/v1/ready")
    def ready():
        """Readiness: every service answers; 503 naming those that do not."""
        states = readiness(current_app._get_current_object())
        down = sorted(name for name, state in states.items() if state["state"] != "up")
        if down:
            return problem_response(503, PlatformErrorCode.NOT_READY, "Not ready",
                                    f"Unavailable: {', '.join(down)}.", checks=states,
                                    headers={"Retry-After": "5"})
        return {"status": "ready", "checks": states}
