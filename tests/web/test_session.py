"""Signing in on pages: the cookie, CSRF on every form, the API left as it was."""

import pytest

from gannan.platform.extensions import limiter
from gannan.web.session import safe_next
from tests.helpers import bearer
from tests.factories import PASSWORD
from tests.web.support import text


def test_sign_in_sets_an_httponly_lax_session_cookie_and_goes_back(pages, shopper):
    response = pages.post("/login", {"email": shopper.email.upper(), "password": PASSWORD,
                                     "next": "/orders"})
    assert response.status_code == 302 and response.headers["Location"] == "/orders"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("gannan_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert shopper.display_name in text(pages.get("/orders"))  # the flash greets by name


def test_the_cookie_is_secure_in_production(tmp_path):
    from gannan import create_app
    from tests.helpers import TEST_CONFIG

    production = create_app({**TEST_CONFIG, "GANNAN_ENV": "production",
                             "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_sign_out_ends_the_session(pages, shopper):
    pages.sign_in(shopper)
    assert pages.get("/orders").status_code == 200
    pages.get("/orders")
    assert pages.post("/logout").status_code == 302
    response = pages.get("/orders")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", ["/login", "/cart/add", "/checkout", "/logout"])
def test_every_form_needs_the_csrf_token(pages, shopper, path):
    pages.sign_in(shopper)
    response = pages.post(path, {"email": shopper.email, "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert "表单已过期" in text(response) and response.mimetype == "text/html"
    forged = pages.client.post(path, data={"csrf_token": "forged"})
    assert forged.status_code == 400


def test_the_api_needs_no_csrf_token_and_ignores_the_cookie(pages, client, shopper):
    pages.sign_in(shopper)
    me = client.get("/api/v1/me")  # the browser's cookie is sent, but is no bearer token
    assert me.status_code == 401 and me.mimetype == "application/problem+json"
    token = client.post("/api/v1/auth/token", json={"email": shopper.email,
                                                    "password": PASSWORD})
    assert token.status_code == 200  # no CSRF token asked of the API
    assert client.get("/api/v1/me", headers=bearer(shopper)).status_code == 200


def test_wrong_password_and_empty_fields_say_so_in_chinese(pages, shopper):
    wrong = pages.post("/login", {"email": shopper.email, "password": "nope"})
    assert wrong.status_code == 422
    assert "邮箱或密码不正确" in text(wrong) and f'value="{shopper.email}"' in text(wrong)
    empty = pages.post("/login", {"email": "", "password": ""})
    assert empty.status_code == 422 and "请填写邮箱" in text(empty)


def test_sign_up_uses_the_api_rules_then_signs_in(pages):
    short = pages.post("/signup", {"email": "new@example.cn", "display_name": "小李",
                                   "password": "short"})
    assert short.status_code == 422 and "密码须为 8 到 128 个字符" in text(short)
    assert 'value="小李"' in text(short)  # input kept
    made = pages.post("/signup", {"email": "new@example.cn", "display_name": "小李",
                                  "password": "long enough pw", "next": "/cart"})
    assert made.status_code == 302 and made.headers["Location"] == "/cart"
    assert pages.get("/cart").status_code == 200
    pages.post("/logout")
    again = pages.post("/signup", {"email": "NEW@example.cn", "display_name": "x",
                                   "password": "long enough pw"})
    assert again.status_code == 409 and "这个邮箱已经注册过了" in text(again)


@pytest.mark.parametrize("target, expected", [
    ("/orders?page=2", "/orders?page=2"), ("//evil.example/x", "/"),
    ("https://evil.example/", "/"), ("javascript:alert(1)", "/"), ("/\\evil", "/"),
    (None, "/"), ("orders", "/"),
])
def test_only_local_paths_are_followed_after_sign_in(target, expected):
    assert safe_next(target) == expected


def test_page_and_api_logins_share_one_rate_limit(app, pages, client, shopper):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    try:
        for _ in range(2):
            assert client.post("/api/v1/auth/token", json={"email": shopper.email,
                                                           "password": "x"}).status_code == 401
        assert pages.post("/login", {"email": shopper.email, "password": "x"}).status_code == 422
        blocked = pages.post("/login", {"email": shopper.email, "password": PASSWORD})
        assert blocked.status_code == 429 and "尝试次数太多" in text(blocked)
        assert client.post("/api/v1/auth/token", json={"email": shopper.email,
                                                       "password": PASSWORD}).status_code == 429
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
        limiter.reset()


def test_a_request_without_the_session_cookie_unsigns_nothing_and_sets_no_cookie(
        app, pages, client, shopper, monkeypatch):
    """The session costs nothing when no session cookie comes (an API call, a first
    visit): no signing serializer is made, no cookie or ``Vary: Cookie`` goes back.  A
    request that carries the cookie is still unsigned and signed in as before."""
    interface = type(app.session_interface)
    made = []
    serializer = interface.get_signing_serializer
    monkeypatch.setattr(interface, "get_signing_serializer",
                        lambda self, app: made.append(app) or serializer(self, app))

    api = client.get("/api/v1/counties")
    client.set_cookie("theme", "dark")  # some cookie, but not the session's
    page = client.get("/")
    assert api.status_code == 200 and page.status_code == 200
    assert made == []
    assert "Set-Cookie" not in api.headers and "Vary" not in api.headers
    # the page read the (empty) session: it varies on the cookie, as Flask says
    assert "Set-Cookie" not in page.headers and page.headers["Vary"] == "Cookie"

    pages.sign_in(shopper)
    made.clear()
    orders = pages.get("/orders")
    assert orders.status_code == 200 and made  # the cookie was unsigned: signed in


def test_the_api_neither_reads_nor_refreshes_the_session_cookie(app, pages, client, shopper):
    """A signed-in browser sends its session cookie with API calls too: the API does not
    unsign it, and its answers (public, cacheable ones included) carry no refreshed
    ``Set-Cookie`` and no ``Vary: Cookie``; the pages still refresh it."""
    from flask import session

    pages.sign_in(shopper)
    page = pages.get("/orders")
    assert page.headers["Set-Cookie"].startswith("gannan_session=")  # refreshed, as ever
    for path in ("/api/v1/counties", "/api/v1/categories", "/api/v1/me"):
        response = client.get(path)
        assert "Set-Cookie" not in response.headers and "Vary" not in response.headers, path
    assert client.get("/api/v1/me").status_code == 401  # the cookie is no bearer token
    with app.test_request_context("/api/v1/counties", headers={"Cookie": "gannan_session=x"}):
        app.preprocess_request()
        assert dict(session) == {}
        with pytest.raises(RuntimeError, match="no cookie session"):
            session["uid"] = shopper.id
    assert pages.get("/orders").status_code == 200  # still signed in on the pages


def test_the_api_index_page_keeps_the_pages_session(client, shopper):
    """/api/v1/ shows a browser a page whose layout writes a CSRF token into the session
    (the sign-out form) when the caller is known: that page keeps the session."""
    page = client.get("/api/v1/", headers={"Accept": "text/html", **bearer(shopper)})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert 'name="csrf_token"' in page.get_data(as_text=True)
    assert page.headers["Set-Cookie"].startswith("gannan_session=")
    assert client.get("/api/v1/").status_code == 200  # the JSON index, as before
