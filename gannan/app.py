"""The composition root: the only module that knows every domain.

``create_app`` reads the settings, then lets each domain register itself, floor by
floor (platform, catalog, orders, then money and reporting, which listen to orders;
the pages in web on top), and binds Celery last, once every domain has added its
tasks and beat entries.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from gannan import catalog, money, orders, platform, reporting, web
from gannan.platform.celery_app import celery_init_app
from gannan.platform.config import engine_options, settings_from_env
from gannan.platform.jsonbody import BoundedJSONProvider

#: Each domain's ``init_app``, in the order of the floors; the pages sit on top.
DOMAINS = (platform, catalog, orders, money, reporting, web)


class GannanFlask(Flask):
    """Flask, remembering which hooks and views are plain functions.

    Flask passes every before/after-request hook, teardown and view through
    ``ensure_sync`` on every request (18 calls for a GET of the county list), and each
    call asks ``inspect.iscoroutinefunction`` again; the answer for a function never
    changes, so the plain ones are remembered (by function: a view method's owner is a
    new object per request).  Async functions are still wrapped by Flask each time."""

    _PLAIN_LIMIT = 4096  # functions registered at start-up: a few hundred

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain_functions: set[Any] = set()

    def ensure_sync(self, func):
        key = getattr(func, "__func__", func)
        try:
            if key in self._plain_functions:
                return func
        except TypeError:  # an unhashable callable: ask every time, as Flask does
            return super().ensure_sync(func)
        wrapped = super().ensure_sync(func)
        if wrapped is func and len(self._plain_functions) < self._PLAIN_LIMIT:
            self._plain_functions.add(key)
        return wrapped


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, then ``config`` on top (tests)."""
    app = GannanFlask("gannan", instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings_from_env(app.instance_path))
    if config:
        celery_overrides = config.get("CELERY", {})
        app.config.update({k: v for k, v in config.items() if k != "CELERY"})
        app.config["CELERY"] = {**app.config["CELERY"], **celery_overrides}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    app.json = BoundedJSONProvider(app)  # request bodies within limits (platform/jsonbody)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    for domain in DOMAINS:
        domain.init_app(app)
    celery_init_app(app)
    logging.getLogger("gannan").setLevel(logging.INFO)
    return app
