"""The walls between roles: every bureau and county route × every role.

A county commerce office reaches its own county's routes only; the bureau and platform
admins reach every county's and the bureau's; sellers and shoppers reach none.  The
route table below must name every such route the app has (the last test checks it), so
a new route cannot skip this test.
"""

from __future__ import annotations

import pytest

from gannan import create_app
from gannan.platform.models import Role, SellerStatus, UserRole
from gannan.reporting.register.models import Applicant, ApplicantKind
from gannan.platform.extensions import db
from tests.factories import SellerFactory, UserFactory, valid_uscc
from tests.helpers import bearer, TEST_CONFIG

XINFENG, XINGGUO = "360722", "360732"
ROLES = ("anonymous", "consumer", "seller_owner", "office_xinfeng", "office_xingguo", "bureau",
         "admin")
BUREAU = {"bureau", "admin"}

# method, rule (as the app has it), path to request ({…} from the world fixture), body
BUREAU_ROUTES = [
    ("GET", "/api/v1/metrics/sales", "/api/v1/metrics/sales?from=2026-01&to=2026-12", None),
    ("GET", "/api/v1/metrics/logistics", "/api/v1/metrics/logistics?from=2026-01&to=2026-12",
     None),
    ("GET", "/api/v1/awards", "/api/v1/awards?year=2026", None),
    ("GET", "/api/v1/bureau/applicants", "/api/v1/bureau/applicants", None),
    ("POST", "/api/v1/bureau/applicants", "/api/v1/bureau/applicants", {}),
    ("GET", "/api/v1/bureau/applicants/lookup", "/api/v1/bureau/applicants/lookup?q=9", None),
    ("GET", "/api/v1/bureau/applicants/<id:applicant_id>",
     "/api/v1/bureau/applicants/{xinfeng_applicant}", None),
    ("PATCH", "/api/v1/bureau/applicants/<id:applicant_id>",
     "/api/v1/bureau/applicants/{xinfeng_applicant}", {"kind": "nope"}),
    ("GET", "/api/v1/bureau/applicants/<id:applicant_id>/changes",
     "/api/v1/bureau/applicants/{xinfeng_applicant}/changes", None),
    ("PUT", "/api/v1/bureau/applicants/<id:applicant_id>/figures",
     "/api/v1/bureau/applicants/{xinfeng_applicant}/figures", {}),
    ("GET", "/api/v1/bureau/award-settings", "/api/v1/bureau/award-settings", None),
    ("PUT", "/api/v1/bureau/award-settings", "/api/v1/bureau/award-settings", {}),
    ("GET", "/api/v1/bureau/external-sales", "/api/v1/bureau/external-sales?year=2026", None),
    ("PUT", "/api/v1/bureau/external-sales", "/api/v1/bureau/external-sales", {}),
    ("GET", "/api/v1/bureau/figures", "/api/v1/bureau/figures?year=2026", None),
    ("GET", "/api/v1/bureau/imports", "/api/v1/bureau/imports", None),
    ("POST", "/api/v1/bureau/imports", "/api/v1/bureau/imports", {}),
    ("POST", "/api/v1/bureau/imports/check", "/api/v1/bureau/imports/check", {}),
    ("GET", "/api/v1/bureau/imports/template.xlsx", "/api/v1/bureau/imports/template.xlsx",
     None),
    ("GET", "/api/v1/bureau/imports/template.csv", "/api/v1/bureau/imports/template.csv", None),
    ("GET", "/api/v1/bureau/livestream-bases", "/api/v1/bureau/livestream-bases", None),
    ("POST", "/api/v1/bureau/livestream-bases", "/api/v1/bureau/livestream-bases", {}),
    ("PUT", "/api/v1/bureau/livestream-bases/<id:base_id>", "/api/v1/bureau/livestream-bases/1",
     {}),
]
COUNTY = "/api/v1/counties/<string:county_code>"
COUNTY_ROUTES = [
    ("GET", f"{COUNTY}/metrics/sales", "/metrics/sales?from=2026-01&to=2026-12", None),
    ("GET", f"{COUNTY}/metrics/logistics", "/metrics/logistics?from=2026-01&to=2026-12",
     None),
    ("GET", f"{COUNTY}/sellers", "/sellers", None),
    ("GET", f"{COUNTY}/sellers/<id:seller_id>", "/sellers/{xinfeng_seller}", None),
    ("GET", f"{COUNTY}/applicants", "/applicants", None),
    ("GET", f"{COUNTY}/applicants/lookup", "/applicants/lookup?q=9", None),
    ("GET", f"{COUNTY}/applicants/<id:applicant_id>", "/applicants/{xinfeng_applicant}", None),
    ("GET", f"{COUNTY}/figures", "/figures?year=2026", None),
]
RECOMMEND = ("POST", f"{COUNTY}/sellers/<id:seller_id>/recommend",
             "/sellers/{xinfeng_pending}/recommend", {})
# the city's certified monthly reports: the bureau's and admins', not a county office's
REPORT_ROUTES = [
    ("GET", "/api/v1/reports/monthly", "/api/v1/reports/monthly", 200),
    ("GET", "/api/v1/reports/monthly/<string:name>", "/api/v1/reports/monthly/2026-10", 404),
]


@pytest.fixture
def world():
    """Users of every role, and a seller, a pending seller and an applicant per county,
    written in one commit (this fixture runs some 250 times)."""
    def user(*roles):
        return UserFactory.build(role_rows=[UserRole(role=r, county_code=c) for r, c in roles])

    users = {"anonymous": None, "consumer": user(), "seller_owner": user(),
             "office_xinfeng": user((Role.COUNTY_OFFICER, XINFENG)),
             "office_xingguo": user((Role.COUNTY_OFFICER, XINGGUO)),
             "bureau": user((Role.BUREAU, None)), "admin": user((Role.PLATFORM_ADMIN, None))}
    sellers = {"xinfeng_seller": SellerFactory.build(county_code=XINFENG,
                                                     status=SellerStatus.APPROVED,
                                                     owner=users["seller_owner"]),
               "xingguo_seller": SellerFactory.build(county_code=XINGGUO,
                                                     status=SellerStatus.APPROVED,
                                                     owner=user()),
               "xinfeng_pending": SellerFactory.build(county_code=XINFENG, owner=user())}
    applicants = {f"{name}_applicant": Applicant(
        uscc=valid_uscc(8000 + number, county), name=f"申报主体{number}",
        kind=ApplicantKind.ENTERPRISE, county_code=county)
        for number, (name, county) in enumerate((("xinfeng", XINFENG), ("xingguo", XINGGUO)))}
    db.session.add_all([u for u in users.values() if u] + list(sellers.values())
                       + list(applicants.values()))
    db.session.commit()
    return users, {key: row.id for key, row in {**sellers, **applicants}.items()}


def call(client, user, method, path, body):
    headers = bearer(user) if user is not None else {}
    return client.open(path, method=method, json=body, headers=headers)


def expect_denied(response, role):
    status = 401 if role == "anonymous" else 403
    assert response.status_code == status, (role, response.get_json())
    assert response.mimetype == "application/problem+json"


def expect_allowed(response, role, method):
    """Past the wall: a GET succeeds; a write with an empty body fails validation (422)
    or the thing it names is missing (404), never 401/403."""
    assert response.status_code not in (401, 403), (role, response.get_json())
    if method == "GET":
        assert response.status_code == 200, (role, response.get_json())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "rule", "path", "body"), BUREAU_ROUTES,
                         ids=[f"{m} {r}" for m, r, _, _ in BUREAU_ROUTES])
def test_bureau_routes(client, world, role, method, rule, path, body):
    users, ids = world
    response = call(client, users[role], method, path.format(**ids), body)
    if role in BUREAU:
        expect_allowed(response, role, method)
    else:
        expect_denied(response, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "rule", "path", "body"), COUNTY_ROUTES,
                         ids=[f"{m} {r}" for m, r, _, _ in COUNTY_ROUTES])
def test_county_routes(client, world, role, method, rule, path, body):
    users, ids = world
    response = call(client, users[role], method, f"/api/v1/counties/{XINFENG}"
                    + path.format(**ids), body)
    if role in BUREAU | {"office_xinfeng"}:
        expect_allowed(response, role, method)
    else:
        expect_denied(response, role)
        if role == "office_xingguo":
            assert response.get_json()["code"] == "not_county_officer"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "rule", "path", "allowed"), REPORT_ROUTES,
                         ids=[f"{m} {r}" for m, r, _, _ in REPORT_ROUTES])
def test_report_routes(client, world, role, method, rule, path, allowed):
    """Past the wall the list answers, and a month not built yet is report_not_found."""
    users, _ = world
    response = call(client, users[role], method, path, None)
    if role in BUREAU:
        assert response.status_code == allowed, (role, response.get_json())
    else:
        expect_denied(response, role)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_countys_office_recommends(client, world, role):
    users, ids = world
    method, _, path, body = RECOMMEND
    response = call(client, users[role], method, f"/api/v1/counties/{XINFENG}"
                    + path.format(**ids), body)
    if role == "office_xinfeng":
        assert response.status_code == 200, response.get_json()
    else:
        expect_denied(response, role)


@pytest.mark.parametrize(("path", "other"), [
    ("/applicants/{xingguo_applicant}", "applicant_not_found"),
    ("/sellers/{xingguo_seller}", "seller_not_found"),
])
def test_an_office_does_not_see_another_countys_things_through_its_own_path(client, world,
                                                                            path, other):
    users, ids = world
    response = call(client, users["office_xinfeng"], "GET",
                    f"/api/v1/counties/{XINFENG}" + path.format(**ids), None)
    assert response.status_code == 404 and response.get_json()["code"] == other


def test_an_offices_lists_hold_its_county_only(client, world):
    users, ids = world
    office = users["office_xinfeng"]
    applicants = call(client, office, "GET", f"/api/v1/counties/{XINFENG}/applicants",
                      None).get_json()
    assert [a["id"] for a in applicants["items"]] == [ids["xinfeng_applicant"]]
    lookup = call(client, office, "GET", f"/api/v1/counties/{XINFENG}/applicants/lookup?q=9",
                  None).get_json()["items"]
    assert {i["county_code"] for i in lookup} == {XINFENG}
    assert ids["xingguo_seller"] not in {(i["seller"] or {}).get("id") for i in lookup}


def test_the_route_table_names_every_bureau_and_county_route():
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    have = {(method, rule.rule) for rule in app.url_map.iter_rules()
            if rule.rule.startswith(("/api/v1/bureau", "/api/v1/metrics", "/api/v1/awards",
                                     "/api/v1/reports/monthly", COUNTY))
            for method in rule.methods - {"HEAD", "OPTIONS"}}
    tested = {(m, r) for m, r, _, _ in (*BUREAU_ROUTES, *COUNTY_ROUTES, RECOMMEND,
                                        *REPORT_ROUTES)}
    assert have == tested
