"""Order housekeeping on Celery beat: expire unpaid orders, complete delivered ones."""

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
}
