"""psycopg's prepared statements outlive a rollback on the app's PostgreSQL connections
(issue 10: every read-only or refused request ended in a rollback, which made psycopg
forget them, so PostgreSQL planned every query of every request again)."""

import psycopg
import pytest
import sqlalchemy as sa

from gannan.platform.config import normalise_database_url
from gannan.platform.extensions import PreparedKeepingConnection
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
