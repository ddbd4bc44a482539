"""Signals other domains subscribe to, so the platform needs no import of them."""

from blinker import Namespace

_signals = Namespace()

#: Sent inside the transaction that changes a seller's status (sender: the Seller).
#: The catalog takes its products out of search, or puts them back, in the same commit.
seller_status_changed = _signals.signal("seller-status-changed")
