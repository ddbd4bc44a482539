"""HTTP layer of orders: cart, checkout, payments, fulfilment, refunds."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from gannan.catalog.access import batch_member_or_admin
from gannan.orders import access
from gannan.orders.gateway import verify_event
from gannan.orders.queries import seller_order_with_order
from gannan.orders.schemas import (
    CartItemCreateSchema,
    CartItemUpdateSchema,
    CartSchema,
    CheckoutSchema,
    DeliverSchema,
    IdempotencyHeaderSchema,
    OrderListArgsSchema,
    OrderPageSchema,
    OrderSchema,
    PaymentMethodsSchema,
    RecallListSchema,
    RecallSchema,
    RefundCreateSchema,
    RefundSchema,
    SellerOrderListArgsSchema,
    SellerOrderPageSchema,
    SellerOrderWithAddressSchema,
    ShippingRuleSchema,
    ShipSchema,
    WebhookResultSchema,
)
from gannan.orders.services import batch_flow, cart, checkout, fulfilment, payments, refunds
from gannan.platform.auth import Policy, authenticated, public, require_user, seller_member
from gannan.platform.jsonbody import Blueprint
from gannan.platform.pagination import paginate
from gannan.platform.schemas import ReasonSchema

# --- cart ----------------------------------------------------------------------------

cart_blp = Blueprint("cart", __name__, url_prefix="/api/v1/cart", description="The shopper's cart")
Policy(cart_blp)


@cart_blp.route("")
class CartView(MethodView):
    @cart_blp.response(200, CartSchema)
    def get(self):
        """The caller's cart"""
        return cart.cart_of(require_user().id)


@cart_blp.route("/items")
class CartItems(MethodView):
    @cart_blp.arguments(CartItemCreateSchema)
    @cart_blp.response(201, CartSchema)
    def post(self, data):
        """Add a SKU; refused when it is not for sale or not in stock"""
        return cart.add_item(require_user().id, data["sku_id"], data["quantity"])


@cart_blp.route("/items/<id:item_id>")
class CartItem(MethodView):
    @cart_blp.arguments(CartItemUpdateSchema)
    @cart_blp.response(200, CartSchema)
    def patch(self, data, item_id):
        """Change a quantity"""
        return cart.set_quantity(require_user().id, item_id, data["quantity"])

    @cart_blp.response(200, CartSchema)
    def delete(self, item_id):
        """Remove an item"""
        return cart.remove_item(require_user().id, item_id)


# --- checkout and payments -----------------------------------------------------------

checkout_blp = Blueprint("checkout", __name__, url_prefix="/api/v1",
                         description="Checkout and payments")
checkout_policy = Policy(checkout_blp)


@checkout_blp.route("/payment-methods")
@checkout_policy.allow(public)
class PaymentMethods(MethodView):
    @checkout_blp.response(200, PaymentMethodsSchema)
    def get(self):
        """Payment methods offered here: cash on delivery, and Stripe when configured"""
        return {"methods": checkout.payment_methods()}


@checkout_blp.route("/checkout")
class Checkout(MethodView):
    @checkout_blp.arguments(CheckoutSchema)
    @checkout_blp.arguments(IdempotencyHeaderSchema, location="headers")
    @checkout_blp.response(201, OrderSchema)
    @checkout_blp.alt_response(200, schema=OrderSchema, description="Replay of the same key")
    def post(self, data, headers):
        """Buy the cart: one order, one part per seller, stock reserved, payment started"""
        order, created = checkout.checkout(require_user(), headers["key"], data)
        return order, 201 if created else 200


@checkout_blp.route("/payments/stripe/webhook")
@checkout_policy.allow(public)
class StripeWebhook(MethodView):
    @checkout_blp.response(200, WebhookResultSchema)
    def post(self):
        """Stripe events (signed); each is applied exactly once"""
        event = verify_event(request.get_data(), request.headers.get("Stripe-Signature"))
        return {"received": True, "outcome": payments.handle_event(event)}


# --- the shopper's orders ------------------------------------------------------------

orders_blp = Blueprint("orders", __name__, url_prefix="/api/v1/orders",
                       description="The shopper's orders")
orders_policy = Policy(orders_blp, default=access.order_buyer_or_admin)


@orders_blp.route("")
@orders_policy.allow(authenticated)
class Orders(MethodView):
    @orders_blp.arguments(OrderListArgsSchema, location="query")
    @orders_blp.response(200, OrderPageSchema)
    def get(self, args):
        """The caller's orders, newest first"""
        query = fulfilment.buyer_orders(require_user().id, args.get("status"))
        return paginate(query, args["page"], args["page_size"])


@orders_blp.route("/<id:order_id>")
class OrderDetail(MethodView):
    @orders_blp.response(200, OrderSchema)
    def get(self, order_id):
        """One order with its seller parts, their history and refunds"""
        return fulfilment.order_or_404(order_id)


@orders_blp.route("/<id:order_id>/cancel")
class OrderCancel(MethodView):
    @orders_blp.response(200, OrderSchema)
    def post(self, order_id):
        """Cancel before shipping: stock goes back, what was paid is refunded"""
        return refunds.cancel_order(order_id, require_user().id)


# --- sellers' parts --------------------------------------------------------------------

seller_orders_blp = Blueprint("seller_orders", __name__, url_prefix="/api/v1",
                              description="Fulfilment and refunds by sellers")
seller_orders_policy = Policy(seller_orders_blp, default=access.seller_order_staff)


@seller_orders_blp.route("/seller/orders")
@seller_orders_policy.allow(access.query_seller_staff)
class SellerOrders(MethodView):
    @seller_orders_blp.arguments(SellerOrderListArgsSchema, location="query")
    @seller_orders_blp.response(200, SellerOrderPageSchema)
    def get(self, args):
        """Orders to fulfil for the seller you act for"""
        seller_id = args.get("seller_id") or require_user().memberships[0].seller_id
        query = fulfilment.seller_orders(seller_id, args.get("status")) \
            .options(*seller_order_with_order())
        return paginate(query, args["page"], args["page_size"])


@seller_orders_blp.route("/seller-orders/<id:seller_order_id>")
@seller_orders_policy.allow(access.seller_order_parties)
class SellerOrderDetail(MethodView):
    @seller_orders_blp.response(200, SellerOrderWithAddressSchema)
    def get(self, seller_order_id):
        """One seller's part of an order"""
        return fulfilment.seller_order_or_404(seller_order_id)


@seller_orders_blp.route("/seller-orders/<id:seller_order_id>/ship")
class Ship(MethodView):
    @seller_orders_blp.arguments(ShipSchema)
    @seller_orders_blp.response(200, SellerOrderWithAddressSchema)
    def post(self, data, seller_order_id):
        """Hand over to the carrier (paid orders, or cash on delivery)"""
        return fulfilment.ship(seller_order_id, require_user().id, data["carrier"],
                               data["tracking_number"], data["lines"])


@seller_orders_blp.route("/seller-orders/<id:seller_order_id>/deliver")
class Deliver(MethodView):
    @seller_orders_blp.arguments(DeliverSchema)
    @seller_orders_blp.response(200, SellerOrderWithAddressSchema)
    def post(self, data, seller_order_id):
        """Delivered; cash on delivery needs cash_collected, which makes it paid"""
        return fulfilment.deliver(seller_order_id, require_user().id, data["cash_collected"])


@seller_orders_blp.route("/seller-orders/<id:seller_order_id>/confirm-receipt")
@seller_orders_policy.allow(access.seller_order_buyer)
class ConfirmReceipt(MethodView):
    @seller_orders_blp.response(200, SellerOrderWithAddressSchema)
    def post(self, seller_order_id):
        """The buyer confirms receipt (otherwise it completes automatically)"""
        return fulfilment.confirm_receipt(seller_order_id, require_user().id)


@seller_orders_blp.route("/seller-orders/<id:seller_order_id>/refunds")
@seller_orders_policy.allow(access.seller_order_staff_or_admin)
class Refunds(MethodView):
    @seller_orders_blp.arguments(RefundCreateSchema)
    @seller_orders_blp.response(201, RefundSchema)
    def post(self, data, seller_order_id):
        """Refund part or all of what was paid, never more"""
        return refunds.refund(seller_order_id, require_user().id, data["amount_fen"],
                              data["reason"], data["line_ids"])


@seller_orders_blp.route("/sellers/<id:seller_id>/shipping-rule")
@seller_orders_policy.allow(seller_member())
class SellerShippingRule(MethodView):
    @seller_orders_blp.response(200, ShippingRuleSchema)
    def get(self, seller_id):
        """The seller's shipping fee rule (the platform default until one is set)"""
        return checkout.shipping_rule(seller_id)

    @seller_orders_blp.arguments(ShippingRuleSchema)
    @seller_orders_blp.response(200, ShippingRuleSchema)
    def put(self, data, seller_id):
        """Set the flat fee, the free-shipping threshold and the cold-chain surcharge"""
        return checkout.set_shipping_rule(seller_id, data)


# --- recalls of a batch ------------------------------------------------------------------

recalls_blp = Blueprint("recalls", __name__, url_prefix="/api/v1/batches",
                        description="Recalls of a trace batch (召回) and who to call back")
Policy(recalls_blp, default=batch_member_or_admin)


@recalls_blp.route("/<id:batch_id>/recall")
class Recall(MethodView):
    @recalls_blp.arguments(ReasonSchema)
    @recalls_blp.response(200, RecallSchema)
    def post(self, data, batch_id):
        """Recall a batch (the seller or an admin): its buyers are notified, its product is
        blocked until the seller lists a new batch"""
        return batch_flow.recall_batch(batch_id, require_user(), data["reason"])


@recalls_blp.route("/<id:batch_id>/recall-list")
class RecallList(MethodView):
    @recalls_blp.response(200, RecallListSchema)
    def get(self, batch_id):
        """Every order shipped from the batch with its delivery contact (the seller and
        admins only)"""
        return batch_flow.recall_list(batch_id)


BLUEPRINTS = (cart_blp, checkout_blp, orders_blp, seller_orders_blp, recalls_blp)
