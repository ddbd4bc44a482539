"""Business counters for ``/metrics``, from what orders announce (gannan.orders.signals).

Each counts once its transaction commits (``count_after_commit``), so a checkout that
lost a race or a refund Stripe refused is not counted.
"""

from __future__ import annotations

from prometheus_client import Counter

from gannan.orders.models import Order, Refund, SellerOrder
from gannan.orders.signals import cash_collected, order_placed, payment_captured, refund_recorded
from gannan.platform.monitoring import count_after_commit

CHECKOUTS = Counter("gannan_checkouts_total", "Orders placed at checkout", ["payment_method"])
CHECKOUT_FEN = Counter("gannan_checkout_fen_total", "Value of the orders placed (fen)",
                       ["payment_method"])
PAYMENTS = Counter("gannan_payments_total", "Seller orders paid (Stripe captured or cash "
                   "collected)", ["payment_method"])
REFUNDS = Counter("gannan_refunds_total", "Refunds recorded", ["payment_method"])
REFUND_FEN = Counter("gannan_refund_fen_total", "Money refunded (fen)", ["payment_method"])


def _order_placed(order: Order, **kwargs) -> None:
    method = order.payment_method.value
    count_after_commit(CHECKOUTS, payment_method=method)
    count_after_commit(CHECKOUT_FEN, order.total_fen, payment_method=method)


def _paid(seller_order: SellerOrder, **kwargs) -> None:
    count_after_commit(PAYMENTS, payment_method=seller_order.order.payment_method.value)


def _refunded(refund: Refund, **kwargs) -> None:
    method = refund.seller_order.order.payment_method.value
    count_after_commit(REFUNDS, payment_method=method)
    count_after_commit(REFUND_FEN, refund.amount_fen, payment_method=method)


def connect_metrics() -> None:
    """Listen once per process (blinker keeps one connection per receiver)."""
    order_placed.connect(_order_placed)
    payment_captured.connect(_paid)
    cash_collected.connect(_paid)
    refund_recorded.connect(_refunded)
