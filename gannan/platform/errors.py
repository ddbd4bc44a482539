"""Problem details (RFC 9457) for every error the API returns.

Domain code raises a :class:`ProblemError` subclass with a stable machine-readable
``code``; one set of handlers turns those, HTTP errors, validation errors and
database integrity errors into ``application/problem+json``.  Clients branch on
``code``; ``title`` and ``detail`` are for people.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from flask import Flask, Response, json
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

PROBLEM_MIMETYPE = "application/problem+json"
log = logging.getLogger(__name__)
# PostgreSQL: deadlock detected, serialization failure, lock not available
CONTENTION_SQLSTATES = {"40P01", "40001", "55P03"}


class ErrorCodeEnum(StrEnum):
    """Base of every domain's error codes (Saleor's ``error_codes.py``): each domain's
    ``errors.py`` subclasses it.  A member's value is the ``code`` clients branch on;
    the OpenAPI document lists, per operation, the members it can answer with."""


class PlatformErrorCode(ErrorCodeEnum):
    # HTTP itself: malformed requests, routing, limits, the app shell.
    BAD_REQUEST = "bad_request"
    AUTHENTICATION_REQUIRED = "authentication_required"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    CONFLICT = "conflict"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    VALIDATION_ERROR = "validation_error"
    UNKNOWN_FIELD = "unknown_field"
    MALFORMED_JSON = "malformed_json"
    RATE_LIMITED = "rate_limited"
    HTTP_ERROR = "http_error"
    INTERNAL_ERROR = "internal_error"
    DATABASE_UNAVAILABLE = "database_unavailable"
    DATABASE_BUSY = "database_busy"
    JSON_TOO_DEEP = "json_too_deep"
    NUMBER_TOO_LONG = "number_too_long"
    PASSWORD_BLANK = "password_blank"
    PASSWORD_TOO_COMMON = "password_too_common"
    NOT_READY = "not_ready"
    TASK_QUEUE_UNAVAILABLE = "task_queue_unavailable"
    PDF_FONT_MISSING = "pdf_font_missing"
    UNSUPPORTED_IMAGE = "unsupported_image"
    STORAGE_UNAVAILABLE = "storage_unavailable"
    # Accounts and tokens.
    TOKEN_EXPIRED = "token_expired"
    INVALID_TOKEN = "invalid_token"
    INVALID_CREDENTIALS = "invalid_credentials"
    EMAIL_TAKEN = "email_taken"
    USER_NOT_FOUND = "user_not_found"
    # Sellers, their staff, licences and review.
    SELLER_NOT_FOUND = "seller_not_found"
    NOT_SELLER_MEMBER = "not_seller_member"
    NOT_SELLER_OWNER = "not_seller_owner"
    INVALID_USCC = "invalid_uscc"
    USCC_TAKEN = "uscc_taken"
    LICENCE_USCC_MISMATCH = "licence_uscc_mismatch"
    INVALID_LICENCE_NUMBER = "invalid_licence_number"
    INVALID_VALIDITY = "invalid_validity"
    QUALIFICATION_EXPIRED = "qualification_expired"
    DUPLICATE_QUALIFICATION = "duplicate_qualification"
    INVALID_TRANSITION = "invalid_transition"
    BUSINESS_LICENCE_REQUIRED = "business_licence_required"
    ALREADY_MEMBER = "already_member"
    MEMBER_NOT_FOUND = "member_not_found"
    OWNER_NOT_REMOVABLE = "owner_not_removable"
    # Counties.
    UNKNOWN_COUNTY = "unknown_county"
    RETIRED_COUNTY = "retired_county"
    # County commerce offices and their recommendation (推荐) of sellers.
    NOT_COUNTY_OFFICER = "not_county_officer"
    COUNTY_RECOMMENDATION_REQUIRED = "county_recommendation_required"
    ALREADY_RECOMMENDED = "already_recommended"


#: Codes no API operation answers with, so the document lists them once, at its top:
#: routing refuses a method the path does not have, werkzeug may refuse a request
#: before any view runs, and the readiness probe (not an API operation) names what is
#: down.  ``None``: any other 4xx status.
REQUEST_LEVEL_CODES: dict[PlatformErrorCode, int | None] = {
    PlatformErrorCode.BAD_REQUEST: 400,
    PlatformErrorCode.METHOD_NOT_ALLOWED: 405,
    PlatformErrorCode.NOT_ACCEPTABLE: 406,
    PlatformErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    PlatformErrorCode.HTTP_ERROR: None,
    # The readiness probe (not an API operation) names what is down.
    PlatformErrorCode.NOT_READY: 503,
}


class ProblemError(Exception):
    """Base of every domain error: carries status, stable code and detail."""

    status = 400
    code: ErrorCodeEnum = PlatformErrorCode.BAD_REQUEST
    title = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: ErrorCodeEnum | None = None,
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
    status, code, title = 401, PlatformErrorCode.AUTHENTICATION_REQUIRED, "Authentication required"


class Forbidden(ProblemError):
    status, code, title = 403, PlatformErrorCode.FORBIDDEN, "Forbidden"


class NotFound(ProblemError):
    status, code, title = 404, PlatformErrorCode.NOT_FOUND, "Not found"


class Conflict(ProblemError):
    status, code, title = 409, PlatformErrorCode.CONFLICT, "Conflict"


class ValidationFailed(ProblemError):
    """Well-formed input that breaks a rule; ``field`` names where, when one field is at fault."""

    status, code, title = 422, PlatformErrorCode.VALIDATION_ERROR, "Invalid input"

    def __init__(self, detail: str, *, field: str | None = None, **kwargs: Any) -> None:
        if field and "errors" not in kwargs:
            kwargs["errors"] = {field: [detail]}
        super().__init__(detail, **kwargs)


# Codes for errors that come from HTTP itself rather than the domain.
HTTP_CODES = {
    400: PlatformErrorCode.BAD_REQUEST,
    401: PlatformErrorCode.AUTHENTICATION_REQUIRED,
    403: PlatformErrorCode.FORBIDDEN,
    404: PlatformErrorCode.NOT_FOUND,
    405: PlatformErrorCode.METHOD_NOT_ALLOWED,
    406: PlatformErrorCode.NOT_ACCEPTABLE,
    409: PlatformErrorCode.CONFLICT,
    413: PlatformErrorCode.PAYLOAD_TOO_LARGE,
    415: PlatformErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: PlatformErrorCode.VALIDATION_ERROR,
    429: PlatformErrorCode.RATE_LIMITED,
}


def problem_response(
    status: int,
    code: ErrorCodeEnum,
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
                400, PlatformErrorCode.MALFORMED_JSON, "Malformed JSON",
                "The request body is not valid JSON.",
            )
        errors: dict[str, list[str]] = {}
        for location_messages in per_location.values():
            errors.update(flatten_messages(location_messages))
        problem_code = getattr(data.get("schema"), "problem_code", None)
        if problem_code:  # a schema whose failure is a problem of its own (a required header)
            detail = " ".join(dict.fromkeys(m for ms in errors.values() for m in ms))
            return problem_response(status, problem_code, "Invalid input", detail, errors=errors)
        unknown_only = errors and all(m == ["Unknown field."] for m in errors.values())
        return problem_response(
            status,
            PlatformErrorCode.UNKNOWN_FIELD if unknown_only
            else HTTP_CODES.get(status, PlatformErrorCode.BAD_REQUEST),
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
        HTTP_CODES.get(status, PlatformErrorCode.HTTP_ERROR if status < 500
                       else PlatformErrorCode.INTERNAL_ERROR),
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
            409, PlatformErrorCode.CONFLICT, "Conflict", "The change conflicts with existing data."
        )

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return http_exception_to_problem(error)
        log.exception("unhandled error")
        return problem_response(
            500, PlatformErrorCode.INTERNAL_ERROR, "Internal server error",
            "Something went wrong on our side.",
        )
