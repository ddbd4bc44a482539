"""marshmallow schemas of metrics, bureau inputs, awards and monthly reports."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gannan.platform.schemas import ident, integer, query_integer, text

PERIOD = validate.Regexp(r"^[0-9]{4}-(0[1-9]|1[0-2])$", error="A month: YYYY-MM.")
FEN = integer(maximum=10**15, required=True)


class MetricsArgsSchema(Schema):
    from_ = fields.String(required=True, data_key="from", validate=PERIOD)
    to = fields.String(required=True, validate=PERIOD)
    group_by = fields.String(load_default=None, validate=validate.OneOf(
        ["county", "category", "seller", "channel", "month"]))


class MetricsSchema(Schema):
    period = fields.Dict()
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())
    upstream_destination = fields.Dict(keys=fields.String(), values=fields.Integer())
    groups = fields.List(fields.Dict(), allow_none=True)


class YearArgsSchema(Schema):
    year = query_integer(minimum=2024, maximum=2100, required=True)


class ReportListArgsSchema(Schema):
    year = query_integer(minimum=2000, maximum=2100)


class VersionArgsSchema(Schema):
    version = query_integer(minimum=1)


class ExternalSalesSchema(Schema):
    """The original by-seller API; its figures live in the register (``/bureau/figures``
    and ``/bureau/applicants`` are the successor).  A figure left out or null is not
    reported."""

    seller_id = ident(required=True)
    applicant_id = fields.Integer(dump_only=True)
    year = integer(minimum=2024, maximum=2100, required=True)
    online_fen = FEN
    agricultural_fen = integer(maximum=10**15, load_default=None, allow_none=True)
    upstream_fen = integer(maximum=10**15, load_default=None, allow_none=True)
    note = text(500, multiline=True, load_default=None)
    reason = text(2000, multiline=True, load_default=None, load_only=True, metadata={
        "description": "Why recorded figures change (default: the note)"})


class LivestreamBaseSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = text(120, required=True)
    operator_name = text(120, required=True)
    operator_uscc = fields.String(required=True, validate=validate.Length(min=18, max=24))
    county_code = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{6}$"))
    area_m2 = integer(required=True)
    rooms = integer(required=True)
    resident_enterprises = integer(required=True)
    hosts = integer(required=True)
    live_rooms = fields.List(text(120), required=True, validate=validate.Length(min=1, max=200),
                             metadata={"description": "channel_ref values of its live rooms"})
    awarded_tiers = fields.List(integer(minimum=1, maximum=2), load_default=list)


class ReportRequestSchema(Schema):
    period = fields.String(required=True, validate=PERIOD)


class CertifySchema(Schema):
    version = integer(minimum=1, load_default=None)
    reason = fields.String(load_default=None, validate=validate.Length(max=2000), metadata={
        "description": "Required when this version corrects a certified one"})


class ReportVersionSchema(Schema):
    period = fields.String()
    version = fields.Integer()
    status = fields.String(attribute="status.value")
    sha256 = fields.String()
    key_id = fields.String(allow_none=True)
    supersedes_id = fields.Integer(allow_none=True)
    correction_reason = fields.String(allow_none=True)
    generated_at = fields.DateTime()
    certified_at = fields.DateTime(allow_none=True)


class ReportListSchema(Schema):
    items = fields.List(fields.Nested(ReportVersionSchema))


class TaskSchema(Schema):
    task_id = fields.String()
    period = fields.String()
    status_url = fields.String()


class SigningKeysSchema(Schema):
    algorithm = fields.String()
    keys = fields.List(fields.Dict())


class VerdictSchema(Schema):
    valid = fields.Boolean()
    reason = fields.String()
    period = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    key_id = fields.String(allow_none=True)


class LogisticsArgsSchema(Schema):
    from_ = fields.String(required=True, data_key="from", validate=PERIOD)
    to = fields.String(required=True, validate=PERIOD)


class ParcelSummarySchema(Schema):
    parcels = fields.Integer()
    within_24h = fields.Integer(metadata={"description": "Shipped at most 24 hours after "
                                                         "payment (cash on delivery: order)"})
    share_within_24h_percent = fields.String(allow_none=True)
    median_hours_to_ship = fields.String(allow_none=True)


class VillageParcelsSchema(ParcelSummarySchema):
    target = fields.String()
    target_share_percent = fields.String()


class CountyParcelsSchema(ParcelSummarySchema):
    county_code = fields.String()
    county = fields.String()
    village = fields.Nested(ParcelSummarySchema)


class TownshipParcelsSchema(ParcelSummarySchema):
    county_code = fields.String()
    county = fields.String()
    township = fields.String(allow_none=True)
    village_level = fields.Boolean()


class LogisticsSchema(Schema):
    period = fields.Dict()
    county_code = fields.String()
    totals = fields.Nested(ParcelSummarySchema)
    village_parcels = fields.Nested(VillageParcelsSchema)
    by_county = fields.List(fields.Nested(CountyParcelsSchema))
    by_township = fields.List(fields.Nested(TownshipParcelsSchema))
