"""HTTP layer of reviews: buyers of completed orders review, sellers reply, admins hide."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from gannan.catalog.access import product_or_404
from gannan.catalog.services.ratings import rating_of
from gannan.orders import access
from gannan.orders.schemas import (
    AfterSalesPhotoUploadSchema,
    ProductReviewsSchema,
    ReviewCreateSchema,
    ReviewHideSchema,
    ReviewReplySchema,
    ReviewSchema,
)
from gannan.orders.services import reviews
from gannan.platform.auth import Policy, public, require_user
from gannan.platform.pagination import PageArgsSchema, paginate

reviews_blp = Blueprint("reviews", __name__, url_prefix="/api/v1",
                        description="Reviews of completed orders and product ratings")
policy = Policy(reviews_blp, default=access.admin)


@reviews_blp.route("/seller-orders/<id:seller_order_id>/review")
@policy.allow(access.seller_order_buyer)
class WriteReview(MethodView):
    @reviews_blp.arguments(ReviewCreateSchema)
    @reviews_blp.response(201, ReviewSchema)
    def post(self, data, seller_order_id):
        """Rate each line (1–5) and the seller, with text, once, after completion"""
        return reviews.write_review(seller_order_id, require_user().id, data)


@reviews_blp.route("/products/<id:product_id>/reviews")
@policy.allow(public)
class ProductReviews(MethodView):
    @reviews_blp.arguments(PageArgsSchema, location="query")
    @reviews_blp.response(200, ProductReviewsSchema)
    def get(self, args, product_id):
        """A product's rating, count and visible reviews, newest first"""
        product = product_or_404(product_id)
        page = paginate(reviews.product_reviews(product_id), args["page"], args["page_size"])
        return {**rating_of(product), "items": page.items, "total": page.total,
                "page": page.page, "page_size": page.page_size}


@reviews_blp.route("/reviews/<id:review_id>/reply")
@policy.allow(access.review_seller_staff)
class ReplyToReview(MethodView):
    @reviews_blp.arguments(ReviewReplySchema)
    @reviews_blp.response(200, ReviewSchema)
    def post(self, data, review_id):
        """The seller answers a review, once"""
        return reviews.reply(review_id, require_user().id, data["text"])


@reviews_blp.route("/admin/reviews/<id:review_id>/hide")
class HideReview(MethodView):
    @reviews_blp.arguments(ReviewHideSchema)
    @reviews_blp.response(200, ReviewSchema)
    def post(self, data, review_id):
        """Hide an abusive review, saying why (it is kept); its ratings stop counting"""
        return reviews.hide(review_id, require_user().id, data["reason"])


@reviews_blp.route("/admin/reviews/<id:review_id>/unhide")
class UnhideReview(MethodView):
    @reviews_blp.response(200, ReviewSchema)
    def post(self, review_id):
        """Show a hidden review again; its ratings count again (the hiding stays on record)"""
        return reviews.unhide(review_id)


MAX_PHOTO_REQUEST = 6 * 1024 * 1024


@reviews_blp.route("/reviews/<id:review_id>/photos")
@policy.allow(access.review_author)
class ReviewPhotos(MethodView):
    @reviews_blp.arguments(AfterSalesPhotoUploadSchema, location="files")
    @reviews_blp.response(201, ReviewSchema)
    def post(self, files, review_id):
        """Add a photo to your review (JPEG, PNG or WebP, at most 5 MB, six in all);
        its metadata (EXIF location) is removed"""
        return reviews.add_photo(review_id, files["photo"].read(MAX_PHOTO_REQUEST))


@reviews_blp.route("/reviews/<id:review_id>/photos/<int:position>")
@policy.allow(public)
class ReviewPhoto(MethodView):
    @reviews_blp.response(200)
    def get(self, review_id, position):
        """A photo of a visible review"""
        data, mimetype = reviews.photo(review_id, position)
        return Response(data, mimetype=mimetype)


@reviews_blp.before_request
def _allow_photo_uploads() -> None:
    if request.endpoint == "reviews.ReviewPhotos":
        request.max_content_length = MAX_PHOTO_REQUEST
