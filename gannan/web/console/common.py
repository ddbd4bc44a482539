"""What every console page shares: its blueprint, forms checked by the API's schemas,
amounts typed in 元, and problems shown as Chinese sentences."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, render_template, request
from marshmallow import Schema, ValidationError

from gannan.platform.auth import Policy, Rule
from gannan.platform.errors import AuthenticationRequired, ProblemError, flatten_messages
from gannan.platform.extensions import db
from gannan.web.blueprints import web_blueprint
from gannan.web.console.messages import field_errors, problem_text
from gannan.web.errors import error_page, handle_problem
from gannan.web.forms import FormInvalid

_YUAN = re.compile(r"^\s*(\d{1,10})(?:\.(\d{1,2}))?\s*$")


def console_blueprint(name: str, import_name: str, default: Rule) -> tuple[Blueprint, Policy]:
    """A pages blueprint (session, CSRF, Policy: :func:`gannan.web.blueprints.web_blueprint`)
    whose refusals are told in the consoles' words."""
    blueprint, policy = web_blueprint(name, import_name, default=default)
    blueprint.register_error_handler(ProblemError, _handle_problem)
    return blueprint, policy


def _handle_problem(error: ProblemError):
    if isinstance(error, AuthenticationRequired):
        return handle_problem(error)  # to the sign-in page, and back here afterwards
    db.session.rollback()
    status = error.status if error.status in (400, 403, 404, 409, 422) else 400
    return error_page(status, problem_text(error))


def load_form(schema: Schema, body: dict[str, Any]) -> dict[str, Any]:
    """``schema.load(body)`` (the API's own schema), or :class:`FormInvalid` with one
    Chinese sentence per form field."""
    try:
        return schema.load(body)
    except ValidationError as exc:
        raise FormInvalid(field_errors(flatten_messages(exc.messages))) from exc


def fen(form: Mapping[str, str], name: str, required: bool = True) -> int | str | None:
    """An amount typed in 元 ("68.8", "68.80", "68") as integer fen, exactly (no float);
    text that is not an amount stays text, for the schema (strict integers) to refuse."""
    raw = (form.get(name) or "").strip().replace(",", "").replace("，", "")
    if not raw:
        return None if not required else raw
    match = _YUAN.match(raw)
    if not match:
        return raw
    whole, cents = match.groups()
    return int(whole) * 100 + int((cents or "0").ljust(2, "0"))


def yuan_input(value_fen: int | None) -> str:
    """Integer fen as the 元 a form field shows: 6880 → "68.80"."""
    if value_fen is None:
        return ""
    return f"{value_fen // 100}.{value_fen % 100:02d}"


def page_arg(name: str = "page") -> int:
    raw = request.args.get(name, "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 100_000 else 1


def render(template: str, http_status: int = 200, /, **context: Any):
    """A console page; ``errors`` (field → sentence), ``message`` and ``form`` default to
    empty so every form template can use them."""
    context.setdefault("errors", {})
    context.setdefault("message", None)
    context.setdefault("form", {})
    return render_template(template, **context), http_status


def refused(error: ProblemError) -> tuple[str, int]:
    """A sentence and status for a form a service refused."""
    db.session.rollback()
    return problem_text(error), error.status


def invalid(exc: FormInvalid) -> tuple[dict[str, str], str]:
    """The field sentences and the headline of a form its schema refused."""
    db.session.rollback()
    return exc.errors, "填写的内容有误，请检查标红的项目。"


def notification_text(note) -> str:
    """The Chinese of a seller notification (the catalog writes some in both languages)."""
    message = note.message
    if note.kind == "brand_licence_expired":
        return re.split(r"\s*Product \d+ was unpublished", message)[0]
    if note.kind == "block_lifted" and "may be published again: " in message:
        title, reason = message.split("may be published again: ", 1)
        return f"{title.strip()}已解除封禁，可以重新上架。原因：{reason}"
    if note.kind == "spot_check_failed":
        return (message.replace(" (spot check failed): ", "：").replace(", report ", "，报告 ")
                .replace(", sampled ", "，抽样日期 "))
    return message
