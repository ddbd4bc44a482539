"""Ganzhou's county-level divisions (GB/T 2260), current and retired.

The 18 current divisions are the reference list every county field is checked
against.  Retired codes stay known so that a caller sending one is told which code
replaced it instead of a bare "unknown".

The table is reference data: only migrations write it (0001 loads it), and nothing in
the app changes it.  So each app reads it once, on first use, and keeps it in memory
with the bytes of ``GET /api/v1/counties`` and their ETag; a deployment that migrates
new county data restarts the app, which reads it again (:func:`forget_counties` does
the same in a running process).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import Flask, current_app

from gannan.platform.errors import PlatformErrorCode, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import County, CountyKind
from gannan.platform.pinyin import full_pinyin

CITY_PREFIX = "3607"

# code, name, kind (the suffix 区/市/县 is part of the official name)
CURRENT = [
    ("360702", "章贡区", CountyKind.DISTRICT),
    ("360703", "南康区", CountyKind.DISTRICT),
    ("360704", "赣县区", CountyKind.DISTRICT),
    ("360722", "信丰县", CountyKind.COUNTY),
    ("360723", "大余县", CountyKind.COUNTY),
    ("360724", "上犹县", CountyKind.COUNTY),
    ("360725", "崇义县", CountyKind.COUNTY),
    ("360726", "安远县", CountyKind.COUNTY),
    ("360728", "定南县", CountyKind.COUNTY),
    ("360729", "全南县", CountyKind.COUNTY),
    ("360730", "宁都县", CountyKind.COUNTY),
    ("360731", "于都县", CountyKind.COUNTY),
    ("360732", "兴国县", CountyKind.COUNTY),
    ("360733", "会昌县", CountyKind.COUNTY),
    ("360734", "寻乌县", CountyKind.COUNTY),
    ("360735", "石城县", CountyKind.COUNTY),
    ("360781", "瑞金市", CountyKind.CITY),
    ("360783", "龙南市", CountyKind.CITY),
]

# code, name, kind, successor
RETIRED = [
    ("360721", "赣县", CountyKind.COUNTY, "360704"),  # became 赣县区 in 2016
    ("360727", "龙南县", CountyKind.COUNTY, "360783"),  # became 龙南市 in 2020
    ("360782", "南康市", CountyKind.CITY, "360703"),  # became 南康区 in 2013
]


def place_pinyin(name: str) -> str:
    """Pinyin of the place without its administrative suffix: 宁都县 → ningdu."""
    stem = name[:-1] if len(name) > 2 and name[-1] in "区县市" else name
    return full_pinyin(stem)


def county_rows() -> list[dict]:
    rows = [
        {"code": c, "name": n, "pinyin": place_pinyin(n), "kind": k, "retired": False,
         "replaced_by": None}
        for c, n, k in CURRENT
    ]
    rows += [
        {"code": c, "name": n, "pinyin": place_pinyin(n), "kind": k, "retired": True,
         "replaced_by": r}
        for c, n, k, r in RETIRED
    ]
    return rows


@dataclass(frozen=True)
class CountyRef:
    """A county as the reference data holds it (read-only, shared by every request)."""

    code: str
    name: str
    pinyin: str
    kind: CountyKind
    retired: bool
    replaced_by: str | None


@dataclass(frozen=True)
class _Reference:
    counties: dict[str, CountyRef]
    current: list[CountyRef]  # by code
    listing: bytes | None = None  # the body of GET /api/v1/counties, once rendered
    etag: str | None = None


def _reference(app: Flask | None = None) -> _Reference:
    app = app or current_app._get_current_object()
    reference = app.extensions.get("counties")
    if reference is None:
        counties = {row.code: CountyRef(row.code, row.name, row.pinyin, row.kind, row.retired,
                                        row.replaced_by)
                    for row in db.session.scalars(db.select(County).order_by(County.code))}
        reference = _Reference(counties, [c for c in counties.values() if not c.retired])
        app.extensions["counties"] = reference
    return reference


def forget_counties(app: Flask | None = None) -> None:
    """Read the counties again on next use (after a migration changed them in this process)."""
    (app or current_app).extensions.pop("counties", None)


def county_name(code: str) -> str:
    """The name of a county, current or retired (KeyError for an unknown code)."""
    return _reference().counties[code].name


def current_counties() -> list[CountyRef]:
    return list(_reference().current)


def counties_listing(render) -> tuple[bytes, str]:
    """The body of the county list and its strong ETag; ``render(counties)`` makes the
    body the first time (the route passes its schema, so the bytes stay what it says)."""
    reference = _reference()
    if reference.listing is None:
        body = render(reference.current)
        etag = hashlib.sha256(body).hexdigest()[:32]
        reference = _Reference(reference.counties, reference.current, body, etag)
        current_app.extensions["counties"] = reference
    return reference.listing, reference.etag


def require_current_county(code: str, field: str = "county_code") -> CountyRef:
    """The county for ``code``, or a 422 saying why the code cannot be used."""
    counties = _reference().counties
    county = counties.get(code)
    if county is None:
        raise ValidationFailed(
            f"{code!r} is not a county-level division of Ganzhou (GB/T 2260 codes {CITY_PREFIX}xx).",
            code=PlatformErrorCode.UNKNOWN_COUNTY,
            field=field,
        )
    if county.retired:
        successor = counties.get(county.replaced_by) if county.replaced_by else None
        hint = f"; use {successor.code} {successor.name}" if successor else ""
        raise ValidationFailed(
            f"County code {code} ({county.name}) is retired{hint}.",
            code=PlatformErrorCode.RETIRED_COUNTY,
            field=field,
        )
    return county
