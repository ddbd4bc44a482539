"""Revision 0011 moves external sales recorded by seller into the register and back,
on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from gannan import create_app
from gannan.platform.extensions import db
from tests.factories import valid_uscc
from tests.helpers import TEST_CONFIG, throwaway_postgres

WHEN = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def _seed_before_the_register() -> dict[str, int]:
    conn = db.session.connection()
    conn.execute(sa.text(
        "INSERT INTO users (id, email, password_hash, display_name, is_active, created_at) "
        "VALUES (1, 'bureau@x.cn', 'x', '市商务局', :t, :w)"), {"t": True, "w": WHEN})
    for seller_id, kind, county in ((1, "cooperative", "360722"), (2, "enterprise", "360732")):
        conn.execute(sa.text(
            "INSERT INTO sellers (id, name, uscc, kind, county_code, contact_name, "
            "contact_phone, address, status, created_at) VALUES (:id, :name, :uscc, :kind, "
            ":county, '张三', '13800000000', '赣州', 'approved', :w)"),
            {"id": seller_id, "name": f"卖家{seller_id}", "uscc": valid_uscc(seller_id, county),
             "kind": kind, "county": county, "w": WHEN})
    rows = [(1, 2025, 100, 80, 70, "天猫"), (1, 2026, 200, 150, 0, None),
            (2, 2026, 300, 0, 0, "京东")]
    for seller_id, year, online, agricultural, upstream, note in rows:
        conn.execute(sa.text(
            "INSERT INTO external_sales (seller_id, year, online_fen, agricultural_fen, "
            "upstream_fen, note, recorded_by_id, recorded_at) VALUES (:s, :y, :o, :a, :u, "
            ":n, 1, :w)"), {"s": seller_id, "y": year, "o": online, "a": agricultural,
                            "u": upstream, "n": note, "w": WHEN})
    db.session.commit()
    return {"rows": len(rows)}


def round_trip(url: str) -> None:
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0010")
        seeded = _seed_before_the_register()
        upgrade(revision="0011")
        conn = db.session.connection()
        applicants = conn.execute(sa.text(
            "SELECT uscc, name, kind, county_code FROM applicants ORDER BY uscc")).all()
        assert applicants == [(valid_uscc(1, "360722"), "卖家1", "cooperative", "360722"),
                              (valid_uscc(2, "360732"), "卖家2", "enterprise", "360732")]
        figures = conn.execute(sa.text(
            "SELECT a.name, f.year, f.online_retail_fen, f.agricultural_fen, f.upstream_fen, "
            "f.specialty_fen, f.livestream_fen, f.note FROM certified_figures f JOIN "
            "applicants a ON a.id = f.applicant_id ORDER BY a.name, f.year")).all()
        assert figures == [("卖家1", 2025, 100, 80, 70, None, None, "天猫"),
                           ("卖家1", 2026, 200, 150, 0, None, None, None),
                           ("卖家2", 2026, 300, 0, 0, None, None, "京东")]
        audit = conn.execute(sa.text("SELECT count(*) FROM register_changes")).scalar()
        assert audit == 2 + seeded["rows"]  # each applicant registered, each row moved
        assert "external_sales" not in sa.inspect(conn).get_table_names()
        db.session.commit()

        downgrade(revision="0010")
        conn = db.session.connection()
        back = conn.execute(sa.text(
            "SELECT seller_id, year, online_fen, agricultural_fen, upstream_fen, note "
            "FROM external_sales ORDER BY seller_id, year")).all()
        assert back == [(1, 2025, 100, 80, 70, "天猫"), (1, 2026, 200, 150, 0, None),
                        (2, 2026, 300, 0, 0, "京东")]
        assert "applicants" not in sa.inspect(conn).get_table_names()
        db.session.remove()
        db.engine.dispose()


def test_external_sales_move_into_the_register_on_sqlite(tmp_path):
    round_trip(f"sqlite:///{tmp_path}/register.sqlite3")


@pytest.mark.postgres
def test_external_sales_move_into_the_register_on_postgresql():
    with throwaway_postgres("gannan_register") as url:
        round_trip(url)
