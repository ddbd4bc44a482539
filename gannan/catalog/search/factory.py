"""The search backend the configuration asks for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gannan.catalog.search.base import SearchBackend
from gannan.catalog.search.elastic import ElasticsearchBackend
from gannan.catalog.search.sqlite_fts import SqliteSearchBackend

DEFAULT_INDEX = "gannan-products"


def backend_from_config(config: Mapping[str, Any]) -> SearchBackend:
    """``SEARCH_BACKEND`` is ``elasticsearch`` or ``sqlite``; unset (or empty) means
    Elasticsearch when ``ELASTICSEARCH_URL`` is set, else SQLite at ``SEARCH_INDEX_PATH``.

    Raises ValueError for an unknown backend or a missing setting the backend needs.
    """
    url = config.get("ELASTICSEARCH_URL") or ""
    name = (config.get("SEARCH_BACKEND") or ("elasticsearch" if url else "sqlite")).strip().lower()
    if name == "elasticsearch":
        if not url:
            raise ValueError("SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL")
        return ElasticsearchBackend(url, index=config.get("ELASTICSEARCH_INDEX") or DEFAULT_INDEX)
    if name == "sqlite":
        path = config.get("SEARCH_INDEX_PATH")
        if not path:
            raise ValueError("SEARCH_BACKEND=sqlite needs SEARCH_INDEX_PATH")
        return SqliteSearchBackend(path)
    raise ValueError(f"unknown SEARCH_BACKEND {name!r}: expected 'elasticsearch' or 'sqlite'")
