"""Commission, the double-entry money ledger, sellers' statements and payouts.

Money listens to the orders' signals (payment captured, cash collected, refund
recorded) and posts the ledger in the same transaction as the event.  Nothing below
it imports it.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the money tables, routes, ledger listeners and the weekly settlement."""
    from gannan.money import models  # noqa: F401 - tables and their guards register
    from gannan.money.routes import BLUEPRINTS
    from gannan.money.services.ledger import connect_ledger
    from gannan.money.tasks import BEAT_SCHEDULE
    from gannan.platform.celery_app import add_beat_entries
    from gannan.platform.extensions import api

    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    connect_ledger()
    add_beat_entries(app, BEAT_SCHEDULE)
