"""marshmallow schemas of the platform: accounts, counties, sellers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gannan.platform.fields import (  # noqa: F401 - the shared fields, for every schema
    INT32_MAX,
    INT64_MAX,
    BoundedInteger,
    flag,
    ident,
    integer,
    parse_id,
    query_integer,
    text,
)
from gannan.platform.models import (
    CountyKind,
    MemberRole,
    QualificationKind,
    Role,
    SellerKind,
    SellerStatus,
)
from gannan.platform.pagination import PageArgsSchema, page_schema

# Mobile 1[3-9]xxxxxxxxx, or a landline with area code such as 0797-8888888.
PHONE_PATTERN = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"
COUNTY_CODE = fields.String(
    required=True,
    validate=validate.Regexp(r"^[0-9]{6}$", error="A county code is six digits (GB/T 2260)."),
    metadata={"example": "360722"},
)


# --- accounts -----------------------------------------------------------------


class RegisterSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=8, max=128)
    )
    display_name = text(80, required=True)


class TokenRequestSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128))


class TokenSchema(Schema):
    access_token = fields.String()
    token_type = fields.String(metadata={"example": "Bearer"})
    expires_in = fields.Integer(metadata={"description": "Seconds until the token expires"})


class MembershipSchema(Schema):
    seller_id = fields.Integer()
    seller_name = fields.String(attribute="seller.name")
    seller_status = fields.Enum(SellerStatus, by_value=True, attribute="seller.status")
    role = fields.Enum(MemberRole, by_value=True)


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    display_name = fields.String()
    roles = fields.List(fields.String(), metadata={"example": ["consumer"]})
    county_office = fields.String(allow_none=True, metadata={
        "description": "The county a county_officer acts for"})
    sellers = fields.List(fields.Nested(MembershipSchema), attribute="memberships")
    created_at = fields.DateTime()


class UserNotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"example": "batch_recalled"})
    message = fields.String()
    created_at = fields.DateTime()


class UserNotificationListSchema(Schema):
    items = fields.List(fields.Nested(UserNotificationSchema))


# --- counties -----------------------------------------------------------------


class CountySchema(Schema):
    code = fields.String(metadata={"example": "360722"})
    name = fields.String(metadata={"example": "信丰县"})
    pinyin = fields.String(metadata={"example": "xinfeng"})
    kind = fields.Enum(CountyKind, by_value=True)


class CountyListSchema(Schema):
    items = fields.List(fields.Nested(CountySchema))
    total = fields.Integer()


# --- sellers ------------------------------------------------------------------


class SellerCreateSchema(Schema):
    name = text(120, required=True, metadata={"example": "信丰县绿源脐橙专业合作社"})
    uscc = fields.String(
        required=True,
        validate=validate.Length(min=18, max=24),
        metadata={"description": "统一社会信用代码 (18 characters)"},
    )
    kind = fields.Enum(SellerKind, by_value=True, required=True)
    county_code = COUNTY_CODE
    contact_name = text(60, required=True)
    contact_phone = fields.String(
        required=True,
        validate=validate.Regexp(PHONE_PATTERN, error="Not a mainland China phone number."),
    )
    address = text(255, required=True)


class QualificationCreateSchema(Schema):
    kind = fields.Enum(QualificationKind, by_value=True, required=True)
    number = fields.String(required=True, validate=validate.Length(min=1, max=32))
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(
        load_default=None, allow_none=True, metadata={"description": "null: no end date (长期)"}
    )


class QualificationSchema(QualificationCreateSchema):
    id = fields.Integer()
    created_at = fields.DateTime()


class SellerPublicSchema(Schema):
    """What anyone may see of an approved seller (电子商务法 art. 15 licence display)."""

    id = fields.Integer()
    name = fields.String()
    uscc = fields.String()
    kind = fields.Enum(SellerKind, by_value=True)
    county = fields.Nested(CountySchema)
    address = fields.String()
    status = fields.Enum(SellerStatus, by_value=True)
    qualifications = fields.List(fields.Nested(QualificationSchema))


class SellerSchema(SellerPublicSchema):
    """The full record, for the seller's own members and platform admins."""

    contact_name = fields.String()
    contact_phone = fields.String()
    status_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    reviewed_at = fields.DateTime(allow_none=True)


class DecisionSchema(Schema):
    id = fields.Integer()
    action = fields.String(attribute="action.value")
    from_status = fields.String(attribute="from_status.value")
    to_status = fields.String(attribute="to_status.value")
    reason = fields.String(allow_none=True)
    actor_id = fields.Integer()
    actor_email = fields.String(attribute="actor.email")
    created_at = fields.DateTime()


class RecommendationSchema(Schema):
    id = fields.Integer()
    county_code = fields.String()
    officer_id = fields.Integer()
    officer_email = fields.String(attribute="officer.email")
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class SellerReviewSchema(SellerSchema):
    decisions = fields.List(fields.Nested(DecisionSchema))
    recommendations = fields.List(fields.Nested(RecommendationSchema), metadata={
        "description": "推荐 by the seller's county commerce office"})


class CountySellerSchema(SellerSchema):
    """What a county commerce office sees of a seller of its county."""

    recommendations = fields.List(fields.Nested(RecommendationSchema))


class CountySellerQueryArgsSchema(PageArgsSchema):
    status = fields.Enum(SellerStatus, by_value=True)
    kind = fields.Enum(SellerKind, by_value=True)


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class OptionalReasonSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class SellerQueryArgsSchema(PageArgsSchema):
    county = fields.String(validate=validate.Regexp(r"^[0-9]{6}$"))
    kind = fields.Enum(SellerKind, by_value=True)


class AdminSellerQueryArgsSchema(SellerQueryArgsSchema):
    status = fields.Enum(SellerStatus, by_value=True)


class StaffAddSchema(Schema):
    email = fields.Email(required=True)


class MemberSchema(Schema):
    user_id = fields.Integer()
    email = fields.String(attribute="user.email")
    display_name = fields.String(attribute="user.display_name")
    role = fields.Enum(MemberRole, by_value=True)
    created_at = fields.DateTime()


class MemberListSchema(Schema):
    items = fields.List(fields.Nested(MemberSchema))


SellerPublicPageSchema = page_schema(SellerPublicSchema, "SellerPublicPage")
SellerPageSchema = page_schema(SellerSchema, "SellerPage")
CountySellerPageSchema = page_schema(CountySellerSchema, "CountySellerPage")

ROLE_CHOICES = [r.value for r in Role if r is not Role.CONSUMER]
