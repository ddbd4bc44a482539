"""A bare Flask app whose one endpoint answers with the bytes of a payload file.

It is the "what Flask + gunicorn cost on their own" side of a benchmark: the same
server, the same path and method, the same status, content type and body bytes as
the real endpoint, but no extensions, no database, no serialisation.

Configured from the environment so gunicorn can load it as
``bench.baseline:create_app()``:

- ``BENCH_PAYLOAD_FILE``  file whose bytes are returned (required)
- ``BENCH_CONTENT_TYPE``  Content-Type header, copied from the real response
- ``BENCH_PATH``          URL path to answer on (query strings are ignored)
- ``BENCH_METHOD``        HTTP method (default GET)
- ``BENCH_STATUS``        status code (default 200)
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, request


def create_app(
    payload_file: str | None = None,
    content_type: str | None = None,
    path: str | None = None,
    method: str | None = None,
    status: int | None = None,
) -> Flask:
    payload_file = payload_file or os.environ["BENCH_PAYLOAD_FILE"]
    content_type = content_type or os.environ.get("BENCH_CONTENT_TYPE", "application/json")
    path = path or os.environ.get("BENCH_PATH", "/")
    method = (method or os.environ.get("BENCH_METHOD", "GET")).upper()
    status = status or int(os.environ.get("BENCH_STATUS", "200"))

    payload = Path(payload_file).read_bytes()
    app = Flask("bench_baseline")

    def endpoint() -> Response:
        if method not in ("GET", "HEAD"):
            request.get_data()  # read the body, as the real view would
        return Response(payload, status=status, content_type=content_type)

    app.add_url_rule(path, "payload", endpoint, methods=[method])
    return app
