"""Where the API meets the pages: ``/api/v1/`` lists what is there, and an old QR code
that points at ``/api/v1/trace/{code}`` opens the trace page in a browser."""

from __future__ import annotations

from flask import Flask, jsonify, redirect, render_template, request, url_for


def prefers_html() -> bool:
    """The client ranks text/html above application/json (browsers do; curl's ``*/*``
    and API clients do not)."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > \
        request.accept_mimetypes["application/json"]


def _links() -> dict[str, str]:
    return {
        "docs": url_for("api-docs.openapi_swagger_ui", _external=True),
        "openapi": url_for("api-docs.openapi_json", _external=True),
        "health": url_for("health", _external=True),
        "pages": url_for("web_shop.home", _external=True),
        "trace_page": url_for("web_trace.trace_page", code="TRACECODE", _external=True)
        .replace("TRACECODE", "{trace_code}"),
    }


def init_api_index(app: Flask) -> None:
    @app.get("/api/v1/")
    @app.get("/api/v1")
    def api_index():
        links = _links()
        if prefers_html():
            return render_template("web/api_index.html", links=links)
        return jsonify({"name": app.config.get("API_TITLE"), "version": "v1", "links": links})

    @app.before_request
    def trace_json_or_page():
        # Old QR codes encode /api/v1/trace/{code}: a person's browser gets the page.
        if request.endpoint == "trace.Trace" and request.method in ("GET", "HEAD") \
                and prefers_html():
            code = (request.view_args or {}).get("code", "")
            return redirect(url_for("web_trace.trace_page", code=code), 302)
        return None
