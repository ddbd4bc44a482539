"""Sign up, sign in, sign out: the API's schemas and services, a session cookie."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from gannan.platform import services
from gannan.platform.errors import ProblemError
from gannan.platform.routes import LOGIN_LIMITS
from gannan.platform.schemas import RegisterSchema, TokenRequestSchema
from gannan.web.forms import FormInvalid, load, payload
from gannan.web.messages import problem_message
from gannan.web.blueprints import web_blueprint
from gannan.web.session import safe_next, sign_in, sign_out

blp, policy = web_blueprint("web_account", __name__)


def _form_page(template: str, status: int = 200, **context):
    context.setdefault("errors", {})
    context.setdefault("message", None)
    context.setdefault("form", request.form)
    context.setdefault("next", safe_next(request.values.get("next")))
    return render_template(template, **context), status


@blp.get("/login")
def login():
    return _form_page("web/login.html")


def login_limited(view):
    """The same counters as ``POST /api/v1/auth/token``: per address and per account."""
    for limit in reversed(LOGIN_LIMITS):
        view = limit(view)
    return view


@blp.post("/login")
@login_limited
def login_submit():
    try:
        data = load(TokenRequestSchema(), payload(request.form, ("email", "password")))
        user = services.authenticate(data["email"], data["password"])
    except FormInvalid as invalid:
        return _form_page("web/login.html", 422, errors=invalid.errors,
                          message="请填写邮箱和密码。")
    except ProblemError as error:
        # 422, not 401: a page answering a form, not a challenge (no WWW-Authenticate)
        return _form_page("web/login.html", 422, message=problem_message(error))
    sign_in(user)
    flash(f"欢迎回来，{user.display_name}。")
    return redirect(safe_next(request.form.get("next")))


@blp.get("/signup")
def signup():
    return _form_page("web/signup.html")


@blp.post("/signup")
def signup_submit():
    fields = ("email", "password", "display_name")
    try:
        data = load(RegisterSchema(), payload(request.form, fields))
        user = services.register_user(data["email"], data["password"], data["display_name"])
    except FormInvalid as invalid:
        return _form_page("web/signup.html", 422, errors=invalid.errors,
                          message="请检查标红的项目。")
    except ProblemError as error:
        return _form_page("web/signup.html", error.status, message=problem_message(error))
    sign_in(user)
    flash("注册成功，已为你登录。")
    return redirect(safe_next(request.form.get("next")))


@blp.post("/logout")
def logout():
    sign_out()
    flash("已退出登录。")
    return redirect(url_for("web_shop.home"))
