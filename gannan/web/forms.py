"""Forms are checked by the API's own marshmallow schemas.

An HTML form sends strings; the schemas take JSON types (``quantity`` is a strict
integer).  :func:`load` turns the few typed fields into what a JSON client would send
— digits become an int, anything else stays a string for the schema to refuse — and
leaves blank fields out, then loads with the schema; nothing is validated here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError

from gannan.platform.errors import flatten_messages
from gannan.web.messages import field_errors

_INTEGER = re.compile(r"^-?\d{1,12}$")


class FormInvalid(Exception):
    """The schema refused the form; ``errors`` maps form field → Chinese sentence."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def typed(value: str, integer: bool) -> Any:
    value = value.strip()
    return int(value) if integer and _INTEGER.match(value) else value


def payload(form: Mapping[str, str], fields: Iterable[str],
            integers: Iterable[str] = ()) -> dict[str, Any]:
    """The JSON body a client would send for these form fields.  A blank field is left
    out, as a client would, so the schema names a required one as missing."""
    integers = set(integers)
    body: dict[str, Any] = {}
    for name in fields:
        raw = form.get(name)
        if raw is not None and raw.strip():
            body[name] = typed(raw, name in integers)
    return body


def load(schema: Schema, body: dict[str, Any], unknown: str | None = None) -> dict[str, Any]:
    """``schema.load(body)``, or :class:`FormInvalid` with a sentence per field."""
    try:
        return schema.load(body, unknown=unknown) if unknown else schema.load(body)
    except ValidationError as exc:
        raise FormInvalid(field_errors(flatten_messages(exc.messages))) from exc


def load_query(schema: Schema, args: Mapping[str, str]) -> dict[str, Any]:
    """Query arguments for a search page: blank ones dropped, unknown ones ignored."""
    return load(schema, {k: v for k, v in args.items() if v.strip()}, unknown=EXCLUDE)
