"""Cart, checkout, stock, payments (Stripe, cash on delivery), fulfilment and refunds.

Orders announce what happened to money (:mod:`gannan.orders.signals`); the domains
above listen. Orders import nothing from them.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the orders' tables, routes, tasks, business metrics and the batch flow of
    the public trace."""
    from gannan.orders import models  # noqa: F401 - tables register on import
    from gannan.orders.aftersales_routes import aftersales_blp
    from gannan.orders.metrics import connect_metrics
    from gannan.orders.reviews_routes import reviews_blp
    from gannan.orders.routes import BLUEPRINTS
    from gannan.orders.services.batch_flow import connect_batch_flow
    from gannan.orders.tasks import BEAT_SCHEDULE
    from gannan.platform.celery_app import add_beat_entries
    from gannan.platform.extensions import api

    for blueprint in (*BLUEPRINTS, aftersales_blp, reviews_blp):
        api.register_blueprint(blueprint)
    add_beat_entries(app, BEAT_SCHEDULE)
    connect_metrics()
    connect_batch_flow()
