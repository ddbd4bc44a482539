"""Gate for tests that need a real service.

A test that needs PostgreSQL, Redis, Elasticsearch, stripe-mock or an S3-compatible
store (moto's server in CI) asks for it here,
and so does one that needs a program of a Debian package (pdftoppm, zbarimg).
When the service is not configured or not reachable the test is skipped with a
one-line reason, unless ``REQUIRE_SERVICES=1`` (CI), where it fails instead: a
service CI cannot start is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from functools import cache

import pytest

REQUIRE = os.environ.get("REQUIRE_SERVICES", "") in {"1", "true", "yes"}


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql")):
        return url
    return os.environ.get("DATABASE_URL_PG") or None


@cache
def _probe(name: str, url: str, check: Callable[[str], object]) -> str | None:
    try:
        check(url)
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{name} not reachable at {url}: {type(exc).__name__}: {exc}".splitlines()[0]
    return None


def need(name: str, env_var: str, url: str | None, check: Callable[[str], object]) -> str:
    """Return the service URL, or skip (fail under REQUIRE_SERVICES) saying why."""
    reason = f"{name} not configured (set {env_var})" if not url else _probe(name, url, check)
    if reason:
        _missing(reason)
    return url


def need_program(program: str, package: str) -> str:
    """Return the program's path, or skip (fail under REQUIRE_SERVICES) naming its package."""
    path = shutil.which(program)
    if path is None:
        _missing(f"{program} not installed (Debian package {package}, which make test "
                 f"installs as root)")
    return path


def _missing(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _check_postgres(url: str) -> None:
    import sqlalchemy as sa

    from gannan.platform.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(url), connect_args={"connect_timeout": 3})
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    engine.dispose()


def _check_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=3).ping()


def _check_elasticsearch(url: str) -> None:
    from elasticsearch import Elasticsearch

    Elasticsearch(url, request_timeout=5).cluster.health()


def _check_stripe_mock(url: str) -> None:
    import urllib.request

    request = urllib.request.Request(
        url.rstrip("/") + "/v1/customers", headers={"Authorization": "Bearer sk_test_probe"}
    )
    urllib.request.urlopen(request, timeout=3).read()


def need_postgres() -> str:
    return need("PostgreSQL", "DATABASE_URL or DATABASE_URL_PG", postgres_url(), _check_postgres)


def need_redis() -> str:
    return need("Redis", "CELERY_BROKER_URL", os.environ.get("CELERY_BROKER_URL"), _check_redis)


def need_elasticsearch() -> str:
    return need("Elasticsearch", "ELASTICSEARCH_URL", os.environ.get("ELASTICSEARCH_URL"),
                _check_elasticsearch)


def need_stripe_mock() -> str:
    return need("stripe-mock", "STRIPE_API_BASE", os.environ.get("STRIPE_API_BASE"),
                _check_stripe_mock)


def _check_s3(url: str) -> None:
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(url, timeout=3).read()
    except urllib.error.HTTPError:
        pass  # any HTTP answer (403 without credentials) is a server that is up


def need_s3() -> str:
    """An S3-compatible endpoint (``S3_ENDPOINT_URL``; .ci/services.sh runs moto's)."""
    return need("S3-compatible store", "S3_ENDPOINT_URL", os.environ.get("S3_ENDPOINT_URL"),
                _check_s3)


def browser_binaries() -> tuple[str | None, str | None]:
    """Debian's chromium and chromium-driver (CHROMIUM_BIN, CHROMEDRIVER_BIN override)."""
    import shutil

    chromium = os.environ.get("CHROMIUM_BIN") or shutil.which("chromium") \
        or shutil.which("chromium-browser")
    driver = os.environ.get("CHROMEDRIVER_BIN") or shutil.which("chromedriver")
    return chromium, driver


def need_browser() -> tuple[str, str]:
    """(chromium, chromedriver) paths, or skip (fail under REQUIRE_SERVICES) saying why."""
    chromium, driver = browser_binaries()
    missing = [name for name, path in (("chromium", chromium), ("chromedriver", driver))
               if not path]
    reason = None
    if missing:
        reason = (f"{' and '.join(missing)} not installed "
                  "(apt-get install chromium chromium-driver)")
    else:
        try:
            import selenium  # noqa: F401
        except ImportError:
            reason = "selenium not installed (pip install -e '.[dev]')"
    if reason:
        if REQUIRE:
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return chromium, driver
