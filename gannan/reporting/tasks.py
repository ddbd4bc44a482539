"""Report building on Celery: on demand, and on the 1st of each month at 02:00 Shanghai."""

from __future__ import annotations

from celery import shared_task
from celery.backends.base import DisabledBackend
from celery.schedules import crontab
from flask import current_app


@shared_task(name="reporting.build_monthly_report", bind=True, max_retries=3,
             autoretry_for=(ConnectionError,), retry_backoff=True)
def build_monthly_report(self, period: str) -> dict[str, object]:
    """Build a month into its draft version; a certified version is never changed."""
    from gannan.reporting.monthly import generate

    report = generate(period)
    return {"period": report.period, "version": report.version, "status": report.status.value,
            "sha256": report.sha256}


@shared_task(name="reporting.build_previous_month")
def build_previous_month() -> dict[str, object]:
    """The scheduled run: last month, as the calendar in Ganzhou has it."""
    from gannan.platform.types import shanghai_today
    from gannan.reporting.metrics import Month

    today = shanghai_today()
    return build_monthly_report(str(Month(today.year, today.month).previous()))


@shared_task(name="reporting.catch_up_monthly_report", ignore_result=True)
def catch_up_monthly_report(at: str | None = None) -> str | None:
    """Hourly: build last month's report if the run on the 1st did not happen (the broker
    or beat was down at 02:00).  Does nothing once any version of that month exists.
    ``at`` (ISO 8601 with offset) stands for now, to catch up by hand or in a test."""
    from datetime import datetime

    from gannan.platform.types import SHANGHAI, utcnow
    from gannan.reporting.metrics import Month
    from gannan.reporting.monthly import generate, versions

    now = (datetime.fromisoformat(at) if at else utcnow()).astimezone(SHANGHAI)
    if now.day == 1 and now.hour < 2:
        return None  # the scheduled run is still to come
    period = str(Month(now.year, now.month).previous())
    if versions(period):
        return None
    return generate(period).sha256


def task_state(task_id: str) -> str | None:
    """What Celery's result backend says of a task (PENDING, STARTED, RETRY, SUCCESS,
    FAILURE), or None when nothing keeps task states: no result backend is configured,
    or tasks run inline (they are over, and their results were never stored).  The
    stored report versions are the answer then."""
    celery_app = current_app.extensions["celery"]
    if celery_app.conf.task_always_eager or isinstance(celery_app.backend, DisabledBackend):
        return None
    return celery_app.AsyncResult(task_id).state


def task_result(task_id: str) -> dict[str, object] | None:
    """The finished build's summary (period, version, status, sha256), when known."""
    if task_state(task_id) != "SUCCESS":
        return None
    return current_app.extensions["celery"].AsyncResult(task_id).result


BEAT_SCHEDULE = {
    "monthly-report": {
        "task": "reporting.build_previous_month",
        # keywords: the positional order is minute, hour, day_of_week, day_of_month
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
    },
    "monthly-report-catch-up": {
        "task": "reporting.catch_up_monthly_report",
        "schedule": crontab(minute=30),  # hourly, at half past
    },
}
