"""Page arguments and paged results, shared by every list endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import Select, func

from gannan.platform.extensions import db
from gannan.platform.fields import query_integer

MAX_PAGE_SIZE = 100


class PageArgsSchema(Schema):
    page = query_integer(minimum=1, maximum=100_000, load_default=1)
    page_size = query_integer(minimum=1, maximum=MAX_PAGE_SIZE, load_default=20)


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """A ``{items, total, page, page_size}`` envelope schema around ``item_schema``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "page_size": fields.Integer(),
        },
        name=name,
    )


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    page_size: int


def paginate(query: Select, page: int, page_size: int) -> Page:
    """Two queries whatever the page size: the count and the page itself.

    Relationships the caller renders must be eager-loaded on ``query`` (joined or
    selectin), so the number of SQL queries per request stays constant.
    """
    total = db.session.scalar(
        db.select(func.count()).select_from(query.order_by(None).subquery())
    )
    items = list(
        db.session.scalars(query.limit(page_size).offset((page - 1) * page_size)).unique()
    )
    return Page(items=items, total=total or 0, page=page, page_size=page_size)
