"""Business actions of orders, one module per subject."""
