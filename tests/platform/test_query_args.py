"""Query strings and forms reach the argument schemas as webargs' own proxy gives them."""

from __future__ import annotations

import pytest
from marshmallow import Schema, ValidationError, fields
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import Headers, ImmutableMultiDict
from werkzeug.exceptions import BadRequestKeyError

from gannan.platform.jsonbody import BoundedJSONParser


class Args(Schema):
    q = fields.String()
    tags = fields.List(fields.String())
    page = fields.Integer(data_key="p")
    flag = fields.Boolean()


QUERIES = [
    [],
    [("q", "脐橙")],
    [("q", "脐橙"), ("q", "茶")],
    [("tags", "a"), ("tags", "b"), ("p", "2")],
    [("tags", ""), ("flag", "true"), ("page", "9"), ("other", "x")],
    [("p", "two")],
]


@pytest.mark.parametrize("pairs", QUERIES)
def test_the_proxy_reads_what_webargs_reads(pairs):
    query, schema = ImmutableMultiDict(pairs), Args()
    ours = BoundedJSONParser()._makeproxy(query, schema)
    theirs = MultiDictProxy(query, schema)
    assert type(ours) is not MultiDictProxy
    for name in ("q", "tags", "p", "page", "flag", "other"):
        assert ours.get(name, "absent") == theirs.get(name, "absent"), name
        assert (name in ours) == (name in theirs)
    assert dict(ours) == dict(theirs)
    try:
        expected = schema.load(theirs, unknown="exclude")
    except ValidationError as error:
        with pytest.raises(ValidationError) as raised:
            schema.load(ours, unknown="exclude")
        assert raised.value.messages == error.messages
    else:
        assert schema.load(ours, unknown="exclude") == expected


def test_a_missing_name_costs_no_http_exception(monkeypatch):
    """werkzeug's MultiDict makes a BadRequestKeyError for each name it lacks."""
    made = []
    init = BadRequestKeyError.__init__
    monkeypatch.setattr(BadRequestKeyError, "__init__",
                        lambda self, *args, **kwargs: made.append(args) or init(self, *args,
                                                                                   **kwargs))
    schema = Args()
    proxy = BoundedJSONParser()._makeproxy(ImmutableMultiDict([("q", "茶")]), schema)
    assert schema.load(proxy) == {"q": "茶"}
    assert made == []
    MultiDictProxy(ImmutableMultiDict([("q", "茶")]), schema).get("tags")
    assert made  # what it avoids


def test_other_containers_keep_webargs_proxy():
    proxy = BoundedJSONParser()._makeproxy(Headers([("X-Q", "1")]), Args())
    assert type(proxy) is MultiDictProxy
