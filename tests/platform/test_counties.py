"""The 18 county-level divisions of Ganzhou; retired codes are refused with their successor."""

import importlib.util
from pathlib import Path

import pytest

from gannan.platform.counties import CURRENT, RETIRED, county_rows
from gannan.platform.extensions import db
from gannan.platform.models import County
from tests.helpers import assert_problem

EXPECTED = {
    "360702": ("章贡区", "zhanggong", "district"), "360703": ("南康区", "nankang", "district"),
    "360704": ("赣县区", "ganxian", "district"), "360722": ("信丰县", "xinfeng", "county"),
    "360723": ("大余县", "dayu", "county"), "360724": ("上犹县", "shangyou", "county"),
    "360725": ("崇义县", "chongyi", "county"), "360726": ("安远县", "anyuan", "county"),
    "360728": ("定南县", "dingnan", "county"), "360729": ("全南县", "quannan", "county"),
    "360730": ("宁都县", "ningdu", "county"), "360731": ("于都县", "yudu", "county"),
    "360732": ("兴国县", "xingguo", "county"), "360733": ("会昌县", "huichang", "county"),
    "360734": ("寻乌县", "xunwu", "county"), "360735": ("石城县", "shicheng", "county"),
    "360781": ("瑞金市", "ruijin", "city"), "360783": ("龙南市", "longnan", "city"),
}


def test_lists_the_eighteen_current_divisions(client):
    body = client.get("/api/v1/counties").get_json()
    assert body["total"] == 18
    got = {c["code"]: (c["name"], c["pinyin"], c["kind"]) for c in body["items"]}
    assert got == EXPECTED
    assert [c["code"] for c in body["items"]] == sorted(EXPECTED)


def test_one_county(client):
    body = client.get("/api/v1/counties/360731").get_json()
    assert body == {"code": "360731", "name": "于都县", "pinyin": "yudu", "kind": "county"}


@pytest.mark.parametrize("code, successor", [("360727", "360783"), ("360782", "360703"),
                                             ("360721", "360704")])
def test_retired_codes_name_their_successor(client, code, successor):
    body = assert_problem(client.get(f"/api/v1/counties/{code}"), 422, "retired_county")
    assert successor in body["detail"]


@pytest.mark.parametrize("code", ["360799", "110101", "000000", "3607"])
def test_unknown_codes(client, code):
    assert_problem(client.get(f"/api/v1/counties/{code}"), 422, "unknown_county")


def test_migration_rows_match_the_reference_list():
    """The migration freezes the reference data; it must equal the list the code knows."""
    path = next(Path(__file__).parents[2].glob("migrations/versions/0001_*.py"))
    spec = importlib.util.spec_from_file_location("m0001", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    frozen = {row[0]: row for row in module.COUNTIES}
    for row in county_rows():
        code = row["code"]
        assert frozen[code] == (code, row["name"], row["pinyin"], row["kind"].value,
                                row["retired"], row["replaced_by"])
    assert len(frozen) == len(CURRENT) + len(RETIRED)
    in_db = db.session.scalars(db.select(County)).all()
    assert {c.code for c in in_db} == set(frozen)


def test_the_list_is_served_from_memory_with_an_etag(app, client):
    from sqlalchemy import event

    first = client.get("/api/v1/counties")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    assert "max-age=3600" in first.headers["Cache-Control"]
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        again = client.get("/api/v1/counties")
        unchanged = client.get("/api/v1/counties", headers={"If-None-Match": etag})
        other = client.get("/api/v1/counties", headers={"If-None-Match": '"stale"'})
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert statements == []
    assert again.data == first.data and again.headers["ETag"] == etag
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert unchanged.headers["ETag"] == etag
    assert other.status_code == 200 and other.data == first.data


def test_the_list_answers_with_exactly_these_headers(client):
    """The response is built from precomputed headers: the same ones, in the same order,
    as ``set_etag`` + ``cache_control`` + ``make_conditional`` wrote them."""
    first = client.get("/api/v1/counties")
    etag = first.headers["ETag"]
    assert [name for name, _ in first.headers] == [
        "Content-Type", "Content-Length", "ETag", "Cache-Control", "Date", "X-Request-ID"]
    assert first.headers["Content-Type"] == "application/json"
    assert first.headers["Content-Length"] == str(len(first.data))
    assert first.headers["Cache-Control"] == "public, max-age=3600"
    unchanged = client.get("/api/v1/counties", headers={"If-None-Match": etag})
    assert [name for name, _ in unchanged.headers] == [
        "ETag", "Cache-Control", "Date", "X-Request-ID"]
    head = client.head("/api/v1/counties")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(first.data))
    # the other conditional answers, and what is not offered (ranges, dates)
    assert client.head("/api/v1/counties", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/api/v1/counties", headers={"If-None-Match": f'W/{etag}'}) \
        .status_code == 304
    assert client.get("/api/v1/counties", headers={"If-Match": etag}).status_code == 200
    for ignored in ({"Range": "bytes=0-9"}, {"If-Range": etag, "Range": "bytes=0-9"},
                    {"If-Modified-Since": first.headers["Date"]}):
        whole = client.get("/api/v1/counties", headers=ignored)
        assert whole.status_code == 200 and whole.data == first.data, ignored
        assert "Date" in whole.headers and "Accept-Ranges" not in whole.headers


def test_the_list_skips_the_limiter_and_limited_routes_are_still_checked(app, client,
                                                                         monkeypatch):
    """The limiter's request filter exempts the counties before its bookkeeping: no limit
    is resolved for them, while any other route has its limits resolved, checked and
    counted as soon as one can apply to it (here a default limit).  As long as none can
    (the app configures no application-wide, default or blueprint limit), there is
    nothing to resolve before the view either."""
    from flask_limiter import Limit
    from flask_limiter.util import get_remote_address

    from gannan.platform.extensions import limiter

    resolved = []
    resolve = limiter.limit_manager.resolve_limits
    monkeypatch.setattr(limiter.limit_manager, "resolve_limits",
                        lambda *args, **kwargs: resolved.append(args[1])
                        or resolve(*args, **kwargs))
    assert client.get("/api/v1/counties").status_code == 200
    plain = client.get("/api/v1/categories")
    assert plain.status_code == 200 and "X-RateLimit-Limit" not in plain.headers
    assert resolved == []

    default = Limit("5/minute", key_function=get_remote_address).bind(limiter)
    monkeypatch.setattr(limiter.limit_manager, "_default_limits", [default])
    limited = [client.get("/api/v1/categories") for _ in range(2)]
    assert [r.status_code for r in limited] == [200, 200]
    assert [(r.headers["X-RateLimit-Limit"], r.headers["X-RateLimit-Remaining"])
            for r in limited] == [("5", "4"), ("5", "3")]
    assert client.get("/api/v1/counties").status_code == 200
    assert len(resolved) == 2 and all(name.startswith("categories.") for name in resolved)


def test_the_limiter_makes_no_context_for_the_list_and_still_answers_limited_routes(app):
    """RequestFilteredLimiter overrides the methods flask-limiter's own after-request and
    teardown hooks call: they must exist under these names, the list must leave no
    limiter context behind, and a limited route still gets its headers and its 429."""
    from flask_limiter import Limiter

    from gannan.platform.extensions import limiter

    for name in ("_Limiter__check_conditional_deductions", "_Limiter__release_context"):
        assert callable(getattr(Limiter, name, None)), name
    assert limiter._storage_dead is False
    for name in ("_application_limits", "_default_limits", "_blueprint_limits"):
        assert getattr(limiter.limit_manager, name) in ([], {}), name
    hooks = [getattr(hook, "func", hook) for hook in app.after_request_funcs[None]]
    assert Limiter._Limiter__inject_headers in hooks
    with app.test_request_context("/api/v1/counties"):
        response = app.full_dispatch_request()
        assert response.status_code == 200 and "X-RateLimit-Limit" not in response.headers
        assert limiter._untouched()
    with app.test_request_context("/api/v1/auth/token", method="POST",
                                  json={"email": "nobody@example.cn", "password": "x"}):
        response = app.full_dispatch_request()
        assert response.status_code == 401 and not limiter._untouched()
        assert int(response.headers["X-RateLimit-Limit"]) > 0
        assert limiter.current_limit is not None


def test_a_county_change_by_migration_gets_a_new_etag_once_reread(app, client):
    """Counties change only through a migration (then the app restarts); forget_counties
    is what a restart does to the cached list."""
    from gannan.platform.counties import forget_counties

    etag = client.get("/api/v1/counties").headers["ETag"]
    county = db.session.get(County, "360722")
    try:
        county.name = "信丰市"
        db.session.commit()
        forget_counties()
        changed = client.get("/api/v1/counties", headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.headers["ETag"] != etag
        assert "信丰市" in changed.get_data(as_text=True)
    finally:
        county.name = "信丰县"
        db.session.commit()
        forget_counties()
    assert client.get("/api/v1/counties").headers["ETag"] == etag
