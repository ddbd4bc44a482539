"""Every pages blueprint is made here, so each gets the same hooks in the same order."""

from __future__ import annotations

from flask import Blueprint
from werkzeug.exceptions import HTTPException

from gannan.platform.auth import Policy, Rule, public
from gannan.platform.errors import ProblemError
from gannan.web.errors import handle_http, handle_problem, handle_unexpected
from gannan.web.session import load_session_user, protect_form


def web_blueprint(name: str, import_name: str, default: Rule = public) -> tuple[Blueprint, Policy]:
    """A pages blueprint: the session's account, then CSRF, then its Policy, before every
    view; errors rendered as pages."""
    blueprint = Blueprint(name, import_name)
    blueprint.before_request(load_session_user)
    blueprint.before_request(protect_form)
    blueprint.register_error_handler(ProblemError, handle_problem)
    blueprint.register_error_handler(HTTPException, handle_http)
    blueprint.register_error_handler(Exception, handle_unexpected)
    return blueprint, Policy(blueprint, default=default)
