"""Settlement and payouts on Celery: weekly, Monday 03:00 Asia/Shanghai (the Celery
timezone), each Stripe payout a task of its own."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab


@shared_task(name="money.run_settlement")
def run_settlement() -> dict[str, object]:
    """Issue the statements due now, one per seller, and send the Stripe payouts."""
    from gannan.money.models import PayoutMethod
    from gannan.money.services.settlement import run_settlement as run
    from gannan.platform.celery_app import enqueue

    statements = run()
    for statement in statements:
        if statement.payout_method is PayoutMethod.STRIPE:
            enqueue("money.pay_statement", statement.id)
    return {"statements": [s.id for s in statements]}


@shared_task(name="money.pay_statement", bind=True, max_retries=5, retry_backoff=True)
def pay_statement(self, statement_id: int) -> dict[str, object]:
    """Send one statement's payout; a provider failure is retried later, a payout
    already sent (or being sent) is left alone."""
    from gannan.money.gateway import PayoutProviderError
    from gannan.money.services.payouts import pay_statement as pay
    from gannan.platform.errors import Conflict

    try:
        payout = pay(statement_id)
    except Conflict as exc:
        return {"statement_id": statement_id, "skipped": str(exc.code)}
    except PayoutProviderError as exc:
        raise self.retry(exc=exc) from exc
    return {"statement_id": statement_id, "status": payout.status.value,
            "transfer": payout.stripe_transfer_id}


@shared_task(name="money.sweep_stuck_payouts")
def sweep_stuck_payouts() -> dict[str, object]:
    """Settle with Stripe the payouts left "sending" by a process that died."""
    from gannan.money.services.payouts import resolve_stuck, stuck_payouts

    done: dict[str, list[int]] = {"paid": [], "failed": []}
    for statement_id in stuck_payouts():
        payout = resolve_stuck(statement_id)
        if payout is not None and payout.status.value in done:
            done[payout.status.value].append(statement_id)
    return done


BEAT_SCHEDULE = {
    "sweep-stuck-payouts": {
        "task": "money.sweep_stuck_payouts",
        "schedule": crontab(minute="*/5"),
    },
    "weekly-settlement": {
        "task": "money.run_settlement",
        "schedule": crontab(minute=0, hour=3, day_of_week=1),
    },
}
