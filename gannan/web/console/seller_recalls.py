"""Seller console: where a batch went (流向) and its recall (召回).

The batch page shows how much of the batch has shipped and to which provinces; the
seller recalls it with a reason (the API's ``recall_batch``: its buyers are notified,
its product is blocked until a new batch is listed) and then sees the list of orders
and contacts to call back, which only the seller's members and admins see.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from gannan.catalog.access import product_member
from gannan.catalog.models import TraceBatch
from gannan.orders.services import batch_flow
from gannan.platform.auth import require_user
from gannan.platform.errors import ProblemError
from gannan.platform.schemas import ReasonSchema
from gannan.web.console.common import load_form, refused
from gannan.web.console.seller import blp, policy
from gannan.web.forms import FormInvalid


def recall_context(batch: TraceBatch) -> dict[str, Any]:
    """What the batch page shows of its flow and, once recalled, who to call back."""
    return {"flow": batch_flow.batch_flow(batch)["flow"],
            "recall": batch_flow.recall_list(batch.id) if batch.recalled_at else None}


@blp.post("/seller/products/<id:product_id>/batches/<id:batch_id>/recall")
@policy.allow(product_member)
def recall(product_id: int, batch_id: int):
    from gannan.web.console.seller_catalog import _batch_of, batch

    _batch_of(product_id, batch_id)  # the batch of the product the rule checked
    try:
        data = load_form(ReasonSchema(), {"reason": request.form.get("reason", "").strip()})
        recalled = batch_flow.recall_batch(batch_id, require_user(), data["reason"])
    except FormInvalid:
        return batch(product_id, batch_id, 422, message="请写明召回原因（买家会看到）。",
                     recall_form=request.form)
    except ProblemError as error:
        message, status = refused(error)
        return batch(product_id, batch_id, status, message=message, recall_form=request.form)
    flash(f"批次已召回，{recalled.buyers_notified} 位买家已收到通知；商品已下架，"
          "登记新批次后可重新上架。")
    return redirect(url_for("console_seller.batch", product_id=product_id, batch_id=batch_id))
