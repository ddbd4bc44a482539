"""What orders announce about money, for the domains above them to record.

Sent synchronously inside the transaction of the event, so whatever a listener writes
(the sales ledger, the money ledger) commits or rolls back with it.
"""

from blinker import Namespace

_signals = Namespace()

#: A Stripe payment for the order succeeded. Sender: the SellerOrder;
#: ``source`` (a unique event reference) and ``when`` (UTC) as keywords.
payment_captured = _signals.signal("payment-captured")

#: A seller delivered a cash-on-delivery part and collected the cash.
#: Sender: the SellerOrder; ``source`` and ``when`` as keywords.
cash_collected = _signals.signal("cash-collected")

#: Money went back to the buyer. Sender: the Refund (its ``allocation`` says which
#: lines); ``when`` (UTC) as keyword.
refund_recorded = _signals.signal("refund-recorded")

#: Checkout stored a new order (stock reserved). Sender: the Order, in its transaction.
order_placed = _signals.signal("order-placed")
