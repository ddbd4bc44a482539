"""Stripe, through the official SDK: PaymentIntents, refunds, webhook signatures.

Every call that creates something carries an idempotency key derived from our own
row id, so a retry after a timeout can never charge or refund twice.  In tests and
CI the SDK talks to stripe-mock (``STRIPE_API_BASE``).
"""

from __future__ import annotations

import re
from typing import Any

import stripe
from flask import current_app

from gannan.orders.errors import OrderErrorCode
from gannan.platform.errors import PlatformErrorCode, ProblemError

CURRENCY = "cny"  # amounts are in fen, Stripe's minor unit for CNY
STRIPE_ID = re.compile(r"[A-Za-z0-9_]{1,255}")
EVENT_TYPE = re.compile(r"[a-z0-9_.]{1,80}")


class PaymentProviderError(ProblemError):
    status, code = 502, OrderErrorCode.PAYMENT_PROVIDER_UNAVAILABLE
    title = "Payment provider unavailable"

    def __init__(self, detail: str, cause: stripe.StripeError | None = None,
                 **extra: Any) -> None:
        # Stripe unreachable is an outage (503: retry, the order waits); an answer that
        # refuses is a bad gateway (502).  ``extra`` goes into the problem (refund_id).
        unreachable = isinstance(cause, stripe.APIConnectionError)
        super().__init__(detail, status=503 if unreachable else None, **extra)


def stripe_enabled() -> bool:
    return bool(current_app.config.get("STRIPE_API_KEY"))


def stripe_client() -> stripe.StripeClient:
    """The SDK client on STRIPE_API_KEY (and STRIPE_API_BASE: stripe-mock), retrying twice."""
    config = current_app.config
    base = config.get("STRIPE_API_BASE")
    addresses = {"api": base, "files": base} if base else {}
    return stripe.StripeClient(config["STRIPE_API_KEY"], base_addresses=addresses,
                               max_network_retries=2)


def create_payment_intent(order_id: int, number: str, amount_fen: int) -> tuple[str, str]:
    """(PaymentIntent id, client secret) for an order; the same order gets the same intent."""
    try:
        intent = stripe_client().v1.payment_intents.create(
            params={"amount": amount_fen, "currency": CURRENCY,
                    "payment_method_types": ["card"], "description": f"赣南特色产品 {number}",
                    "metadata": {"order_id": str(order_id), "order_number": number}},
            options={"idempotency_key": f"order-{order_id}-payment-intent"},
        )
    except stripe.StripeError as exc:
        raise PaymentProviderError(f"Stripe did not create the payment: {exc.user_message or exc}",
                                   exc) from exc
    return intent.id, intent.client_secret


def confirm_payment_intent(intent_id: str, payment_method: str) -> str:
    """Confirm an intent on the server with ``payment_method``; returns its status.

    Production pages confirm in the browser with Stripe's Payment Element; this is for
    a test key (Stripe's test cards, stripe-mock), where no browser form can load.  What
    makes the order paid is still the signed ``payment_intent.succeeded`` webhook.
    """
    try:
        intent = stripe_client().v1.payment_intents.confirm(
            intent_id, params={"payment_method": payment_method},
            options={"idempotency_key": f"{intent_id}-confirm-{payment_method}"},
        )
    except stripe.StripeError as exc:
        raise PaymentProviderError(f"Stripe did not confirm the payment: {exc.user_message or exc}",
                                   ) from exc
    return intent.status


def create_refund(payment_intent_id: str, amount_fen: int, idempotency_key: str) -> str:
    try:
        refund = stripe_client().v1.refunds.create(
            params={"payment_intent": payment_intent_id, "amount": amount_fen,
                    "metadata": {"gannan_key": idempotency_key}},
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as exc:
        raise PaymentProviderError(f"Stripe did not accept the refund: {exc.user_message or exc}",
                                   exc) from exc
    return refund.id


def verify_event(payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event, if the signature is ours and fresh; else 400 ``invalid_signature``."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise ProblemError("Stripe webhooks are not configured.", status=503,
                           code=OrderErrorCode.WEBHOOKS_NOT_CONFIGURED,
                           title="Webhooks not configured")
    try:
        event = stripe.Webhook.construct_event(payload, signature or "", secret)
    except stripe.SignatureVerificationError as exc:
        raise ProblemError("The Stripe signature is missing, wrong or too old.",
                           code=OrderErrorCode.INVALID_SIGNATURE,
                           title="Invalid signature") from exc
    except ValueError as exc:
        raise ProblemError("The webhook body is not a Stripe event.",
                           code=PlatformErrorCode.MALFORMED_JSON,
                           title="Malformed JSON") from exc
    except RecursionError as exc:
        raise ProblemError("The webhook body is nested too deeply.", code=PlatformErrorCode.MALFORMED_JSON,
                           title="Malformed JSON") from exc
    return _well_formed(event.to_dict())


def _well_formed(event: dict[str, Any]) -> dict[str, Any]:
    """A signed event still needs what handling it reads: its id, type, creation time and
    data object (with the object's id); else 400 ``malformed_event``, not a 500."""
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    created = event.get("created")
    if not (isinstance(event.get("id"), str) and STRIPE_ID.fullmatch(event["id"])
            and isinstance(event.get("type"), str) and EVENT_TYPE.fullmatch(event["type"])
            and type(created) is int and 0 <= created < 2**33
            and isinstance(obj, dict)
            and isinstance(obj.get("id"), str) and STRIPE_ID.fullmatch(obj["id"])):
        raise ProblemError("The event needs an id, a type, a creation time and a data "
                           "object with its id.", code=OrderErrorCode.MALFORMED_EVENT,
                           title="Malformed event")
    return event
