"""Fixtures of the catalog tests."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from gannan.platform.extensions import db


@pytest.fixture
def sql_statements():
    """``with sql_statements() as seen:`` lists the SQL statements run on the app's
    database inside the block (the search index's own SQLite file is not counted)."""

    @contextmanager
    def record():
        seen: list[str] = []

        def listener(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            yield seen
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)

    return record
