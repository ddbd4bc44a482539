"""What the catalog announces, for the domains above it (which it never imports)."""

from blinker import Namespace

_signals = Namespace()

#: The public trace of a batch is being assembled.  Sender: the TraceBatch.  Each
#: receiver returns a dict of parts to add to the chain (orders: ``flow``, where the
#: batch went), so a lower floor shows what a higher one knows without importing it.
batch_traced = _signals.signal("batch-traced")
