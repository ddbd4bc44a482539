"""Business actions of the catalog, one module per subject."""
