"""What stands between the app and its clients: reverse proxies and other origins.

Behind ``TRUSTED_PROXIES`` proxies (a load balancer, nginx) the client's address is in
``X-Forwarded-For``; werkzeug's ProxyFix takes it from there, trusting only the
configured number of hops, so per-address limits (logins) see the client and not the
proxy, and a client cannot fake an address by sending the header itself.

Storefronts served from other origins (``CORS_ORIGINS``) may call the API from a
browser; pages stay same-origin.  The API authenticates with bearer tokens, not
cookies, so no credentials are allowed across origins.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

CORS_HEADERS_ALLOWED = ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"]
CORS_HEADERS_EXPOSED = ["X-Request-ID", "Location", "Retry-After", "RateLimit-Limit",
                        "RateLimit-Remaining", "RateLimit-Reset", "X-RateLimit-Limit",
                        "X-RateLimit-Remaining", "X-RateLimit-Reset"]


def init_edge(app: Flask) -> None:
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops)
    origins = app.config.get("CORS_ORIGINS") or []
    if origins:
        from flask_cors import CORS

        CORS(app, resources={r"/api/*": {"origins": origins}},
             allow_headers=CORS_HEADERS_ALLOWED, expose_headers=CORS_HEADERS_EXPOSED,
             supports_credentials=False, max_age=600)
