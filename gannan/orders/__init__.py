"""See ARCHITECTURE.md; built in a later issue."""
