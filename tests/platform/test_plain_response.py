"""``plain_response`` writes what Flask's JSON provider writes, byte for byte."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from flask import current_app

from gannan.catalog.models import CertificateKind
from gannan.platform.jsonbody import plain_response

TRICKY = {
    "text": "".join(chr(i) for i in range(0x80)) + "\u2028\u2029\ufeff😀赣南脐橙\"\\/",
    "ratings": [round(i / 100, 2) for i in range(100, 501)]  # every rating shown
               + [round(i / 7, 2) for i in range(1, 40)],
    "fen": [0, -1, 2**63 - 1],
    "flags": [True, False, None],
    "empty": [{}, [], ""],
    "nested": {"facets": {"category": {"tea": 3}, "county": {"360732": 1}}},
}



@dataclass
class Span:
    start: int
    end: int


def _provider_bytes(body) -> bytes:
    return current_app.json.response(body).get_data()


def test_same_bytes_and_headers_as_the_provider(app):
    with app.test_request_context():
        fast, usual = plain_response(TRICKY), current_app.json.response(TRICKY)
        assert fast.get_data() == usual.get_data()
        assert fast.mimetype == usual.mimetype == "application/json"
        assert fast.headers["Content-Length"] == usual.headers["Content-Length"]


@pytest.mark.parametrize("body", [
    {1: "int key"}, {"fen": 2**64}, {"when": date(2026, 11, 30)},
    {"at": datetime(2026, 11, 30, 23, 50, tzinfo=UTC)}, {"kind": CertificateKind.ORGANIC},
    {"span": Span(1, 2)},
], ids=["int-key", "65-bit", "date", "datetime", "str-enum", "dataclass"])
def test_what_orjson_refuses_or_writes_differently_goes_the_usual_way(app, body):
    with app.test_request_context():
        assert plain_response(body).get_data() == _provider_bytes(body)


def test_debug_indent_is_kept(app):
    with app.test_request_context():
        app.debug = True
        try:
            assert plain_response(TRICKY).get_data() == _provider_bytes(TRICKY)
            assert b"\n  " in plain_response(TRICKY).get_data()
        finally:
            app.debug = False


def test_a_plain_body_does_not_go_through_the_provider(app, monkeypatch):
    with app.test_request_context():
        expected = _provider_bytes(TRICKY)

        def refuse(*args, **kwargs):
            raise AssertionError("the provider was used")

        monkeypatch.setattr(type(current_app.json), "response", refuse)
        assert plain_response(TRICKY).get_data() == expected
