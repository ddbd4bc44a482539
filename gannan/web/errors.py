"""Errors are pages: 404, 403, 500 and the rest in Chinese, never a stack or JSON.

Under ``/api`` nothing changes: HTTP errors there are still problem+json from
:mod:`gannan.platform.errors`.  A form that fails renders itself again with the
message (see the views); what reaches these handlers is everything else.
"""

from __future__ import annotations

import logging

from flask import Flask, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from gannan.platform.errors import AuthenticationRequired, ProblemError, http_exception_to_problem
from gannan.platform.extensions import db
from gannan.web.messages import GENERIC, MESSAGES, problem_message
from gannan.web.session import here

log = logging.getLogger(__name__)

TITLES = {400: "请求有误", 403: "无权访问", 404: "页面不存在", 405: "请求有误",
          429: "操作太频繁", 500: "服务器出了点问题"}
HINTS = {
    400: "请求的内容有误。请返回上一页再试一次。",
    403: MESSAGES["forbidden"],
    404: "你要找的页面不存在，可能是链接输错了，或者商品已经下架。",
    405: "请求的方式不对。请返回上一页再试一次。",
    429: MESSAGES["rate_limited"],
    500: "我们这边出错了，已经记录下来。请稍后再试。",
}


def error_page(status: int, message: str | None = None, title: str | None = None):
    return render_template("web/error.html", status=status,
                           title=title or TITLES.get(status, "出错了"),
                           message=message or HINTS.get(status, GENERIC)), status


def _api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def handle_problem(error: ProblemError):
    db.session.rollback()
    if isinstance(error, AuthenticationRequired):
        return redirect(url_for("web_account.login", next=here()))
    status = error.status if error.status in TITLES else (400 if error.status < 500 else 500)
    return error_page(status, problem_message(error))


def handle_http(error: HTTPException):
    if _api(request.path):
        return http_exception_to_problem(error)
    db.session.rollback()
    status = error.code or 500
    if isinstance(error, CSRFError):
        return error_page(400, "页面已过期或来源不明，表单没有提交。请返回上一页，刷新后再提交一次。",
                          "表单已过期")
    return error_page(status if status in TITLES else 400)


def handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return handle_http(error)
    db.session.rollback()
    log.exception("unhandled error on a page")
    return error_page(500)


def register_page_errors(app: Flask) -> None:
    """URLs no blueprint matched: a page outside /api, problem+json inside it."""
    for status in (404, 405):
        app.register_error_handler(status, handle_http)
