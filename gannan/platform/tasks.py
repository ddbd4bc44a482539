"""Platform tasks."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy import func

from gannan.platform.extensions import db
from gannan.platform.models import County


@shared_task(name="platform.ping")
def ping() -> dict[str, object]:
    """A round-trip through the worker and the database: proves both are wired."""
    counties = db.session.scalar(
        db.select(func.count()).select_from(County).where(County.retired.is_(False))
    )
    return {"pong": True, "counties": counties}
