"""Access rules of orders: buyers see their own orders, sellers their own parts."""

from __future__ import annotations

from typing import Any

from flask import request

from gannan.orders.errors import OrderErrorCode
from gannan.orders.services.fulfilment import order_or_404, seller_order_or_404
from gannan.platform.auth import any_of, require_user, role, seller_member
from gannan.platform.errors import Forbidden, ValidationFailed
from gannan.platform.fields import parse_id
from gannan.platform.models import Role


def _seller_of_seller_order(view_args: dict[str, Any]) -> int:
    return seller_order_or_404(view_args["seller_order_id"]).seller_id


def _seller_in_query(view_args: dict[str, Any]) -> int:
    """``?seller_id=``, or the one seller the caller acts for."""
    raw = request.args.get("seller_id")
    if raw is not None:
        seller_id = parse_id(raw)
        if seller_id is None:
            raise ValidationFailed("seller_id is a seller's id (ASCII digits).", field="seller_id")
        return seller_id
    sellers = [m.seller_id for m in require_user().memberships]
    if len(sellers) != 1:
        raise ValidationFailed("Say which seller: ?seller_id=.",
                               code=OrderErrorCode.SELLER_ID_REQUIRED,
                               field="seller_id")
    return sellers[0]


def order_buyer(view_args: dict[str, Any]) -> None:
    order = order_or_404(view_args["order_id"])
    if order.buyer_id != require_user().id:
        raise Forbidden("This is another shopper's order.", code=OrderErrorCode.NOT_ORDER_BUYER)


def seller_order_buyer(view_args: dict[str, Any]) -> None:
    seller_order = seller_order_or_404(view_args["seller_order_id"])
    if seller_order.order.buyer_id != require_user().id:
        raise Forbidden("This is another shopper's order.", code=OrderErrorCode.NOT_ORDER_BUYER)


admin = role(Role.PLATFORM_ADMIN)
#: Staff of the seller whose part of an order is in the path.
seller_order_staff = seller_member(seller_of=_seller_of_seller_order)
#: Staff of the seller named by ``?seller_id=`` (or of the caller's only seller).
query_seller_staff = seller_member(seller_of=_seller_in_query)
order_buyer_or_admin = any_of(order_buyer, admin)
seller_order_parties = any_of(seller_order_staff, seller_order_buyer, admin)
seller_order_staff_or_admin = any_of(seller_order_staff, admin)


# --- after-sales ------------------------------------------------------------------------

def _seller_of_request(view_args: dict[str, Any]) -> int:
    from gannan.orders.services.aftersales import request_or_404

    return request_or_404(view_args["request_id"]).seller_id


def request_buyer(view_args: dict[str, Any]) -> None:
    from gannan.orders.services.aftersales import request_or_404

    if request_or_404(view_args["request_id"]).buyer_id != require_user().id:
        raise Forbidden("This is another shopper's request.",
                        code=OrderErrorCode.NOT_ORDER_BUYER)


request_seller_staff = seller_member(seller_of=_seller_of_request)
request_parties = any_of(request_buyer, request_seller_staff, admin)


def _seller_of_review(view_args: dict[str, Any]) -> int:
    from gannan.orders.services.reviews import review_or_404

    return review_or_404(view_args["review_id"]).seller_id


review_seller_staff = seller_member(seller_of=_seller_of_review)


def review_author(view_args: dict[str, Any]) -> None:
    from gannan.orders.services.reviews import review_or_404

    if review_or_404(view_args["review_id"]).buyer_id != require_user().id:
        raise Forbidden("This is another shopper's review.", code=OrderErrorCode.NOT_ORDER_BUYER)
