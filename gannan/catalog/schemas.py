"""marshmallow schemas of the catalog."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gannan.catalog.labels import MAX_COUNT, PER_SHEET
from gannan.catalog.models import CertificateKind, ProductStatus
from gannan.catalog.services.products import MAX_STOCK
from gannan.platform.pagination import PageArgsSchema, page_schema
from gannan.platform.schemas import (
    COUNTY_CODE,
    CountySchema,
    flag,
    ident,
    integer,
    query_integer,
    text,
)
from gannan.platform.types import shanghai_today

FEN = integer(maximum=10**9, required=True)


class CategorySchema(Schema):
    slug = fields.String(metadata={"example": "navel_orange"})
    name = fields.String(metadata={"example": "脐橙"})
    parent = fields.String(attribute="parent.slug", allow_none=True)
    agricultural = fields.Boolean()


class CategoryListSchema(Schema):
    items = fields.List(fields.Nested(CategorySchema))


# --- products and SKUs ------------------------------------------------------------


class SkuCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$", error="Letters, digits, . _ - (at most 40)."))
    spec = text(80, required=True, metadata={"example": "5kg 特级 80-85mm"})
    price_fen = FEN
    stock = integer(maximum=MAX_STOCK, required=True)
    weight_g = integer(maximum=10**7, load_default=0)


class SkuUpdateSchema(Schema):
    spec = text(80)
    price_fen = integer(maximum=10**9)
    weight_g = integer(maximum=10**7)


class StockChangeSchema(Schema):
    delta = integer(minimum=-MAX_STOCK, maximum=MAX_STOCK, required=True,
                    metadata={"description": "Units to add (positive) or remove"})


class SkuSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    spec = fields.String()
    price_fen = fields.Integer()
    stock = fields.Integer()
    weight_g = fields.Integer()
    sold_out = fields.Function(lambda sku: sku.stock == 0)


class ProductWriteSchema(Schema):
    title = text(120)
    description = fields.String(validate=validate.Length(max=5000))
    category = fields.String(validate=validate.Length(min=1, max=40),
                             metadata={"description": "A category slug (GET /categories)"})
    origin_county_code = fields.String(validate=validate.Regexp(r"^[0-9]{6}$"))
    origin_township = fields.String(allow_none=True, validate=validate.Length(min=1, max=60))
    regional_brand = fields.String(allow_none=True, validate=validate.Length(min=1, max=40),
                                   metadata={"example": "赣南脐橙"})
    agricultural = flag(allow_none=True, metadata={
        "description": "Defaults to the category's rule (docs/awards.md)"})
    cold_chain = flag()
    images = fields.List(fields.Url(schemes={"http", "https"}),
                         validate=validate.Length(max=20))


class ProductCreateSchema(ProductWriteSchema):
    seller_id = ident(required=True)
    title = text(120, required=True)
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    origin_county_code = COUNTY_CODE
    skus = fields.List(fields.Nested(SkuCreateSchema), required=True,
                       validate=validate.Length(min=1, max=50))


class SellerRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    county = fields.String(attribute="county_code")


class CertificateRefSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(CertificateKind, by_value=True)
    number = fields.String()
    issuer = fields.String()
    brand = fields.String(allow_none=True)
    valid_from = fields.Date()
    valid_until = fields.Date()


class BatchRefSchema(Schema):
    trace_code = fields.String()
    harvest_date = fields.Date(allow_none=True)
    production_date = fields.Date(allow_none=True)
    quantity = fields.Integer()
    unit = fields.String()


class ProductSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    status = fields.Enum(ProductStatus, by_value=True)
    blocked_reason = fields.String(allow_none=True)
    seller = fields.Nested(SellerRefSchema)
    category = fields.Nested(CategorySchema)
    origin_county = fields.Nested(CountySchema)
    origin_township = fields.String(allow_none=True)
    regional_brand = fields.String(allow_none=True)
    agricultural = fields.Boolean()
    cold_chain = fields.Boolean()
    images = fields.List(fields.String())
    min_price_fen = fields.Integer(allow_none=True)
    sold_out = fields.Function(lambda p: not p.in_stock)
    rating = fields.Float(allow_none=True, metadata={
        "description": "Mean of the visible reviews' stars (1-5), to two decimals; "
                       "null until rated"})
    rating_count = fields.Integer(metadata={"description": "How many visible ratings"})
    skus = fields.List(fields.Nested(SkuSchema))
    certificates = fields.List(fields.Nested(CertificateRefSchema), attribute="valid_certificates",
                               metadata={"description": "Certificates valid today"})
    latest_batches = fields.List(fields.Nested(BatchRefSchema))
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)


class ProductSummarySchema(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.Enum(ProductStatus, by_value=True)
    seller = fields.Nested(SellerRefSchema)
    category = fields.String(attribute="category.slug")
    category_name = fields.String(attribute="category.name")
    origin_county = fields.Nested(CountySchema)
    regional_brand = fields.String(allow_none=True)
    image = fields.Function(lambda p: p.images[0] if p.images else None)
    min_price_fen = fields.Integer(allow_none=True)
    sold_out = fields.Function(lambda p: not p.in_stock)
    cold_chain = fields.Boolean()
    certifications = fields.List(fields.String(), attribute="valid_certification_kinds")
    rating = fields.Float(allow_none=True, metadata={
        "description": "Mean of the visible reviews' stars (1-5), to two decimals; "
                       "null until rated"})
    rating_count = fields.Integer(metadata={"description": "How many visible ratings"})


class ProductQueryArgsSchema(PageArgsSchema):
    q = fields.String(validate=validate.Length(max=100))
    category = fields.String(validate=validate.Length(min=1, max=40))
    county = fields.String(validate=validate.Regexp(r"^[0-9]{6}$"))
    certification = fields.Enum(CertificateKind, by_value=True)
    min_price_fen = query_integer()
    max_price_fen = query_integer()
    in_stock = fields.Boolean()
    sort = fields.String(load_default="relevance", validate=validate.OneOf(
        ["relevance", "price_asc", "price_desc", "newest", "rating"]), metadata={
        "description": "rating: best rated first (unrated last), then most rated"})
    # Read as text and checked by the search service, so every bad value is the one
    # problem ``invalid_min_rating`` (a Float field would answer some with validation_error).
    min_rating = fields.String(metadata={
        "type": "number", "minimum": 1, "maximum": 5, "example": "4.5",
        "description": "Only products rated at least this (1-5, up to two decimals); "
                       "unrated products are left out"})


class FacetsSchema(Schema):
    category = fields.Dict(keys=fields.String(), values=fields.Integer())
    county = fields.Dict(keys=fields.String(), values=fields.Integer())
    certification = fields.Dict(keys=fields.String(), values=fields.Integer())


class ProductSearchResultSchema(page_schema(ProductSummarySchema, "ProductPageBase")):
    facets = fields.Nested(FacetsSchema)


SellerProductPageSchema = page_schema(ProductSummarySchema, "SellerProductPage")


class SellerProductArgsSchema(PageArgsSchema):
    status = fields.Enum(ProductStatus, by_value=True)


# --- certificates -------------------------------------------------------------------


class CertificateCreateSchema(Schema):
    kind = fields.Enum(CertificateKind, by_value=True, required=True)
    number = fields.String(required=True, validate=validate.Length(min=4, max=40))
    issuer = text(120, required=True, metadata={"example": "中国绿色食品发展中心"})
    brand = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(min=1, max=40), metadata={
                              "description": "The regional brand covered (brand licence, GI)"})
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    product_ids = fields.List(ident(), load_default=list, validate=validate.Length(max=500))


class CertificateCoverageSchema(Schema):
    product_ids = fields.List(ident(), required=True, validate=validate.Length(max=500))


class CertificateSchema(CertificateRefSchema):
    product_ids = fields.Function(lambda c: sorted(p.id for p in c.products))
    valid_today = fields.Function(lambda c: c.valid_on(shanghai_today()))
    created_at = fields.DateTime()


# --- trace batches ------------------------------------------------------------------


class FarmInputSchema(Schema):
    name = text(80, required=True, metadata={"example": "有机肥"})
    kind = fields.String(required=True, validate=validate.OneOf(
        ["fertilizer", "pesticide", "herbicide", "growth_regulator", "other"]))
    amount = text(40, required=True, metadata={"example": "50kg/亩"})
    applied_on = fields.Date(required=True)


class InspectionSchema(Schema):
    lab = text(120, required=True)
    report_number = text(60, required=True)
    passed = flag(required=True)
    inspected_on = fields.Date(required=True)


class ComplianceCertificateSchema(Schema):
    """承诺达标合格证: the producer's own commitment that the batch meets the standards."""

    product = text(120, required=True)
    quantity = text(40, required=True, metadata={"example": "2000kg"})
    producer = text(120, required=True)
    origin = text(200, required=True)
    contact = text(40, required=True)
    issued_on = fields.Date(required=True)
    commitments = fields.List(fields.String(validate=validate.OneOf([
        "no_banned_pesticides_or_veterinary_drugs",  # 不使用禁用农药兽药、停用兽药和非法添加物
        "pesticide_residues_within_limits",  # 常规农药兽药残留不超标
        "withdrawal_periods_respected",  # 遵守农药安全间隔期、兽药休药期规定
    ])), required=True, validate=validate.Length(min=1))


class BatchCreateSchema(Schema):
    harvest_date = fields.Date(load_default=None, allow_none=True)
    production_date = fields.Date(load_default=None, allow_none=True)
    quantity = integer(minimum=1, maximum=10**9, required=True)
    unit = fields.String(required=True, validate=validate.OneOf(
        ["kg", "jin", "box", "bottle", "bag", "piece"]))
    base = text(120, required=True, metadata={"example": "信丰县安西镇脐橙基地"})
    producer = text(120, required=True)
    producer_kind = fields.String(required=True, validate=validate.OneOf(
        ["cooperative", "farmer", "enterprise", "family_farm"]))
    farm_inputs = fields.List(fields.Nested(FarmInputSchema), load_default=list)
    inspections = fields.List(fields.Nested(InspectionSchema), load_default=list)
    compliance_certificate = fields.Nested(ComplianceCertificateSchema, required=True)


class BatchSchema(Schema):
    id = fields.Integer()
    trace_code = fields.String()
    trace_url = fields.String()
    product_id = fields.Integer()
    harvest_date = fields.Date(allow_none=True)
    production_date = fields.Date(allow_none=True)
    quantity = fields.Integer()
    unit = fields.String()
    base = fields.String(attribute="base_name")
    producer = fields.String(attribute="producer_name")
    producer_kind = fields.String()
    farm_inputs = fields.List(fields.Dict())
    inspections = fields.List(fields.Nested(InspectionSchema))
    compliance_certificate = fields.Dict()
    created_at = fields.DateTime()
    recalled_at = fields.DateTime(allow_none=True, metadata={
        "description": "召回: set when the batch was recalled"})
    recall_reason = fields.String(allow_none=True)


class LabelArgsSchema(Schema):
    count = fields.Integer(load_default=PER_SHEET, validate=validate.Range(min=1, max=MAX_COUNT),
                           metadata={"description": f"labels to print, {PER_SHEET} to an A4 sheet"})


class SpotCheckCreateSchema(Schema):
    product_id = ident()
    trace_code = fields.String(validate=validate.Length(min=1, max=32))
    sampled_on = fields.Date(required=True)
    lab = text(120, required=True)
    report_number = text(60, required=True)
    passed = flag(required=True)
    notes = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(max=2000))


class SpotCheckSchema(Schema):
    id = fields.Integer()
    seller_id = fields.Integer()
    product_id = fields.Integer()
    product_title = fields.String(attribute="product.title")
    trace_code = fields.Function(lambda s: s.batch.trace_code if s.batch_id else None)
    sampled_on = fields.Date()
    lab = fields.String()
    report_number = fields.String()
    passed = fields.Boolean()
    notes = fields.String(allow_none=True)
    created_at = fields.DateTime()


class SpotCheckListSchema(Schema):
    items = fields.List(fields.Nested(SpotCheckSchema))


class ProvinceFlowSchema(Schema):
    province = fields.String()
    parcels = fields.Integer()
    units = fields.Integer()


class BatchFlowSchema(Schema):
    """流向: how much of the batch was shipped and to which provinces, never to whom."""

    parcels = fields.Integer()
    units = fields.Integer(metadata={"description": "SKU units shipped from the batch"})
    weight_kg = fields.String(allow_none=True, metadata={
        "description": "Their weight, when every SKU shipped has one"})
    share_of_batch_percent = fields.String(allow_none=True, metadata={
        "description": "That weight as a share of the batch (kg or jin batches)"})
    provinces = fields.List(fields.Nested(ProvinceFlowSchema))


class TraceSchema(Schema):
    trace_code = fields.String()
    trace_url = fields.String()
    product = fields.Dict()
    seller = fields.Dict()
    origin = fields.Dict()
    batch = fields.Nested(BatchSchema)
    certificates = fields.List(fields.Dict())
    spot_checks = fields.List(fields.Nested(SpotCheckSchema))
    flow = fields.Nested(BatchFlowSchema, allow_none=True)


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    message = fields.String()
    created_at = fields.DateTime()


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))

