"""Error codes of reporting (the platform's, such as ``seller_not_found``, are reused)."""

from __future__ import annotations

from gannan.platform.errors import ErrorCodeEnum


class ReportingErrorCode(ErrorCodeEnum):
    # Metrics and monthly periods.
    INVALID_PERIOD = "invalid_period"
    RANGE_TOO_LONG = "range_too_long"
    # The sales ledger.
    LEDGER_APPEND_ONLY = "ledger_append_only"
    # The bureau's inputs and award settings.
    INCONSISTENT_SALES = "inconsistent_sales"
    LIVESTREAM_BASE_NOT_FOUND = "livestream_base_not_found"
    INVALID_SETTINGS = "invalid_settings"
    # Monthly reports.
    REPORT_NOT_FOUND = "report_not_found"
    PERIOD_NOT_ENDED = "period_not_ended"
    YEAR_OUTSIDE_PLAN = "year_outside_plan"
    MALFORMED_CERTIFICATION = "malformed_certification"
    UNKNOWN_FORMAT = "unknown_format"
    ALREADY_CERTIFIED = "already_certified"
    CORRECTION_REASON_REQUIRED = "correction_reason_required"
    REPORT_IMMUTABLE = "report_immutable"
