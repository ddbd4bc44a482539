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
from collections.abc import Iterable, Iterator, Sequence
from typing import Callable

from flask import Flask, current_app
from sqlalchemy import event, func
from sqlalchemy.orm import Session

from gannan.catalog.models import (
    Category,
    Certificate,
    Product,
    ProductStatus,
    SearchOutbox,
    Sku,
    certificate_products,
    mean_rating,
)
from gannan.catalog.search.base import CertificationSpan, SearchBackend, SearchDocument
from gannan.platform.celery_app import enqueue
from gannan.platform.extensions import db
from gannan.platform.models import County, Seller, SellerStatus
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


def build_documents(product_ids: Sequence[int]) -> list[SearchDocument]:
    """The search documents of the listable products among ``product_ids``, in id order.

    Columns only, in three statements whatever the number of products (the products
    with their seller and county, their SKUs' cheapest price and stock, their
    certificates): reindexing 100,000 products must not build an object graph per
    product.  Categories are few; their lineage is read once per call.
    """
    rows = db.session.execute(
        db.select(Product.id, Product.title, Product.description, Product.regional_brand,
                  Product.category_id, Product.origin_county_code, County.name.label("county"),
                  Product.origin_township, Product.seller_id, Seller.name.label("seller"),
                  Product.published_at, Product.created_at, Product.rating_sum,
                  Product.rating_count)
        .join(Seller, Seller.id == Product.seller_id)
        .join(County, County.code == Product.origin_county_code)
        .where(Product.id.in_(product_ids), Product.status == ProductStatus.PUBLISHED,
               Seller.status == SellerStatus.APPROVED)
        .order_by(Product.id)
    ).all()
    if not rows:
        return []
    listed = [row.id for row in rows]
    skus = {product_id: (cheapest, most) for product_id, cheapest, most in db.session.execute(
        db.select(Sku.product_id, func.min(Sku.price_fen), func.max(Sku.stock))
        .where(Sku.product_id.in_(listed)).group_by(Sku.product_id))}
    spans: dict[int, list[CertificationSpan]] = {}
    for product_id, kind, valid_from, valid_until in db.session.execute(
        db.select(certificate_products.c.product_id, Certificate.kind, Certificate.valid_from,
                  Certificate.valid_until)
        .join(Certificate, Certificate.id == certificate_products.c.certificate_id)
        .where(certificate_products.c.product_id.in_(listed))
        .order_by(certificate_products.c.product_id, Certificate.id)
    ):
        spans.setdefault(product_id, []).append(
            CertificationSpan(kind.value, valid_from, valid_until))
    lineages = _category_lineages()
    documents = []
    for row in rows:
        cheapest, most = skus.get(row.id, (None, None))
        slugs, names = lineages[row.category_id]
        documents.append(SearchDocument(
            product_id=row.id,
            title=row.title,
            description=row.description or "",
            brand=row.regional_brand,
            category_slugs=slugs,
            category_names=names,
            county_code=row.origin_county_code,
            county_name=row.county,
            township=row.origin_township,
            seller_id=row.seller_id,
            seller_name=row.seller,
            min_price_fen=cheapest or 0,
            in_stock=bool(most and most > 0),
            published_at=row.published_at or row.created_at,
            certifications=tuple(spans.get(row.id, ())),
            rating=mean_rating(row.rating_sum, row.rating_count),
            rating_count=row.rating_count,
        ))
    return documents


def _category_lineages() -> dict[int, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each category's (slugs, names) from the root down to it."""
    categories = {row.id: row for row in db.session.execute(
        db.select(Category.id, Category.slug, Category.name, Category.parent_id))}
    lineages = {}
    for category_id in categories:
        chain, node = [], categories.get(category_id)
        while node is not None:
            chain.append(node)
            node = categories.get(node.parent_id) if node.parent_id is not None else None
        chain.reverse()
        lineages[category_id] = (tuple(c.slug for c in chain), tuple(c.name for c in chain))
    return lineages


def queue_reindex(product_ids: Iterable[int]) -> None:
    """Mark products for re-indexing as part of the current transaction."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    db.session.add_all(SearchOutbox(product_id=pid) for pid in ids)
    db.session.info[OUTBOX_FLAG] = True


def sync_products(backend: SearchBackend, product_ids: list[int]) -> tuple[int, int]:
    """Index the listable products among ``product_ids`` and remove the others."""
    documents = build_documents(product_ids)
    backend.upsert(documents)
    gone = set(product_ids) - {doc.product_id for doc in documents}
    backend.delete(sorted(gone))
    return len(documents), len(gone)


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
