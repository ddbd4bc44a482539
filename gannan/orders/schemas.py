"""marshmallow schemas of carts, orders, fulfilment and refunds."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gannan.orders.errors import OrderErrorCode
from gannan.orders.models import (
    AfterSalesKind,
    AfterSalesReason,
    AfterSalesStatus,
    Channel,
    OrderStatus,
    PaymentMethod,
    RefundStatus,
    SellerOrderStatus,
)
from gannan.orders.services.cart import MAX_QUANTITY
from gannan.platform.pagination import PageArgsSchema, page_schema
from gannan.platform.schemas import (
    INT64_MAX,
    PHONE_PATTERN,
    flag,
    ident,
    integer,
    query_integer,
    text,
)

QUANTITY = integer(minimum=1, maximum=MAX_QUANTITY, required=True)


IDEMPOTENCY_KEY_MESSAGE = "Send an Idempotency-Key header (at most 255 characters)."


class StrippedString(fields.String):
    """A string without its surrounding blanks, validated after they are gone."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class IdempotencyHeaderSchema(Schema):
    """Checkout's ``Idempotency-Key`` header.  A missing, blank or overlong key is one
    problem of its own, not a validation_error: ``problem_code`` names it."""

    problem_code = OrderErrorCode.IDEMPOTENCY_KEY_REQUIRED

    key = StrippedString(
        data_key="Idempotency-Key", required=True,
        validate=validate.Length(min=1, max=255, error=IDEMPOTENCY_KEY_MESSAGE),
        error_messages={"required": IDEMPOTENCY_KEY_MESSAGE, "invalid": IDEMPOTENCY_KEY_MESSAGE},
        metadata={"description": "Any string of yours naming this checkout: the same key and "
                                 "body give the same order, another body under it is 409."},
    )


class CartItemCreateSchema(Schema):
    sku_id = ident(required=True)
    quantity = QUANTITY


class CartItemUpdateSchema(Schema):
    quantity = QUANTITY


class CartLineSchema(Schema):
    id = fields.Integer()
    sku_id = fields.Integer()
    product_id = fields.Integer(attribute="sku.product_id")
    title = fields.String(attribute="sku.product.title")
    spec = fields.String(attribute="sku.spec")
    seller_id = fields.Integer(attribute="sku.product.seller_id")
    unit_price_fen = fields.Integer(attribute="sku.price_fen")
    quantity = fields.Integer()
    line_total_fen = fields.Function(lambda item: item.sku.price_fen * item.quantity)
    available = fields.Integer(attribute="sku.stock")


class CartSchema(Schema):
    items = fields.List(fields.Nested(CartLineSchema))
    items_total_fen = fields.Function(
        lambda cart: sum(i.sku.price_fen * i.quantity for i in cart.items))


class AddressSchema(Schema):
    recipient = text(60, required=True)
    phone = fields.String(required=True, validate=validate.Regexp(
        PHONE_PATTERN, error="Not a mainland China phone number."))
    county_code = fields.String(validate=validate.Regexp(r"^[0-9]{6}$"), metadata={
        "description": "GB/T 2260 code of a Ganzhou county; elsewhere give the text fields"})
    province = text(30, metadata={"example": "广东省"})
    city = text(30, metadata={"example": "深圳市"})
    county = text(30, metadata={"example": "南山区"})
    township = text(60, load_default=None)
    village = text(60, load_default=None)
    detail = text(255, required=True)


class CheckoutSchema(Schema):
    address = fields.Nested(AddressSchema, required=True)
    payment_method = fields.Enum(PaymentMethod, by_value=True, required=True)
    channel = fields.Enum(Channel, by_value=True, load_default=Channel.STOREFRONT)
    channel_ref = text(120, load_default=None, metadata={
        "description": "Live room, host, video or campaign the sale came through"})


class OrderLineSchema(Schema):
    id = fields.Integer()
    sku_id = fields.Integer()
    product_id = fields.Integer()
    title = fields.String()
    spec = fields.String()
    origin_county_code = fields.String()
    unit_price_fen = fields.Integer()
    quantity = fields.Integer()
    line_total_fen = fields.Integer()
    refunded_fen = fields.Integer()
    batch_id = fields.Integer(allow_none=True, metadata={
        "description": "The trace batch it shipped from (流向)"})


class EventSchema(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()


class RefundSchema(Schema):
    id = fields.Integer()
    seller_order_id = fields.Integer()
    amount_fen = fields.Integer()
    status = fields.Enum(RefundStatus, by_value=True, metadata={
        "description": "pending until Stripe confirms the refund (it is retried), then "
                       "succeeded"})
    reason = fields.String()
    allocation = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Goods refunded per order line id; the rest was shipping"})
    stripe_refund_id = fields.String(allow_none=True)
    created_at = fields.DateTime()


def refund_status(seller_order) -> str | None:
    if seller_order.refunded_fen == 0:
        return None
    return "refunded" if seller_order.refunded_fen == seller_order.paid_fen \
        else "partially_refunded"


class SellerOrderSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    seller = fields.Function(lambda so: {"id": so.seller_id, "name": so.seller.name})
    status = fields.Enum(SellerOrderStatus, by_value=True)
    refund_status = fields.Function(refund_status, metadata={
        "description": "null, partially_refunded or refunded"})
    items_total_fen = fields.Integer()
    shipping_fen = fields.Integer()
    total_fen = fields.Integer()
    paid_fen = fields.Integer()
    refunded_fen = fields.Integer()
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(OrderLineSchema))
    events = fields.List(fields.Nested(EventSchema))
    refunds = fields.List(fields.Nested(RefundSchema))
    paid_at = fields.DateTime(allow_none=True)
    shipped_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)


class DeliveryAddressSchema(Schema):
    recipient = fields.String()
    phone = fields.String()
    province = fields.String()
    city = fields.String()
    county = fields.String()
    county_code = fields.String(allow_none=True)
    township = fields.String(allow_none=True)
    village = fields.String(allow_none=True)
    detail = fields.String()


#: One instance for every answer: dumping keeps no state on the schema, and building a
#: schema costs more than dumping an address with it.
DELIVERY_ADDRESS = DeliveryAddressSchema()


class SellerOrderWithAddressSchema(SellerOrderSchema):
    """What the seller sees: its part of the order and where to ship it."""

    order_number = fields.String(attribute="order.number")
    payment_method = fields.String(attribute="order.payment_method.value")
    address = fields.Function(lambda so: DELIVERY_ADDRESS.dump(so.order))


class OrderSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.Enum(OrderStatus, by_value=True)
    payment_method = fields.Enum(PaymentMethod, by_value=True)
    channel = fields.Enum(Channel, by_value=True)
    channel_ref = fields.String(allow_none=True)
    address = fields.Function(lambda order: DELIVERY_ADDRESS.dump(order))
    items_total_fen = fields.Integer()
    shipping_total_fen = fields.Integer()
    total_fen = fields.Integer()
    refunded_fen = fields.Integer()
    stripe_payment_intent_id = fields.String(allow_none=True)
    stripe_client_secret = fields.String(allow_none=True)
    last_payment_error = fields.String(allow_none=True)
    seller_orders = fields.List(fields.Nested(SellerOrderSchema))
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)


class OrderListArgsSchema(PageArgsSchema):
    status = fields.Enum(OrderStatus, by_value=True)


class SellerOrderListArgsSchema(PageArgsSchema):
    seller_id = query_integer(minimum=1, metadata={
        "description": "Needed when you act for more than one seller"})
    status = fields.Enum(SellerOrderStatus, by_value=True)


class ShipLineSchema(Schema):
    line_id = fields.Integer(required=True, strict=True,
                             validate=validate.Range(min=1, max=2**31 - 1))
    batch_id = fields.Integer(required=True, strict=True,
                              validate=validate.Range(min=1, max=2**31 - 1))


class ShipSchema(Schema):
    carrier = text(40, required=True, metadata={"example": "中国邮政"})
    tracking_number = text(60, required=True)
    lines = fields.List(fields.Nested(ShipLineSchema), load_default=None,
                        validate=validate.Length(max=200), metadata={
                            "description": "The trace batch each line is packed from; needed "
                                           "for a product with batches unless it has exactly "
                                           "one that is not recalled"})


class DeliverSchema(Schema):
    cash_collected = flag(load_default=False, metadata={
        "description": "Cash on delivery: the buyer paid the courier"})


class RefundCreateSchema(Schema):
    amount_fen = integer(minimum=1, maximum=INT64_MAX, required=True)
    reason = text(500, multiline=True, required=True)
    line_ids = fields.List(ident(), load_default=None,
                           validate=validate.Length(min=1, max=100))


class ShippingRuleSchema(Schema):
    flat_fee_fen = integer(maximum=100_000, required=True)
    free_above_fen = integer(load_default=None, allow_none=True)
    cold_chain_surcharge_fen = integer(maximum=100_000, load_default=0)


class PaymentMethodsSchema(Schema):
    methods = fields.List(fields.String())


class WebhookResultSchema(Schema):
    received = fields.Boolean()
    outcome = fields.String()


OrderPageSchema = page_schema(OrderSchema, "OrderPage")
SellerOrderPageSchema = page_schema(SellerOrderWithAddressSchema, "SellerOrderPage")


class RecallSchema(Schema):
    id = fields.Integer()
    trace_code = fields.String()
    product_id = fields.Integer()
    recalled_at = fields.DateTime()
    recall_reason = fields.String()
    buyers_notified = fields.Integer()


class RecallContactSchema(Schema):
    recipient = fields.String()
    phone = fields.String()
    province = fields.String()
    city = fields.String()
    county = fields.String()
    township = fields.String(allow_none=True)
    village = fields.String(allow_none=True)
    detail = fields.String()


class RecallLineSchema(Schema):
    order_number = fields.String()
    seller_order_id = fields.Integer()
    status = fields.String()
    line_id = fields.Integer()
    title = fields.String()
    spec = fields.String()
    quantity = fields.Integer()
    shipped_at = fields.DateTime(allow_none=True)
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    contact = fields.Nested(RecallContactSchema)


class RecallListSchema(Schema):
    batch_id = fields.Integer()
    trace_code = fields.String()
    recalled_at = fields.DateTime(allow_none=True)
    recall_reason = fields.String(allow_none=True)
    items = fields.List(fields.Nested(RecallLineSchema))


# --- after-sales (售后) ------------------------------------------------------------------

class AfterSalesCreateSchema(Schema):
    kind = fields.Enum(AfterSalesKind, by_value=True, required=True)
    reason = fields.Enum(AfterSalesReason, by_value=True, required=True)
    description = text(2000, required=True)
    amount_fen = fields.Integer(required=True, strict=True,
                                validate=validate.Range(min=1, max=10**15))
    line_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(
        min=1, max=2**31 - 1)), load_default=None, validate=validate.Length(min=1, max=100))


class AfterSalesAcceptSchema(Schema):
    amount_fen = fields.Integer(strict=True, load_default=None,
                                validate=validate.Range(min=1, max=10**15),
                                metadata={"description": "less than asked: a partial refund"})


class AfterSalesRejectSchema(Schema):
    reason = text(1000, required=True)


class AfterSalesEscalateSchema(Schema):
    note = text(1000, load_default=None)


class AfterSalesArbitrateSchema(Schema):
    refund = fields.Boolean(required=True)
    amount_fen = fields.Integer(strict=True, load_default=None,
                                validate=validate.Range(min=1, max=10**15))
    note = text(1000, required=True)


class AfterSalesReturnSchema(Schema):
    carrier = text(40, required=True)
    tracking_number = text(60, required=True)


class AfterSalesPhotoUploadSchema(Schema):
    photo = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class AfterSalesEventSchema(Schema):
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()


class AfterSalesPhotoSchema(Schema):
    position = fields.Integer()
    content_type = fields.String()


class AfterSalesSchema(Schema):
    id = fields.Integer()
    seller_order_id = fields.Integer()
    seller_id = fields.Integer()
    buyer_id = fields.Integer()
    kind = fields.Enum(AfterSalesKind, by_value=True)
    reason = fields.Enum(AfterSalesReason, by_value=True)
    description = fields.String()
    requested_fen = fields.Integer()
    line_ids = fields.List(fields.Integer())
    status = fields.Enum(AfterSalesStatus, by_value=True)
    agreed_fen = fields.Integer(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    return_carrier = fields.String(allow_none=True)
    return_tracking_number = fields.String(allow_none=True)
    refund_id = fields.Integer(allow_none=True)
    respond_by = fields.DateTime()
    escalate_by = fields.DateTime(allow_none=True)
    return_by = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    photos = fields.List(fields.Nested(AfterSalesPhotoSchema))
    events = fields.List(fields.Nested(AfterSalesEventSchema))


class AfterSalesListSchema(Schema):
    items = fields.List(fields.Nested(AfterSalesSchema))


class AfterSalesListArgsSchema(PageArgsSchema):
    status = fields.Enum(AfterSalesStatus, by_value=True)


AfterSalesPageSchema = page_schema(AfterSalesSchema, "AfterSalesPage")


# --- reviews ---------------------------------------------------------------------------

class ReviewLineRatingSchema(Schema):
    line_id = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=2**31 - 1))
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))


class ReviewCreateSchema(Schema):
    seller_rating = fields.Integer(required=True, strict=True,
                                   validate=validate.Range(min=1, max=5))
    lines = fields.List(fields.Nested(ReviewLineRatingSchema), required=True,
                        validate=validate.Length(min=1, max=100))
    text = text(2000, required=True)


class ReviewReplySchema(Schema):
    text = text(2000, required=True)


class ReviewHideSchema(Schema):
    reason = text(500, required=True)


class ReviewLineSchema(Schema):
    order_line_id = fields.Integer()
    product_id = fields.Integer()
    title = fields.String()
    rating = fields.Integer()


class ReviewSchema(Schema):
    id = fields.Integer()
    seller_order_id = fields.Integer()
    seller_id = fields.Integer()
    seller_rating = fields.Integer()
    text = fields.String()
    verified_purchase = fields.Boolean()
    created_at = fields.DateTime()
    reply = fields.String(allow_none=True)
    replied_at = fields.DateTime(allow_none=True)
    hidden = fields.Boolean()
    # A review shown again keeps its hiding on record, not on display.
    hidden_reason = fields.Function(lambda r: r.hidden_reason if r.hidden else None,
                                    allow_none=True)
    lines = fields.List(fields.Nested(ReviewLineSchema))
    photos = fields.List(fields.Nested(AfterSalesPhotoSchema))


class ProductReviewsSchema(Schema):
    rating = fields.Float(allow_none=True, metadata={"description": "mean of visible ratings"})
    rating_count = fields.Integer()
    items = fields.List(fields.Nested(ReviewSchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
