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
    from gannan.platform.probes import add_readiness_check

    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    init_indexing(app)
    app.cli.add_command(search_cli)
    add_beat_entries(app, BEAT_SCHEDULE)
    add_demo_loader(app, demo_catalogue_message)
    add_readiness_check(app, "search", search_ready)


def search_ready() -> dict[str, str]:
    """Readiness: the index answers a one-hit query (raises when it cannot)."""
    from gannan.catalog.indexing import search_backend
    from gannan.catalog.search.base import SearchQuery
    from gannan.platform.types import shanghai_today

    backend = search_backend()
    backend.search(SearchQuery(today=shanghai_today(), page_size=1))
    return {"backend": backend.name}
