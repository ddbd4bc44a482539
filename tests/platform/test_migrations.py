"""Every revision upgrades and downgrades cleanly, on SQLite and on PostgreSQL."""


import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from gannan import create_app
from gannan.platform.extensions import db
from tests.helpers import TEST_CONFIG, throwaway_postgres

APP_TABLES = {"users", "user_roles", "counties", "sellers", "seller_members", "qualifications",
              "seller_decisions", "notifications", "categories", "products", "skus",
              "certificates", "certificate_products", "trace_batches", "inspections",
              "spot_checks", "search_outbox"}


def round_trip(url: str) -> None:
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert APP_TABLES <= tables
        assert db.session.scalar(sa.text("SELECT count(*) FROM counties WHERE NOT retired")) == 18
        db.session.remove()
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert APP_TABLES <= set(sa.inspect(db.engine).get_table_names())
        db.session.remove()
        db.engine.dispose()


def test_round_trip_on_sqlite(tmp_path):
    round_trip(f"sqlite:///{tmp_path}/migrations.sqlite3")


@pytest.mark.postgres
def test_round_trip_on_postgresql():
    with throwaway_postgres("gannan_migrations") as url:
        round_trip(url)


def test_models_and_migrations_agree(app):
    """Autogenerate finds nothing to do: no model change is missing a revision."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_0014_keeps_one_open_request_per_order_and_dates_waiting_returns(tmp_path):
    """Data from before 0014: two open requests for one order (the race it closes) keep
    the older; a request already waiting for its return is given its return days."""
    import sqlite3
    from datetime import datetime, timedelta, timezone

    path = tmp_path / "m.sqlite3"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade(revision="0013")
        db.session.remove()
        db.engine.dispose()
    raw = sqlite3.connect(path)  # foreign keys off: only these two tables matter here
    row = ("INSERT INTO after_sales_requests (id, seller_order_id, seller_id, buyer_id, kind, "
           "reason, description, requested_fen, line_ids, status, respond_by, created_at) "
           "VALUES (?, ?, 1, 1, 'return_and_refund', 'quality', 'x', 100, '[]', ?, "
           "'2026-11-01 00:00:00', '2026-11-01 00:00:00')")
    raw.executemany(row, [(1, 10, "requested"), (2, 10, "escalated"), (3, 10, "closed"),
                          (4, 11, "awaiting_return")])
    raw.execute("INSERT INTO after_sales_events (request_id, action, to_status, created_at) "
                "VALUES (4, 'accept', 'awaiting_return', '2026-11-02 08:00:00')")
    raw.commit()
    raw.close()
    with app.app_context():
        upgrade()
        rows = dict(db.session.execute(sa.text(
            "SELECT id, status FROM after_sales_requests ORDER BY id")).all())
        assert rows == {1: "requested", 2: "closed", 3: "closed", 4: "awaiting_return"}
        assert db.session.execute(sa.text(
            "SELECT action, to_status FROM after_sales_events WHERE request_id = 2")).all() \
            == [("close", "closed")]
        from gannan.orders.models import AfterSalesRequest

        assert db.session.get(AfterSalesRequest, 4).return_by == \
            datetime(2026, 11, 2, 8, tzinfo=timezone.utc) + timedelta(days=7)
        assert db.session.get(AfterSalesRequest, 1).return_by is None
        db.session.remove()
        db.engine.dispose()
