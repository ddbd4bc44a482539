"""The trace page a QR code on a box opens: ``/t/<trace_code>``."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from gannan.catalog.access import is_listed
from gannan.catalog.models import ProductStatus
from gannan.catalog.services import trace
from gannan.platform.errors import NotFound
from gannan.platform.types import shanghai_today
from gannan.web.errors import error_page
from gannan.web.messages import MESSAGES
from gannan.web.blueprints import web_blueprint

blp, policy = web_blueprint("web_trace", __name__)


@blp.get("/t/<string:code>")
def trace_page(code: str):
    if len(code) > 32:
        return error_page(404, MESSAGES["trace_code_not_found"], "溯源码不存在")
    try:
        chain = trace.trace_chain(code)
    except NotFound:
        return error_page(404, MESSAGES["trace_code_not_found"], "溯源码不存在")
    batch = chain["batch"]
    product = batch.product
    return render_template(
        "web/trace.html", chain=chain, batch=batch, product=product, seller=product.seller,
        blocked=product.status is ProductStatus.BLOCKED, buyable=is_listed(product),
        today=shanghai_today(),
    )


@blp.get("/t")
def trace_lookup():
    """The code typed from a label (spaces and dashes as printed are fine)."""
    code = "".join(request.args.get("code", "").split()).replace("-", "").upper()[:32]
    if not code:
        return redirect(url_for("web_shop.home"))
    return redirect(url_for("web_trace.trace_page", code=code))
