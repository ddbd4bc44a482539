"""Products' ratings: the count and sum of their visible review lines' stars, columns of
the product moved by relative UPDATEs (never read, add, write), so concurrent reviews of
one product all count, in the review's own transaction; the product is queued for
reindexing in the same transaction (its search document carries the rating)."""

from __future__ import annotations

from sqlalchemy import update

from gannan.catalog.indexing import queue_reindex
from gannan.catalog.models import Product, mean_rating
from gannan.platform.extensions import db


def add_rating(product_id: int, stars: int, count: int = 1) -> None:
    """Count ``count`` ratings of ``stars`` in total (negative: take them out again),
    in the caller's transaction.  Taking out more than were counted changes nothing
    (the condition) and is a bug: it raises."""
    moved = db.session.execute(
        update(Product)
        .where(Product.id == product_id, Product.rating_count + count >= 0,
               Product.rating_sum + stars >= Product.rating_count + count)
        .values(rating_count=Product.rating_count + count,
                rating_sum=Product.rating_sum + stars,
                updated_at=Product.updated_at)  # a rating is not an edit of the product
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise RuntimeError(f"rating of product {product_id} cannot move by {count}/{stars}")
    queue_reindex([product_id])


def rating_of(product: Product) -> dict[str, float | int | None]:
    return {"rating": mean_rating(product.rating_sum, product.rating_count),
            "rating_count": product.rating_count}
