"""Fields every schema builds on: integers a column holds, one-line texts.

Every integer a client sends is bounded by what its column holds, and read only from
ASCII digits; every name or title is one printable, non-blank line.  The schemas of
every domain take their fields from here (re-exported by ``platform/schemas.py``).
"""

from __future__ import annotations

import re
import unicodedata

from marshmallow import ValidationError, fields, validate

# What the database's integer columns hold: INTEGER (ids, counts, prices of one SKU)
# and BIGINT (money summed over orders and years).
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
_ASCII_INTEGER = re.compile(r"-?[0-9]{1,20}")


class BoundedInteger(fields.Integer):
    """An integer between ``minimum`` and ``maximum``, by default what an INTEGER column
    holds; every integer a client sends is one of these, so none reaches the database
    out of range.

    ``strict`` (JSON bodies) takes only JSON integers.  Otherwise (query strings) the
    text must be ASCII digits with an optional minus: ``int()`` would also read ``"１２"``
    (fullwidth), ``" 12"`` or ``"1_2"``, which are not numbers here.
    """

    def __init__(self, *, minimum: int = 0, maximum: int = INT32_MAX, strict: bool = True,
                 **kwargs) -> None:
        extra = kwargs.pop("validate", None) or []
        super().__init__(strict=strict, **kwargs, validate=[
            validate.Range(min=minimum, max=maximum),
            *(extra if isinstance(extra, list) else [extra])])

    def _validated(self, value):
        if isinstance(value, str) and not _ASCII_INTEGER.fullmatch(value):
            raise self.make_error("invalid")
        return super()._validated(value)


def integer(minimum: int = 0, maximum: int = INT32_MAX, **kwargs) -> BoundedInteger:
    """A JSON integer a column holds (INTEGER unless ``maximum`` says BIGINT)."""
    return BoundedInteger(minimum=minimum, maximum=maximum, **kwargs)


def ident(**kwargs) -> BoundedInteger:
    """A row id: a positive INTEGER."""
    return BoundedInteger(minimum=1, maximum=INT32_MAX, **kwargs)


def query_integer(minimum: int = 0, maximum: int = INT32_MAX, **kwargs) -> BoundedInteger:
    """An integer in a query string (ASCII digits)."""
    return BoundedInteger(minimum=minimum, maximum=maximum, strict=False, **kwargs)


def parse_id(raw: object) -> int | None:
    """``raw`` (a query argument, a token's subject) as a row id, or None if it is not
    one: the same rule as :func:`ident`, ASCII digits within INTEGER."""
    try:
        return BoundedInteger(minimum=1, strict=False).deserialize(str(raw))
    except ValidationError:
        return None


# Control characters (Unicode Cc); a multi-line text keeps tab, line feed and return.
_CONTROL = r"\u0000-\u001f\u007f-\u009f"
_CONTROL_BUT_LINES = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
_SPACE = re.compile(r"[\s\ufeff]*")  # what ECMA-262's \s matches, as Python sees it


def _text_pattern(refused: str) -> str:
    """The rule below as the document's ``pattern`` (ECMA-262): no character of the
    class ``refused``, and at least one that is neither space nor control."""
    return f"^[^{refused}]*[^\\s{_CONTROL}][^{refused}]*$"


def _check_text(value: str, multiline: bool) -> bool:
    for ch in value:
        if unicodedata.category(ch) == "Cc" and not (multiline and ch in "\t\n\r"):
            raise ValidationError("Must not contain control characters (NUL, ESC"
                                  + (")." if multiline else ", tabs, line breaks…)."))
    if _SPACE.fullmatch(value):
        raise ValidationError("Must not be blank.")
    return True


def text(max_len: int, *, multiline: bool = False, metadata: dict | None = None,
         **kwargs) -> fields.String:
    """A non-blank one-line string of at most ``max_len`` characters: names, titles,
    labels.  Control characters and all-whitespace values are refused; ``multiline``
    (reasons, notes) lets line breaks and tabs through.  The document states the same
    rule as a ``pattern``."""
    pattern = _text_pattern(_CONTROL_BUT_LINES if multiline else _CONTROL)
    return fields.String(
        validate=[validate.Length(min=1, max=max_len),
                  lambda value: _check_text(value, multiline)],
        metadata={"pattern": pattern, **(metadata or {})}, **kwargs)


class JSONBoolean(fields.Boolean):
    """``true`` or ``false`` and nothing else: marshmallow's Boolean also reads 1, "yes",
    "on"…, which the document (``type: boolean``) does not allow."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def flag(**kwargs) -> JSONBoolean:
    """A boolean in a JSON body."""
    return JSONBoolean(**kwargs)
