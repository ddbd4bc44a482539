"""HTTP layer of the register: applicants, their figures, look-up, bulk import."""

from __future__ import annotations

from flask import Response, current_app, request
from flask.views import MethodView
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from gannan.platform.auth import Policy, any_of, require_user, role
from gannan.platform.jsonbody import Blueprint, BoundedJSONParser
from gannan.platform.models import Role
from gannan.platform.pagination import paginate
from gannan.reporting.register import imports, services
from gannan.reporting.register.models import FIGURES
from gannan.reporting.register.schemas import (
    ApplicantCreateSchema,
    ApplicantDetailSchema,
    ApplicantPageSchema,
    ApplicantQueryArgsSchema,
    ApplicantSchema,
    ApplicantUpdateSchema,
    ChangeListSchema,
    FiguresArgsSchema,
    FiguresPageSchema,
    FiguresSchema,
    FiguresWriteSchema,
    ImportFormSchema,
    ImportListSchema,
    ImportResultSchema,
    LookupArgsSchema,
    LookupSchema,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

class MultipartParser(BoundedJSONParser):
    """Also reads a multipart body whole, its text fields and its files together
    (location ``form_and_files``), so that one schema is one documented requestBody."""

    __location_map__ = {**BoundedJSONParser.__location_map__,
                        "form_and_files": "load_form_and_files"}

    def load_form_and_files(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema,
                               cls=MultiDictProxy)


class RegisterBlueprint(Blueprint):
    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "form_and_files": "multipart/form-data"}


register_blp = RegisterBlueprint("register", __name__, url_prefix="/api/v1/bureau",
                         description="The bureau's register of applicants and their certified "
                                     "figures; bulk import")
Policy(register_blp, default=any_of(role(Role.BUREAU), role(Role.PLATFORM_ADMIN)))


@register_blp.route("/applicants")
class Applicants(MethodView):
    @register_blp.arguments(ApplicantQueryArgsSchema, location="query")
    @register_blp.response(200, ApplicantPageSchema)
    def get(self, args):
        """The register, by name; ?q= a USCC or name prefix, ?county=, ?kind="""
        page = paginate(services.list_applicants(q=args.get("q"), county=args.get("county"),
                                                 kind=args.get("kind")),
                        args["page"], args["page_size"])
        services.with_sellers(page.items)
        return page

    @register_blp.arguments(ApplicantCreateSchema)
    @register_blp.response(201, ApplicantSchema)
    def post(self, data):
        """Register an applicant (a seller's USCC alone registers that seller)"""
        return services.with_sellers([services.register_applicant(require_user(), data)])[0]


@register_blp.route("/applicants/lookup")
class ApplicantLookup(MethodView):
    @register_blp.arguments(LookupArgsSchema, location="query")
    @register_blp.response(200, LookupSchema)
    def get(self, args):
        """Applicants and sellers whose USCC or name starts with ?q= (at most 20)"""
        return {"items": services.lookup(args["q"])}


@register_blp.route("/applicants/<id:applicant_id>")
class ApplicantDetail(MethodView):
    @register_blp.response(200, ApplicantDetailSchema)
    def get(self, applicant_id):
        """An applicant, its seller here, and per year its sales on this platform and its
        certified external figures: two parts and their sum"""
        return services.applicant_detail(applicant_id)

    @register_blp.arguments(ApplicantUpdateSchema)
    @register_blp.response(200, ApplicantSchema)
    def patch(self, data, applicant_id):
        """Change name, kind or county, with a reason"""
        applicant = services.update_applicant(require_user(), applicant_id, data)
        return services.with_sellers([applicant])[0]


@register_blp.route("/applicants/<id:applicant_id>/changes")
class ApplicantChanges(MethodView):
    @register_blp.response(200, ChangeListSchema)
    def get(self, applicant_id):
        """Who changed what in the register, when and why"""
        services.get_applicant(applicant_id)
        return {"items": services.changes_of(applicant_id)}


@register_blp.route("/applicants/<id:applicant_id>/figures")
class ApplicantFigures(MethodView):
    @register_blp.arguments(FiguresWriteSchema)
    @register_blp.response(200, FiguresSchema)
    def put(self, data, applicant_id):
        """Record a year's certified figures, each explicit (null: not reported)"""
        return services.record_figures(require_user(), services.get_applicant(applicant_id),
                                       data["year"], {k: data[k] for k in FIGURES},
                                       data["note"], data["reason"])


@register_blp.route("/figures")
class YearFigures(MethodView):
    @register_blp.arguments(FiguresArgsSchema, location="query")
    @register_blp.response(200, FiguresPageSchema)
    def get(self, args):
        """Every applicant's certified figures of ?year="""
        return paginate(services.figures_query(args["year"]), args["page"], args["page_size"])


@register_blp.route("/imports")
class Imports(MethodView):
    @register_blp.response(200, ImportListSchema)
    def get(self):
        """The latest applied imports (a file that changed nothing leaves none)"""
        return {"items": services.recent_imports()}

    @register_blp.arguments(ImportFormSchema, location="form_and_files")
    @register_blp.response(200, ImportResultSchema)
    def post(self, form):
        """Apply a year's figures from CSV or XLSX: all rows or none (422
        import_invalid lists every problem); a correction needs a reason"""
        return imports.run_import(require_user(), form["file"].read(),
                                  form["file"].filename or "upload", form["year"],
                                  form["reason"], dry_run=False)


@register_blp.route("/imports/check")
class ImportCheck(MethodView):
    @register_blp.arguments(ImportFormSchema, location="form_and_files")
    @register_blp.response(200, ImportResultSchema)
    def post(self, form):
        """Dry run: every row's problems with its row number, and what applying would
        create and change; writes nothing"""
        return imports.run_import(require_user(), form["file"].read(),
                                  form["file"].filename or "upload", form["year"],
                                  form["reason"], dry_run=True)


def _template(body: bytes, mimetype: str, extension: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="certified-figures-template.{extension}"'})


@register_blp.route("/imports/template.xlsx")
class ImportTemplateXlsx(MethodView):
    @register_blp.response(200, content_type=XLSX, description="The import template")
    def get(self):
        """The template to fill in: the columns, amounts in 元, an instructions sheet"""
        return _template(imports.template_xlsx(), XLSX, "xlsx")


@register_blp.route("/imports/template.csv")
class ImportTemplateCsv(MethodView):
    @register_blp.response(200, content_type="text/csv", description="The import template")
    def get(self):
        """The template to fill in as CSV (UTF-8 with BOM): the header row"""
        return _template(imports.template_csv(), "text/csv; charset=utf-8", "csv")


@register_blp.before_request
def _bounded_uploads() -> None:
    if request.endpoint in ("register.Imports", "register.ImportCheck"):
        request.max_content_length = current_app.config["BUREAU_IMPORT_MAX_BYTES"]


BLUEPRINTS = (register_blp,)
