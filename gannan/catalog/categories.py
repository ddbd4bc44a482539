"""The seeded category tree and whether each counts as agricultural (docs/awards.md).

Agricultural: fresh or processed farm, forest, tea and fishery produce — fruit,
camellia oil, rice noodles, rice, tea.  "Other specialties" (crafts, snacks made
mostly of non-farm ingredients) are not, unless a seller flags a product.
"""

from __future__ import annotations

from flask import current_app

from gannan.catalog.errors import CatalogErrorCode
from gannan.catalog.models import Category
from gannan.platform.errors import ValidationFailed
from gannan.platform.extensions import db

# slug, name, parent slug, agricultural
TREE = [
    ("fruit", "水果", None, True),
    ("navel_orange", "脐橙", "fruit", True),
    ("tangerine", "蜜桔", "fruit", True),
    ("pomelo", "柚/桔柚", "fruit", True),
    ("other_fruit", "其他水果", "fruit", True),
    ("camellia_oil", "茶油", None, True),
    ("rice_noodles", "米粉", None, True),
    ("rice", "大米", None, True),
    ("tea", "茶叶", None, True),
    ("green_tea", "绿茶", "tea", True),
    ("black_tea", "红茶", "tea", True),
    ("white_tea", "白茶", "tea", True),
    ("other_specialty", "其他特产", None, False),
]


def all_categories() -> list[Category]:
    return list(db.session.scalars(db.select(Category).order_by(Category.position)))


def category_slugs() -> frozenset[str]:
    """The slugs of the category tree, read once per app: categories are reference data
    that only migrations write (as counties are)."""
    slugs = current_app.extensions.get("category_slugs")
    if slugs is None:
        slugs = frozenset(db.session.scalars(db.select(Category.slug)))
        current_app.extensions["category_slugs"] = slugs
    return slugs


def require_category(slug: str, field: str = "category") -> Category:
    category = db.session.scalar(db.select(Category).where(Category.slug == slug))
    if category is None:
        raise ValidationFailed(
            f"Unknown category {slug!r}; see GET /api/v1/categories.",
            code=CatalogErrorCode.UNKNOWN_CATEGORY, field=field,
        )
    return category
