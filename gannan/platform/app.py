"""The application factory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, send_from_directory
from sqlalchemy import text

from gannan.platform.celery_app import celery_init_app
from gannan.platform.config import settings_from_env
from gannan.platform.errors import problem_response, register_error_handlers
from gannan.platform.extensions import api, db, limiter, migrate, register_converters

MIGRATIONS_DIR = str(Path(__file__).resolve().parents[2] / "migrations")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, then ``config`` on top (tests)."""
    app = Flask("gannan", instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings_from_env(app.instance_path))
    if config:
        celery_overrides = config.get("CELERY", {})
        app.config.update({k: v for k, v in config.items() if k != "CELERY"})
        app.config["CELERY"] = {**app.config["CELERY"], **celery_overrides}
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_docs_assets(app)
    register_cli(app)
    register_health(app)
    celery_init_app(app)
    logging.getLogger("gannan").setLevel(logging.INFO)
    from gannan.web import init_app as init_web  # the pages; moves to gannan/app.py at merge

    init_web(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    limiter.init_app(app)
    register_converters(app)
    api.init_app(app)
    # Models register on the metadata when imported; Alembic needs all of them.
    import gannan.catalog.models  # noqa: F401
    import gannan.catalog.tasks  # noqa: F401
    import gannan.orders.models  # noqa: F401
    import gannan.orders.tasks  # noqa: F401
    import gannan.platform.models  # noqa: F401
    import gannan.platform.tasks  # noqa: F401
    import gannan.reporting.models  # noqa: F401
    import gannan.reporting.monthly  # noqa: F401 - the certified-report guard
    import gannan.reporting.tasks  # noqa: F401
    from gannan.catalog.indexing import init_indexing

    init_indexing(app)


def register_blueprints(app: Flask) -> None:
    from gannan.catalog.routes import BLUEPRINTS as CATALOG
    from gannan.orders.routes import BLUEPRINTS as ORDERS
    from gannan.platform.routes import BLUEPRINTS as PLATFORM
    from gannan.reporting.routes import BLUEPRINTS as REPORTING

    for blueprint in PLATFORM + CATALOG + ORDERS + REPORTING:
        api.register_blueprint(blueprint)


def register_docs_assets(app: Flask) -> None:
    """Serve Swagger UI from the installed swagger-ui-bundle, so the docs work offline."""
    from swagger_ui_bundle import swagger_ui_path

    @app.get("/api/v1/docs/static/<path:filename>")
    def swagger_ui_static(filename: str):
        return send_from_directory(swagger_ui_path, filename, max_age=3600)


def register_health(app: Flask) -> None:
    @app.get("/api/v1/health")
    def health():
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            return problem_response(503, "database_unavailable", "Database unavailable")
        return {"status": "ok", "database": db.engine.dialect.name}


def register_cli(app: Flask) -> None:
    from gannan.catalog.cli import search_cli
    from gannan.platform.cli import demo_cli, users_cli
    from gannan.reporting.cli import reports_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(search_cli)
