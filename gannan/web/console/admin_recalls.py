"""Admin console: recall a batch by its trace code (召回), and the list of orders and
contacts to call back, as the seller sees it.

The API's ``recall_batch`` and ``recall_list`` (``POST /api/v1/batches/{id}/recall``,
``GET …/recall-list``), under the admin console's rule (platform_admin).
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from gannan.catalog.access import batch_or_404
from gannan.catalog.services.trace import batch_by_code
from gannan.orders.services import batch_flow
from gannan.platform.auth import require_user
from gannan.platform.errors import ProblemError
from gannan.platform.schemas import ReasonSchema
from gannan.web.console.admin import _frame, blp, checks
from gannan.web.console.common import load_form, refused, render
from gannan.web.forms import FormInvalid


@blp.post("/admin/recalls")
def recall():
    form = request.form
    try:
        batch = batch_by_code(form.get("trace_code", "").strip() or "-")
        data = load_form(ReasonSchema(), {"reason": form.get("reason", "").strip()})
        recalled = batch_flow.recall_batch(batch.id, require_user(), data["reason"])
    except FormInvalid:
        return checks(422, message="请写明召回原因（买家会看到）。", recall_form=form)
    except ProblemError as error:
        message, status = refused(error)
        return checks(status, message=message, recall_form=form)
    flash(f"批次 {recalled.trace_code} 已召回，{recalled.buyers_notified} 位买家已收到通知，"
          "商品已下架。")
    return redirect(url_for("console_admin.recall_list", batch_id=recalled.id))


@blp.get("/admin/recalls/<id:batch_id>")
def recall_list(batch_id: int):
    batch = batch_or_404(batch_id)
    return render("console/admin/recall.html", **_frame("checks"), batch=batch,
                  recall=batch_flow.recall_list(batch_id),
                  flow=batch_flow.batch_flow(batch)["flow"])
