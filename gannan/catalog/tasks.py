"""Catalog tasks: search indexing and the daily certificate expiry sweep."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab


@shared_task(name="catalog.drain_search_outbox", ignore_result=True)
def drain_search_outbox() -> int:
    """Apply pending search outbox rows to the index (after each commit, and every minute)."""
    from gannan.catalog.indexing import drain_outbox

    return drain_outbox()


@shared_task(name="catalog.enforce_brand_licences", ignore_result=True)
def enforce_brand_licences() -> list[int]:
    """Unpublish products whose regional brand is no longer covered; notify their sellers."""
    from gannan.catalog.services.products import unpublish_uncovered_brand_products

    return unpublish_uncovered_brand_products()


BEAT_SCHEDULE = {
    "search-outbox-sweep": {"task": "catalog.drain_search_outbox", "schedule": 60.0},
    "brand-licence-expiry": {
        "task": "catalog.enforce_brand_licences",
        # 00:05 Asia/Shanghai, just after certificates that ended yesterday stop counting
        "schedule": crontab(minute=5, hour=0),
    },
}
