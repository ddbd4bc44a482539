"""Error codes of money (the platform's, such as ``seller_not_found``, are reused)."""

from __future__ import annotations

from gannan.platform.errors import ErrorCodeEnum


class MoneyErrorCode(ErrorCodeEnum):
    # Commission rates.
    RATE_TARGET_REQUIRED = "rate_target_required"
    # The money ledger.
    MONEY_LEDGER_APPEND_ONLY = "money_ledger_append_only"
    # Statements.
    STATEMENT_NOT_FOUND = "statement_not_found"
    STATEMENT_IMMUTABLE = "statement_immutable"
    # Payouts.
    NO_PAYOUT = "no_payout"
    WRONG_PAYOUT_METHOD = "wrong_payout_method"
    PAYOUT_IN_PROGRESS = "payout_in_progress"
    ALREADY_PAID = "already_paid"
    PAYOUTS_NOT_CONFIGURED = "payouts_not_configured"
    PAYOUT_ACCOUNT_NOT_FOUND = "payout_account_not_found"
    PAYOUT_PROVIDER_UNAVAILABLE = "payout_provider_unavailable"


class UnbalancedPostings(RuntimeError):
    """Postings that do not sum to zero: a bug in money's own code, never the client's
    (so a 500, not a problem code)."""
