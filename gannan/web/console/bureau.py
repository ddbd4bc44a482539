"""Bureau dashboard: sales by county, category, channel and month (charts drawn as SVG
on the server), plan targets with parcels out within 24 hours, the award table,
certified downloads, report checking.

Guarded by the rule of the API's reporting blueprints (bureau or platform admin), on
the API's services: ``sales_metrics``, ``plan_targets``, ``logistics_metrics``, ``award_report``,
``monthly.current`` and the renderers, ``verify_envelope``.  Nothing here reads an
order, an address or an account: the bureau sees figures, never a shopper.
"""

from __future__ import annotations

import json

from flask import Response, request

from gannan.platform.auth import current_user
from gannan.platform.errors import ProblemError
from gannan.reporting.errors import ReportingErrorCode
from gannan.platform.models import Role
from gannan.platform.types import shanghai_today
from gannan.reporting import monthly, render as renderers
from gannan.reporting.awards_service import award_report, plan_targets
from gannan.reporting.logistics import logistics_metrics
from gannan.reporting.metrics import Month, months, percent
from gannan.reporting.metrics_service import sales_metrics
from gannan.reporting.routes import MIMETYPES, bureau_or_admin
from gannan.reporting.schemas import MetricsArgsSchema, VersionArgsSchema, YearArgsSchema
from gannan.reporting.signing import published_keys, verify_envelope
from gannan.web.console.charts import bar_chart, line_chart
from gannan.web.console.common import console_blueprint, load_form, render
from gannan.web.console.messages import problem_text
from gannan.web.console.report_diff import CHANNELS
from gannan.web.errors import error_page
from gannan.web.forms import FormInvalid, typed

blp, policy = console_blueprint("console_bureau", __name__, default=bureau_or_admin)
#: The dashboard's longest period: its month chart asks the ledger once per month.
MAX_DASHBOARD_MONTHS = 24
MAX_UPLOAD = 32 * 1024 * 1024  # what POST /api/v1/reports/verify accepts
AWARD_KINDS = {"platform": "（一）平台奖励", "livestream_base": "（二）直播基地奖励",
               "growth": "（三）企业成长奖励", "agricultural": "（五）农产品销售奖励"}
FIGURE_LABELS = {
    "online_retail_fen": "平台网络零售额", "specialty_fen": "赣州特色产品销售额",
    "area_m2": "面积（㎡）", "rooms": "直播间", "resident_enterprises": "入驻企业", "hosts": "主播",
    "livestream_sales_fen": "直播销售额", "highest_earlier_livestream_sales_fen": "以往最高直播销售额",
    "received_tiers": "已获奖档次", "platform_online_fen": "平台销售额",
    "external_online_fen": "平台外认定销售额", "certified_online_fen": "认定网络销售额",
    "highest_earlier_certified_online_fen": "以往最高认定销售额",
    "platform_agricultural_fen": "平台农产品销售额", "external_agricultural_fen": "平台外农产品销售额",
    "certified_agricultural_fen": "认定农产品销售额", "platform_upstream_fen": "平台农产品上行",
    "external_upstream_fen": "平台外农产品上行", "certified_upstream_fen": "认定农产品上行",
}
VERDICTS = {
    "authentic": "真实有效：由平台签名，内容未被改动。",
    "altered": "内容被改动过：与签名时的 SHA-256 不一致。",
    "signature": "签名不符：不是平台的签名。",
    "unknown signing key": "签名密钥不是平台公布的密钥。",
    "another period": "认证信息与报告的月份不一致。",
    "not a certified report": "这不是平台下载的 JSON 报告（缺少 report 或 certification）。",
}


def _frame(tab: str) -> dict:
    return {"tab": tab, "admin_role": Role.PLATFORM_ADMIN}


def _period_args() -> tuple[str, str, str | None]:
    """``from``/``to`` of the query, checked by the API's MetricsArgsSchema; the
    current year to date when absent or refused (and why)."""
    today = shanghai_today()
    default = (f"{today.year:04d}-01", f"{today.year:04d}-{today.month:02d}")
    if not (request.args.get("from") or request.args.get("to")):
        return *default, None
    try:
        data = load_form(MetricsArgsSchema(), {"from": request.args.get("from", ""),
                                               "to": request.args.get("to", "")})
    except FormInvalid:
        return *default, "请选择开始和结束月份（年-月）。"
    first, last = Month.parse(data["from_"]), Month.parse(data["to"])
    if last < first:
        return *default, "结束月份早于开始月份，已显示今年以来的数据。"
    if len(months(first, last)) > MAX_DASHBOARD_MONTHS:
        return *default, f"看板一次最多显示 {MAX_DASHBOARD_MONTHS} 个月，已显示今年以来的数据。"
    return data["from_"], data["to"], None


def _month_options() -> list[str]:
    today = shanghai_today()
    month, out = Month(today.year, today.month), []
    while month >= Month(2024, 1):
        out.append(str(month))
        month = month.previous()
    return out


@blp.get("/bureau")
def dashboard():
    first, last, message = _period_args()
    county = sales_metrics(first, last, "county")
    category = sales_metrics(first, last, "category")
    channel = sales_metrics(first, last, "channel")
    trend = sales_metrics(first, last, "month")
    channel_rows = sorted(channel["groups"], key=lambda g: -g["online_retail_fen"])
    charts = {
        "county": bar_chart([(g["name"], g["online_retail_fen"]) for g in county["groups"]],
                            title="各区县（产地）网络零售额"),
        "category": bar_chart([(g["name"], g["online_retail_fen"]) for g in category["groups"]],
                              title="各品类网络零售额"),
        "channel": bar_chart([(CHANNELS.get(g["channel"], g["channel"]), g["online_retail_fen"])
                              for g in channel_rows], title="各渠道网络零售额"),
        "month": line_chart([g["period"][2:] for g in trend["groups"]], [
            ("网络零售额", [g["online_retail_fen"] for g in trend["groups"]]),
            ("农产品网络零售额", [g["agricultural_fen"] for g in trend["groups"]])],
            title="每月网络零售额"),
    }
    return render("console/bureau/dashboard.html", **_frame("dashboard"), first=first,
                  last=last, message=message, totals=county["totals"],
                  destination=county["upstream_destination"], county=county["groups"],
                  category=category["groups"], channel=channel_rows, trend=trend["groups"],
                  charts=charts, channels=CHANNELS, month_options=_month_options(), percent=percent,
                  plan=plan_targets(Month.parse(last)), logistics=logistics_metrics(first, last))


@blp.get("/bureau/awards")
def awards():
    today = shanghai_today()
    raw = request.args.get("year", "")
    message = None
    try:
        year = load_form(YearArgsSchema(), {"year": typed(raw, True)})["year"] if raw \
            else today.year
    except FormInvalid:
        year, message = today.year, "年份须在 2024 到 2100 之间。"
    report = award_report(year)
    return render("console/bureau/awards.html", **_frame("awards"), report=report, year=year,
                  kinds=AWARD_KINDS, figure_labels=FIGURE_LABELS,
                  years=list(range(2024, max(today.year, 2026) + 1)), message=message)


# --- certified reports ---------------------------------------------------------------------


def _drafts() -> bool:
    """Platform admins see drafts too, as in the API; the bureau only certified versions."""
    user = current_user()
    return user is not None and user.has_role(Role.PLATFORM_ADMIN)


@blp.get("/bureau/reports")
def reports():
    versions = monthly.listing(None, drafts=False)
    versions.sort(key=lambda r: (r.period, r.version), reverse=True)
    return render("console/bureau/reports.html", **_frame("reports"), versions=versions)


@blp.get("/bureau/reports/<string:name>")
def download(name: str):
    """A month's report as JSON (with its certification), CSV, XLSX or PDF: the API's
    ``monthly.current``, ``monthly.envelope`` and renderers."""
    period, _, extension = name.partition(".")
    if extension and extension not in MIMETYPES:
        return error_page(404, problem_text(ProblemError(code=ReportingErrorCode.UNKNOWN_FORMAT)))
    raw = request.args.get("version", "")
    try:
        version = load_form(VersionArgsSchema(), {"version": typed(raw, True)}).get("version") \
            if raw else None
        report = monthly.current(period, version, drafts=_drafts())
    except FormInvalid:
        return error_page(404)
    body = monthly.envelope(report)
    disposition = {"Content-Disposition": f'attachment; filename="gannan-report-{report.period}'
                                          f'-v{report.version}.{extension or "json"}"'}
    if not extension:
        return Response(json.dumps(body, ensure_ascii=False, indent=1),
                        mimetype="application/json", headers=disposition)
    renderer = {"csv": renderers.to_csv, "xlsx": renderers.to_xlsx,
                "pdf": renderers.to_pdf}[extension]
    data = renderer(body["report"], body["certification"] if report.signature else None)
    return Response(data, mimetype=MIMETYPES[extension], headers=disposition)


# --- verifying a download -------------------------------------------------------------------


def _verdict_text(reason: str) -> str:
    return next((text for key, text in VERDICTS.items() if key in reason), reason)


@blp.get("/bureau/verify")
def verify(status: int = 200, **context):
    return render("console/bureau/verify.html", status, **_frame("verify"), **context)


@blp.before_app_request  # before the pages' own hooks: the CSRF check reads the form
def _allow_large_uploads() -> None:
    if request.endpoint == "console_bureau.verify_upload":
        request.max_content_length = MAX_UPLOAD


@blp.post("/bureau/verify")
def verify_upload():
    upload = request.files.get("report")
    if upload is None or not upload.filename:
        return verify(422, message="请选择或拖入一个从平台下载的 JSON 报告文件。")
    try:
        envelope = json.loads(upload.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return verify(422, filename=upload.filename,
                      message="这个文件不是 JSON。请上传下载的 JSON 报告（.json），"
                              "PDF、XLSX 和 CSV 文件无法核验签名。")
    verdict = verify_envelope(envelope, published_keys())
    return verify(200, filename=upload.filename, verdict=verdict,
                  verdict_text=_verdict_text(verdict.reason))
