"""Products' rating aggregates: sums moved by relative UPDATEs (never read, add, write),
so concurrent reviews of one product all count."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from gannan.catalog.models import ProductRating
from gannan.platform.extensions import db


def add_rating(product_id: int, stars: int, count: int = 1) -> None:
    """Count ``count`` ratings of ``stars`` in total (negative: take them out again),
    in the caller's transaction."""
    moved = db.session.execute(
        update(ProductRating).where(ProductRating.product_id == product_id)
        .values(rating_count=ProductRating.rating_count + count,
                rating_sum=ProductRating.rating_sum + stars)
        .execution_options(synchronize_session=False))
    if moved.rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.add(ProductRating(product_id=product_id, rating_count=count,
                                         rating_sum=stars))
    except IntegrityError:  # another review created the row first: add to it
        add_rating(product_id, stars, count)


def rating_of(product_id: int) -> dict[str, float | int | None]:
    row = db.session.get(ProductRating, product_id)
    count = row.rating_count if row else 0
    return {"rating": round(row.rating_sum / count, 2) if count else None,
            "rating_count": count}
