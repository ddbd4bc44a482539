"""Signing people in on the pages: a session cookie, CSRF on every form, the same Policy.

The API names its caller with a bearer token; pages name theirs with Flask's signed
session cookie (HttpOnly, SameSite=Lax, Secure in production) and hand the account to
:func:`gannan.platform.auth.set_request_user`, so every ``Policy`` rule of the API
(buyer of this order, product visible, ...) decides for pages too.  Only the pages'
blueprints read the cookie: a cookie never authenticates a call under ``/api``.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request, session
from flask.sessions import NullSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from gannan.platform.auth import current_user, set_request_user
from gannan.platform.errors import ProblemError
from gannan.platform.extensions import db
from gannan.platform.models import User

csrf = CSRFProtect()
SESSION_KEY = "uid"


API_PREFIX = "/api/"
# Under /api/, the index renders a page for browsers (gannan/web/api_index.py), whose
# layout may write a CSRF token into the session: it keeps the pages' session.
API_PAGES = frozenset({"/api/v1", "/api/v1/"})


class NoApiSession(NullSession):
    """``session`` under ``/api/``: always empty, and writing to it is a bug (the API's
    callers authenticate with bearer tokens; nothing there reads or keeps a cookie)."""

    def _fail(self, *args, **kwargs):
        raise RuntimeError("The API has no cookie session: its callers authenticate with "
                           "a bearer token, and only the pages keep a session.")

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, for the pages only, and free when there is none.

    Under ``/api/`` (but for its index page) the cookie is not read: a browser's session
    cookie neither costs an unsigning nor comes back refreshed (``Set-Cookie``,
    ``Vary: Cookie``) on an API answer, which would also mark a public, cacheable answer
    such as the county list as personal.  On the pages, Flask builds a signing
    serializer on every request before it looks for the cookie, and reads seven cookie
    settings after it: without the cookie the session is a fresh empty one (what Flask
    returns then), and a session nothing read or changed is saved as Flask saves it (no
    cookie, no ``Vary``) without them.  Everything else is Flask's own code."""

    def open_session(self, app: Flask, request):
        path = request.path
        if path.startswith(API_PREFIX) and path not in API_PAGES:
            return NoApiSession()
        if app.secret_key and ("HTTP_COOKIE" not in request.environ
                               or not request.cookies.get(self.get_cookie_name(app))):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        if not session and not session.modified and not session.accessed:
            return
        super().save_session(app, session, response)


def init_session(app: Flask) -> None:
    app.session_interface = CookieSessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME="gannan_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config.get("GANNAN_ENV") == "production",
        PERMANENT_SESSION_LIFETIME=timedelta(days=14),
    )
    # The pages check CSRF themselves (web_blueprint); the bearer-token API never does.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # A checkout form left open over lunch must still submit: the token lives as long
    # as the session that holds it.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)


def load_session_user() -> None:
    user_id = session.get(SESSION_KEY)
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user_id is not None and (user is None or not user.is_active):
        session.pop(SESSION_KEY, None)
        user = None
    set_request_user(user)


def protect_form() -> None:
    csrf.protect()  # only POST, PUT, PATCH, DELETE (WTF_CSRF_METHODS)


def _fresh_session() -> None:
    # Nothing, not even the CSRF token, carries over into or out of a signed-in session.
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # Flask-WTF's cache


def sign_in(user: User) -> None:
    _fresh_session()
    session[SESSION_KEY] = user.id
    session.permanent = True
    set_request_user(user)


def sign_out() -> None:
    _fresh_session()
    set_request_user(None)


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to after signing in; anything else (another host,
    ``//host``, ``javascript:``) becomes ``default``."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return default
    return target


def here() -> str:
    """The current page as a local path with its query, for ``?next=``."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return safe_next(urlsplit(request.referrer or "").path or None)


def page_user() -> User | None:
    """The signed-in account for templates (None on pages outside the pages' blueprints,
    such as a 404 no blueprint matched)."""
    try:
        return current_user()
    except ProblemError:
        return None
