"""Stripe Connect for payouts: connected accounts and transfers (stripe-mock in tests).

Transfers carry an idempotency key derived from the statement id, so a retry after a
timeout can never pay a statement twice at Stripe either.
"""

from __future__ import annotations

import stripe

from gannan.orders.gateway import stripe_client, stripe_enabled  # noqa: F401 - used as gateway.stripe_enabled
from gannan.money.errors import MoneyErrorCode
from gannan.platform.errors import ProblemError

CURRENCY = "cny"


class PayoutProviderError(ProblemError):
    status, code = 502, MoneyErrorCode.PAYOUT_PROVIDER_UNAVAILABLE
    title = "Payout provider unavailable"


def create_connected_account(seller_id: int, email: str | None) -> str:
    """A Stripe Express account for the seller; the same seller gets the same one."""
    try:
        account = stripe_client().v1.accounts.create(
            params={"type": "express", "email": email or None,
                    "metadata": {"seller_id": str(seller_id)}},
            options={"idempotency_key": f"seller-{seller_id}-connected-account"})
    except stripe.StripeError as exc:
        raise PayoutProviderError(f"Stripe did not create the account: "
                                  f"{exc.user_message or exc}") from exc
    return account.id


def transfer_group(statement_id: int) -> str:
    return f"statement-{statement_id}"


def create_transfer(statement_id: int, destination: str, amount_fen: int) -> str:
    try:
        transfer = stripe_client().v1.transfers.create(
            params={"amount": amount_fen, "currency": CURRENCY, "destination": destination,
                    "transfer_group": transfer_group(statement_id),
                    "metadata": {"statement_id": str(statement_id)}},
            options={"idempotency_key": f"statement-{statement_id}-payout"})
    except stripe.StripeError as exc:
        raise PayoutProviderError(f"Stripe did not accept the transfer: "
                                  f"{exc.user_message or exc}") from exc
    return transfer.id


def find_transfer(statement_id: int) -> str | None:
    """The transfer already made for this statement, if Stripe has one: looked up by
    its transfer group and checked by its metadata (Stripe forgets idempotency keys
    after 24 hours; the transfer group and metadata stay)."""
    group = transfer_group(statement_id)
    try:
        found = stripe_client().v1.transfers.list(params={"transfer_group": group,
                                                          "limit": 10})
    except stripe.StripeError as exc:
        raise PayoutProviderError(f"Stripe did not list the transfers: "
                                  f"{exc.user_message or exc}") from exc
    for transfer in found.data:
        if transfer.transfer_group == group and \
                (transfer.metadata or {}).get("statement_id") == str(statement_id):
            return transfer.id
    return None
