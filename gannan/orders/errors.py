"""Error codes of orders (the platform's, such as ``invalid_transition``, are reused)."""

from __future__ import annotations

from gannan.platform.errors import ErrorCodeEnum


class OrderErrorCode(ErrorCodeEnum):
    # Cart.
    SKU_UNAVAILABLE = "sku_unavailable"
    OUT_OF_STOCK = "out_of_stock"
    QUANTITY_TOO_LARGE = "quantity_too_large"
    CART_ITEM_NOT_FOUND = "cart_item_not_found"
    # Checkout.
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    PAYMENT_METHOD_UNAVAILABLE = "payment_method_unavailable"
    CHANNEL_REF_REQUIRED = "channel_ref_required"
    CART_EMPTY = "cart_empty"
    UNKNOWN_PROVINCE = "unknown_province"
    ADDRESS_INCOMPLETE = "address_incomplete"
    # Payments and Stripe webhooks.
    PAYMENT_PROVIDER_UNAVAILABLE = "payment_provider_unavailable"
    WEBHOOKS_NOT_CONFIGURED = "webhooks_not_configured"
    INVALID_SIGNATURE = "invalid_signature"
    EVENT_OUT_OF_ORDER = "event_out_of_order"
    MALFORMED_EVENT = "malformed_event"
    # Orders, fulfilment and refunds.
    ORDER_NOT_FOUND = "order_not_found"
    SELLER_ORDER_NOT_FOUND = "seller_order_not_found"
    NOT_ORDER_BUYER = "not_order_buyer"
    SELLER_ID_REQUIRED = "seller_id_required"
    ORDER_NOT_PAID = "order_not_paid"
    CASH_NOT_COLLECTED = "cash_not_collected"
    ALREADY_SHIPPED = "already_shipped"
    UNKNOWN_LINE = "unknown_line"
    REFUND_EXCEEDS_PAID = "refund_exceeds_paid"
    CONCURRENT_UPDATE = "concurrent_update"
    # After-sales (售后).
    AFTERSALES_NOT_FOUND = "after_sales_not_found"
    NOT_DELIVERED = "not_delivered"
    AFTERSALES_WINDOW_CLOSED = "after_sales_window_closed"
    AFTERSALES_ALREADY_OPEN = "after_sales_already_open"
    AMOUNT_EXCEEDS_REQUESTED = "amount_exceeds_requested"
    TOO_MANY_PHOTOS = "too_many_photos"
    ESCALATION_CLOSED = "escalation_closed"
    # Reviews.
    REVIEW_NOT_FOUND = "review_not_found"
    ORDER_NOT_COMPLETED = "order_not_completed"
    ALREADY_REVIEWED = "already_reviewed"
    LINES_TO_RATE = "lines_to_rate"
    ALREADY_REPLIED = "already_replied"
    # Where each batch went (流向) and recalls.
    LINE_NOT_IN_ORDER = "line_not_in_order"
    BATCH_NOT_OF_PRODUCT = "batch_not_of_product"
    BATCH_REQUIRED = "batch_required"
    BATCH_RECALLED = "batch_recalled"
    ALREADY_RECALLED = "already_recalled"
