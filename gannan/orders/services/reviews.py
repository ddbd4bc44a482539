"""Reviews: the buyer of a completed seller order rates each line and the seller, once;
the seller replies once; admins hide abusive reviews (kept, with the reason).  Product
ratings are catalog aggregates moved in the same transaction."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from gannan.catalog.services.ratings import add_rating
from gannan.orders.errors import OrderErrorCode
from gannan.orders.models import Review, ReviewLine, ReviewPhoto, SellerOrderStatus
from gannan.orders.services.fulfilment import seller_order_or_404
from gannan.orders.services.photos import attach_photo
from gannan.platform.errors import Conflict, NotFound, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.storage import storage
from gannan.platform.types import utcnow


def review_or_404(review_id: int) -> Review:
    review = db.session.get(Review, review_id)
    if review is None:
        raise NotFound("No such review.", code=OrderErrorCode.REVIEW_NOT_FOUND)
    return review


def write_review(seller_order_id: int, buyer_id: int, data: dict[str, Any]) -> Review:
    seller_order = seller_order_or_404(seller_order_id)
    if seller_order.status is not SellerOrderStatus.COMPLETED:
        raise Conflict("Only a completed order can be reviewed.",
                       code=OrderErrorCode.ORDER_NOT_COMPLETED)
    ratings = {item["line_id"]: item["rating"] for item in data["lines"]}
    lines = {line.id: line for line in seller_order.lines}
    if set(ratings) != set(lines) or len(ratings) != len(data["lines"]):
        raise ValidationFailed(f"Rate each line of the order once: {sorted(lines)}.",
                               code=OrderErrorCode.LINES_TO_RATE, field="lines")
    review = Review(seller_order_id=seller_order.id, seller_id=seller_order.seller_id,
                    buyer_id=buyer_id, seller_rating=data["seller_rating"], text=data["text"],
                    hidden=False, lines=[
                        ReviewLine(order_line_id=line_id, product_id=lines[line_id].product_id,
                                   title=lines[line_id].title, rating=rating)
                        for line_id, rating in sorted(ratings.items())])
    db.session.add(review)
    try:
        db.session.flush()
    except IntegrityError:  # reviewed already (perhaps a moment ago, concurrently)
        db.session.rollback()
        raise Conflict("This order is reviewed already.",
                       code=OrderErrorCode.ALREADY_REVIEWED) from None
    for line in review.lines:
        add_rating(line.product_id, line.rating)
    db.session.commit()
    return review


def reply(review_id: int, actor_id: int, text: str) -> Review:
    review = review_or_404(review_id)
    done = db.session.execute(
        update(Review).where(Review.id == review_id, Review.reply.is_(None))
        .values(reply=text, replied_at=utcnow(), replied_by_id=actor_id)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        raise Conflict("The seller has replied already.", code=OrderErrorCode.ALREADY_REPLIED)
    db.session.commit()
    db.session.refresh(review)
    return review


def hide(review_id: int, actor_id: int, reason: str) -> Review:
    """Hide a review (it stays, with who and why); its ratings leave the products'."""
    review = review_or_404(review_id)
    done = db.session.execute(
        update(Review).where(Review.id == review_id, Review.hidden.is_(False))
        .values(hidden=True, hidden_reason=reason, hidden_by_id=actor_id, hidden_at=utcnow())
        .execution_options(synchronize_session=False))
    if done.rowcount == 1:
        for line in review.lines:
            add_rating(line.product_id, -line.rating, -1)
    db.session.commit()
    db.session.refresh(review)
    return review


def unhide(review_id: int) -> Review:
    """Show a hidden review again (an admin's mistake undone); its ratings count again.
    Who hid it and why stay on record."""
    review = review_or_404(review_id)
    done = db.session.execute(
        update(Review).where(Review.id == review_id, Review.hidden.is_(True))
        .values(hidden=False)
        .execution_options(synchronize_session=False))
    if done.rowcount == 1:
        for line in review.lines:
            add_rating(line.product_id, line.rating)
    db.session.commit()
    db.session.refresh(review)
    return review


def add_photo(review_id: int, data: bytes) -> Review:
    """A photo (JPEG, PNG or WebP, at most 5 MB), re-encoded without its EXIF."""
    review = review_or_404(review_id)
    attach_photo(review.photos, data, partial(ReviewPhoto, review_id=review.id))
    db.session.refresh(review)
    return review


def photo(review_id: int, position: int) -> tuple[bytes, str]:
    """A photo of a visible review (a hidden review's photos are hidden too)."""
    review = review_or_404(review_id)
    found = next((p for p in review.photos if p.position == position), None)
    if found is None or review.hidden:
        raise NotFound("No such photo.")
    return storage().read(found.storage_key), found.content_type


def product_reviews(product_id: int):
    """Visible reviews with a line for the product, newest first."""
    return (db.select(Review).join(ReviewLine, ReviewLine.review_id == Review.id)
            .where(ReviewLine.product_id == product_id, Review.hidden.is_(False))
            .order_by(Review.id.desc()))
