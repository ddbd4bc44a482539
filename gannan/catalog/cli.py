"""``flask --app gannan search reindex``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

search_cli = AppGroup("search", help="The product search index.")


@search_cli.command("reindex")
def reindex() -> None:
    """Rebuild the search index from the database."""
    from gannan.catalog.indexing import listed_product_ids, reindex_all, search_backend

    backend = search_backend()
    total = sum(len(ids) for ids in listed_product_ids())
    with click.progressbar(length=total, label=f"Indexing into {backend.name}") as bar:
        listed = reindex_all(backend, progress=bar.update)
    click.echo(f"indexed {listed} listed products")
