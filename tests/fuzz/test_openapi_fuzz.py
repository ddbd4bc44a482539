"""The fuzz gate: schemathesis over the whole OpenAPI document, anonymous and as each role.

Every operation the document lists is called with what schemathesis makes of its
schema (the documented examples, boundary and type-violating values of every
parameter and body field, then random valid and invalid inputs), as each role of
``ROLE_ACCOUNTS``, against the demo catalogue.  A case fails the gate when the API
answers 5xx, or answers anything the document does not say it answers: a status,
content type, header or body that contradicts it, an error that is not a problem
document with a stable code, or a request that breaks the document's schema and is
accepted anyway.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.openapi.checks import UndefinedContentType
from schemathesis.specs.openapi.checks import content_type_conformance, positive_data_acceptance

from gannan import create_app
from tests.helpers import TEST_CONFIG

PROBLEM = "application/problem+json"
# Cases per operation in the fuzzing phase; the examples and coverage phases add
# their own deterministic cases on top.  FUZZ_MAX_EXAMPLES raises it for a deep run.
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
SEED = int(os.environ.get("FUZZ_SEED", "20261"))


def _document() -> dict:
    """The document as the API serves it (building it touches no database)."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return app.test_client().get("/api/v1/openapi.json").get_json()


def _config(coverage: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": SEED,
        # allow-x00: the document's description says no string holds NUL (tests cover
        # its refusal); with-security-parameters: each role sends its own token.
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none", "allow-x00": False,
                       "with-security-parameters": False},
        "phases": {"coverage": {"enabled": coverage}, "stateful": {"enabled": False}},
    })


# apispec writes marshmallow's Url as ``format: url``: an http(s) address.
schemathesis.openapi.format("url", st.builds(
    "https://{}.example.cn/{}.jpg".format,
    st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
    st.from_regex(r"[a-z0-9_/-]{0,40}", fullmatch=True)))
DOCUMENT = _document()
# Every phase (examples, coverage, fuzzing) for the roles that reach every operation
# between them: anonymous (public ones), the seller's owner (its catalogue and orders)
# and the platform admin (also a consumer, and let in wherever the bureau is).  The
# consumer and the bureau reach a subset of the admin's operations, through the same
# access rules before any input is read: the examples and fuzzing phases for them.
DEEP_ROLES = ["anonymous", "seller_owner", "platform_admin"]
LIGHT_ROLES = ["consumer", "bureau"]
deep = schemathesis.openapi.from_dict(DOCUMENT, config=_config(coverage=True))
light = schemathesis.openapi.from_dict(DOCUMENT, config=_config(coverage=False))


def _mimetype(response) -> str:
    values = response.headers.get("content-type") or [""]
    return values[0].split(";")[0].strip().lower()


def documented_content_type(ctx, response, case):
    """schemathesis' content_type_conformance, except that an error answered as
    application/problem+json (an application/json document, RFC 9457) conforms where
    the document still declares application/json for it."""
    try:
        return content_type_conformance(ctx, response, case)
    except UndefinedContentType as failure:
        if (response.status_code >= 400 and _mimetype(response) == PROBLEM
                and "application/json" in failure.defined_content_types):
            return None
        raise


def problem_details(ctx, response, case):
    """Every error is a problem document (RFC 9457) with a stable code."""
    if response.status_code < 400:
        return None
    assert _mimetype(response) == PROBLEM, (
        f"{response.status_code} answered as {_mimetype(response)!r}, not {PROBLEM}")
    body = json.loads(response.content)
    code = body.get("code")
    assert isinstance(code, str) and code, f"problem without a code: {body}"
    assert body.get("type") == f"urn:gannan:problem:{code}", body
    assert body.get("status") == response.status_code, body
    return None


#: Codes of the schema layer itself: a request the document calls valid must not get them.
SCHEMA_CODES = {"validation_error", "unknown_field", "malformed_json"}


def schema_valid_accepted(ctx, response, case):
    """A request the document calls valid passes the API's own schemas.

    Business rules may still refuse it (an unknown seller, a retired county, too little
    stock: 4xx with their own code); schemathesis' positive_data_acceptance cannot tell
    those apart, so this check looks at the problem's code instead.
    """
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code not in (400, 422):
        return None
    body = json.loads(response.content)
    assert body.get("code") not in SCHEMA_CODES or not body.get("errors"), (
        f"a request valid by the document was refused by the schema: {body}")
    return None


def call_and_check(case, app, role_headers, fuzz_tally) -> None:
    case.operation.schema.app = app  # the checks' own probes go to the app too
    fuzz_tally["cases"] += 1
    phase = case.meta.phase.name.value if case.meta else "explicit"
    fuzz_tally[phase] = fuzz_tally.get(phase, 0) + 1
    response = case.call(headers=role_headers, app=app)
    if response.status_code >= 500:
        fuzz_tally["5xx"] += 1
    case.validate_response(
        response,
        headers=role_headers,
        excluded_checks=[content_type_conformance, positive_data_acceptance],
        additional_checks=[documented_content_type, problem_details, schema_valid_accepted],
        transport_kwargs={"app": app, "headers": role_headers},
    )


@pytest.mark.parametrize("role", DEEP_ROLES, indirect=True)
@deep.parametrize()
def test_api_answers_as_documented(case, app, role_headers, fuzz_tally):
    call_and_check(case, app, role_headers, fuzz_tally)


@pytest.mark.parametrize("role", LIGHT_ROLES, indirect=True)
@light.parametrize()
def test_api_answers_as_documented_to_every_role(case, app, role_headers, fuzz_tally):
    call_and_check(case, app, role_headers, fuzz_tally)
