"""Accounts: register, token, /me; argon2 hashes, expiring tokens, login rate limits."""

import time
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from gannan.platform import auth
from gannan.platform.extensions import db
from gannan.platform.models import User
from tests.factories import PASSWORD, UserFactory
from tests.helpers import assert_problem, bearer, TEST_CONFIG


def register(client, email="li.na@example.cn", password="橙子好吃2026", name="李娜"):
    return client.post("/api/v1/auth/register",
                       json={"email": email, "password": password, "display_name": name})


def login(client, email, password):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password})


def test_register_login_me(client):
    response = register(client)
    assert response.status_code == 201
    created = response.get_json()
    assert created["email"] == "li.na@example.cn"
    assert created["roles"] == ["consumer"]
    assert "password" not in created and "password_hash" not in created

    token = login(client, "Li.Na@Example.cn", "橙子好吃2026")
    assert token.status_code == 200
    body = token.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.get_json()["id"] == created["id"]
    assert me.get_json()["sellers"] == []


def test_password_is_stored_as_argon2id(client):
    register(client)
    user = db.session.scalar(db.select(User))
    assert user.password_hash.startswith("$argon2id$")
    assert "橙子好吃2026" not in user.password_hash


def test_email_is_unique_case_insensitively(client):
    assert register(client).status_code == 201
    assert_problem(register(client, email="LI.NA@example.cn"), 409, "email_taken")


@pytest.mark.parametrize("field, value", [
    ("email", "not-an-email"), ("password", "short"), ("display_name", ""),
])
def test_register_rejects_bad_fields(client, field, value):
    payload = {"email": "a@b.cn", "password": "long enough", "display_name": "A", field: value}
    body = assert_problem(client.post("/api/v1/auth/register", json=payload), 422,
                          "validation_error")
    assert field in body["errors"]


def test_wrong_password_and_unknown_email_look_the_same(client):
    user = UserFactory()
    wrong = login(client, user.email, "wrong password")
    unknown = login(client, "nobody@example.cn", PASSWORD)
    assert_problem(wrong, 401, "invalid_credentials")
    assert_problem(unknown, 401, "invalid_credentials")
    assert wrong.get_json()["detail"] == unknown.get_json()["detail"]


def test_inactive_account_cannot_log_in_or_use_its_token(client):
    user = UserFactory()
    headers = bearer(user)
    user.is_active = False
    db.session.commit()
    assert_problem(login(client, user.email, PASSWORD), 401, "invalid_credentials")
    assert_problem(client.get("/api/v1/me", headers=headers), 401, "invalid_token")


def test_me_needs_a_token(client):
    assert_problem(client.get("/api/v1/me"), 401, "authentication_required")
    assert_problem(client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401,
                   "invalid_token")


def _token(app, user_id, **claims):
    now = datetime.now(timezone.utc)
    payload = {"sub": str(user_id), "iat": now, "exp": now + timedelta(minutes=5), **claims}
    return jwt.encode(payload, app.config["SECRET_KEY"], algorithm="HS256")


def test_expired_token_is_refused(app, client):
    user = UserFactory()
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    token = _token(app, user.id, exp=past)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401, "token_expired")


def test_a_token_accepted_before_is_refused_once_it_expires(app, client, monkeypatch):
    """The token's checked claims are remembered between requests; its expiry is not."""
    user = UserFactory()
    token = _token(app, user.id)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    later = time.time() + 5 * 60 + 1
    monkeypatch.setattr(auth, "_now", lambda: later)
    assert_problem(client.get("/api/v1/me", headers=headers), 401, "token_expired")


def test_a_remembered_token_names_no_one_once_the_account_is_deactivated(app, client):
    user = UserFactory()
    headers = {"Authorization": f"Bearer {_token(app, user.id)}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    user.is_active = False
    db.session.commit()
    assert_problem(client.get("/api/v1/me", headers=headers), 401, "invalid_token")


def test_token_signed_with_another_key_is_refused(client):
    user = UserFactory()
    forged = jwt.encode({"sub": str(user.id), "iat": 0, "exp": 4102444800}, "a-guessed-key-that-is-long-enough-for-hs256",
                        algorithm="HS256")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert_problem(response, 401, "invalid_token")


def test_token_ttl_comes_from_settings(app, client):
    user = UserFactory()
    app.config["ACCESS_TOKEN_TTL_SECONDS"] = 120
    try:
        body = login(client, user.email, PASSWORD).get_json()
    finally:
        app.config["ACCESS_TOKEN_TTL_SECONDS"] = 3600
    claims = jwt.decode(body["access_token"], app.config["SECRET_KEY"], algorithms=["HS256"])
    assert body["expires_in"] == 120
    assert claims["exp"] - claims["iat"] == 120


@pytest.fixture
def strict_app(app):
    """The session app with a login limit of 3 per minute."""
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    yield app
    app.config["LOGIN_RATE_LIMIT"] = TEST_CONFIG["LOGIN_RATE_LIMIT"]


@pytest.mark.parametrize("password, code", [
    ("password", "password_too_common"),
    ("12345678", "password_too_common"),
    ("qwertyuiop", "password_too_common"),
    ("Passw0rd!", "password_too_common"),
    ("iloveyou1", "password_too_common"),
    ("aaaaaaaaaa", "password_too_common"),
    ("li.na2026", "password_too_common"),  # the account's own address
    ("        ", "password_blank"),
    (" \u3000\t  \u3000  ", "password_blank"),
])
def test_register_refuses_common_and_blank_passwords(client, password, code):
    body = assert_problem(register(client, password=password), 422, code)
    assert list(body["errors"]) == ["password"]
    assert db.session.scalar(db.select(User)) is None


def test_registration_is_rate_limited_per_client(app, client):
    app.config["REGISTRATION_RATE_LIMIT"] = "2 per hour"
    try:
        for n in range(2):
            assert register(client, email=f"user{n}@example.cn").status_code == 201
        response = register(client, email="user9@example.cn")
        body = assert_problem(response, 429, "rate_limited")
        assert "2 per 1 hour" in body["detail"]
        other = client.post("/api/v1/auth/register", environ_base={"REMOTE_ADDR": "10.0.0.7"},
                            json={"email": "other@example.cn", "password": "橙子好吃2026",
                                  "display_name": "另一位"})
        assert other.status_code == 201
    finally:
        app.config["REGISTRATION_RATE_LIMIT"] = TEST_CONFIG["REGISTRATION_RATE_LIMIT"]


def test_login_attempts_are_rate_limited_per_client(strict_app):
    client = strict_app.test_client()
    user = UserFactory()
    for _ in range(3):
        assert login(client, user.email, "wrong").status_code == 401
    response = login(client, user.email, PASSWORD)  # even the right password now waits
    body = assert_problem(response, 429, "rate_limited")
    assert "3 per 1 minute" in body["detail"]
    assert int(response.headers["Retry-After"]) > 0


def test_login_attempts_are_rate_limited_per_account_across_addresses(strict_app):
    client = strict_app.test_client()
    user = UserFactory()
    for n in range(3):
        response = client.post("/api/v1/auth/token", json={"email": user.email, "password": "x"},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
        assert response.status_code == 401
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": "x"},
                           environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert_problem(response, 429, "rate_limited")
    other = UserFactory()
    response = client.post("/api/v1/auth/token", json={"email": other.email, "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.0.0.100"})
    assert response.status_code == 200
