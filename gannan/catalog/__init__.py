"""Categories, products and SKUs, certificates, trace batches, spot checks and search."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the catalog's tables, routes, search indexing, CLI, tasks and demo data."""
    from gannan.catalog import models  # noqa: F401 - tables register on import
    from gannan.catalog.cli import search_cli
    from gannan.catalog.demo import demo_catalogue_message
    from gannan.catalog.indexing import init_indexing
    from gannan.catalog.routes import BLUEPRINTS
    from gannan.catalog.tasks import BEAT_SCHEDULE
    from gannan.platform.celery_app import add_beat_entries
    from gannan.platform.cli import add_demo_loader
    from gannan.platform.extensions import api

    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    init_indexing(app)
    app.cli.add_command(search_cli)
    add_beat_entries(app, BEAT_SCHEDULE)
    add_demo_loader(app, demo_catalogue_message)
