"""What a request gets when a service behind the app fails under it: a 503, not a 500.

A database connection cut mid-request (a failover, ``pg_terminate_backend``, a
restart) or a broker that is down are outages, not bugs: the client is told to retry
(``Retry-After``) and nothing the request started is kept, because the transaction
is rolled back.  The next request gets a fresh connection (checked at checkout: on
PostgreSQL by the BEGIN sent then, elsewhere by ``pool_pre_ping``).
"""

from __future__ import annotations

import logging

from flask import Flask, Response
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

log = logging.getLogger(__name__)


def _rollback() -> None:
    from gannan.platform.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the pool drops it
        log.debug("rollback after an outage failed", exc_info=True)


def _end_session(exc: BaseException | None = None) -> None:
    """At the end of a request, give the session back even if its connection was cut
    after the last statement (the ROLLBACK of closing it would fail, and the error would
    escape the request after its response was made): then drop the connection unused."""
    from gannan.platform.extensions import db

    try:
        db.session.remove()
    except DBAPIError:
        log.warning("connection lost at the end of a request; discarded", exc_info=True)
        db.session().invalidate()
        db.session.registry.clear()


def register_outage_handlers(app: Flask) -> None:
    """Called after ``db.init_app``: this teardown runs before Flask-SQLAlchemy's."""
    from gannan.platform.errors import PlatformErrorCode, is_contention, problem_response

    app.teardown_appcontext(_end_session)

    def database_down(error: Exception) -> Response:
        _rollback()
        log.warning("database unavailable: %s", getattr(error, "orig", error))
        return problem_response(503, PlatformErrorCode.DATABASE_UNAVAILABLE, "Database unavailable",
                                "The database did not answer; nothing was changed. Retry.",
                                headers={"Retry-After": "1"})

    def broker_down(error: Exception) -> Response:
        _rollback()
        log.warning("task broker unavailable: %s", error)
        return problem_response(503, PlatformErrorCode.TASK_QUEUE_UNAVAILABLE, "Task queue unavailable",
                                "The task queue did not answer; retry in a moment.",
                                headers={"Retry-After": "5"})

    def contention_or_down(error: OperationalError) -> Response:
        """Too many writers at once (SQLite's busy timeout ran out, a PostgreSQL deadlock
        or lock timeout) is a 503 to retry at once; anything else, the database is down.
        Either way nothing was written."""
        if not is_contention(error):
            return database_down(error)
        _rollback()
        log.warning("database contention: %s", error.orig)
        return problem_response(
            503, PlatformErrorCode.DATABASE_BUSY, "Database busy",
            "Too many changes at the same moment; nothing was changed. Try again.",
            headers={"Retry-After": "1"})

    app.register_error_handler(OperationalError, contention_or_down)
    app.register_error_handler(InterfaceError, database_down)
    app.register_error_handler(BrokerError, broker_down)
    # The Redis result backend (sending a task subscribes to its result) fails this way.
    app.register_error_handler(RedisConnectionError, broker_down)
    app.register_error_handler(RedisTimeoutError, broker_down)
