"""HTTP layer of the catalog: categories, products, certificates, trace, spot checks."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from gannan.catalog.access import batch_member_or_admin, body_seller_member, product_member, \
    product_or_404, product_visible
from gannan.catalog.categories import all_categories
from gannan.catalog.labels import label_sheet
from gannan.catalog.qr import qr_png, qr_svg
from gannan.catalog.queries import product_page
from gannan.catalog.schemas import (
    BatchCreateSchema,
    BatchSchema,
    CategoryListSchema,
    CertificateCoverageSchema,
    CertificateCreateSchema,
    CertificateSchema,
    LabelArgsSchema,
    NotificationListSchema,
    ProductCreateSchema,
    ProductQueryArgsSchema,
    ProductSchema,
    ProductSearchResultSchema,
    ProductWriteSchema,
    SellerProductArgsSchema,
    SellerProductPageSchema,
    SkuCreateSchema,
    SkuSchema,
    SkuUpdateSchema,
    SpotCheckCreateSchema,
    SpotCheckListSchema,
    SpotCheckSchema,
    StockChangeSchema,
    TraceSchema,
)
from gannan.catalog.services import certificates, products, spot_checks, trace
from gannan.catalog.services.search import search_products
from gannan.platform.auth import Policy, public, require_user, role, seller_member
from gannan.platform.jsonbody import Blueprint, plain_response
from gannan.platform.models import Role
from gannan.platform.pagination import paginate
from gannan.platform.schemas import ReasonSchema

categories_blp = Blueprint("categories", __name__, url_prefix="/api/v1/categories",
                           description="Product categories")
Policy(categories_blp, default=public)


@categories_blp.route("")
class Categories(MethodView):
    @categories_blp.response(200, CategoryListSchema)
    def get(self):
        """The category tree; each says whether its products count as agricultural"""
        return {"items": all_categories()}


# --- products ---------------------------------------------------------------------------

products_blp = Blueprint("products", __name__, url_prefix="/api/v1/products",
                         description="Listings, SKUs, stock and trace batches")
products_policy = Policy(products_blp, default=product_member)


@products_blp.route("")
@products_policy.allow(public, "GET")
@products_policy.allow(body_seller_member, "POST")
class Products(MethodView):
    @products_blp.arguments(ProductQueryArgsSchema, location="query")
    @products_blp.response(200, ProductSearchResultSchema)
    def get(self, args):
        """Search listed products in Chinese or pinyin, with filters and facet counts"""
        # Already in the schema's shape (search_products builds it from columns).
        return plain_response(search_products(args))

    @products_blp.arguments(ProductCreateSchema)
    @products_blp.response(201, ProductSchema)
    def post(self, data):
        """Create a draft product with its SKUs (staff of the seller)"""
        return products.create_product(data)


@products_blp.route("/<id:product_id>")
@products_policy.allow(product_visible, "GET")
class ProductDetail(MethodView):
    @products_blp.response(200, ProductSchema)
    def get(self, product_id):
        """A product with SKUs, seller, origin, valid certificates and latest batches"""
        return product_or_404(product_id, product_page())

    @products_blp.arguments(ProductWriteSchema, required=False)
    @products_blp.response(200, ProductSchema)
    def patch(self, data, product_id):
        """Edit a product"""
        return products.update_product(product_id, data)


@products_blp.route("/<id:product_id>/publish")
class Publish(MethodView):
    @products_blp.response(200, ProductSchema)
    def post(self, product_id):
        """Put on sale: needs an approved seller and, for a regional brand, a valid licence"""
        return products.publish_product(product_id)


@products_blp.route("/<id:product_id>/unpublish")
class Unpublish(MethodView):
    @products_blp.response(200, ProductSchema)
    def post(self, product_id):
        """Take off sale"""
        return products.unpublish_product(product_id)


@products_blp.route("/<id:product_id>/skus")
class Skus(MethodView):
    @products_blp.arguments(SkuCreateSchema)
    @products_blp.response(201, SkuSchema)
    def post(self, data, product_id):
        """Add a SKU"""
        return products.add_sku(product_id, data)


@products_blp.route("/<id:product_id>/skus/<id:sku_id>")
class SkuDetail(MethodView):
    @products_blp.arguments(SkuUpdateSchema, required=False)
    @products_blp.response(200, SkuSchema)
    def patch(self, data, product_id, sku_id):
        """Change a SKU's spec, price or weight"""
        return products.update_sku(product_id, sku_id, data)


@products_blp.route("/<id:product_id>/skus/<id:sku_id>/stock")
class SkuStock(MethodView):
    @products_blp.arguments(StockChangeSchema)
    @products_blp.response(200, SkuSchema)
    def post(self, data, product_id, sku_id):
        """Add or remove stock atomically; never below zero"""
        return products.adjust_stock(product_id, sku_id, data["delta"])


@products_blp.route("/<id:product_id>/batches")
class Batches(MethodView):
    @products_blp.response(200, BatchSchema(many=True))
    def get(self, product_id):
        """The product's trace batches, newest first"""
        batches = trace.product_batches(product_id)
        for batch in batches:
            batch.trace_url = trace.trace_url(batch.trace_code)
        return batches

    @products_blp.arguments(BatchCreateSchema)
    @products_blp.response(201, BatchSchema)
    def post(self, data, product_id):
        """Record a batch with its 承诺达标合格证; it gets an unguessable trace code"""
        batch = trace.add_batch(product_id, data)
        batch.trace_url = trace.trace_url(batch.trace_code)
        return batch


# --- a seller's catalogue ---------------------------------------------------------------

seller_catalog_blp = Blueprint("seller_catalog", __name__, url_prefix="/api/v1/sellers",
                               description="A seller's products, certificates and record")
Policy(seller_catalog_blp, default=seller_member())


@seller_catalog_blp.route("/<id:seller_id>/products")
class SellerProducts(MethodView):
    @seller_catalog_blp.arguments(SellerProductArgsSchema, location="query")
    @seller_catalog_blp.response(200, SellerProductPageSchema)
    def get(self, args, seller_id):
        """All the seller's products, drafts and blocked ones included"""
        query = products.seller_products(seller_id, args.get("status"))
        return paginate(query, args["page"], args["page_size"])


@seller_catalog_blp.route("/<id:seller_id>/certificates")
class SellerCertificates(MethodView):
    @seller_catalog_blp.response(200, CertificateSchema(many=True))
    def get(self, seller_id):
        """The seller's certificates, valid or not"""
        return certificates.seller_certificates(seller_id)

    @seller_catalog_blp.arguments(CertificateCreateSchema)
    @seller_catalog_blp.response(201, CertificateSchema)
    def post(self, data, seller_id):
        """Add a green-food, organic, GI or brand-licence certificate and the products it covers"""
        return certificates.add_certificate(seller_id, data)


@seller_catalog_blp.route("/<id:seller_id>/certificates/<id:certificate_id>/products")
class CertificateCoverage(MethodView):
    @seller_catalog_blp.arguments(CertificateCoverageSchema)
    @seller_catalog_blp.response(200, CertificateSchema)
    def put(self, data, seller_id, certificate_id):
        """Replace the set of products a certificate covers"""
        return certificates.set_coverage(seller_id, certificate_id, data["product_ids"])


@seller_catalog_blp.route("/<id:seller_id>/spot-checks")
class SellerSpotChecks(MethodView):
    @seller_catalog_blp.response(200, SpotCheckListSchema)
    def get(self, seller_id):
        """Spot checks on the seller's record"""
        return {"items": spot_checks.spot_checks(seller_id)}


@seller_catalog_blp.route("/<id:seller_id>/notifications")
class SellerNotifications(MethodView):
    @seller_catalog_blp.response(200, NotificationListSchema)
    def get(self, seller_id):
        """Messages to the seller: licence expiries, spot-check results"""
        return {"items": spot_checks.seller_notifications(seller_id)}


# --- label sheets of a batch ------------------------------------------------------------

batches_blp = Blueprint("batches", __name__, url_prefix="/api/v1/batches",
                        description="Printable QR labels of a trace batch")
Policy(batches_blp, default=batch_member_or_admin)


@batches_blp.route("/<id:batch_id>/labels.pdf")
class BatchLabels(MethodView):
    @batches_blp.arguments(LabelArgsSchema, location="query")
    @batches_blp.response(200, content_type="application/pdf",
                          description="A4 sheets of 3 × 8 labels of 70 × 37 mm")
    def get(self, args, batch_id):
        """Printable QR labels: trace QR, product, date, base, origin and trace code"""
        return Response(label_sheet(batch_id, args["count"]), mimetype="application/pdf",
                        headers={"Content-Disposition":
                                 f'inline; filename="labels-batch-{batch_id}.pdf"'})


# --- public trace -----------------------------------------------------------------------

trace_blp = Blueprint("trace", __name__, url_prefix="/api/v1/trace",
                      description="Public traceability: what a shopper's scan shows")
Policy(trace_blp, default=public)


@trace_blp.route("/<string:code>")
class Trace(MethodView):
    @trace_blp.response(200, TraceSchema)
    def get(self, code):
        """The whole chain of a batch: product, seller, origin, inspections, certificates,
        spot checks"""
        return trace.trace_chain(code)


@trace_blp.route("/<string:code>/qr.png")
def trace_qr_png(code):
    """QR code (PNG) of the batch's public trace URL"""
    batch = trace.batch_by_code(code)
    return Response(qr_png(trace.trace_url(batch.trace_code)), mimetype="image/png")


@trace_blp.route("/<string:code>/qr.svg")
def trace_qr_svg(code):
    """QR code (SVG) of the batch's public trace URL"""
    batch = trace.batch_by_code(code)
    return Response(qr_svg(trace.trace_url(batch.trace_code)), mimetype="image/svg+xml")


# --- admin: spot checks -----------------------------------------------------------------

admin_catalog_blp = Blueprint("admin_catalog", __name__, url_prefix="/api/v1/admin",
                              description="Spot checks (网销产品抽检) by platform admins")
Policy(admin_catalog_blp, default=role(Role.PLATFORM_ADMIN))


@admin_catalog_blp.route("/spot-checks")
class AdminSpotChecks(MethodView):
    @admin_catalog_blp.response(200, SpotCheckListSchema)
    def get(self):
        """Every spot check, newest first"""
        return {"items": spot_checks.spot_checks()}

    @admin_catalog_blp.arguments(SpotCheckCreateSchema)
    @admin_catalog_blp.response(201, SpotCheckSchema)
    def post(self, data):
        """Record a spot check of a product or batch; a failure blocks the product at once"""
        return spot_checks.record_spot_check(require_user(), data)


@admin_catalog_blp.route("/products/<id:product_id>/unblock")
class AdminUnblock(MethodView):
    @admin_catalog_blp.arguments(ReasonSchema)
    @admin_catalog_blp.response(200, ProductSchema)
    def post(self, data, product_id):
        """Lift a spot-check block; the seller may publish again"""
        return spot_checks.lift_block(product_id, data["reason"])


BLUEPRINTS = (categories_blp, products_blp, seller_catalog_blp, batches_blp, trace_blp,
              admin_catalog_blp)
