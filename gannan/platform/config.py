"""Settings, read from the environment with typed defaults.

The embedded default (no environment at all) is a development setup: SQLite in the
instance folder, tasks run inline, the local search index.  Production is
``GANNAN_ENV=production``; there no secret has a default and a missing one stops
the app at start-up instead of running with a guessable key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

REQUIRED_IN_PRODUCTION = (
    "SECRET_KEY", "DATABASE_URL", "REPORT_SIGNING_KEY", "PLATFORM_OPERATOR_USCC",
)


class ConfigError(RuntimeError):
    """A setting is missing or malformed; raised at start-up, never per request."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key(instance_path: str) -> str:
    """A random key kept in the instance folder, so dev tokens survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgres://``/``postgresql://`` forms and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def settings_from_env(instance_path: str) -> dict[str, Any]:
    env = os.environ.get("GANNAN_ENV", "development")
    production = env == "production"
    if production:
        missing = [name for name in REQUIRED_IN_PRODUCTION if not os.environ.get(name)]
        if missing:
            raise ConfigError(
                "GANNAN_ENV=production needs these settings, which have no default: "
                + ", ".join(missing)
            )

    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "gannan.sqlite3")
    )
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    stripe_key = os.environ.get("STRIPE_API_KEY", "")

    return {
        "GANNAN_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _dev_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Request bodies above this size get a 413 before any parsing.
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 1024 * 1024),
        "ACCESS_TOKEN_TTL_SECONDS": _env_int("ACCESS_TOKEN_TTL_SECONDS", 3600),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "REGISTRATION_RATE_LIMIT": os.environ.get("REGISTRATION_RATE_LIMIT", "10 per hour"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "CELERY": {
            "broker_url": broker_url or "memory://",
            "result_backend": os.environ.get("CELERY_RESULT_BACKEND", "") or None,
            # Without a broker the embedded default runs every task inline.
            "task_always_eager": _env_bool("CELERY_TASK_ALWAYS_EAGER", not broker_url),
            "task_eager_propagates": True,
            "task_ignore_result": False,
            "timezone": "Asia/Shanghai",
            "enable_utc": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "broker_connection_retry_on_startup": True,
            # Each domain adds its entries in its init_app (celery_app.add_beat_entries).
            "beat_schedule": {},
        },
        "ELASTICSEARCH_URL": os.environ.get("ELASTICSEARCH_URL", ""),
        "ELASTICSEARCH_INDEX": os.environ.get("ELASTICSEARCH_INDEX", "gannan-products"),
        # elasticsearch | sqlite; unset: Elasticsearch when ELASTICSEARCH_URL is set
        "SEARCH_BACKEND": os.environ.get("SEARCH_BACKEND", ""),
        "SEARCH_INDEX_PATH": os.environ.get("SEARCH_INDEX_PATH")
        or str(Path(instance_path) / "search.sqlite3"),
        # Where shoppers reach the API, for the URLs in trace QR codes (default: request host)
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", ""),
        "STRIPE_API_KEY": stripe_key,
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        # Ed25519 private key (PEM, PKCS#8) that signs certified reports; required in
        # production, generated into the instance folder in development.
        "REPORT_SIGNING_KEY": os.environ.get("REPORT_SIGNING_KEY", ""),
        # Who receives award (1): the platform operator.
        "PLATFORM_OPERATOR_NAME": os.environ.get("PLATFORM_OPERATOR_NAME",
                                                 "赣南特色产品网络销售平台运营方"),
        # A made-up but well-formed code for development; production must set the real one.
        "PLATFORM_OPERATOR_USCC": os.environ.get("PLATFORM_OPERATOR_USCC", "91360700MA3GNPT0XH"),
        # Unpaid Stripe orders release their stock after this many minutes.
        "ORDER_PAYMENT_MINUTES": _env_int("ORDER_PAYMENT_MINUTES", 30),
        # Delivered orders the buyer does not confirm complete after this many days.
        "ORDER_AUTO_COMPLETE_DAYS": _env_int("ORDER_AUTO_COMPLETE_DAYS", 7),
        # flask-smorest / OpenAPI
        "API_TITLE": "赣南特色产品 Marketplace API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/static/",
        "API_SPEC_OPTIONS": {
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                }
            },
            "info": {
                "description": (
                    "Storefront, traceability and reporting API of the Gannan specialty-"
                    "products marketplace. Errors are application/problem+json (RFC 9457) "
                    "with a stable `code`. Money is integer fen. No string may hold NUL "
                    "(U+0000) or an unpaired surrogate (422); JSON nested deeper than 64 "
                    "levels or with a number of more than 100 characters is refused (400)."
                )
            },
        },
        "JSON_AS_ASCII": False,
    }
