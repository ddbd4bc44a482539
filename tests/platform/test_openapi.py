"""OpenAPI 3 document and the interactive docs, served without internet access; the
error catalogue and the security each operation documents."""

import ast
from pathlib import Path

import pytest
from openapi_spec_validator import validate

import gannan
from gannan.catalog.errors import CatalogErrorCode
from gannan.money.errors import MoneyErrorCode
from gannan.orders.errors import OrderErrorCode
from gannan.platform.errors import REQUEST_LEVEL_CODES, ErrorCodeEnum
from gannan.reporting.errors import ReportingErrorCode
from tests.helpers import PROBLEM


def test_openapi_document_lists_the_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/me",
                 "/api/v1/counties", "/api/v1/sellers", "/api/v1/sellers/{seller_id}",
                 "/api/v1/sellers/{seller_id}/qualifications",
                 "/api/v1/admin/sellers/{seller_id}/approve"):
        assert path in spec["paths"], path
    seller_id = spec["paths"]["/api/v1/sellers/{seller_id}"]["parameters"][0]
    assert seller_id["schema"]["type"] == "integer"
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_docs_ui_and_its_assets_are_served_locally(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/docs/static/swagger-ui-bundle.js" in html
    asset = client.get("/api/v1/docs/static/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
    asset.close()


def test_health(client):
    assert client.get("/api/v1/health").get_json()["status"] == "ok"


# --- the error catalogue ------------------------------------------------------------------

DOMAIN_ENUMS = (CatalogErrorCode, OrderErrorCode, ReportingErrorCode, MoneyErrorCode)
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def operations(spec):
    return {(method.upper(), path): operation for path, item in spec["paths"].items()
            for method, operation in item.items() if method in METHODS}


def codes_by_status(operation) -> dict[int, set[str]]:
    return {int(status): set(response["content"][PROBLEM]["schema"]["allOf"][1]["properties"]
                             ["code"]["enum"])
            for status, response in operation["responses"].items() if int(status) >= 400}


def test_the_document_is_valid_openapi(spec):
    validate(spec)  # raises on the first error


def test_every_code_of_every_enum_is_documented(spec):
    enums = ErrorCodeEnum.__subclasses__()
    assert set(DOMAIN_ENUMS) < set(enums) and len(enums) == 5  # platform + four domains
    defined = {code.value for enum in enums for code in enum}
    catalogue = spec["x-error-codes"]
    assert set(catalogue) == defined
    on_operations = {c for op in operations(spec).values() for c in op["x-error-codes"]}
    request_level = {code.value for code in REQUEST_LEVEL_CODES}
    guards = {"ledger_append_only", "report_immutable", "money_ledger_append_only",
              "statement_immutable"}
    # Each code is on at least one operation, except the few no operation can answer
    # (routing, the health check) and the ORM guards' (no operation writes what they
    # refuse), which the catalogue keeps at its top only.
    assert on_operations == defined - request_level - guards
    for code, entry in catalogue.items():
        scope = "request" if code in request_level else "guard" if code in guards \
            else "operation"
        assert entry["scope"] == scope, code
        assert entry["domain"] in {"platform", "catalog", "orders", "reporting", "money"}
    assert catalogue["ledger_append_only"] == {"domain": "reporting", "statuses": [409],
                                               "scope": "guard"}
    assert catalogue["out_of_stock"] == {"domain": "orders", "statuses": [409],
                                         "scope": "operation"}
    # One code may answer with two statuses where the code does (a duplicate SKU code is
    # 422 in the body of a new product, 409 against the SKUs already there).
    assert catalogue["duplicate_sku_code"]["statuses"] == [409, 422]


def test_every_error_response_is_problem_json(spec):
    assert len(operations(spec)) >= 76
    for key, operation in operations(spec).items():
        responses = operation["responses"]
        assert "default" not in responses, key
        by_status = codes_by_status(operation)
        for status in by_status:
            response = responses[str(status)]
            assert set(response["content"]) == {PROBLEM}, key
            schema = response["content"][PROBLEM]["schema"]
            assert schema["allOf"][0] == {"$ref": "#/components/schemas/Problem"}, key
            assert by_status[status], key
        assert set().union(*by_status.values()) == set(operation["x-error-codes"]), key
        assert 500 in by_status, key
    # No error response anywhere (shared components included) says application/json.
    assert "responses" not in spec.get("components", {})


@pytest.mark.parametrize("method, path, status, expected, absent", [
    ("POST", "/api/v1/checkout", 409,
     {"out_of_stock", "sku_unavailable", "idempotency_key_reused", "conflict"}, set()),
    ("POST", "/api/v1/checkout", 422,
     {"idempotency_key_required", "cart_empty", "unknown_province", "retired_county",
      "validation_error", "unknown_field"}, set()),
    ("POST", "/api/v1/checkout", 401, {"authentication_required", "invalid_token"}, set()),
    ("POST", "/api/v1/checkout", 400, {"malformed_json"}, set()),
    ("POST", "/api/v1/cart/items", 409, {"out_of_stock", "sku_unavailable"}, set()),
    ("POST", "/api/v1/auth/token", 429, {"rate_limited"}, set()),
    ("POST", "/api/v1/auth/token", 401, {"invalid_credentials", "invalid_token"},
     {"authentication_required"}),
    ("GET", "/api/v1/counties/{code}", 422, {"retired_county", "unknown_county"}, set()),
    ("GET", "/api/v1/sellers/{seller_id}", 404, {"seller_not_found", "not_found"}, set()),
    # staff may read a seller's licences; only its owner adds staff
    ("GET", "/api/v1/sellers/{seller_id}/qualifications", 403, {"not_seller_member"},
     {"not_seller_owner"}),
    ("POST", "/api/v1/sellers/{seller_id}/staff", 403,
     {"not_seller_member", "not_seller_owner"}, set()),
    # the buyer-or-admin rule fails as its first rule does: never a bare 403 forbidden
    ("GET", "/api/v1/orders/{order_id}", 403, {"not_order_buyer"}, {"forbidden"}),
    ("GET", "/api/v1/admin/sellers", 403, {"forbidden"}, set()),
    ("GET", "/api/v1/reports/monthly/{name}", 404, {"unknown_format", "report_not_found"},
     set()),
    ("POST", "/api/v1/payments/stripe/webhook", 400, {"invalid_signature", "malformed_json"},
     set()),
    ("POST", "/api/v1/payments/stripe/webhook", 503, {"webhooks_not_configured"}, set()),
    ("GET", "/api/v1/products", 503, {"search_unavailable"}, set()),
    ("POST", "/api/v1/reports/verify", 413, {"payload_too_large"}, set()),
])
def test_operations_list_the_codes_they_return(spec, method, path, status, expected, absent):
    listed = codes_by_status(operations(spec)[(method, path)]).get(status, set())
    assert expected <= listed, listed
    assert not absent & listed, listed


def test_checkout_documents_its_idempotency_key_header(spec):
    parameters = operations(spec)[("POST", "/api/v1/checkout")]["parameters"]
    header = next(p for p in parameters if p["in"] == "header")
    assert header["name"] == "Idempotency-Key" and header["required"] is True
    assert header["schema"]["maxLength"] == 255


def test_bearer_token_is_the_default_and_open_operations_say_so(spec):
    assert spec["security"] == [{"bearerAuth": []}]
    ops = operations(spec)
    for key, operation in ops.items():
        needs_token = "authentication_required" in operation["x-error-codes"]
        # From the Policy rule and the view: the document and the enforcement agree.
        assert ("security" not in operation) == needs_token, key
        assert operation.get("security") in (None, [], [{}, {"bearerAuth": []}]), key
    for key in [("GET", "/api/v1/counties"), ("POST", "/api/v1/auth/token"),
                ("POST", "/api/v1/auth/register"), ("GET", "/api/v1/products"),
                ("GET", "/api/v1/trace/{code}"), ("POST", "/api/v1/payments/stripe/webhook")]:
        assert ops[key]["security"] == [], key
    # Open to all, but members see more: the token is optional.
    for key in [("GET", "/api/v1/sellers/{seller_id}"), ("GET", "/api/v1/products/{product_id}")]:
        assert ops[key]["security"] == [{}, {"bearerAuth": []}], key
    for key in [("GET", "/api/v1/me"), ("POST", "/api/v1/checkout"),
                ("PATCH", "/api/v1/products/{product_id}"), ("GET", "/api/v1/metrics/sales")]:
        assert "security" not in ops[key], key
    assert sum("security" not in op for op in ops.values()) > 50


def test_codes_are_raised_as_enum_members():
    """No inline code strings: every ``code=`` and problem_response code is a member."""
    inline = []
    for path in Path(gannan.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or getattr(node.func, "id", None) == "url_for":
                continue  # url_for(…, code=…) is a URL's trace code, not an error code
            values = [k.value for k in node.keywords if k.arg == "code"]
            if getattr(node.func, "id", None) == "problem_response" and len(node.args) > 1:
                values.append(node.args[1])
            inline += [f"{path.name}:{v.lineno}" for v in values
                       if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    assert inline == []
