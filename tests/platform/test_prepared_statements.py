"""psycopg's prepared statements outlive a rollback on the app's PostgreSQL connections
(issue 10: every read-only or refused request ended in a rollback, which made psycopg
forget them, so PostgreSQL planned every query of every request again), and a connection
the pool hands out has begun its transaction, which is also its liveness check."""

import time

import psycopg
import pytest
import sqlalchemy as sa

from flask_migrate import upgrade

from gannan import create_app
from gannan.catalog.models import ProductStatus
from gannan.platform.config import normalise_database_url
from gannan.platform.extensions import PREPARE_AT_ONCE, PreparedKeepingConnection, db
from gannan.platform.models import SellerStatus
from tests.factories import ProductFactory, SellerFactory, UserFactory
from tests.helpers import ADDRESS, TEST_CONFIG, bearer, throwaway_postgres
from tests.services import need_postgres

pytestmark = pytest.mark.postgres

PREPARED = sa.text("SELECT count(*) FROM pg_prepared_statements "
                   "WHERE statement LIKE 'SELECT count(*) FROM pg_class WHERE relname%'")
QUERY = sa.text("SELECT count(*) FROM pg_class WHERE relname = :name")


@pytest.fixture
def engine():
    engine = sa.create_engine(normalise_database_url(need_postgres()))
    yield engine
    engine.dispose()


def test_a_query_run_in_rolled_back_transactions_gets_prepared_and_stays(engine):
    with engine.connect() as conn:
        assert isinstance(conn.connection.dbapi_connection, PreparedKeepingConnection)
        for _ in range(6):  # psycopg prepares a query on its sixth run (threshold 5)
            assert conn.execute(QUERY, {"name": "no such relation"}).scalar() == 0
            conn.rollback()
        assert conn.execute(PREPARED).scalar() == 1
        conn.rollback()
        assert conn.execute(PREPARED).scalar() == 1


def test_a_failed_transaction_still_rolls_back_and_the_connection_goes_on(engine):
    with engine.connect() as conn:
        with pytest.raises(sa.exc.DataError):
            conn.execute(sa.text("SELECT 1 / 0"))
        conn.rollback()
        assert conn.execute(QUERY, {"name": "pg_class"}).scalar() == 1
        conn.rollback()


def test_a_rollback_on_a_dead_connection_raises_as_psycopg_does(engine):
    raw = engine.raw_connection()
    try:
        connection = raw.dbapi_connection
        pid = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
        with engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
        with pytest.raises(psycopg.OperationalError):
            for _ in range(50):  # the backend may take a moment to go
                connection.rollback()
                connection.execute("SELECT 1")
    finally:
        raw.invalidate()


# The pool's liveness check is the transaction's BEGIN, sent at checkout (one round trip
# where pool_pre_ping's SELECT 1 and psycopg's own BEGIN made two).


def test_a_checked_out_connection_is_already_in_its_transaction(engine):
    """The transaction began when the pool handed the connection out, not at the first
    statement: now() (the transaction's start) is before the statement's own time."""
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        time.sleep(0.05)
        waited = conn.execute(sa.text(
            "SELECT extract(epoch FROM statement_timestamp() - now())")).scalar()
        assert waited >= 0.05
        conn.rollback()
        assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with engine.connect() as conn:  # checked out again: a new transaction, BEGIN again
        assert conn.connection.dbapi_connection.info.transaction_status \
            == psycopg.pq.TransactionStatus.INTRANS


def test_a_pooled_connection_the_server_dropped_is_replaced_at_checkout(engine):
    with engine.connect() as conn:
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    # checked back in; the server drops it (a restart, a failover, an admin)
    killer = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    with killer.begin() as other:
        assert other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    killer.dispose()
    for _ in range(50):  # the backend may take a moment to go
        with engine.connect() as probe:
            if probe.connection.dbapi_connection.info.backend_pid != pid:
                break
        time.sleep(0.02)
    with engine.connect() as conn:  # no error reaches the caller: a new connection
        assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar() != pid
        assert conn.execute(QUERY, {"name": "pg_class"}).scalar() == 1


def test_an_autocommit_connection_gets_no_begin():
    engine = sa.create_engine(normalise_database_url(need_postgres()),
                              isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
            assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    finally:
        engine.dispose()


def test_a_statement_marked_prepare_at_once_is_prepared_on_its_first_run(engine):
    """The hot paths' statements (the account, the checkout's cart read and write) skip
    psycopg's five unprepared runs; any other statement still waits for them."""
    with engine.connect() as conn:
        conn.execute(QUERY, {"name": "pg_class"})
        assert conn.execute(PREPARED).scalar() == 0
        marked = QUERY.execution_options(**PREPARE_AT_ONCE)
        assert conn.execute(marked, {"name": "pg_class"}).scalar() == 1
        assert conn.execute(PREPARED).scalar() == 1
        conn.rollback()


def test_every_statement_of_a_checkout_is_prepared_on_its_first_run(monkeypatch, tmp_path):
    """The account read, the cart read and the write run with psycopg's prepare=True,
    not after five runs on a connection (a gunicorn worker's connections are new after
    each max_requests)."""
    with throwaway_postgres("prepared") as url:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                          "SEARCH_INDEX_PATH": str(tmp_path / "index.sqlite3")})
        with app.app_context():
            upgrade()
            seller = SellerFactory(owner=UserFactory(), status=SellerStatus.APPROVED)
            product = ProductFactory(seller=seller, status=ProductStatus.PUBLISHED)
            shopper = UserFactory()
            db.session.commit()
            client = app.test_client()
            headers = bearer(shopper)
            added = client.post("/api/v1/cart/items", headers=headers,
                                json={"sku_id": product.skus[0].id, "quantity": 1})
            assert added.status_code == 201, added.get_json()
            runs = []
            execute = psycopg.Cursor.execute

            def recording(cursor, query, params=None, **kwargs):
                runs.append((" ".join(str(query).split())[:40], kwargs.get("prepare")))
                return execute(cursor, query, params, **kwargs)

            db.session.remove()
            monkeypatch.setattr(psycopg.Cursor, "execute", recording)
            response = client.post("/api/v1/checkout",
                                   headers={**headers, "Idempotency-Key": "prepared"},
                                   json={"address": ADDRESS, "payment_method": "cod"})
            monkeypatch.undo()
            assert response.status_code == 201, response.get_json()
            assert [query.split()[0] for query, _ in runs] == ["SELECT", "SELECT", "WITH"], runs
            assert all(prepare is True for _, prepare in runs), runs
            db.session.remove()
            db.engine.dispose()
