"""marshmallow schemas of the register: applicants, figures, changes, imports."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from gannan.platform.pagination import PageArgsSchema, page_schema
from gannan.platform.schemas import CountySchema, integer, query_integer, text
from gannan.reporting.register.models import ApplicantKind

MAX_FEN = 10**15  # 10,000,000,000,000 元


class ApplicantSellerSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    status = fields.String(attribute="status.value")


class ApplicantSchema(Schema):
    id = fields.Integer()
    uscc = fields.String()
    name = fields.String()
    kind = fields.Enum(ApplicantKind, by_value=True)
    county = fields.Nested(CountySchema)
    seller = fields.Nested(ApplicantSellerSchema, attribute="platform_seller", allow_none=True,
                           metadata={"description": "The seller of this platform with the "
                                                    "same USCC: the same applicant"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PartsSchema(Schema):
    online_retail_fen = fields.Integer(allow_none=True)
    specialty_fen = fields.Integer(allow_none=True)
    agricultural_fen = fields.Integer(allow_none=True)
    upstream_fen = fields.Integer(allow_none=True)
    livestream_fen = fields.Integer(allow_none=True)


class YearPartsSchema(Schema):
    year = fields.Integer()
    platform = fields.Nested(PartsSchema, metadata={"description": "Sales on this platform"})
    external = fields.Nested(PartsSchema, allow_none=True, metadata={
        "description": "Certified by the bureau (null: nothing recorded; a null figure: "
                       "not reported)"})
    certified = fields.Nested(PartsSchema, metadata={
        "description": "The two parts added; null where an external figure is not reported"})
    note = fields.String(allow_none=True)


class ApplicantDetailSchema(ApplicantSchema):
    years = fields.List(fields.Nested(YearPartsSchema))


class ApplicantCreateSchema(Schema):
    uscc = fields.String(required=True, validate=validate.Length(min=18, max=24))
    name = text(120, metadata={"description": "Defaults to the seller's with this USCC"})
    kind = fields.Enum(ApplicantKind, by_value=True)
    county_code = fields.String(validate=validate.Regexp(r"^\d{6}$"))
    reason = text(2000, multiline=True)


class ApplicantUpdateSchema(Schema):
    name = text(120)
    kind = fields.Enum(ApplicantKind, by_value=True)
    county_code = fields.String(validate=validate.Regexp(r"^\d{6}$"))
    reason = text(2000, multiline=True, required=True, metadata={
        "description": "Why the register changes"})


class ApplicantQueryArgsSchema(PageArgsSchema):
    q = text(120, metadata={
        "description": "USCC or name prefix"})
    county = fields.String(validate=validate.Regexp(r"^\d{6}$"))
    kind = fields.Enum(ApplicantKind, by_value=True)


class LookupArgsSchema(Schema):
    q = text(120, required=True, metadata={
        "description": "USCC or name prefix"})


class LookupItemSchema(Schema):
    applicant_id = fields.Integer(allow_none=True)
    registered = fields.Boolean()
    uscc = fields.String()
    name = fields.String()
    kind = fields.String()
    county_code = fields.String()
    county = fields.String()
    seller = fields.Dict(allow_none=True)


class LookupSchema(Schema):
    items = fields.List(fields.Nested(LookupItemSchema))


class FiguresWriteSchema(Schema):
    """Every figure is explicit: a number of fen, or null for "not reported"."""

    year = integer(minimum=2020, maximum=2100, required=True)
    online_retail_fen = integer(maximum=MAX_FEN, required=True, allow_none=True)
    specialty_fen = integer(maximum=MAX_FEN, required=True, allow_none=True)
    agricultural_fen = integer(maximum=MAX_FEN, required=True, allow_none=True)
    upstream_fen = integer(maximum=MAX_FEN, required=True, allow_none=True)
    livestream_fen = integer(maximum=MAX_FEN, required=True, allow_none=True)
    note = text(500, multiline=True, load_default=None, allow_none=True)
    reason = text(2000, multiline=True, load_default=None, metadata={
        "description": "Required when recorded figures change"})


class FiguresSchema(Schema):
    applicant_id = fields.Integer()
    uscc = fields.String(attribute="applicant.uscc")
    name = fields.String(attribute="applicant.name")
    kind = fields.String(attribute="applicant.kind.value")
    county_code = fields.String(attribute="applicant.county_code")
    year = fields.Integer()
    online_retail_fen = fields.Integer(allow_none=True)
    specialty_fen = fields.Integer(allow_none=True)
    agricultural_fen = fields.Integer(allow_none=True)
    upstream_fen = fields.Integer(allow_none=True)
    livestream_fen = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    recorded_by_id = fields.Integer()
    recorded_at = fields.DateTime()


class FiguresArgsSchema(PageArgsSchema):
    year = query_integer(minimum=2020, maximum=2100, required=True)


class ChangeSchema(Schema):
    id = fields.Integer()
    applicant_id = fields.Integer()
    year = fields.Integer(allow_none=True, metadata={"description": "null: the applicant "
                                                                    "itself"})
    changes = fields.Dict(metadata={"description": "field: [before, after]"})
    reason = fields.String()
    actor_id = fields.Integer()
    actor_email = fields.String(attribute="actor.email")
    import_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class ChangeListSchema(Schema):
    items = fields.List(fields.Nested(ChangeSchema))


class ImportFormSchema(Schema):
    """One multipart/form-data body: the year, a reason, and the file."""

    year = query_integer(minimum=2020, maximum=2100, required=True)
    reason = text(2000, multiline=True, load_default=None, metadata={
        "description": "Required when the file corrects recorded figures or applicants"})
    file = Upload(required=True, metadata={
        "description": "The CSV (UTF-8 or GB18030) or XLSX"})


class ProblemRowSchema(Schema):
    row = fields.Integer(allow_none=True, metadata={"description": "Spreadsheet row; the "
                                                                   "header is row 1"})
    column = fields.String(allow_none=True)
    code = fields.String()
    message = fields.String()


class ImportResultSchema(Schema):
    year = fields.Integer()
    filename = fields.String()
    sha256 = fields.String()
    rows = fields.Integer()
    valid = fields.Boolean()
    applied = fields.Boolean()
    import_id = fields.Integer(allow_none=True)
    applicants_created = fields.Integer()
    applicants_changed = fields.Integer()
    figures_created = fields.Integer()
    figures_changed = fields.Integer()
    rows_unchanged = fields.Integer(allow_none=True)
    reason_required = fields.Boolean()
    problems = fields.List(fields.Nested(ProblemRowSchema))
    warnings = fields.List(fields.Nested(ProblemRowSchema))
    changes = fields.List(fields.Dict())


class ImportRecordSchema(Schema):
    id = fields.Integer()
    year = fields.Integer()
    filename = fields.String()
    sha256 = fields.String()
    rows = fields.Integer()
    applicants_created = fields.Integer()
    applicants_changed = fields.Integer()
    figures_created = fields.Integer()
    figures_changed = fields.Integer()
    reason = fields.String(allow_none=True)
    actor_id = fields.Integer()
    created_at = fields.DateTime()


class ImportListSchema(Schema):
    items = fields.List(fields.Nested(ImportRecordSchema))


ApplicantPageSchema = page_schema(ApplicantSchema, "ApplicantPage")
FiguresPageSchema = page_schema(FiguresSchema, "FiguresPage")
