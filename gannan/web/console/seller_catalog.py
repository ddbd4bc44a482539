"""Seller console: products and SKUs, stock in place, certificates and their coverage,
trace batches with the 承诺达标合格证, and the printable label sheet.

Product and batch pages are guarded by the API's ``product_member`` rule; a seller's
lists by ``seller_member``.  Forms go through the API's schemas and services; the
reason a product cannot be published comes from the service that publishes it.
"""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from markupsafe import Markup
from sqlalchemy.orm import lazyload

from gannan.catalog.access import product_member, product_or_404
from gannan.catalog.categories import all_categories
from gannan.catalog.labels import PER_SHEET, label_sheet
from gannan.catalog.models import (
    BRAND_KINDS,
    CertificateKind,
    Product,
    ProductStatus,
    TraceBatch,
)
from gannan.catalog.qr import qr_svg
from gannan.catalog.schemas import (
    BatchCreateSchema,
    CertificateCoverageSchema,
    CertificateCreateSchema,
    LabelArgsSchema,
    ProductCreateSchema,
    ProductWriteSchema,
    SkuCreateSchema,
    SkuUpdateSchema,
    StockChangeSchema,
)
from gannan.catalog.services import certificates, products, trace
from gannan.platform import services
from gannan.platform.counties import current_counties
from gannan.catalog.errors import CatalogErrorCode
from gannan.platform.errors import NotFound, ProblemError, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.pagination import paginate
from gannan.platform.types import shanghai_today
from gannan.web.console.common import (
    fen,
    invalid,
    load_form,
    page_arg,
    refused,
    render,
    yuan_input,
)
from gannan.web.console.messages import problem_text
from gannan.web.console.seller import blp, expiring, policy, seller_context
from gannan.web.console.seller_recalls import recall_context
from gannan.web.errors import error_page
from gannan.web.session import safe_next
from gannan.web.forms import FormInvalid, payload, typed

PAGE_SIZE = 20
BRANDS = ("赣南脐橙", "赣南茶油", "崇义南酸枣", "信丰脐橙", "寻乌蜜桔")
UNITS = ("kg", "jin", "box", "bottle", "bag", "piece")
PRODUCER_KINDS = ("cooperative", "farmer", "enterprise", "family_farm")
COMMITMENTS = ("no_banned_pesticides_or_veterinary_drugs", "pesticide_residues_within_limits",
               "withdrawal_periods_respected")
FARM_INPUT_KINDS = ("fertilizer", "pesticide", "herbicide", "growth_regulator", "other")


def _problems(product: Product) -> list[str]:
    """Why the product cannot be published, in words (the publishing service's list)."""
    if product.status is ProductStatus.PUBLISHED:
        return []
    return [problem_text(p) for p in products.publish_problems(product)]


def _coverage(product: Product, today) -> dict:
    return {"brand_ok": (products.brand_covered(product, today)
                         if product.regional_brand else None),
            "certificates": [(c, c.valid_on(today), expiring(c.valid_until, today))
                             for c in product.certificates]}


# --- the product list -------------------------------------------------------------------


@blp.get("/seller/<id:seller_id>/products")
def products_page(seller_id: int):
    seller = services.get_seller(seller_id)
    status = request.args.get("status")
    status = ProductStatus(status) if status in {s.value for s in ProductStatus} else None
    page = paginate(products.seller_products(seller_id, status), page_arg(), PAGE_SIZE)
    today = shanghai_today()
    return render("console/seller/products.html", **seller_context(seller, "products"),
                  page=page, status=status, statuses=list(ProductStatus),
                  problems={p.id: _problems(p) for p in page.items},
                  coverage={p.id: _coverage(p, today) for p in page.items})


def _product_form_context(seller) -> dict:
    return {"categories": all_categories(), "counties": current_counties(), "brands": BRANDS,
            "default_county": seller.county_code}


def _product_body(form, fields=("title", "description", "category", "origin_county_code",
                                "origin_township", "regional_brand")) -> dict:
    body = payload(form, fields)
    body["cold_chain"] = form.get("cold_chain") == "on"
    agricultural = form.get("agricultural", "")
    body["agricultural"] = {"yes": True, "no": False}.get(agricultural)
    return body


def _sku_body(form) -> dict:
    body = payload(form, ("code", "spec", "stock", "weight_g"), integers=("stock", "weight_g"))
    body["price_fen"] = fen(form, "price_fen")
    return body


@blp.get("/seller/<id:seller_id>/products/new")
def product_new(seller_id: int, status: int = 200, **context):
    seller = services.get_seller(seller_id)
    context.setdefault("form", {"origin_county_code": seller.county_code, "stock": "0"})
    return render("console/seller/product_new.html", status, **seller_context(seller, "products"),
                  **_product_form_context(seller), **context)


@blp.post("/seller/<id:seller_id>/products/new")
def product_create(seller_id: int):
    form = request.form
    body = {**_product_body(form), "seller_id": seller_id, "skus": [_sku_body(form)]}
    try:
        product = products.create_product(load_form(ProductCreateSchema(), body))
    except FormInvalid as exc:
        errors, message = invalid(exc)
        return product_new(seller_id, 422, form=form, errors=errors, message=message)
    except ProblemError as error:
        message, status = refused(error)
        return product_new(seller_id, status, form=form, message=message,
                           errors={f.rsplit(".", 1)[-1]: message for f in (error.errors or {})})
    flash("商品已创建（草稿）。添加批次和证书后即可上架。")
    return redirect(url_for("console_seller.product", product_id=product.id))


# --- one product ------------------------------------------------------------------------


@blp.get("/seller/products/<id:product_id>")
@policy.allow(product_member)
def product(product_id: int, status: int = 200, **context):
    item = product_or_404(product_id)
    today = shanghai_today()
    batches = list(db.session.scalars(
        db.select(TraceBatch).where(TraceBatch.product_id == product_id)
        .order_by(TraceBatch.id.desc()).limit(20)
        .options(lazyload(TraceBatch.product), lazyload(TraceBatch.inspections))))
    context.setdefault("form", {
        "title": item.title, "description": item.description, "category": item.category.slug,
        "origin_county_code": item.origin_county_code,
        "origin_township": item.origin_township or "", "regional_brand": item.regional_brand or "",
        "cold_chain": "on" if item.cold_chain else "",
        "agricultural": "yes" if item.agricultural else "no"})
    return render("console/seller/product.html", status,
                  **seller_context(item.seller, "products"), product=item,
                  **_product_form_context(item.seller), problems=_problems(item),
                  coverage=_coverage(item, today), batches=batches, yuan_input=yuan_input,
                  **context)


@blp.post("/seller/products/<id:product_id>")
@policy.allow(product_member)
def product_update(product_id: int):
    form = request.form
    body = _product_body(form)
    for key in ("origin_township", "regional_brand"):
        body.setdefault(key, None)  # a cleared field clears the value
    try:
        products.update_product(product_id, load_form(ProductWriteSchema(), body))
    except FormInvalid as exc:
        errors, message = invalid(exc)
        return product(product_id, 422, form=form, errors=errors, message=message)
    except ProblemError as error:
        message, status = refused(error)
        return product(product_id, status, form=form, message=message)
    flash("商品信息已保存。")
    return redirect(url_for("console_seller.product", product_id=product_id))


@blp.post("/seller/products/<id:product_id>/publish")
@policy.allow(product_member)
def publish(product_id: int):
    try:
        products.publish_product(product_id)
    except ProblemError as error:
        message, status = refused(error)
        return product(product_id, status, message=message)
    flash("商品已上架，顾客现在可以搜索和购买。")
    return redirect(safe_next(request.form.get("back"),
                              url_for("console_seller.product", product_id=product_id)))


@blp.post("/seller/products/<id:product_id>/unpublish")
@policy.allow(product_member)
def unpublish(product_id: int):
    try:
        products.unpublish_product(product_id)
    except ProblemError as error:
        message, status = refused(error)
        return product(product_id, status, message=message)
    flash("商品已下架。")
    return redirect(safe_next(request.form.get("back"),
                              url_for("console_seller.product", product_id=product_id)))


# --- SKUs and stock ----------------------------------------------------------------------


@blp.post("/seller/products/<id:product_id>/skus")
@policy.allow(product_member)
def sku_add(product_id: int):
    form = request.form
    try:
        products.add_sku(product_id, load_form(SkuCreateSchema(), _sku_body(form)))
    except FormInvalid as exc:
        errors, message = invalid(exc)
        return product(product_id, 422, sku_form=form, sku_errors=errors, message=message)
    except ProblemError as error:
        message, status = refused(error)
        return product(product_id, status, sku_form=form, message=message,
                       sku_errors={"code": message})
    flash("已添加规格。")
    return redirect(url_for("console_seller.product", product_id=product_id) + "#skus")


@blp.post("/seller/products/<id:product_id>/skus/<id:sku_id>")
@policy.allow(product_member)
def sku_update(product_id: int, sku_id: int):
    form = request.form
    body = payload(form, ("spec", "weight_g"), integers=("weight_g",))
    if form.get("price_fen", "").strip():
        body["price_fen"] = fen(form, "price_fen")
    try:
        products.update_sku(product_id, sku_id, load_form(SkuUpdateSchema(), body))
    except FormInvalid as exc:
        errors, message = invalid(exc)
        return product(product_id, 422, message=f"规格修改没有保存：{'；'.join(errors.values())}")
    flash("规格已保存。")
    return redirect(url_for("console_seller.product", product_id=product_id) + "#skus")


@blp.post("/seller/products/<id:product_id>/skus/<id:sku_id>/stock")
@policy.allow(product_member)
def stock(product_id: int, sku_id: int):
    """Add or remove stock in one conditional UPDATE (the API's service); with htmx the
    cell is replaced in place, without it the page reloads."""
    raw = request.form.get("delta", "").strip().lstrip("+")
    message = None
    try:
        data = load_form(StockChangeSchema(), {"delta": typed(raw, True)})
        sku = products.adjust_stock(product_id, sku_id, data["delta"])
    except FormInvalid:
        sku, message = products.sku_or_404(product_id, sku_id), "请填写要增减的整数，如 50 或 -3。"
    except ProblemError as error:
        message, _ = refused(error)
        sku = products.sku_or_404(product_id, sku_id)
    if request.headers.get("HX-Request"):
        return render("console/seller/_stock.html", sku=sku, product_id=product_id,
                      stock_message=message, updated=message is None)
    flash(message or f"库存已更新：{sku.spec} 现有 {sku.stock} 件。", "error" if message else "ok")
    return redirect(safe_next(request.form.get("back"),
                              url_for("console_seller.product", product_id=product_id)))


# --- certificates ------------------------------------------------------------------------


def _seller_products(seller_id: int) -> list:
    """(id, title) of every product of the seller, for the coverage checkboxes."""
    return list(db.session.execute(db.select(Product.id, Product.title)
                                   .where(Product.seller_id == seller_id).order_by(Product.id)))


@blp.get("/seller/<id:seller_id>/certificates")
def certificates_page(seller_id: int, status: int = 200, **context):
    seller = services.get_seller(seller_id)
    today = shanghai_today()
    items = certificates.seller_certificates(seller_id)
    return render("console/seller/certificates.html", status,
                  **seller_context(seller, "certificates"), certificates=items,
                  products=_seller_products(seller_id), kinds=list(CertificateKind),
                  brand_kinds=[k.value for k in BRAND_KINDS], brands=BRANDS, today=today,
                  expiring=expiring, **context)


@blp.post("/seller/<id:seller_id>/certificates")
def certificate_add(seller_id: int):
    form = request.form
    body = payload(form, ("kind", "number", "issuer", "brand", "valid_from", "valid_until"))
    body["product_ids"] = [typed(v, True) for v in form.getlist("product_ids")]
    try:
        certificates.add_certificate(seller_id, load_form(CertificateCreateSchema(), body))
    except FormInvalid as exc:
        errors, message = invalid(exc)
        return certificates_page(seller_id, 422, form=form, errors=errors, message=message)
    except ProblemError as error:
        message, status = refused(error)
        return certificates_page(seller_id, status, form=form, message=message,
                                 errors={f: message for f in (error.errors or {})})
    flash("证书已登记。")
    return redirect(url_for("console_seller.certificates_page", seller_id=seller_id))


@blp.post("/seller/<id:seller_id>/certificates/<id:certificate_id>/products")
def certificate_coverage(seller_id: int, certificate_id: int):
    body = {"product_ids": [typed(v, True) for v in request.form.getlist("product_ids")]}
    try:
        certificates.set_coverage(seller_id, certificate_id,
                                  load_form(CertificateCoverageSchema(), body)["product_ids"])
    except FormInvalid:
        return certificates_page(seller_id, 422, message="请勾选本店的商品。")
    except ProblemError as error:
        message, status = refused(error)
        return certificates_page(seller_id, status, message=message)
    flash("证书覆盖的商品已更新。")
    return redirect(url_for("console_seller.certificates_page", seller_id=seller_id))


# --- trace batches and labels -------------------------------------------------------------


def _batch_of(product_id: int, batch_id: int) -> TraceBatch:
    batch = db.session.get(TraceBatch, batch_id)
    if batch is None or batch.product_id != product_id:
        raise NotFound("No such batch of this product.", code=CatalogErrorCode.BATCH_NOT_FOUND)
    return batch


@blp.get("/seller/products/<id:product_id>/batches/new")
@policy.allow(product_member)
def batch_new(product_id: int, status: int = 200, **context):
    item = product_or_404(product_id)
    seller = item.seller
    today = shanghai_today().isoformat()
    context.setdefault("form", {
        "cc_product": item.title, "producer": seller.name, "cc_producer": seller.name,
        "cc_origin": f"赣州市{item.origin_county.name}{item.origin_township or ''}",
        "cc_contact": seller.contact_phone, "cc_issued_on": today, "harvest_date": today,
        "unit": "kg", "producer_kind": "cooperative", "commitments": COMMITMENTS,
        "inspection_passed": "yes"})
    return render("console/seller/batch_new.html", status, **seller_context(seller, "products"),
                  product=item, units=UNITS, producer_kinds=PRODUCER_KINDS,
                  commitments=COMMITMENTS, farm_input_kinds=FARM_INPUT_KINDS, **context)


def _filled(fields: dict) -> dict:
    """A nested part of the body with blank fields left out, as forms.payload does for the
    top level: the schema then names a required one as missing."""
    return {k: v for k, v in fields.items() if v not in ("", None)}


def _batch_body(form) -> dict:
    body = payload(form, ("harvest_date", "production_date", "quantity", "unit", "base",
                          "producer", "producer_kind"), integers=("quantity",))
    field = lambda name: form.get(name, "").strip()  # noqa: E731
    body["compliance_certificate"] = _filled({
        "product": field("cc_product"),
        "quantity": field("cc_quantity") or f"{field('quantity')}{form.get('unit', '')}",
        "producer": field("cc_producer"), "origin": field("cc_origin"),
        "contact": field("cc_contact"), "issued_on": field("cc_issued_on"),
        "commitments": form.getlist("commitments")})
    if field("inspection_lab"):
        body["inspections"] = [_filled({
            "lab": field("inspection_lab"), "report_number": field("inspection_report_number"),
            "passed": form.get("inspection_passed") == "yes",
            "inspected_on": field("inspection_inspected_on")})]
    if field("input_name"):
        body["farm_inputs"] = [_filled({
            "name": field("input_name"), "kind": form.get("input_kind", ""),
            "amount": field("input_amount"), "applied_on": field("input_applied_on")})]
    return body


def _batch_errors(errors: dict[str, str]) -> dict[str, str]:
    """Schema field → the form's name for it (the 合格证's fields carry ``cc_``)."""
    renamed = {"product": "cc_product", "origin": "cc_origin", "contact": "cc_contact",
               "issued_on": "cc_issued_on", "lab": "inspection_lab",
               "report_number": "inspection_report_number",
               "inspected_on": "inspection_inspected_on", "name": "input_name",
               "amount": "input_amount", "applied_on": "input_applied_on"}
    return {renamed.get(k, k): v for k, v in errors.items()}


@blp.post("/seller/products/<id:product_id>/batches/new")
@policy.allow(product_member)
def batch_create(product_id: int):
    form = request.form
    try:
        batch = trace.add_batch(product_id, load_form(BatchCreateSchema(), _batch_body(form)))
    except FormInvalid as exc:
        errors, message = invalid(exc)
        return batch_new(product_id, 422, form=form, errors=_batch_errors(errors),
                         message=message)
    except ProblemError as error:
        message, status = refused(error)
        fields = {f.rsplit(".", 1)[-1]: message for f in (error.errors or {})}
        return batch_new(product_id, status, form=form, message=message,
                         errors=_batch_errors(fields))
    flash(f"批次已登记，溯源码 {batch.trace_code}。现在可以打印标签了。")
    return redirect(url_for("console_seller.batch", product_id=product_id, batch_id=batch.id))


@blp.get("/seller/products/<id:product_id>/batches/<id:batch_id>")
@policy.allow(product_member)
def batch(product_id: int, batch_id: int, status: int = 200, **context):
    item = _batch_of(product_id, batch_id)
    url = trace.trace_url(item.trace_code)
    svg = qr_svg(url).decode()
    svg = svg[svg.index("<svg"):]  # inline: without the XML declaration
    return render("console/seller/batch.html", status,
                  **seller_context(item.product.seller, "products"),
                  product=item.product, batch=item, trace_url=url, qr=Markup(svg),
                  per_sheet=PER_SHEET, **recall_context(item), **context)


@blp.get("/seller/products/<id:product_id>/batches/<id:batch_id>/labels.pdf")
@policy.allow(product_member)
def labels(product_id: int, batch_id: int):
    """The label sheet: the catalog's own service (gannan.catalog.labels), A4, 3 × 8."""
    _batch_of(product_id, batch_id)
    raw = request.args.get("count", "")
    try:
        count = load_form(LabelArgsSchema(), {"count": typed(raw, True)} if raw else {})["count"]
    except FormInvalid:
        return error_page(422, problem_text(ValidationFailed("", code=CatalogErrorCode.LABEL_COUNT_OUT_OF_RANGE)))
    return Response(label_sheet(batch_id, count), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="labels-batch-{batch_id}.pdf"'})

