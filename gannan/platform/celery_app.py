"""Celery bound to Flask, after Flask's own ``patterns/celery.rst``.

Every task runs inside an app context.  With no broker configured (the embedded
default) tasks run inline; with ``CELERY_BROKER_URL`` they go to Redis.
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask, current_app


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def add_beat_entries(app: Flask, schedule: dict[str, dict]) -> None:
    """A domain's periodic tasks, added from its ``init_app`` before Celery is bound."""
    app.config["CELERY"].setdefault("beat_schedule", {}).update(schedule)


def enqueue(task_name: str, *args: object, **kwargs: object):
    """Send a task through the Celery app of the current Flask app.

    Going through ``current_app`` (not Celery's process-wide default) keeps each app's
    settings: inline on the embedded default, to its own broker otherwise.  The
    request's id goes along, so the worker's log lines of the task carry it.
    """
    from gannan.platform.logs import current_request_id

    celery_app = current_app.extensions["celery"]
    request_id = current_request_id()
    return celery_app.tasks[task_name].apply_async(
        args=args, kwargs=kwargs, headers={"request_id": request_id} if request_id else None)
