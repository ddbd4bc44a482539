"""Recalls of trace batches, as the monthly report shows them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func

from gannan.catalog.models import Product, TraceBatch
from gannan.orders.models import OrderLine
from gannan.platform.extensions import db
from gannan.platform.models import County, Seller
from gannan.platform.types import SHANGHAI
from gannan.reporting import metrics
from gannan.reporting.metrics import Month


def recalls_report(month: Month) -> list[dict[str, Any]]:
    """The batches recalled in ``month`` (Asia/Shanghai), oldest first: which product of
    which seller, why, and how much of the batch had shipped to how many parcels."""
    start, end = metrics.month_range(month, month)
    recalled = db.select(TraceBatch.id).where(TraceBatch.recalled_at >= start,
                                              TraceBatch.recalled_at < end)
    # What shipped of the month's recalled batches only, not of every batch.
    shipped = (db.select(OrderLine.batch_id,
                         func.count(distinct(OrderLine.seller_order_id)).label("parcels"),
                         func.sum(OrderLine.quantity).label("units"))
               .where(OrderLine.batch_id.in_(recalled))
               .group_by(OrderLine.batch_id).subquery())
    query = (db.select(TraceBatch, Product.title, Seller.id, Seller.name, County.code,
                       County.name, shipped.c.parcels, shipped.c.units)
             .join(Product, Product.id == TraceBatch.product_id)
             .join(Seller, Seller.id == Product.seller_id)
             .join(County, County.code == Product.origin_county_code)
             .outerjoin(shipped, shipped.c.batch_id == TraceBatch.id)
             .where(TraceBatch.recalled_at >= start, TraceBatch.recalled_at < end)
             .order_by(TraceBatch.recalled_at, TraceBatch.id))
    return [{"trace_code": batch.trace_code, "product": title, "seller_id": seller_id,
             "seller": seller, "county_code": code, "county": county,
             "recalled_at": batch.recalled_at.astimezone(SHANGHAI).isoformat(timespec="minutes"),
             "reason": batch.recall_reason, "parcels_shipped": int(parcels or 0),
             "units_shipped": int(units or 0)}
            for batch, title, seller_id, seller, code, county, parcels, units
            in db.session.execute(query)]
