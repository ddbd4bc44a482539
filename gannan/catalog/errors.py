"""Error codes of the catalog (the platform's, such as ``invalid_validity``, are reused)."""

from __future__ import annotations

from gannan.platform.errors import ErrorCodeEnum


class CatalogErrorCode(ErrorCodeEnum):
    # Products and SKUs.
    PRODUCT_NOT_FOUND = "product_not_found"
    SKU_NOT_FOUND = "sku_not_found"
    DUPLICATE_SKU_CODE = "duplicate_sku_code"
    UNKNOWN_CATEGORY = "unknown_category"
    SELLER_NOT_APPROVED = "seller_not_approved"
    BRAND_LICENCE_REQUIRED = "brand_licence_required"
    PRODUCT_BLOCKED = "product_blocked"
    NO_SKUS = "no_skus"
    INSUFFICIENT_STOCK = "insufficient_stock"
    STOCK_LIMIT = "stock_limit"
    # Certificates.
    CERTIFICATE_NOT_FOUND = "certificate_not_found"
    PRODUCT_NOT_OWNED = "product_not_owned"
    INVALID_CERTIFICATE_NUMBER = "invalid_certificate_number"
    BRAND_REQUIRED = "brand_required"
    BRAND_NOT_APPLICABLE = "brand_not_applicable"
    DUPLICATE_CERTIFICATE = "duplicate_certificate"
    # Trace batches and spot checks.
    TRACE_CODE_NOT_FOUND = "trace_code_not_found"
    BATCH_DATE_REQUIRED = "batch_date_required"
    DATE_IN_FUTURE = "date_in_future"
    BATCH_NOT_FOUND = "batch_not_found"
    LABEL_COUNT_OUT_OF_RANGE = "label_count_out_of_range"
    TARGET_REQUIRED = "target_required"
    PRODUCT_NOT_BLOCKED = "product_not_blocked"
    # Search.
    INVALID_PRICE_RANGE = "invalid_price_range"
    INVALID_MIN_RATING = "invalid_min_rating"
    PAGE_OUT_OF_RANGE = "page_out_of_range"
    SEARCH_UNAVAILABLE = "search_unavailable"
