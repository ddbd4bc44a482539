"""赣南特色产品 marketplace: storefront API, traceability and certified reporting."""

from gannan.app import create_app

__all__ = ["create_app"]
