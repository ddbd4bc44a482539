"""The ground floor: app shell, accounts, counties, sellers and their review.

It imports no other domain; the domains above it register themselves through their
own ``init_app`` (called by the composition root, ``gannan/app.py``) and hear about
sellers through :mod:`gannan.platform.signals`.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, send_from_directory

MIGRATIONS_DIR = str(Path(__file__).resolve().parents[2] / "migrations")


def init_app(app: Flask) -> None:
    from gannan.platform import models, tasks  # noqa: F401 - tables and tasks register on import
    from gannan.platform.cli import demo_cli, users_cli
    from gannan.platform.edge import init_edge
    from gannan.platform.errors import register_error_handlers
    from gannan.platform.extensions import api, db, limiter, migrate, register_converters
    from gannan.platform.logs import init_logging
    from gannan.platform.monitoring import init_monitoring
    from gannan.platform.outages import register_outage_handlers
    from gannan.platform.probes import register_probes
    from gannan.platform.routes import BLUEPRINTS

    init_logging(app)  # first: every later hook sees the request id (metrics its start)
    init_monitoring(app)
    init_edge(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    limiter.init_app(app)
    register_converters(app)
    api.init_app(app)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    register_error_handlers(app)
    register_outage_handlers(app)
    register_docs_assets(app)
    register_probes(app)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)


def register_docs_assets(app: Flask) -> None:
    """Serve Swagger UI from the installed swagger-ui-bundle, so the docs work offline."""
    from swagger_ui_bundle import swagger_ui_path

    @app.get("/api/v1/docs/static/<path:filename>")
    def swagger_ui_static(filename: str):
        return send_from_directory(swagger_ui_path, filename, max_age=3600)
