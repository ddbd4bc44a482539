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
    # The register of applicants, their certified figures and their import.
    APPLICANT_NOT_FOUND = "applicant_not_found"
    APPLICANT_EXISTS = "applicant_exists"
    APPLICANT_DETAILS_REQUIRED = "applicant_details_required"
    THIS_PLATFORM = "this_platform"
    INVALID_FIGURES = "invalid_figures"
    CHANGE_REASON_REQUIRED = "change_reason_required"
    CONCURRENT_CHANGE = "concurrent_change"
    IMPORT_INVALID = "import_invalid"
    UNREADABLE_FILE = "unreadable_file"
    FILE_TOO_LARGE = "file_too_large"
    # Monthly reports.
    REPORT_NOT_FOUND = "report_not_found"
    PERIOD_NOT_ENDED = "period_not_ended"
    YEAR_OUTSIDE_PLAN = "year_outside_plan"
    MALFORMED_CERTIFICATION = "malformed_certification"
    UNKNOWN_FORMAT = "unknown_format"
    ALREADY_CERTIFIED = "already_certified"
    CORRECTION_REASON_REQUIRED = "correction_reason_required"
    REPORT_IMMUTABLE = "report_immutable"
