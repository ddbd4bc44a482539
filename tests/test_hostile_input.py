"""Inputs that were a 500 (issue 8): each is now a 4xx problem with a stable code.

One case per input: who sends it, what, and the status and code it must get.  The
fuzz gate (tests/fuzz) looks for more; these pin down the ones found.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from tests.helpers import TEST_CONFIG, bearer
from tests.factories import ProductFactory

PROBLEM = "application/problem+json"
BIG = 2**63  # one past the largest BIGINT
WEBHOOK_SECRET = "whsec_hostile_input"


@pytest.fixture
def world(owner, seller, consumer, admin, bureau_user):
    """Everyone a hostile request may come from, and what it may name."""
    product = ProductFactory(seller=seller)
    return {
        "anonymous": {},
        "consumer": bearer(consumer),
        "owner": bearer(owner),
        "admin": bearer(admin),
        "bureau": bearer(bureau_user),
        "seller_id": seller.id,
        "product_id": product.id,
    }


def token_with_subject(subject) -> str:
    now = datetime.now(timezone.utc)
    return jwt.encode({"sub": subject, "iat": now, "exp": now + timedelta(minutes=5)},
                      TEST_CONFIG["SECRET_KEY"], algorithm="HS256")


def signed(event: dict) -> tuple[bytes, dict[str, str]]:
    payload = json.dumps(event).encode()
    stamp = int(time.time())
    signature = hmac.new(WEBHOOK_SECRET.encode(), f"{stamp}.".encode() + payload,
                         hashlib.sha256).hexdigest()
    return payload, {"Stripe-Signature": f"t={stamp},v1={signature}",
                     "Content-Type": "application/json"}


EVENT = {"id": "evt_hostile", "object": "event", "type": "payment_intent.succeeded",
         "created": 1_790_000_000, "data": {"object": {"id": "pi_hostile", "amount": 100}}}
REPORT = {"report": {"period": "2026-10"},
          "certification": {"period": "2026-10", "version": 1, "key_id": [],
                            "sha256": hashlib.sha256(b'{"period":"2026-10"}').hexdigest(),
                            "signature": ""}}
SPOT_CHECK = {"sampled_on": "2026-10-01", "lab": "赣州市农产品质量检测中心",
              "report_number": "GZ-2026-001", "passed": True}
BASE = {"name": "赣州直播基地", "operator_name": "赣州直播运营有限公司",
        "operator_uscc": "91360700MA3GNPT0XH", "county_code": "360702", "rooms": 1,
        "resident_enterprises": 1, "hosts": 1, "live_rooms": ["赣州直播间"]}


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


# (who, method, path (formatted with world), body: dict | str (raw JSON) | None,
#  status, code, field the problem names or None)
CASES = {
    "min_price_fen beyond 64 bits": (
        "anonymous", "GET", "/api/v1/products?min_price_fen=9223372036854775808", None,
        422, "validation_error", "min_price_fen"),
    "cart sku_id beyond 64 bits": (
        "consumer", "POST", "/api/v1/cart/items", {"sku_id": BIG, "quantity": 1},
        422, "validation_error", "sku_id"),
    "cart sku_id beyond 32 bits": (
        "consumer", "POST", "/api/v1/cart/items", {"sku_id": 2**31, "quantity": 1},
        422, "validation_error", "sku_id"),
    "free_above_fen beyond 64 bits": (
        "owner", "PUT", "/api/v1/sellers/{seller_id}/shipping-rule",
        {"flat_fee_fen": 0, "free_above_fen": BIG}, 422, "validation_error", "free_above_fen"),
    "certificate product_ids beyond 64 bits": (
        "owner", "POST", "/api/v1/sellers/{seller_id}/certificates",
        {"kind": "green_food", "number": "GF360722250001", "issuer": "中国绿色食品发展中心",
         "valid_from": "2026-01-01", "valid_until": "2027-01-01", "product_ids": [BIG]},
        422, "validation_error", "product_ids.0"),
    "external-sales seller_id beyond 64 bits": (
        "bureau", "PUT", "/api/v1/bureau/external-sales",
        {"seller_id": BIG, "year": 2026, "online_fen": 1}, 422, "validation_error", "seller_id"),
    "external-sales seller_id far below 64 bits": (
        "bureau", "PUT", "/api/v1/bureau/external-sales",
        {"seller_id": -18446744073709551617, "year": 2026, "online_fen": 1},
        422, "validation_error", "seller_id"),
    "base area_m2 beyond 64 bits": (
        "bureau", "POST", "/api/v1/bureau/livestream-bases", {**BASE, "area_m2": BIG},
        422, "validation_error", "area_m2"),
    "spot-check product_id beyond 64 bits": (
        "admin", "POST", "/api/v1/admin/spot-checks", {**SPOT_CHECK, "product_id": BIG},
        422, "validation_error", "product_id"),
    "JSON nested 100,000 deep at login (rate-limit key)": (
        "anonymous", "POST", "/api/v1/auth/token", deep(100_000),
        400, "json_too_deep", None),
    "JSON nested 100,000 deep in a body": (
        "consumer", "POST", "/api/v1/cart/items", '{"sku_id": 1, "x": ' + deep(100_000) + "}",
        400, "json_too_deep", None),
    "JSON nested 65 deep in a report to verify": (
        "anonymous", "POST", "/api/v1/reports/verify", deep(65), 400, "json_too_deep", None),
    "an integer of 5,001 digits": (
        "consumer", "POST", "/api/v1/cart/items", '{"sku_id": ' + "9" * 5001 + ', "quantity": 1}',
        400, "number_too_long", None),
    "an integer of 5,001 digits at login": (
        "anonymous", "POST", "/api/v1/auth/token", '{"email": ' + "9" * 5001 + "}",
        400, "number_too_long", None),
    "NaN is not JSON": (
        "consumer", "POST", "/api/v1/cart/items", '{"sku_id": NaN, "quantity": 1}',
        400, "malformed_json", None),
    # Raw JSON: the test client writes UTF-8, which has no lone surrogates.
    "a lone surrogate in a title": (
        "owner", "POST", "/api/v1/products",
        '{"seller_id": {seller_id}, "title": "\\ud800", "category": "navel_orange", '
        '"origin_county_code": "360722", "skus": [{"code": "A", "spec": "5kg", '
        '"price_fen": 100, "stock": 1}]}', 422, "validation_error", "title"),
    "1e-5000 as an award rate": (
        "bureau", "PUT", "/api/v1/bureau/award-settings", {"platform_rate": "1e-5000"},
        422, "invalid_settings", None),
    "an award amount beyond 64 bits": (
        "bureau", "PUT", "/api/v1/bureau/award-settings", {"budget_fen": 10**60},
        422, "invalid_settings", None),
    "key_id of [] in a report to verify": (
        "anonymous", "POST", "/api/v1/reports/verify", REPORT,
        422, "malformed_certification", "certification"),
    "seller_id=² in a query": (
        "owner", "GET", "/api/v1/seller/orders?seller_id=²", None,
        422, "validation_error", "seller_id"),
    "fullwidth digits as seller_id in a query": (
        "owner", "GET", "/api/v1/seller/orders?seller_id=１", None,
        422, "validation_error", "seller_id"),
    "fullwidth digits as a page": (
        "anonymous", "GET", "/api/v1/sellers?page=２", None, 422, "validation_error", "page"),
    "fullwidth digits as a year": (
        "bureau", "GET", "/api/v1/awards?year=２０２６", None, 422, "validation_error", "year"),
    "fullwidth digits as an id in a path": (
        "anonymous", "GET", "/api/v1/sellers/１", None, 404, "not_found", None),
    "awards for a year after the plan": (
        "bureau", "GET", "/api/v1/awards?year=2027", None, 422, "year_outside_plan", "year"),
    "NUL in a seller's name": (
        "consumer", "POST", "/api/v1/sellers", {"name": "信丰\x00合作社"},
        422, "validation_error", "name"),
    "an escape character in a title": (
        "owner", "PATCH", "/api/v1/products/{product_id}", {"title": "脐橙\x1b[2J"},
        422, "validation_error", "title"),
    "a line break in a title": (
        "owner", "PATCH", "/api/v1/products/{product_id}", {"title": "脐橙\n特级"},
        422, "validation_error", "title"),
    "an all-whitespace title": (
        "owner", "PATCH", "/api/v1/products/{product_id}", {"title": " \u3000\t "},
        422, "validation_error", "title"),
    "NUL in a free-text field": (
        "owner", "PATCH", "/api/v1/products/{product_id}", {"description": "好\x00吃"},
        422, "validation_error", "description"),
    "NUL in an e-mail at login": (
        "anonymous", "POST", "/api/v1/auth/token", {"email": "a\x00@b.cn", "password": "x"},
        422, "validation_error", "email"),
}
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_hostile_input_is_a_problem_not_a_500(client, world, case):
    who, method, path, body, status, code, field = CASES[case]
    path = path.format(**world)
    kwargs = {"headers": world[who]}
    if isinstance(body, str):
        kwargs["data"] = body.replace("{seller_id}", str(world["seller_id"]))
        kwargs["content_type"] = "application/json"
    elif body is not None:
        kwargs["json"] = body
    response = client.open(path, method=method, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["code"] == code, problem
    assert problem["type"] == f"urn:gannan:problem:{code}"
    if field:
        assert field in problem.get("errors", {}), problem


@pytest.mark.parametrize("subject", ["²", "１", "abc", "99999999999999999999", "-1", "0", ""])
def test_a_token_whose_subject_is_not_an_id_is_401(client, subject):
    response = client.get("/api/v1/me",
                          headers={"Authorization": f"Bearer {token_with_subject(subject)}"})
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json()["code"] == "invalid_token"


def _result_backend(app, monkeypatch, url: str | None) -> None:
    """Celery reads CELERY_RESULT_BACKEND from the environment before its config."""
    if url:
        monkeypatch.setenv("CELERY_RESULT_BACKEND", url)
    else:
        monkeypatch.delenv("CELERY_RESULT_BACKEND", raising=False)
    celery_app = app.extensions["celery"]  # its backend is built again, and restored after
    monkeypatch.setattr(celery_app, "_backend_cache", None)
    monkeypatch.delattr(celery_app._local, "backend", raising=False)


def test_report_task_state_without_a_result_backend_is_unknown_not_a_500(app, client, admin,
                                                                       monkeypatch):
    _result_backend(app, monkeypatch, None)
    response = client.get("/api/v1/admin/reports/tasks/00", headers=bearer(admin))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"task_id": "00", "state": "UNKNOWN", "result": None}


def test_report_task_state_with_a_result_backend(app, client, admin, monkeypatch):
    _result_backend(app, monkeypatch, "cache+memory://")
    monkeypatch.setitem(app.extensions["celery"].conf, "task_always_eager", False)
    response = client.get("/api/v1/admin/reports/tasks/00", headers=bearer(admin))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"task_id": "00", "state": "PENDING", "result": None}


@pytest.fixture
def webhook_secret(app):
    app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    yield
    app.config["STRIPE_WEBHOOK_SECRET"] = TEST_CONFIG["STRIPE_WEBHOOK_SECRET"]


@pytest.mark.parametrize("broken", [
    {"id": None}, {"created": None}, {"data": None}, {"data": {}},
    {"data": {"object": {"amount": 1}}}, {"created": "yesterday"}, {"created": 10**30},
    {"id": "evt\x00"}, {"type": "t" * 81},
], ids=["no id", "no created", "no data", "no object", "object without id", "created text",
        "created far future", "NUL in id", "type too long"])
def test_a_signed_webhook_missing_what_it_needs_is_400(client, webhook_secret, broken):
    event = {**EVENT, **broken}
    event = {k: v for k, v in event.items() if v is not None}
    payload, headers = signed(event)
    response = client.post("/api/v1/payments/stripe/webhook", data=payload, headers=headers)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["code"] == "malformed_event"


def test_a_well_formed_signed_webhook_still_goes_through(client, webhook_secret):
    payload, headers = signed(EVENT)
    response = client.post("/api/v1/payments/stripe/webhook", data=payload, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"received": True, "outcome": "unknown_payment_intent"}


def test_bounds_are_in_the_document(client):
    """Every integer a client sends states its range; every title its pattern."""
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    sku = schemas["CartItemCreate"]["properties"]["sku_id"]
    assert (sku["minimum"], sku["maximum"]) == (1, 2**31 - 1)
    assert schemas["RefundCreate"]["properties"]["amount_fen"]["maximum"] == 2**63 - 1
    assert "pattern" in schemas["ProductCreate"]["properties"]["title"]
    unbounded = []
    for name, schema in schemas.items():
        for prop, definition in schema.get("properties", {}).items():
            items = definition.get("items", {})
            for where, d in ((prop, definition), (f"{prop}[]", items)):
                if d.get("type") == "integer" and not d.get("readOnly") \
                        and ("minimum" not in d or "maximum" not in d) \
                        and not name.endswith(("Schema", "Page")) and _is_input(spec, name):
                    unbounded.append(f"{name}.{where}")
    assert unbounded == []


def _is_input(spec: dict, schema_name: str) -> bool:
    """Whether a request body or parameter of the document uses the schema."""
    ref = f'"#/components/schemas/{schema_name}"'
    for path in spec["paths"].values():
        for operation in path.values():
            if isinstance(operation, dict) and ref in json.dumps(operation.get("requestBody", {})):
                return True
    return False


def test_query_integers_are_bounded_in_the_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    unbounded = [
        f"{method.upper()} {path} {parameter['name']}"
        for path, item in spec["paths"].items()
        for method, operation in item.items() if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter.get("schema", {}).get("type") == "integer"
        and not {"minimum", "maximum"} <= set(parameter["schema"])
    ]
    assert unbounded == []
