"""Commission rates per category with per-seller overrides, frozen on each seller order."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import Select, or_

from gannan.catalog.models import Category
from gannan.catalog.errors import CatalogErrorCode
from gannan.money.errors import MoneyErrorCode
from gannan.money.models import CommissionRate, CommissionTerms
from gannan.orders.models import SellerOrder
from gannan.platform.errors import NotFound, PlatformErrorCode, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import Seller
from gannan.platform.types import SHANGHAI


def set_rate(actor_id: int, rate_bp: int, effective_from: date, category_id: int | None = None,
             seller_id: int | None = None) -> CommissionRate:
    """A new rate for a category, a seller (all its categories) or a seller in one
    category, in force from ``effective_from``; earlier rows stay as history."""
    if category_id is None and seller_id is None:
        raise ValidationFailed("Name a category_id, a seller_id or both.",
                               code=MoneyErrorCode.RATE_TARGET_REQUIRED)
    if category_id is not None and db.session.get(Category, category_id) is None:
        raise ValidationFailed("No such category.", code=CatalogErrorCode.UNKNOWN_CATEGORY,
                               field="category_id")
    if seller_id is not None and db.session.get(Seller, seller_id) is None:
        raise NotFound("No such seller.", code=PlatformErrorCode.SELLER_NOT_FOUND)
    rate = CommissionRate(category_id=category_id, seller_id=seller_id, rate_bp=rate_bp,
                          effective_from=effective_from, set_by_id=actor_id)
    db.session.add(rate)
    db.session.commit()
    return rate


def rate_history(category_id: int | None = None, seller_id: int | None = None) -> Select:
    query = db.select(CommissionRate).order_by(CommissionRate.effective_from.desc(),
                                               CommissionRate.id.desc())
    if category_id is not None:
        query = query.where(CommissionRate.category_id == category_id)
    if seller_id is not None:
        query = query.where(CommissionRate.seller_id == seller_id)
    return query


def _category_chain(category_id: int) -> list[int]:
    chain, category = [], db.session.get(Category, category_id)
    while category is not None and len(chain) < 8:
        chain.append(category.id)
        category = category.parent
    return chain


def rate_for(seller_id: int, category_id: int, on: date) -> int:
    """The rate in force on ``on``: the seller's for this category, else the seller's
    own, else the category's (or its parent's), else ``MONEY_DEFAULT_COMMISSION_BP``.
    Within one target the row with the latest ``effective_from`` (then id) wins."""
    chain = _category_chain(category_id)
    rows = db.session.scalars(db.select(CommissionRate).where(
        CommissionRate.effective_from <= on,
        or_(CommissionRate.seller_id == seller_id, CommissionRate.seller_id.is_(None)),
        or_(CommissionRate.category_id.in_(chain), CommissionRate.category_id.is_(None)),
    ).order_by(CommissionRate.effective_from, CommissionRate.id)).all()
    best: dict[tuple[int, int], int] = {}  # (priority, chain depth) -> rate; later rows win
    for row in rows:
        if row.seller_id is not None:
            key = (0, chain.index(row.category_id)) if row.category_id is not None else (1, 0)
        else:
            key = (2, chain.index(row.category_id))
        best[key] = row.rate_bp
    if best:
        return best[min(best)]
    return current_app.config["MONEY_DEFAULT_COMMISSION_BP"]


def commission_of(net_fen: int, rate_bp: int) -> int:
    """Commission on ``net_fen`` of goods, to the fen, halves rounded up."""
    return (net_fen * rate_bp + 5000) // 10000


def freeze(seller_order: SellerOrder) -> CommissionTerms:
    """The seller order's terms: frozen once, with the rates of the day it was placed."""
    terms = db.session.get(CommissionTerms, seller_order.id)
    if terms is not None:
        return terms
    placed_on = seller_order.order.created_at.astimezone(SHANGHAI).date()
    rates = {str(line.id): rate_for(seller_order.seller_id, line.category_id, placed_on)
             for line in seller_order.lines}
    terms = CommissionTerms(
        seller_order_id=seller_order.id, seller_id=seller_order.seller_id, line_rates=rates,
        commission_fen=sum(commission_of(line.line_total_fen, rates[str(line.id)])
                           for line in seller_order.lines))
    db.session.add(terms)
    return terms
