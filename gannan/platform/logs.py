"""Logs: one JSON object per line, each carrying the id of the request it belongs to.

A request's id is the client's ``X-Request-ID`` when it is well-formed (so a proxy or a
storefront can follow one request through), otherwise a fresh one; it is echoed in the
response and set on every log record made while the request runs, including those of
the libraries it calls.  Tasks sent during a request carry it along (see
``celery_app.enqueue``), so a worker's lines of that task name it too.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request

HEADER = "X-Request-ID"
_HEADER_KEY = "HTTP_" + HEADER.upper().replace("-", "_")  # its name in the WSGI environ
# Letters, digits and a few separators: what UUIDs, trace ids and proxies' ids use,
# and nothing that could forge a log line or a header.
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=-]{7,127}")
access_log = logging.getLogger("gannan.request")

# Attributes every LogRecord has; anything else was passed with ``extra=``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


def current_request_id() -> str | None:
    """The id of the request (or of the task) this code runs for, if any."""
    if has_request_context():
        return g.get("request_id")
    from celery._state import get_current_task

    task = get_current_task()
    if task is not None and task.request.id:
        return getattr(task.request, "request_id", None) or task.request.id
    return None


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", ...extra, "exception"}``."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, timezone.utc)
            .isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():  # a loop: no generator per line
            if key not in _STANDARD:
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(out)  # json.dumps would make this encoder per line


_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


_previous_factory = logging.getLogRecordFactory()


def _record_factory(*args, **kwargs) -> logging.LogRecord:
    record = _previous_factory(*args, **kwargs)
    try:
        record.request_id = current_request_id()
    except Exception:  # noqa: BLE001 - a log line must never fail for want of an id
        record.request_id = None
    return record


def install_record_factory() -> None:
    """Every record made in this process gets ``request_id`` (once per process)."""
    if logging.getLogRecordFactory() is not _record_factory:
        logging.setLogRecordFactory(_record_factory)


def configure_root(log_format: str) -> None:
    """One stderr handler on the root logger, in the chosen format (replaces ours)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "gannan", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.gannan = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)


def init_logging(app: Flask) -> None:
    install_record_factory()
    if not app.testing:  # under pytest, pytest's capture is the handler
        configure_root(app.config.get("LOG_FORMAT", "text"))
        _take_over_celery_logging(app.config.get("LOG_FORMAT", "text"))

    # Every request runs these two: each reads the request and g through their proxies
    # once (a proxy lookup per attribute adds up over a cheap request).
    @app.before_request
    def _start_request() -> None:
        values = g._get_current_object()
        given = request.environ.get(_HEADER_KEY, "")
        values.request_id = given if WELL_FORMED.fullmatch(given) else uuid.uuid4().hex
        values.request_started = time.perf_counter()

    @app.after_request
    def _finish_request(response):
        values = g._get_current_object()
        request_id = values.get("request_id")
        if request_id:
            response.headers[HEADER] = request_id
        if not access_log.isEnabledFor(logging.INFO):
            return response
        started = values.get("request_started")
        req = request._get_current_object()
        method, path, status, rule = req.method, req.path, response.status_code, req.url_rule
        access_log.info(
            "%s %s %s", method, path, status,
            extra={"method": method, "path": path, "route": rule.rule if rule else None,
                   "status": status, "remote_addr": req.remote_addr,
                   "duration_ms": round((time.perf_counter() - started) * 1000, 2)
                   if started else None})
        return response


_celery_format = {"format": "text"}


def _keep_ours(**kwargs) -> None:
    configure_root(_celery_format["format"])


def _take_over_celery_logging(log_format: str) -> None:
    """Workers and beat log like the app: Celery leaves the root logger to us."""
    from celery.signals import setup_logging

    _celery_format["format"] = log_format
    setup_logging.connect(_keep_ours, weak=False, dispatch_uid="gannan-logging")
