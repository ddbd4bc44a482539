"""Order housekeeping on Celery beat: expire unpaid orders, complete delivered ones,
finish refunds Stripe could not take at once."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="orders.expire_unpaid", ignore_result=True)
def expire_unpaid() -> list[int]:
    """Unpaid Stripe orders past their payment time release their stock."""
    from gannan.orders.services.fulfilment import expire_unpaid as expire

    return expire()


@shared_task(name="orders.complete_delivered", ignore_result=True)
def complete_delivered() -> list[int]:
    """Delivered orders the buyer did not confirm complete after the configured days."""
    from gannan.orders.services.fulfilment import complete_delivered as complete

    return complete()


@shared_task(name="orders.settle_refunds", ignore_result=True)
def settle_refunds() -> list[int]:
    """Refunds left pending send to Stripe again, under their own idempotency keys."""
    from gannan.orders.services.refunds import settle_pending

    return settle_pending()


@shared_task(name="orders.after_sales_timeouts", ignore_result=True)
def after_sales_timeouts() -> dict[str, list[int]]:
    """Unanswered requests are accepted, unescalated rejections closed, failed refunds
    retried."""
    from gannan.orders.services.aftersales import run_timeouts

    return run_timeouts()


BEAT_SCHEDULE = {
    "orders-after-sales-timeouts": {"task": "orders.after_sales_timeouts", "schedule": 600.0},
    "orders-expire-unpaid": {"task": "orders.expire_unpaid", "schedule": 60.0},
    "orders-complete-delivered": {"task": "orders.complete_delivered", "schedule": 3600.0},
    "orders-settle-refunds": {"task": "orders.settle_refunds", "schedule": 60.0},
}
