"""Settlement on Celery: weekly, Monday 03:00 Asia/Shanghai (the Celery timezone)."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab


@shared_task(name="money.run_settlement")
def run_settlement() -> dict[str, object]:
    """Issue the statements due now, one per seller."""
    from gannan.money.services.settlement import run_settlement as run

    statements = run()
    return {"statements": [s.id for s in statements]}


BEAT_SCHEDULE = {
    "weekly-settlement": {
        "task": "money.run_settlement",
        "schedule": crontab(minute=0, hour=3, day_of_week=1),
    },
}
