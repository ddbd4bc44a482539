"""Problem details (RFC 9457) for every error the API returns.

Domain code raises a :class:`ProblemError` subclass with a stable machine-readable
``code``; one set of handlers turns those, HTTP errors, validation errors and
database integrity errors into ``application/problem+json``.  Clients branch on
``code``; ``title`` and ``detail`` are for people.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

PROBLEM_MIMETYPE = "application/problem+json"
log = logging.getLogger(__name__)
# PostgreSQL: deadlock detected, serialization failure, lock not available
CONTENTION_SQLSTATES = {"40P01", "40001", "55P03"}


class ProblemError(Exception):
    """Base of every domain error: carries status, stable code and detail."""

    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        title: str | None = None,
        errors: dict[str, list[str]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        if status:
            self.status = status
        if title:
            self.title = title
        self.errors = errors
        self.extra = extra


class AuthenticationRequired(ProblemError):
    status, code, title = 401, "authentication_required", "Authentication required"


class Forbidden(ProblemError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(ProblemError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(ProblemError):
    status, code, title = 409, "conflict", "Conflict"


class ValidationFailed(ProblemError):
    """Well-formed input that breaks a rule; ``field`` names where, when one field is at fault."""

    status, code, title = 422, "validation_error", "Invalid input"

    def __init__(self, detail: str, *, field: str | None = None, **kwargs: Any) -> None:
        if field and "errors" not in kwargs:
            kwargs["errors"] = {field: [detail]}
        super().__init__(detail, **kwargs)


# Codes for errors that come from HTTP itself rather than the domain.
HTTP_CODES = {
    400: "bad_request",
    401: "authentication_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:gannan:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail or title,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into ``{"skus.0.price_fen": ["…"]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_messages(value, name))
    elif isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = list(messages)
    elif isinstance(messages, (list, tuple)):
        for index, value in enumerate(messages):
            flat.update(flatten_messages(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


def http_exception_to_problem(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    headers = dict(error.get_headers()) if status in (405, 429) else {}
    headers.pop("Content-Type", None)
    if messages is not None:
        # webargs: {"json": {...}} / {"query": {...}}; the location is not a field.
        per_location = messages if isinstance(messages, dict) else {"json": messages}
        if status == 400 and per_location.get("json") == ["Invalid JSON body."]:
            return problem_response(
                400, "malformed_json", "Malformed JSON", "The request body is not valid JSON."
            )
        errors: dict[str, list[str]] = {}
        for location_messages in per_location.values():
            errors.update(flatten_messages(location_messages))
        unknown_only = errors and all(m == ["Unknown field."] for m in errors.values())
        return problem_response(
            status,
            "unknown_field" if unknown_only else HTTP_CODES.get(status, "bad_request"),
            "Invalid input",
            "Some fields are missing, malformed or not allowed; see errors.",
            errors=errors,
        )
    if status == 429:
        detail = f"Too many requests: limit is {error.description}. Try again later."
    elif status == 404:
        detail = "No such resource."
    else:
        detail = error.description
    return problem_response(
        status,
        HTTP_CODES.get(status, "http_error" if status < 500 else "internal_error"),
        error.name,
        detail,
        headers=headers,
    )


def is_contention(error: OperationalError) -> bool:
    if getattr(error.orig, "sqlstate", None) in CONTENTION_SQLSTATES:
        return True
    return "database is locked" in str(error.orig) or "database table is locked" in str(
        error.orig)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ProblemError)
    def handle_problem(error: ProblemError) -> Response:
        from gannan.platform.extensions import db

        db.session.rollback()  # an action that failed half-way leaves nothing behind
        return problem_response(
            error.status, error.code, error.title, error.detail, error.errors, **error.extra
        )

    @app.errorhandler(IntegrityError)
    def handle_integrity(error: IntegrityError) -> Response:
        from gannan.platform.extensions import db

        db.session.rollback()
        log.warning("integrity error: %s", error.orig)
        return problem_response(
            409, "conflict", "Conflict", "The change conflicts with existing data."
        )

    @app.errorhandler(OperationalError)
    def handle_contention(error: OperationalError) -> Response:
        """Too many writers at once (SQLite's busy timeout ran out, a PostgreSQL deadlock):
        nothing was written, and the same request may succeed a moment later."""
        from gannan.platform.extensions import db

        db.session.rollback()
        if not is_contention(error):
            return handle_unexpected(error)
        log.warning("database contention: %s", error.orig)
        return problem_response(
            503, "database_busy", "Database busy",
            "Too many changes at the same moment; nothing was changed. Try again.",
            headers={"Retry-After": "1"},
        )

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return http_exception_to_problem(error)
        log.exception("unhandled error")
        return problem_response(
            500, "internal_error", "Internal server error", "Something went wrong on our side."
        )
