"""HTTP layer of after-sales (售后): buyers ask, sellers answer, admins arbitrate."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from gannan.orders import access
from gannan.orders.schemas import (
    AfterSalesAcceptSchema,
    AfterSalesArbitrateSchema,
    AfterSalesCreateSchema,
    AfterSalesEscalateSchema,
    AfterSalesListArgsSchema,
    AfterSalesListSchema,
    AfterSalesPageSchema,
    AfterSalesPhotoUploadSchema,
    AfterSalesRejectSchema,
    AfterSalesReturnSchema,
    AfterSalesSchema,
)
from gannan.orders.services import aftersales
from gannan.platform.auth import Policy, require_user
from gannan.platform.pagination import paginate

aftersales_blp = Blueprint("aftersales", __name__, url_prefix="/api/v1",
                           description="After-sales (售后): refund or return requests")
policy = Policy(aftersales_blp, default=access.request_parties)
MAX_PHOTO_REQUEST = 6 * 1024 * 1024  # one photo of at most 5 MB, with its form


@aftersales_blp.route("/seller-orders/<id:seller_order_id>/after-sales")
@policy.allow(access.seller_order_parties, "GET")
@policy.allow(access.seller_order_buyer, "POST")
class SellerOrderAfterSales(MethodView):
    @aftersales_blp.response(200, AfterSalesListSchema)
    def get(self, seller_order_id):
        """The after-sales requests of a seller order"""
        return {"items": aftersales.requests_of_seller_order(seller_order_id)}

    @aftersales_blp.arguments(AfterSalesCreateSchema)
    @aftersales_blp.response(201, AfterSalesSchema)
    def post(self, data, seller_order_id):
        """Ask for a refund, or to return the goods for one, within the days after delivery"""
        return aftersales.open_request(seller_order_id, require_user().id, data)


@aftersales_blp.route("/after-sales/<id:request_id>")
class AfterSalesDetail(MethodView):
    @aftersales_blp.response(200, AfterSalesSchema)
    def get(self, request_id):
        """One request with every step: who, what, when"""
        return aftersales.request_or_404(request_id)


@aftersales_blp.route("/after-sales/<id:request_id>/photos")
@policy.allow(access.request_buyer)
class AfterSalesPhotos(MethodView):
    @aftersales_blp.arguments(AfterSalesPhotoUploadSchema, location="files")
    @aftersales_blp.response(201, AfterSalesSchema)
    def post(self, files, request_id):
        """Add a photo (JPEG, PNG or WebP, at most 5 MB, six per request); its metadata
        (EXIF location) is removed"""
        return aftersales.add_photo(request_id, files["photo"].read(MAX_PHOTO_REQUEST))


@aftersales_blp.route("/after-sales/<id:request_id>/photos/<int:position>")
class AfterSalesPhoto(MethodView):
    @aftersales_blp.response(200)
    def get(self, request_id, position):
        """One photo, as stored (re-encoded)"""
        data, mimetype = aftersales.photo(request_id, position)
        return Response(data, mimetype=mimetype)


@aftersales_blp.route("/after-sales/<id:request_id>/accept")
@policy.allow(access.request_seller_staff)
class Accept(MethodView):
    @aftersales_blp.arguments(AfterSalesAcceptSchema)
    @aftersales_blp.response(200, AfterSalesSchema)
    def post(self, data, request_id):
        """The seller agrees, to all or part of the amount; refund only is refunded now"""
        return aftersales.accept(request_id, require_user().id, data["amount_fen"])


@aftersales_blp.route("/after-sales/<id:request_id>/reject")
@policy.allow(access.request_seller_staff)
class Reject(MethodView):
    @aftersales_blp.arguments(AfterSalesRejectSchema)
    @aftersales_blp.response(200, AfterSalesSchema)
    def post(self, data, request_id):
        """The seller refuses, saying why; the buyer may escalate"""
        return aftersales.reject(request_id, require_user().id, data["reason"])


@aftersales_blp.route("/after-sales/<id:request_id>/escalate")
@policy.allow(access.request_buyer)
class Escalate(MethodView):
    @aftersales_blp.arguments(AfterSalesEscalateSchema)
    @aftersales_blp.response(200, AfterSalesSchema)
    def post(self, data, request_id):
        """The buyer asks the platform to decide a rejected request"""
        return aftersales.escalate(request_id, require_user().id, data["note"])


@aftersales_blp.route("/after-sales/<id:request_id>/return-shipment")
@policy.allow(access.request_buyer)
class ReturnShipment(MethodView):
    @aftersales_blp.arguments(AfterSalesReturnSchema)
    @aftersales_blp.response(200, AfterSalesSchema)
    def post(self, data, request_id):
        """The buyer sent the goods back: carrier and tracking number"""
        return aftersales.return_shipped(request_id, require_user().id, data["carrier"],
                                         data["tracking_number"])


@aftersales_blp.route("/after-sales/<id:request_id>/confirm-return")
@policy.allow(access.request_seller_staff)
class ConfirmReturn(MethodView):
    @aftersales_blp.response(200, AfterSalesSchema)
    def post(self, request_id):
        """The seller received the returned goods: the refund is made"""
        return aftersales.confirm_return(request_id, require_user().id)


@aftersales_blp.route("/after-sales/<id:request_id>/withdraw")
@policy.allow(access.request_buyer)
class Withdraw(MethodView):
    @aftersales_blp.response(200, AfterSalesSchema)
    def post(self, request_id):
        """The buyer withdraws the request"""
        return aftersales.withdraw(request_id, require_user().id)


@aftersales_blp.route("/admin/after-sales")
@policy.allow(access.admin)
class AdminAfterSales(MethodView):
    @aftersales_blp.arguments(AfterSalesListArgsSchema, location="query")
    @aftersales_blp.response(200, AfterSalesPageSchema)
    def get(self, args):
        """Requests by status (escalated ones wait for arbitration), newest first"""
        return paginate(aftersales.listing(args.get("status")), args["page"],
                        args["page_size"])


@aftersales_blp.route("/admin/after-sales/<id:request_id>/arbitrate")
@policy.allow(access.admin)
class Arbitrate(MethodView):
    @aftersales_blp.arguments(AfterSalesArbitrateSchema)
    @aftersales_blp.response(200, AfterSalesSchema)
    def post(self, data, request_id):
        """A platform admin decides an escalated request: refund (all or part) or not"""
        return aftersales.arbitrate(request_id, require_user().id, data["refund"],
                                    data["amount_fen"], data["note"])


@aftersales_blp.before_request
def _allow_photo_uploads() -> None:
    if request.endpoint == "aftersales.AfterSalesPhotos":
        request.max_content_length = MAX_PHOTO_REQUEST
