"""What a page of orders loads: one statement per kind of row, whatever the page holds.

The models' relationships are lazy (issue 10); a path that shows orders adds these
options to its query instead of pulling a graph on every load.
"""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.orm import joinedload, selectinload

from gannan.orders.models import Order, SellerOrder


def seller_order_parts() -> tuple:
    """A seller order's seller, lines, history and refunds (SellerOrderSchema)."""
    return (joinedload(SellerOrder.seller), selectinload(SellerOrder.lines),
            selectinload(SellerOrder.events), selectinload(SellerOrder.refunds))


def seller_order_with_order() -> tuple:
    """A seller order, its order (address, payment) and its parts
    (SellerOrderWithAddressSchema)."""
    return (joinedload(SellerOrder.order), *seller_order_parts())


def order_parts():
    """An order's seller orders and their parts (OrderSchema)."""
    return selectinload(Order.seller_orders).options(*seller_order_parts())


def with_parts(query: Select) -> Select:
    """``query`` of orders, loading what OrderSchema shows."""
    return query.options(order_parts())
