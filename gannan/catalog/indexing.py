"""Keeping the search index in step with the database: documents, outbox, reindex.

A change to anything a search document shows adds the product to the
``search_outbox`` table in the same transaction.  After the commit a task drains
the outbox into the index; a periodic sweep drains whatever a crash left behind.
The database stays the source of truth and ``flask search reindex`` rebuilds the
index from it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from typing import Callable

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from gannan.catalog.access import is_listed
from gannan.catalog.models import Product, ProductStatus, SearchOutbox
from gannan.catalog.search.base import CertificationSpan, SearchBackend, SearchDocument
from gannan.platform.celery_app import enqueue
from gannan.platform.extensions import db
from gannan.platform.models import Seller, SellerStatus
from gannan.platform.signals import seller_status_changed

log = logging.getLogger(__name__)
OUTBOX_FLAG = "search_outbox_pending"
DRAIN_BATCH = 500


_backend_lock = threading.Lock()


def search_backend(app: Flask | None = None) -> SearchBackend:
    """The app's search backend, created (and its index ensured) once per app."""
    app = app or current_app._get_current_object()
    backend = app.extensions.get("search")
    if backend is None:
        from gannan.catalog.search.factory import backend_from_config

        with _backend_lock:
            backend = app.extensions.get("search")
            if backend is None:
                backend = backend_from_config(app.config)
                backend.ensure_index()
                app.extensions["search"] = backend
    return backend


def build_document(product: Product) -> SearchDocument:
    lineage = product.category.lineage
    return SearchDocument(
        product_id=product.id,
        title=product.title,
        description=product.description or "",
        brand=product.regional_brand,
        category_slugs=tuple(c.slug for c in lineage),
        category_names=tuple(c.name for c in lineage),
        county_code=product.origin_county_code,
        county_name=product.origin_county.name,
        township=product.origin_township,
        seller_id=product.seller_id,
        seller_name=product.seller.name,
        min_price_fen=product.min_price_fen or 0,
        in_stock=product.in_stock,
        published_at=product.published_at or product.created_at,
        certifications=tuple(
            CertificationSpan(c.kind.value, c.valid_from, c.valid_until)
            for c in product.certificates
        ),
    )


def queue_reindex(product_ids: Iterable[int]) -> None:
    """Mark products for re-indexing as part of the current transaction."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    db.session.add_all(SearchOutbox(product_id=pid) for pid in ids)
    db.session.info[OUTBOX_FLAG] = True


def sync_products(backend: SearchBackend, product_ids: list[int]) -> tuple[int, int]:
    """Index the listable products among ``product_ids`` and remove the others."""
    products = db.session.scalars(db.select(Product).where(Product.id.in_(product_ids))).all()
    listed = [p for p in products if is_listed(p)]
    backend.upsert([build_document(p) for p in listed])
    gone = set(product_ids) - {p.id for p in listed}
    backend.delete(sorted(gone))
    return len(listed), len(gone)


def drain_outbox(backend: SearchBackend | None = None, batch: int = DRAIN_BATCH) -> int:
    """Apply every pending outbox row to the index; returns how many rows were applied."""
    backend = backend or search_backend()
    applied = 0
    while True:
        rows = db.session.execute(
            db.select(SearchOutbox.id, SearchOutbox.product_id)
            .order_by(SearchOutbox.id).limit(batch)
        ).all()
        if not rows:
            break
        sync_products(backend, sorted({r.product_id for r in rows}))
        # Only the rows read: a change committed meanwhile keeps its own row.
        db.session.execute(db.delete(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in rows])))
        db.session.commit()
        applied += len(rows)
    if applied:
        backend.refresh()
    return applied


def listed_product_ids(chunk: int = 1000) -> Iterator[list[int]]:
    query = (db.select(Product.id).join(Seller)
             .where(Product.status == ProductStatus.PUBLISHED,
                    Seller.status == SellerStatus.APPROVED)
             .order_by(Product.id))
    ids = list(db.session.scalars(query))
    for start in range(0, len(ids), chunk):
        yield ids[start:start + chunk]


def reindex_all(backend: SearchBackend | None = None,
                progress: Callable[[int], None] = lambda n: None) -> int:
    """Rebuild the index from the database; returns the number of listed products."""
    backend = backend or search_backend()
    backend.reset()
    listed = 0
    for ids in listed_product_ids():
        listed += sync_products(backend, ids)[0]
        db.session.expunge_all()
        progress(len(ids))
    db.session.execute(db.delete(SearchOutbox))
    db.session.commit()
    backend.refresh()
    return listed


def _enqueue_drain_after_commit(session: Session) -> None:
    if session.info.pop(OUTBOX_FLAG, False):
        try:
            enqueue("catalog.drain_search_outbox")
        except Exception:  # noqa: BLE001 - the rows stay in the outbox for the sweep
            log.warning("could not enqueue the search outbox drain; the sweep will", exc_info=True)


def _forget_after_rollback(session: Session, previous_transaction) -> None:
    session.info.pop(OUTBOX_FLAG, None)


def _seller_status_changed(seller: Seller) -> None:
    ids = db.session.scalars(db.select(Product.id).where(Product.seller_id == seller.id))
    queue_reindex(ids)


def init_indexing(app: Flask) -> None:
    """Hook the outbox to every session's commit (once per process, whatever the apps)."""
    if not event.contains(Session, "after_commit", _enqueue_drain_after_commit):
        event.listen(Session, "after_commit", _enqueue_drain_after_commit)
        event.listen(Session, "after_soft_rollback", _forget_after_rollback)
    seller_status_changed.connect(_seller_status_changed)
