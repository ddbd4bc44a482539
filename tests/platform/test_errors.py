"""Every 4xx/5xx is application/problem+json with a stable code; bad input never 500s."""

import pytest

from gannan import create_app
from gannan.platform.models import User
from gannan.platform.extensions import db
from tests.helpers import TEST_CONFIG, assert_problem


def test_malformed_json_is_400(client):
    response = client.post(
        "/api/v1/auth/register", data='{"email": "a@b.cn",', content_type="application/json"
    )
    assert_problem(response, 400, "malformed_json")


def test_unknown_field_is_named(client):
    response = client.post("/api/v1/auth/register", json={
        "email": "a@b.cn", "password": "long enough pw", "display_name": "A", "is_admin": True,
    })
    body = assert_problem(response, 422, "unknown_field")
    assert body["errors"] == {"is_admin": ["Unknown field."]}
    assert db.session.scalar(db.select(User).where(User.email == "a@b.cn")) is None


def test_wrong_types_and_missing_fields_list_each_field(client):
    response = client.post("/api/v1/auth/register", json={"email": 12, "password": ["x"]})
    body = assert_problem(response, 422, "validation_error")
    assert set(body["errors"]) == {"email", "password", "display_name"}


def test_body_that_is_not_an_object(client):
    response = client.post("/api/v1/auth/register", json=["a", "b"])
    assert_problem(response, 422, "validation_error")


def test_oversized_body_is_413(client):
    payload = '{"email": "' + "a" * (2 * 1024 * 1024) + '"}'
    response = client.post("/api/v1/auth/register", data=payload, content_type="application/json")
    assert_problem(response, 413, "payload_too_large")


@pytest.mark.parametrize("path", [
    "/api/v1/sellers/abc", "/api/v1/sellers/-1", "/api/v1/sellers/99999999999999999999999",
    "/api/v1/sellers/1.5", "/api/v1/no-such-thing",
])
def test_bad_path_ids_are_404(client, path):
    assert_problem(client.get(path), 404, "not_found")


def test_missing_seller_has_its_own_code(client):
    assert_problem(client.get("/api/v1/sellers/424242"), 404, "seller_not_found")


def test_wrong_method_is_405_with_allow_header(client):
    response = client.delete("/api/v1/counties")
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_bad_query_argument(client):
    body = assert_problem(client.get("/api/v1/sellers?page_size=1000"), 422, "validation_error")
    assert "page_size" in body["errors"]


def test_unexpected_error_is_problem_500_without_internals(tmp_path):
    app = create_app({**TEST_CONFIG, "TESTING": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/boom")
    body = assert_problem(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert body["title"] == "Internal server error"


def test_invalid_token_on_public_endpoint_is_still_401(client):
    response = client.get("/api/v1/counties", headers={"Authorization": "Bearer nope"})
    assert_problem(response, 401, "invalid_token")


def test_problem_schema_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code", "errors"} <= set(problem["properties"])
