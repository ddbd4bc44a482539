"""The sales ledger, metrics, the award engine and certified monthly reports.

Reporting listens to the orders' signals (payment captured, cash collected, refund
recorded) and writes the ledger in the same transaction as the event.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the reporting tables, routes, ledger listeners, CLI and tasks."""
    from gannan.platform.celery_app import add_beat_entries
    from gannan.platform.extensions import api
    from gannan.reporting import models  # noqa: F401 - tables and their guards register
    from gannan.reporting.register import models as register_models  # noqa: F401
    from gannan.reporting.cli import reports_cli
    from gannan.reporting.ledger import connect_ledger
    from gannan.reporting.routes import BLUEPRINTS
    from gannan.reporting.tasks import BEAT_SCHEDULE

    from gannan.reporting.county.routes import BLUEPRINTS as COUNTY_BLUEPRINTS
    from gannan.reporting.register.routes import BLUEPRINTS as REGISTER_BLUEPRINTS

    for blueprint in (*BLUEPRINTS, *REGISTER_BLUEPRINTS, *COUNTY_BLUEPRINTS):
        api.register_blueprint(blueprint)
    connect_ledger()
    app.cli.add_command(reports_cli)
    add_beat_entries(app, BEAT_SCHEDULE)
