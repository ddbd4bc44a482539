"""What a product or batch page loads: one statement per kind of row, whatever it shows.

The models' relationships are lazy (issue 10); a path that shows a product adds these
options instead of pulling the seller's graph on every load.
"""

from __future__ import annotations

from sqlalchemy.orm import joinedload, selectinload

from gannan.catalog.models import Product, TraceBatch
from gannan.platform.models import Seller


def product_page() -> tuple:
    """A product with what ProductSchema shows: seller, category, county (joined), SKUs
    and certificates (one SELECT each); its latest batches are one query of their own."""
    return (joinedload(Product.seller), joinedload(Product.category),
            joinedload(Product.origin_county), selectinload(Product.skus),
            selectinload(Product.certificates))


def trace_page() -> tuple:
    """A batch with what its trace chain shows: product, seller and both counties,
    category (joined), the product's certificates and the batch's inspections (one
    SELECT each)."""
    return (
        joinedload(TraceBatch.product).options(
            joinedload(Product.seller).joinedload(Seller.county),
            joinedload(Product.category), joinedload(Product.origin_county),
            selectinload(Product.certificates)),
        selectinload(TraceBatch.inspections),
    )
