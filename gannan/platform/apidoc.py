"""The error catalogue and the security of each operation, in the OpenAPI document.

An apispec plugin, called for every path flask-smorest registers.  For each operation
it reads what the operation can answer with (``platform.raises``) from the code that
runs: the blueprint's :class:`~gannan.platform.auth.Policy` rule for the view, the
view and what it calls, its ``@blp.arguments`` schemas (422, malformed JSON, bodies
over the limit), rate limits (429), ``<id:…>`` path ids (404) and the app-wide
safety nets (409 ``conflict`` on writes, 500, 503 for outages).  Then it documents

- every error status as ``application/problem+json`` with the shared ``Problem``
  schema, the ``code`` narrowed to that status's codes;
- ``x-error-codes``: the sorted codes of the operation;
- ``security: []`` on operations whose rule lets anonymous callers in (the bearer
  token is the document's default, ``API_SPEC_OPTIONS["security"]``), and an
  optional token where the answer depends on who asks;

and keeps the whole catalogue at the top of the document under ``x-error-codes``:
every code with its domain, statuses and scope: ``operation``; ``request`` for the
few no operation answers with (``errors.REQUEST_LEVEL_CODES``: routing, the health
check); ``guard`` for the ORM guards' (``raises.guard``), which refuse a write no
operation makes.  Nothing is listed by hand, so the document
changes with the code; the test suite checks every problem it meets against it.
"""

from __future__ import annotations

from collections import defaultdict
from http import HTTPStatus
from typing import Any

from apispec import BasePlugin
from flask import Flask
from flask_limiter import Limit
from marshmallow import RAISE, Schema

from gannan.platform.auth import public
from gannan.platform.errors import REQUEST_LEVEL_CODES, ErrorCodeEnum, PlatformErrorCode
from gannan.platform.raises import GUARDS, Problem, problems

PROBLEM_SCHEMA_REF = {"$ref": "#/components/schemas/Problem"}
BEARER = {"bearerAuth": []}
_METHODS = {"get", "post", "put", "patch", "delete"}
_BODY_LOCATIONS = {"json", "form", "json_or_form", "files", "form_and_files"}


class ErrorCatalogue(BasePlugin):
    """apispec plugin: error responses, ``x-error-codes`` and security per operation."""

    def __init__(self, app: Flask, problem_schema: type[Schema]) -> None:
        self.app = app
        self.problem_schema = problem_schema
        self.catalogue: dict[str, dict[str, Any]] = {}

    def init_spec(self, spec) -> None:
        super().init_spec(spec)
        spec.components.schema("Problem", schema=self.problem_schema)
        for code, status in REQUEST_LEVEL_CODES.items():
            self._catalogue(code, status, scope="request")
        spec.options["x-error-codes"] = self.catalogue

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        for status, code in problems(*GUARDS):  # guards register as their modules load
            self._catalogue(code, status, scope="guard")
        for method, operation in operations.items():
            if method in _METHODS:
                found = operation_problems(self.app, rule, method)
                self._document(operation, found)
                self._secure(operation, found, rule, method)

    def _document(self, operation: dict[str, Any], found: set[Problem]) -> None:
        responses = operation.setdefault("responses", {})
        for status in [s for s in responses if str(s) == "default" or int(s) >= 400]:
            del responses[status]  # flask-smorest's generic error placeholders
        by_status: dict[int, set[str]] = defaultdict(set)
        for status, code in found:
            by_status[status].add(code.value)
            self._catalogue(code, status)
        for status, codes in sorted(by_status.items()):
            ordered = sorted(codes)
            responses[str(status)] = {
                "description": f"{HTTPStatus(status).phrase}: "
                               + ", ".join(f"`{c}`" for c in ordered),
                "content": {"application/problem+json": {"schema": {"allOf": [
                    PROBLEM_SCHEMA_REF,
                    {"type": "object", "properties": {"code": {"type": "string",
                                                               "enum": ordered}}},
                ]}}},
            }
        operation["x-error-codes"] = sorted({code.value for _, code in found})

    def _secure(self, operation: dict[str, Any], found: set[Problem], rule, method: str) -> None:
        if (401, PlatformErrorCode.AUTHENTICATION_REQUIRED) in found:
            return  # the document's default: a bearer token
        view_rule = _policy_rule(self.app, rule, method)
        # Anonymous callers are let in; where the rule is not plain public, the answer
        # depends on who asks (members see more), so a token is optional.
        operation["security"] = [] if view_rule in (None, public) else [{}, BEARER]

    def _catalogue(self, code: ErrorCodeEnum, status: int | None,
                   scope: str = "operation") -> None:
        entry = self.catalogue.setdefault(code.value, {
            "domain": type(code).__module__.split(".")[1], "statuses": [], "scope": scope})
        if status is not None and status not in entry["statuses"]:
            entry["statuses"] = sorted([*entry["statuses"], status])


def _policy_rule(app: Flask, rule, method: str):
    blueprint_name, _, view_name = rule.endpoint.rpartition(".")
    policy = getattr(app.blueprints.get(blueprint_name), "policy", None)
    return policy.rule_for(view_name, method) if policy else None


def _view_function(app: Flask, rule, method: str):
    view = app.view_functions[rule.endpoint]
    view_class = getattr(view, "view_class", None)
    return (getattr(view_class, method) if view_class else view), view_class


#: What any operation answers while a service it needs is down or busy.
OUTAGE_CODES = (PlatformErrorCode.DATABASE_UNAVAILABLE, PlatformErrorCode.DATABASE_BUSY,
                PlatformErrorCode.TASK_QUEUE_UNAVAILABLE)


def operation_problems(app: Flask, rule, method: str) -> set[Problem]:
    """Every ``(status, code)`` one operation (URL rule and HTTP method) can answer."""
    func, view_class = _view_function(app, rule, method)
    access = _policy_rule(app, rule, method)
    found = set(problems(func, *([access] if access else [])))
    for parameter in getattr(func, "_apidoc", {}).get("arguments", {}).get("parameters", []):
        found |= _argument_problems(parameter["in"], parameter["schema"])
    if any(isinstance(d, Limit) for d in getattr(view_class, "decorators", ())):
        found.add((429, PlatformErrorCode.RATE_LIMITED))
    if "<id:" in rule.rule:  # ids outside 1 … 2**31-1 never reach the view
        found.add((404, PlatformErrorCode.NOT_FOUND))
    if method != "get":  # a write that loses a race on a unique constraint
        found.add((409, PlatformErrorCode.CONFLICT))
    found.add((500, PlatformErrorCode.INTERNAL_ERROR))
    # Outages (platform.outages): the database or the task queue did not answer, or too
    # many writers at once; nothing was changed and the client may retry.
    found.update((503, code) for code in OUTAGE_CODES)
    return found


def _argument_problems(location: str, schema: Schema | type[Schema]) -> set[Problem]:
    """What webargs answers when arguments from ``location`` fail ``schema``."""
    own = getattr(schema, "problem_code", None)
    if own:
        return {(422, own)}
    found: set[Problem] = {(422, PlatformErrorCode.VALIDATION_ERROR)}
    if location in _BODY_LOCATIONS:
        found.add((413, PlatformErrorCode.PAYLOAD_TOO_LARGE))
        if "json" in location:  # platform.jsonbody reads every JSON body
            found.update({(400, PlatformErrorCode.MALFORMED_JSON),
                          (400, PlatformErrorCode.JSON_TOO_DEEP),
                          (400, PlatformErrorCode.NUMBER_TOO_LONG)})
        instance = schema() if isinstance(schema, type) else schema
        if instance.unknown == RAISE:
            found.add((422, PlatformErrorCode.UNKNOWN_FIELD))
    return found
