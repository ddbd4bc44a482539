"""Extension objects, created once and bound to an app with ``init_app``."""

from __future__ import annotations

import sqlite3

import psycopg
from flask.globals import request_ctx
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from marshmallow import Schema, fields
from psycopg import pq
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool
from werkzeug.routing import IntegerConverter

# Stable constraint names, so Alembic revisions work the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ProblemSchema(Schema):
    """RFC 9457 problem details, as every error response of this API."""

    type = fields.String(metadata={"example": "urn:gannan:problem:invalid_uscc"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    code = fields.String(metadata={"description": "Stable machine-readable error code"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Per-field messages, for validation errors"},
    )
    problems = fields.List(fields.Dict(), metadata={
        "description": "Each rule broken, with its own code: the rows of an imported file "
                       "(row, column) or the certified figures sent (field)"})
    changes = fields.List(fields.Dict(), metadata={
        "description": "What a correction would change, when it needs a reason"})


class ProblemApi(Api):
    """flask-smorest Api whose errors are documented and rendered as problem+json."""

    ERROR_SCHEMA = ProblemSchema
    # Each operation's error responses are documented by the error catalogue instead.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def init_app(self, app, *, spec_kwargs=None) -> None:
        # Imported here: apidoc reads the access policies (auth), which import this module.
        from gannan.platform.apidoc import ErrorCatalogue

        spec_kwargs = dict(spec_kwargs or {})
        spec_kwargs["extra_plugins"] = [*spec_kwargs.get("extra_plugins", ()),
                                        ErrorCatalogue(app, self.ERROR_SCHEMA)]
        super().init_app(app, spec_kwargs=spec_kwargs)

    def _register_error_handlers(self) -> None:
        # gannan.platform.errors registers the app-wide handlers instead.
        return None


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = ProblemApi()


class RequestFilteredLimiter(Limiter):
    """flask-limiter, but a request its request filters exempt, or one that no limit can
    apply to before its view, costs one call of them.

    flask-limiter evaluates the filters inside its bookkeeping: it resolves the view's
    name, then evaluates an empty list of limits (meta limits, exemption scopes) and
    makes the request's limiter context, which its after-request hook reads and its
    teardown resets, before it concludes there is nothing to check.  With no meta limits
    configured (the app has none) that evaluation cannot refuse a request, so an
    exempted request skips it, and the two hooks skip a request whose context was never
    made (nothing was counted: no headers to add, nothing to reset).  Every other
    request is checked, counted and answered with its headers as before.

    The hooks are flask-limiter's private ``__check_conditional_deductions`` and
    ``__release_context`` (name-mangled ``_Limiter__…``), the ones its hooks call, and
    :meth:`_nothing_applies` reads its private ``_storage_dead`` and the limit manager's
    ``_application_limits``, ``_default_limits`` and ``_blueprint_limits``;
    tests/platform/test_counties.py fails if an upgrade renames them."""

    def _check_request_limit(self, callable_name: str | None = None,
                             in_middleware: bool = True) -> None:
        if not self._meta_limits and (any(fn() for fn in self._request_filters)
                                      or (in_middleware and self._nothing_applies())):
            return
        super()._check_request_limit(callable_name, in_middleware)

    def _nothing_applies(self) -> bool:
        """In the app-wide hook (before the view), no limit can apply to this request: none
        is application-wide, a default or on a blueprint (the app configures none of
        these), and no decorated callable has marked this endpoint (flask-limiter's
        "hints").  Its bookkeeping would then evaluate an empty list, which can neither
        refuse the request nor add a header: 0.08-0.15 ms of CPU per request.  The limits
        a view declares itself (login, registration) are checked by their decorator, as
        before.  Not while the storage is down: its in-memory fallback has limits."""
        manager = self.limit_manager
        return not (self._storage_dead or manager._application_limits
                    or manager._default_limits or manager._blueprint_limits
                    or manager.has_hints(self.identify_request()))

    def _untouched(self) -> bool:
        """This request made no limiter context of this limiter (nothing was checked)."""
        contexts = getattr(request_ctx._get_current_object(), "_limiter_request_context", None)
        return contexts is None or self not in contexts

    @property
    def current_limit(self):
        return None if self._untouched() else super().current_limit

    def _Limiter__check_conditional_deductions(self, response) -> None:
        if not self._untouched():
            super()._Limiter__check_conditional_deductions(response)

    def _Limiter__release_context(self, _: BaseException | None = None) -> None:
        if not self._untouched():
            super()._Limiter__release_context(_)


limiter = RequestFilteredLimiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite enforces foreign keys only when asked, per connection."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


class PreparedKeepingConnection(psycopg.Connection):
    """psycopg's connection, but a rollback keeps the statements it has prepared.

    psycopg prepares a query on the server once it has run five times on a connection,
    and then skips PostgreSQL's planning (the cart read of a checkout: 0.54 ms to plan,
    0.14 to run).  Its ``rollback()`` also forgets every prepared statement and their
    counts (``DEALLOCATE ALL``), in case the transaction rolled back DDL they depended
    on.  Every request that only reads, or is refused, ends in a rollback, so nothing
    was ever prepared: a refused checkout cost PostgreSQL 1.1 ms of CPU, 0.35 with this.
    The app runs no DDL on these connections (migrations run through Alembic's own), and
    psycopg still forgets its statements after any DROP or ALTER it runs itself.

    The ROLLBACK goes through libpq (``pgconn.exec_``), under the connection's lock, as
    psycopg's own does; on anything but success psycopg's own ``rollback()`` runs, so a
    broken connection raises as it always did.
    """

    def rollback(self) -> None:
        if self.pgconn.transaction_status == pq.TransactionStatus.IDLE:
            return  # nothing to end, as psycopg's own rollback() sees it
        with self.lock:
            result = self.pgconn.exec_(b"ROLLBACK")
        if result.status != pq.ExecStatus.COMMAND_OK:
            super().rollback()

    def begin_on_checkout(self) -> bool:
        """BEGIN now, through libpq, and tell whether the server answered.

        psycopg starts a transaction with a BEGIN of its own, a round trip before the
        first statement, unless one is already open; the pool's liveness check
        (``pool_pre_ping``) was one more, a ``SELECT 1``.  Sent when the pool hands
        the connection out, this BEGIN is both: the first statement runs in it, and a
        connection the server dropped (a restart, a failover) fails here, before any
        request uses it.  An autocommit connection, one already in a transaction or one
        with an isolation level of its own is left as it is (psycopg's BEGIN would
        name the level).
        """
        if self.autocommit or self.pgconn.transaction_status != pq.TransactionStatus.IDLE \
                or (self.isolation_level, self.read_only, self.deferrable) != (None, None, None):
            return True
        try:
            with self.lock:
                result = self.pgconn.exec_(b"BEGIN")
        except psycopg.Error:
            return False
        return result.status == pq.ExecStatus.COMMAND_OK


@event.listens_for(Pool, "checkout")
def _begin_on_checkout(dbapi_connection, connection_record, connection_proxy) -> None:
    """A PostgreSQL connection checked out of a pool starts its transaction at once,
    which also proves it alive; a dead one invalidates the pool (as a failed pre-ping
    does) and the pool hands out a new connection."""
    if isinstance(dbapi_connection, PreparedKeepingConnection) \
            and not dbapi_connection.begin_on_checkout():
        raise InvalidatePoolError("the server did not answer BEGIN on checkout")


# Execution option of the statements every request of a hot path runs (the account read,
# the checkout's cart read and its writes): prepared on their first run on a connection.
PREPARE_AT_ONCE = {"gannan_prepare": True}


@event.listens_for(Engine, "do_execute")
def _prepare_at_once(cursor, statement, parameters, context) -> bool | None:
    """Run a statement marked :data:`PREPARE_AT_ONCE` with psycopg's ``prepare=True``.

    psycopg prepares a query after its fifth run on a connection; until then PostgreSQL
    plans it every time (the checkout's write, six CTEs, costs more to plan than to
    run).  A pool holds its connections for a worker's life, but a gunicorn worker is
    replaced every ~2,000 requests (``max_requests``) with new ones, and under load the
    statements of a sale came around on each of 32 connections only one or two times a
    second.  Others keep psycopg's threshold: a query run once (a report's) is not worth
    preparing.  Returning None leaves the execution to the dialect, as for any other."""
    if context.execution_options.get("gannan_prepare") and isinstance(cursor, psycopg.Cursor):
        cursor.execute(statement, parameters, prepare=True)
        return True
    return None


@event.listens_for(Engine, "do_connect")
def _psycopg_keeps_prepared(dialect, connection_record, cargs, cparams):
    """PostgreSQL connections through psycopg are :class:`PreparedKeepingConnection`
    (what SQLAlchemy's psycopg dialect would call, ``psycopg.connect``, on that class)."""
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        return PreparedKeepingConnection.connect(*cargs, **cparams)
    return None


class IdConverter(IntegerConverter):
    """``<id:seller_id>``: a positive id that fits the database's INTEGER; others are 404.

    ASCII digits only: werkzeug's ``\\d+`` also matches fullwidth digits (``/sellers/１``).
    """

    regex = r"[0-9]+"

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        super().__init__(map, min=1, max=2**31 - 1)


def register_converters(app) -> None:
    app.url_map.converters["id"] = IdConverter
    api.register_converter(
        IdConverter, lambda converter: {"type": "integer", "format": "int32", "minimum": 1}
    )
