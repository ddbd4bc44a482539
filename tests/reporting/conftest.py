"""Fixtures for reporting: a clock to place sales at chosen times (sales themselves are
placed through the API by tests.helpers.cod_sale)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from gannan.platform import types


@pytest.fixture
def clock(monkeypatch):
    """``clock("2026-10-31T16:30")``: the platform's UTC time from now on."""

    def set_to(iso_utc: str) -> None:
        moment = datetime.fromisoformat(iso_utc).replace(tzinfo=timezone.utc)

        class Frozen(datetime):
            @classmethod
            def now(cls, tz=None):
                return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

        monkeypatch.setattr(types, "datetime", Frozen)

    return set_to
