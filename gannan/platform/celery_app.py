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


def _result_store_answers(celery_app: Celery) -> None:
    """Fail fast (redis ConnectionError, a 503) when the Redis result store is down.

    Sending a task whose result is kept first subscribes to that result; with Redis
    gone, Celery's result consumer retries for many seconds and then raises a
    RuntimeError.  One PING up front turns that into an immediate, handled error.
    """
    client = getattr(celery_app.backend, "client", None)
    if client is not None and hasattr(client, "ping"):
        client.ping()


def enqueue(task_name: str, *args: object, **kwargs: object):
    """Send a task through the Celery app of the current Flask app.

    Going through ``current_app`` (not Celery's process-wide default) keeps each app's
    settings: inline on the embedded default, to its own broker otherwise.  The
    request's id goes along, so the worker's log lines of the task carry it.
    """
    from gannan.platform.logs import current_request_id

    celery_app = current_app.extensions["celery"]
    task = celery_app.tasks[task_name]
    if not task.ignore_result and not celery_app.conf.task_always_eager:
        _result_store_answers(celery_app)
    request_id = current_request_id()
    return task.apply_async(
        args=args, kwargs=kwargs, headers={"request_id": request_id} if request_id else None)
