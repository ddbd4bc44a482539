"""Every revision upgrades and downgrades cleanly, on SQLite and on PostgreSQL."""

import time
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from gannan import create_app
from gannan.platform.config import normalise_database_url
from gannan.platform.extensions import db
from tests.helpers import TEST_CONFIG
from tests.services import need_postgres

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
    base = sa.engine.make_url(normalise_database_url(need_postgres()))
    name = f"gannan_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        round_trip(base.set(database=name).render_as_string(hide_password=False))
    finally:
        for attempt in range(10):  # an autovacuum worker (not ours to end) may be in it
            try:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except sa.exc.ProgrammingError:
                if attempt == 9:
                    raise
                time.sleep(1)
        admin.dispose()


def test_models_and_migrations_agree(app):
    """Autogenerate finds nothing to do: no model change is missing a revision."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []
