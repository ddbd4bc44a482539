"""A query string sent as raw UTF-8 (``curl "…?q=茶油"``) reaches the app as 茶油.

Clients should percent-encode, and browsers do; curl and hand-typed URLs often do not.
PEP 3333 hands the bytes over decoded as Latin-1, which Werkzeug undoes correctly —
but Werkzeug's own development server (``make run``) encodes that string once more as
UTF-8, so 茶油 arrives as ``è\\x8c¶æ²¹``.  This middleware takes the raw bytes back
(undoing the extra layer when there is one) and percent-encodes every non-ASCII byte,
which is exactly what a careful client would have sent.  ASCII query strings, the
usual case, pass through untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def raw_query_bytes(query: str) -> bytes | None:
    """The bytes the client sent, or None if ``query`` is not a WSGI (Latin-1) string."""
    try:
        raw = query.encode("latin-1")
    except UnicodeEncodeError:
        return None
    try:
        once = raw.decode("utf-8")
        inner = once.encode("latin-1")
        inner.decode("utf-8")
    except UnicodeError:
        return raw  # a correct PEP 3333 server: the bytes as they came
    return inner if not once.isascii() else raw  # Werkzeug's dev server: one layer too many


def percent_encode_non_ascii(raw: bytes) -> str:
    return "".join(chr(b) if b < 0x80 else f"%{b:02X}" for b in raw)


class Utf8QueryString:
    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        query = environ.get("QUERY_STRING", "")
        if query and not query.isascii():
            raw = raw_query_bytes(query)
            if raw is not None:
                environ["QUERY_STRING"] = percent_encode_non_ascii(raw)
        return self.wsgi_app(environ, start_response)
