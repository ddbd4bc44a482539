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


def _env_list(name: str) -> list[str]:
    """A comma-separated setting: ``a, b`` -> ``["a", "b"]``; unset -> ``[]``."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _beat_lock_url(broker_url: str) -> str:
    """Where the one beat holds its lock: ``BEAT_LOCK_URL``, else a Redis broker."""
    explicit = os.environ.get("BEAT_LOCK_URL", "")
    if explicit:
        return explicit
    return broker_url if broker_url.startswith(("redis://", "rediss://")) else ""


def _transport_options(visibility_timeout: int) -> dict[str, int]:
    """Redis broker: a task a dead worker held goes back to the queue once it is
    ``visibility_timeout`` seconds old; each worker looks for such tasks every few
    seconds (kombu's default looks only every 100 s)."""
    return {"visibility_timeout": visibility_timeout,
            "unacked_restore_interval": max(1, min(10, visibility_timeout // 3)),
            "unacked_restore_throttle": 1}


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgres://``/``postgresql://`` forms and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine_options(settings: dict[str, Any]) -> dict[str, Any]:
    """SQLAlchemy's engine options for the database the settings finally name (tests put
    their own on top of the environment's): every connection is checked when the pool
    hands it out (a database restart costs no request); on a server database the pool
    keeps ``DATABASE_POOL_SIZE`` connections per process (default 10).  Each gunicorn
    thread holds one through its request, and a pool smaller than the threads closes
    the extra connections as they come back and opens new ones (a PostgreSQL backend
    each) under load; SQLAlchemy's default is 5.  SQLite keeps the pool
    Flask-SQLAlchemy gives it.

    On PostgreSQL the check is the transaction's BEGIN, sent at checkout
    (:func:`gannan.platform.extensions._begin_on_checkout`), so the ``SELECT 1`` of
    ``pool_pre_ping`` would be a round trip for nothing."""
    options = dict(settings["SQLALCHEMY_ENGINE_OPTIONS"])
    url = str(settings["SQLALCHEMY_DATABASE_URI"])
    if not url.startswith("sqlite"):
        options.setdefault("pool_size", settings["DATABASE_POOL_SIZE"])
    if url.startswith("postgresql+psycopg:"):
        options.pop("pool_pre_ping", None)
    return options


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
        "DATABASE_POOL_SIZE": _env_int("DATABASE_POOL_SIZE", 10),
        # Request bodies above this size get a 413 before any parsing.
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 1024 * 1024),
        "ACCESS_TOKEN_TTL_SECONDS": _env_int("ACCESS_TOKEN_TTL_SECONDS", 3600),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "REGISTRATION_RATE_LIMIT": os.environ.get("REGISTRATION_RATE_LIMIT", "10 per hour"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: limits go on per process in memory instead of failing every login.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Proxies in front of the app (load balancer, nginx) whose X-Forwarded-* to trust;
        # 0 (the default) trusts none, so a client cannot fake its address.
        "TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
        # Storefronts on other origins allowed to call /api (comma-separated); none by default.
        "CORS_ORIGINS": _env_list("CORS_ORIGINS"),
        # json (one object per line, with the request id) or text
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json" if production else "text"),
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
            # acks_late: a task a worker was running when it died goes to another one.
            # Redis hands it out again after the visibility timeout (seconds).
            "worker_prefetch_multiplier": 1,
            # A request that sends a task must not hang for 20 s on a Redis result store
            # that is down (Celery's default); a few quick retries, then a 503.
            "result_backend_transport_options": {
                "retry_policy": {"max_retries": 3, "interval_start": 0,
                                 "interval_step": 0.5, "interval_max": 1}},
            "broker_transport_options": _transport_options(
                _env_int("CELERY_VISIBILITY_TIMEOUT", 3600)),
            # One beat sends the schedule, however many are started (gannan.platform.beat).
            "beat_scheduler": "gannan.platform.beat:SingletonScheduler",
            "beat_lock_url": _beat_lock_url(broker_url),
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
        # pk_…: the checkout page then takes cards with Stripe's Payment Element
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        # Ed25519 private key (PEM, PKCS#8) that signs certified reports; required in
        # production, generated into the instance folder in development.
        "REPORT_SIGNING_KEY": os.environ.get("REPORT_SIGNING_KEY", ""),
        # TrueType font (.ttf/.ttc) embedded for Chinese text in PDFs; unset: the Debian
        # package's (fonts-wqy-microhei), see gannan/platform/fonts.py
        "PDF_FONT_PATH": os.environ.get("PDF_FONT_PATH", ""),
        # Who receives award (1): the platform operator.
        "PLATFORM_OPERATOR_NAME": os.environ.get("PLATFORM_OPERATOR_NAME",
                                                 "赣南特色产品网络销售平台运营方"),
        # A made-up but well-formed code for development; production must set the real one.
        "PLATFORM_OPERATOR_USCC": os.environ.get("PLATFORM_OPERATOR_USCC", "91360700MA3GNPT0XH"),
        # Seller review: a county with a commerce office on the platform recommends its
        # sellers (推荐) before an admin approves them; off: admins approve directly.
        "COUNTY_RECOMMENDATION_REQUIRED": _env_bool("COUNTY_RECOMMENDATION_REQUIRED", True),
        # Largest CSV/XLSX of certified figures the bureau may upload at once.
        "BUREAU_IMPORT_MAX_BYTES": _env_int("BUREAU_IMPORT_MAX_BYTES", 8 * 1024 * 1024),
        # Unpaid Stripe orders release their stock after this many minutes.
        "ORDER_PAYMENT_MINUTES": _env_int("ORDER_PAYMENT_MINUTES", 30),
        # Delivered orders the buyer does not confirm complete after this many days.
        "ORDER_AUTO_COMPLETE_DAYS": _env_int("ORDER_AUTO_COMPLETE_DAYS", 7),
        # Money: completed orders are settled this many days later; commission (basis
        # points) where no rate was set for the category or seller.
        # After-sales: a buyer may open a request this many days after delivery; a
        # seller has this many hours to answer (then it is accepted); a rejected buyer
        # may escalate for this many days.
        "AFTERSALES_WINDOW_DAYS": _env_int("AFTERSALES_WINDOW_DAYS", 7),
        "AFTERSALES_RESPONSE_HOURS": _env_int("AFTERSALES_RESPONSE_HOURS", 48),
        "AFTERSALES_ESCALATION_DAYS": _env_int("AFTERSALES_ESCALATION_DAYS", 3),
        # ... and a buyer told to send the goods back has this many days to ship them.
        "AFTERSALES_RETURN_DAYS": _env_int("AFTERSALES_RETURN_DAYS", 7),
        # Uploaded photos: "local" (files under MEDIA_ROOT) or "s3" (a bucket of any
        # S3-compatible store); see gannan/platform/storage.py
        "MEDIA_STORAGE": os.environ.get("MEDIA_STORAGE", "local"),
        "MEDIA_S3_ENDPOINT_URL": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
        "MEDIA_S3_BUCKET": os.environ.get("MEDIA_S3_BUCKET", ""),
        "MEDIA_S3_ACCESS_KEY_ID": os.environ.get("MEDIA_S3_ACCESS_KEY_ID") or None,
        "MEDIA_S3_SECRET_ACCESS_KEY": os.environ.get("MEDIA_S3_SECRET_ACCESS_KEY") or None,
        "MEDIA_S3_REGION": os.environ.get("MEDIA_S3_REGION", "us-east-1"),
        "MEDIA_S3_PREFIX": os.environ.get("MEDIA_S3_PREFIX", ""),
        "MEDIA_ROOT": os.environ.get("MEDIA_ROOT") or str(Path(instance_path) / "media"),
        "MONEY_SETTLEMENT_DAYS": _env_int("MONEY_SETTLEMENT_DAYS", 7),
        "MONEY_DEFAULT_COMMISSION_BP": _env_int("MONEY_DEFAULT_COMMISSION_BP", 500),
        # A Stripe payout "sending" this long was left by a process that died: the
        # sweep (money.sweep_stuck_payouts) settles it with Stripe.
        "MONEY_PAYOUT_STUCK_MINUTES": _env_int("MONEY_PAYOUT_STUCK_MINUTES", 15),
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
            # Every operation needs a bearer token unless the error catalogue marks it
            # public (security: []), from the Policy rule that guards it.
            "security": [{"bearerAuth": []}],
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
