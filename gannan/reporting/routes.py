"""HTTP layer of reporting: metrics, bureau inputs, awards, monthly reports, verification."""

from __future__ import annotations

import json

from flask import Response, request, url_for
from flask.views import MethodView

from gannan.platform.auth import Policy, any_of, public, require_user, role
from gannan.platform.errors import NotFound
from gannan.platform.celery_app import enqueue
from gannan.platform.jsonbody import Blueprint
from gannan.platform.models import Role
from gannan.reporting import inputs, monthly, render, tasks
from gannan.reporting.awards_service import award_report
from gannan.reporting.errors import ReportingErrorCode
from gannan.reporting.logistics import logistics_metrics
from gannan.reporting.metrics_service import sales_metrics
from gannan.reporting.schemas import (
    CertifySchema,
    ExternalSalesSchema,
    LivestreamBaseSchema,
    LogisticsArgsSchema,
    LogisticsSchema,
    MetricsArgsSchema,
    MetricsSchema,
    ReportListArgsSchema,
    ReportListSchema,
    ReportRequestSchema,
    ReportVersionSchema,
    SigningKeysSchema,
    TaskSchema,
    VerdictSchema,
    VersionArgsSchema,
    YearArgsSchema,
)
from gannan.reporting.signing import ALGORITHM, published_keys, verify_envelope

admin = role(Role.PLATFORM_ADMIN)
bureau_or_admin = any_of(role(Role.BUREAU), admin)

bureau_blp = Blueprint("bureau", __name__, url_prefix="/api/v1",
                       description="Metrics, awards and the bureau's inputs")
Policy(bureau_blp, default=bureau_or_admin)


@bureau_blp.route("/metrics/sales")
class SalesMetrics(MethodView):
    @bureau_blp.arguments(MetricsArgsSchema, location="query")
    @bureau_blp.response(200, MetricsSchema)
    def get(self, args):
        """Online retail, specialty, agricultural and upstream sales, orders, buyers,
        active sellers; months in Asia/Shanghai"""
        return sales_metrics(args["from_"], args["to"], args["group_by"])


@bureau_blp.route("/metrics/logistics")
class LogisticsMetrics(MethodView):
    @bureau_blp.arguments(LogisticsArgsSchema, location="query")
    @bureau_blp.response(200, LogisticsSchema)
    def get(self, args):
        """Parcels that left within 24 hours of payment (cash on delivery: of the order),
        median hours to ship, village-level origins; by county and township"""
        return logistics_metrics(args["from_"], args["to"])


@bureau_blp.route("/awards")
class Awards(MethodView):
    @bureau_blp.arguments(YearArgsSchema, location="query")
    @bureau_blp.response(200)
    def get(self, args):
        """Every award of POLICY.md for a year, each line with its figures and rule"""
        return award_report(args["year"])


@bureau_blp.route("/bureau/external-sales")
class ExternalSales(MethodView):
    @bureau_blp.arguments(YearArgsSchema, location="query")
    @bureau_blp.response(200, ExternalSalesSchema(many=True))
    def get(self, args):
        """Externally certified annual sales recorded for a year"""
        return inputs.external_sales_of(args["year"])

    @bureau_blp.arguments(ExternalSalesSchema)
    @bureau_blp.response(200, ExternalSalesSchema)
    def put(self, data):
        """Record an enterprise's certified sales on other shops and platforms for a year"""
        return inputs.record_external_sales(require_user(), data)


@bureau_blp.route("/bureau/livestream-bases")
class LivestreamBases(MethodView):
    @bureau_blp.response(200, LivestreamBaseSchema(many=True))
    def get(self):
        """Live-streaming bases"""
        return inputs.livestream_bases()

    @bureau_blp.arguments(LivestreamBaseSchema)
    @bureau_blp.response(201, LivestreamBaseSchema)
    def post(self, data):
        """Record a live-streaming base: area, rooms, resident enterprises, hosts, live rooms"""
        return inputs.add_livestream_base(data)


@bureau_blp.route("/bureau/livestream-bases/<id:base_id>")
class LivestreamBaseDetail(MethodView):
    @bureau_blp.arguments(LivestreamBaseSchema)
    @bureau_blp.response(200, LivestreamBaseSchema)
    def put(self, data, base_id):
        """Replace a base's figures"""
        return inputs.update_livestream_base(base_id, data)


@bureau_blp.route("/bureau/award-settings")
class AwardSettings(MethodView):
    @bureau_blp.response(200)
    def get(self):
        """The award rules and the readings of POLICY.md's open points in force"""
        return inputs.current_settings().to_dict()

    @bureau_blp.response(200)
    def put(self):
        """Change settings (any subset); the full settings in force are returned"""
        return inputs.change_settings(require_user(), request.get_json(silent=True)).to_dict()


# --- monthly reports ----------------------------------------------------------------------

reports_blp = Blueprint("reports", __name__, url_prefix="/api/v1",
                        description="Certified monthly reports for the commerce bureau")
reports_policy = Policy(reports_blp, default=bureau_or_admin)
MIMETYPES = {"csv": "text/csv",  # Flask adds "; charset=utf-8" to text types
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "pdf": "application/pdf"}


@reports_blp.route("/admin/reports/monthly")
@reports_policy.allow(admin)
class ReportRequests(MethodView):
    @reports_blp.arguments(ReportRequestSchema)
    @reports_blp.response(202, TaskSchema)
    def post(self, data):
        """Build (or rebuild) a month's report in the background"""
        period = str(monthly.parse_period(data["period"]))
        task = enqueue("reporting.build_monthly_report", period)
        return {"task_id": task.id, "period": period,
                "status_url": url_for("reports.ReportTask", task_id=task.id)}


@reports_blp.route("/admin/reports/tasks/<string:task_id>")
@reports_policy.allow(admin)
class ReportTask(MethodView):
    @reports_blp.response(200)
    def get(self, task_id):
        """State of a report build: UNKNOWN when no result backend keeps task states
        (then GET /reports/monthly lists the versions stored)"""
        return {"task_id": task_id, "state": tasks.task_state(task_id) or "UNKNOWN",
                "result": tasks.task_result(task_id)}


@reports_blp.route("/admin/reports/monthly/<string:period>/certify")
@reports_policy.allow(admin)
class Certify(MethodView):
    @reports_blp.arguments(CertifySchema)
    @reports_blp.response(200, ReportVersionSchema)
    def post(self, data, period):
        """Sign a version with the platform's key; from then on it cannot change"""
        return monthly.certify(period, data["version"], require_user(), data["reason"])


@reports_blp.route("/reports/monthly")
class Reports(MethodView):
    @reports_blp.arguments(ReportListArgsSchema, location="query")
    @reports_blp.response(200, ReportListSchema)
    def get(self, args):
        """Report versions, by month"""
        drafts = require_user().has_role(Role.PLATFORM_ADMIN)
        return {"items": monthly.listing(args.get("year"), drafts)}


@reports_blp.route("/reports/monthly/<string:name>")
class ReportDownload(MethodView):
    @reports_blp.arguments(VersionArgsSchema, location="query")
    @reports_blp.response(200)
    def get(self, args, name):
        """Download a month (YYYY-MM, .csv, .xlsx or .pdf): the newest certified version,
        or ?version="""
        period, _, extension = name.partition(".")
        if extension and extension not in MIMETYPES:
            raise NotFound("Formats: json, .csv, .xlsx, .pdf.",
                           code=ReportingErrorCode.UNKNOWN_FORMAT)
        drafts = require_user().has_role(Role.PLATFORM_ADMIN)
        report = monthly.current(period, args.get("version"), drafts=drafts)
        body = monthly.envelope(report)
        if not extension:
            return Response(json.dumps(body, ensure_ascii=False, indent=1),
                            mimetype="application/json", headers=_attachment(report, "json"))
        renderer = {"csv": render.to_csv, "xlsx": render.to_xlsx, "pdf": render.to_pdf}[extension]
        data = renderer(body["report"], body["certification"] if report.signature else None)
        return Response(data, mimetype=MIMETYPES[extension],
                        headers=_attachment(report, extension))


def _attachment(report, extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="gannan-report-{report.period}'
                                   f'-v{report.version}.{extension}"'}


@reports_blp.route("/reports/signing-keys")
@reports_policy.allow(public)
class SigningKeys(MethodView):
    @reports_blp.response(200, SigningKeysSchema)
    def get(self):
        """Public keys of every key that signed a report (base64, raw Ed25519)"""
        return {"algorithm": ALGORITHM, "keys": [
            {"key_id": k, "public_key": v} for k, v in published_keys().items()]}


@reports_blp.route("/reports/verify")
@reports_policy.allow(public)
class Verify(MethodView):
    @reports_blp.response(200, VerdictSchema)
    def post(self):
        """Is this downloaded report (the JSON download) authentic and unaltered?"""
        return verify_envelope(request.get_json(silent=True), published_keys())


@reports_blp.before_request
def _allow_large_verify_uploads() -> None:
    if request.endpoint == "reports.Verify":
        request.max_content_length = 32 * 1024 * 1024  # a year of sellers is well below


BLUEPRINTS = (bureau_blp, reports_blp)
